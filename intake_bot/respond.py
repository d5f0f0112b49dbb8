"""What the bot does at once for a new ticket (RULES R-0), from the handlers' outcomes.

One reply per new ticket, chosen in this order: the seller redirect (with the forward to the
seller's privacy contact when a supplied number links the seller, P-2/P-3, D-30), an identity
question (ID-4, which pauses the clock, D-10), or the plain acknowledgement. Protective actions
(survey or marketing suppression, ID-7) are recorded alongside. Nothing from company records goes
to an unverified requester (ID-1): replies carry the ref, the due date and generic text only;
the seller is named only when the requester supplied a number that matched it (P-4).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

import handlers
from handlers.base import HandlerContext, Outcome
from intake_bot import deadlines, identity, normalize
from intake_bot.policy import PolicyFacts
from intake_bot.replies import Rendered
from intake_bot.store import tickets
from intake_bot.store.models import Client, OutboxMessage, Suppression, Ticket, TicketTask
from mail import threads
from mail.outgoing import queue_mail, reply_subject

# The automatic replies to a requester; together they count against the per-sender limit.
REPLY_KINDS = ("acknowledgement", "identity_question", "seller_redirect", "information_answer")

if TYPE_CHECKING:  # the pipeline imports this module
    from intake_bot.pipeline import Intake, StepContext


def handler_context(item: Intake, ticket: Ticket, policy: PolicyFacts) -> HandlerContext:
    v = item.verification
    stages = frozenset(stage or "closed" for stage in (v.stages if v else ()))
    return HandlerContext(
        rights=tuple(ticket.rights), subject_type=ticket.subject_type,
        controller=ticket.controller, verification=ticket.verification,
        missing_factor=identity.missing_factor(v) if v else "K1", stages=stages,
        has_seller_link=item.seller is not None, language=ticket.language or "da",
        policy=policy,
        representative=str(v.evidence["representative"]) if v and v.evidence.get(
            "representative") else None,
        authority_document=bool(v and v.evidence.get("authority_document")),
    )


def plan(item: Intake, ticket: Ticket, policy: PolicyFacts) -> list[Outcome]:
    return handlers.plan(handler_context(item, ticket, policy), ticket.gdpr_related)


async def respond(ctx: StepContext, item: Intake, outcomes: list[Outcome]) -> None:
    """Carry out the immediate actions for a new ticket and send its one reply."""
    ticket, sender = item.ticket, item.sender
    if ticket is None or sender is None:
        return
    actions = [a for o in outcomes for a in o.actions]
    kinds = {a.kind for a in actions}
    for action in actions:
        if action.kind == "suppress_contact":
            await _suppress(ctx, sender, action.detail, ticket)
    if _mixed_case(item):
        await _task(ctx, ticket, "forward_invoice_part", None)
    blocked = await ack_blocked(ctx, sender)
    if blocked:
        await tickets.add_event(ctx.sess, ticket, "system", "reply_suppressed",
                                {"reason": blocked})
        return
    if "redirect_to_seller" in kinds:
        await _redirect(ctx, item, ticket, sender, "forward_to_seller" in kinds)
    elif "answer_information" in kinds:
        await _answer_information(ctx, item, ticket, sender)
    elif "ask_identity" in kinds:
        detail = next(a.detail for a in actions if a.kind == "ask_identity")
        await _ask_identity(ctx, item, ticket, sender, detail)
    else:
        await _acknowledge(ctx, item, ticket, sender)


def _mixed_case(item: Intake) -> bool:
    """A verified person with both a collection and an invoice case (§ 3.1 row 3)."""
    v = item.verification
    return v is not None and {"collection", "invoice"} <= v.stages


async def _send(ctx: StepContext, item: Intake, ticket: Ticket, to: str, kind: str,
                rendered: Rendered) -> OutboxMessage:
    mail = item.mail
    return await queue_mail(
        ctx.sess, ctx.settings.relay, ticket=ticket, kind=kind, to=to, rendered=rendered,
        subject=reply_subject(ticket, rendered, item.subject),
        reply_to=threads.ticket_reply_address(ctx.settings.smtp, ticket),
        in_reply_to=mail.message_id if mail else None,
        references=mail.references if mail else (),
    )


def _common(ctx: StepContext, ticket: Ticket) -> dict[str, str]:
    return {
        "ref": ticket.ref, "company": ctx.settings.service.company_name,
        "reply_address": threads.ticket_reply_address(ctx.settings.smtp, ticket),
    }


async def _acknowledge(ctx: StepContext, item: Intake, ticket: Ticket, to: str) -> None:
    template = ctx.templates.get("acknowledgement", ticket.language)
    rendered = template.render(
        due=ticket.due, **_common(ctx, ticket),
        **({} if ticket.gdpr_related else {"due_paragraph": ""}),
    )
    await _send(ctx, item, ticket, to, "acknowledgement", rendered)


async def _answer_information(ctx: StepContext, item: Intake, ticket: Ticket, to: str) -> None:
    """R-INF: general questions answered at once from the policy facts (R-0 allows it)."""
    policy, danish = ctx.policy, ticket.language in ("da", "nb", "sv")
    language = "da" if danish else "en"
    template = ctx.templates.get("information_answer", language)
    rendered = template.render(
        due=ticket.due, **_common(ctx, ticket),
        purposes="\n".join(f"- {p.label_da if danish else p.label_en}" for p in policy.purposes),
        recipients=", ".join(policy.recipients_da if danish else policy.recipients),
        retention="\n".join(f"- {what}: {period}" for what, period
                             in (policy.retention_da if danish else policy.retention)),
        authority=policy.authority_text(),
    )
    await _send(ctx, item, ticket, to, "information_answer", rendered)


async def _ask_identity(ctx: StepContext, item: Intake, ticket: Ticket, to: str,
                        factor: str) -> None:
    """ID-4: one question for one factor, never which detail failed; the clock pauses (D-10)
    from today, credited if sent within D-12."""
    template = ctx.templates.get("identity_question", ticket.language)
    rendered = template.render(question=template.fields[f"question_{factor}"],
                               **_common(ctx, ticket))
    await _send(ctx, item, ticket, to, "identity_question", rendered)
    await tickets.pause_ticket(ctx.sess, ticket, "identity", ctx.now, ticket.received_local_date,
                               ctx.settings.deadlines)


async def _redirect(ctx: StepContext, item: Intake, ticket: Ticket, to: str,
                    forward: bool) -> None:
    """P-4 reply, and with a reliable link the P-3 forward due by D-30 (status forwarded)."""
    link = item.seller
    client = await ctx.sess.get(Client, link.client_pk) if link else None
    template = ctx.templates.get("seller_redirect", ticket.language)
    # P-4 names the seller when the requester supplied a matching number; a number alone may
    # be a guess, so we name it only to a verified requester or one who named the seller.
    verified = item.verification is not None and item.verification.outcome == "verified"
    named = (client is not None and bool(client.privacy_contact) and forward and (
        verified or normalize.loose(client.name) in normalize.loose(item.text)))
    values = _common(ctx, ticket)
    forwarding = client is not None and link is not None and bool(client.privacy_contact) \
        and forward
    if named and client is not None:
        values.update(seller=client.name, seller_contact=client.privacy_contact or "")
        values["forwarded_paragraph"] = ""  # the seller paragraph says it already
    else:
        values["seller_paragraph"] = ""
        if not forwarding:
            values["forwarded_paragraph"] = ""
    await _send(ctx, item, ticket, to, "seller_redirect", template.render(**values))
    if not forwarding or client is None or link is None:
        await tickets.add_event(ctx.sess, ticket, "system", "forward_not_possible",
                                {"reason": "no reliable link to one seller (P-2)"})
        return
    forward_tpl = ctx.templates.get("seller_forward", "da" if client.country in (None, "DK")
                                    else "en")
    received = deadlines.local_date(ticket.received_at)
    rendered = forward_tpl.render(
        seller=client.name, case_number=link.case_number, received=received,
        message=item.text.strip(), ref=ticket.ref, company=ctx.settings.service.company_name,
    )
    row = await queue_mail(
        ctx.sess, ctx.settings.relay, ticket=ticket, kind="seller_forward",
        to=client.privacy_contact or "", rendered=rendered,
        subject=f"{rendered.subject} [{ticket.ref}]", auto_submitted="auto-generated",
    )
    await _task(ctx, ticket, "forward_to_seller", row.id,
                {"client_id": client.client_id})
    await tickets.change_status(ctx.sess, ticket, "forwarded", "system")


async def _task(ctx: StepContext, ticket: Ticket, kind: str, outbox_id: int | None,
                details: dict[str, object] | None = None) -> None:
    due = deadlines.forward_due(ticket.received_local_date)
    ctx.sess.add(TicketTask(ticket_id=ticket.id, kind=kind, due=due, outbox_id=outbox_id,
                            details=details or {}))
    await tickets.add_event(ctx.sess, ticket, "system", "task_opened",
                            {"kind": kind, "due": due.isoformat()})


async def _suppress(ctx: StepContext, sender: str, purpose: str, ticket: Ticket) -> None:
    """RET-7: keep only a keyed hash of the address and the purpose; idempotent."""
    digest = hmac.new(ctx.settings.cpr_key(), f"email:{sender}".encode(),
                      hashlib.sha256).hexdigest()
    insert = pg_insert if ctx.sess.get_bind().dialect.name == "postgresql" else sqlite_insert
    await ctx.sess.execute(insert(Suppression).values(purpose=purpose, value_hash=digest)
                           .on_conflict_do_nothing())
    await tickets.add_event(ctx.sess, ticket, "system", "suppressed", {"purpose": purpose})


async def ack_blocked(ctx: StepContext, sender: str) -> str | None:
    """Why no automatic reply may go to `sender`: our own address (loop) or the per-sender
    hourly limit (MAIL.md item 39); None when a reply may go."""
    own = {a.lower() for a in (*ctx.settings.smtp.addresses, *ctx.settings.smtp.aliases,
                               ctx.settings.relay.sender)}
    if sender in own or sender.split("@")[-1] == ctx.settings.relay.message_id_domain:
        return "own_address"
    since = ctx.now - timedelta(hours=1)
    sent = (await ctx.sess.execute(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.to_addr == sender, OutboxMessage.created_at >= since,
            OutboxMessage.kind.in_(REPLY_KINDS),
        )
    )).scalar_one()
    return "rate_limit" if sent >= ctx.settings.replies.ack_limit_per_hour else None

