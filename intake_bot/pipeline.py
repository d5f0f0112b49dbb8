"""The intake pipeline: every stored message, from any channel, through one ordered list of steps.

Read STEPS top to bottom: that is the order. Each step looks at the `Intake` item, records what it
found on it, and may settle where the message goes (`item.disposition`); the runner stops at the
first step that does. Anything a step raises is caught in one place, `run`, logged with the
message id and the step's name, and handed to the caller, which retries and finally quarantines
the message (intake_bot/intake.py). Nothing is ever dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.base import Outcome
from intake_bot import identity, normalize, respond, ticketing
from intake_bot.logs import mask_cpr_like
from intake_bot.nlp.classifier import Classification, Classifier
from intake_bot.nlp.textprep import prepare
from intake_bot.policy import PolicyFacts
from intake_bot.replies import Templates
from intake_bot.settings import Settings
from intake_bot.store import tickets
from intake_bot.store.models import (
    MailKey,
    OutboxMessage,
    Ticket,
    TicketEvent,
    VerificationAttempt,
    utcnow,
)
from mail import automail, threads
from mail.parse import ParsedMail, parse_mail
from mail.threads import ThreadMatch

log = logging.getLogger(__name__)

# Which controller a subject type points to before any case data is consulted (RULES §3.1).
VERIFY_ATTEMPTS_PER_DAY = 5
_CONTROLLER = {"debtor": "company", "invoice_recipient": "seller",
               "survey_participant": "company", "business_contact": "company"}


@dataclass
class Intake:
    """One inbound message on its way through the pipeline, and what the steps found."""

    inbound_id: int
    channel: str
    received_at: datetime
    raw: bytes
    recipients: tuple[str, ...] = ()
    mail: ParsedMail | None = None
    sender: str | None = None
    subject: str = ""
    text: str = ""  # the whole text, CPR numbers masked (what is stored and shown)
    core: str = ""  # the writer's new words only, for the classifier
    cpr_hashes: tuple[str, ...] = ()  # keyed hashes of CPR numbers in the text (RET-4)
    thread: ThreadMatch | None = None
    auto_reason: str | None = None
    bounced_outbox: tuple[int, ...] = ()
    classification: Classification | None = None
    claims: identity.Claims | None = None
    candidates: tuple[identity.Person, ...] = ()
    verification: identity.Verification | None = None
    seller: identity.SellerLink | None = None  # P-2, set by route
    outcomes: list[Outcome] = field(default_factory=list)
    case_ids: tuple[int, ...] = ()
    controller: str = "undetermined"
    ticket: Ticket | None = None
    new_ticket: bool = False
    review_reasons: list[str] = field(default_factory=list)
    disposition: str | None = None
    reason: str | None = None  # short code for agents: why it went where it went
    stopped: bool = False  # no further step runs

    def settle(self, disposition: str, reason: str, *, stop: bool = True) -> None:
        self.disposition, self.reason, self.stopped = disposition, reason, stop


@dataclass
class StepContext:
    """What steps may use: the transaction, settings and the loaded models."""

    session: AsyncSession | None  # None while the store-free steps run
    settings: Settings
    classifier: Classifier | None
    templates: Templates
    policy: PolicyFacts
    now: datetime = field(default_factory=utcnow)

    @property
    def sess(self) -> AsyncSession:
        if self.session is None:
            raise RuntimeError("a step that uses the store ran in the store-free phase")
        return self.session


Step = Callable[[StepContext, Intake], Awaitable[None]]


class StepFailed(Exception):
    """A step raised; carries the step's name for the message's error field (no content)."""

    def __init__(self, step: str, error: BaseException) -> None:
        super().__init__(f"{step}: {type(error).__name__}")
        self.step = step


# --- the steps, in order -------------------------------------------------------------------


async def normalize_input(ctx: StepContext, item: Intake) -> None:
    """Parse the raw message; keep its text with CPR numbers masked and their keyed hashes."""
    if item.channel != "email":
        raise ValueError(f"no parser for channel {item.channel}")
    mail = await asyncio.to_thread(parse_mail, item.raw)  # CPU work off the event loop
    item.mail, item.sender, item.subject = mail, mail.from_addr, mask_cpr_like(mail.subject)
    item.text = mask_cpr_like(mail.text)
    item.core = prepare(item.text).core
    key = ctx.settings.cpr_key()
    item.cpr_hashes = tuple(sorted({
        normalize.hash_cpr(cpr.digits, key)
        for _, cpr in normalize.find_cprs(f"{mail.subject}\n{mail.text}")}))
    if mail.fatal:
        item.settle("quarantined", f"parse:{mail.fatal}")


async def deduplicate(ctx: StepContext, item: Intake) -> None:
    """The same mail again (MTA retry, or a copy to a second intake address) joins the ticket
    the first copy reached, without another acknowledgement (MAIL.md items 26, 27)."""
    if item.mail is None:
        return
    ticket_id = (await ctx.sess.execute(
        select(MailKey.ticket_id).where(MailKey.content_key == item.mail.content_key)
    )).scalar_one_or_none()
    if ticket_id is not None:
        item.ticket = await ticketing.load_ticket(ctx.sess, ticket_id)
        item.settle("attached", "duplicate")


async def find_thread(ctx: StepContext, item: Intake) -> None:
    """Which ticket this continues, if any (mail/threads.py has the rules)."""
    if item.mail is not None:
        item.thread = await threads.find_thread(ctx.sess, item.mail, item.recipients)


async def detect_auto_mail(ctx: StepContext, item: Intake) -> None:
    """Auto-replies, bounces and our own echoes are kept but never ticketed nor answered; a
    bounce is linked to the mail it reports on."""
    if item.mail is None:
        return
    reason = automail.auto_reason(item.mail, ctx.settings.relay.message_id_domain)
    if reason is None:
        return
    item.auto_reason = reason
    linked: int | None = None
    if item.mail.is_dsn and item.mail.dsn_original_ids:
        rows = (await ctx.sess.execute(
            select(OutboxMessage).where(OutboxMessage.message_id.in_(item.mail.dsn_original_ids))
        )).scalars().all()
        for row in rows:
            row.status, row.last_error = "bounced", "delivery status notification received"
            linked = linked or row.ticket_id
        item.bounced_outbox = tuple(r.id for r in rows)
    elif item.thread is not None and item.thread.same_requester:
        linked = item.thread.ticket_id
    if linked is not None:
        item.ticket = await ticketing.load_ticket(ctx.sess, linked)
        ctx.sess.add(TicketEvent(ticket_id=linked, actor="system", action="auto_mail",
                                 details={"inbound_id": item.inbound_id, "reason": reason,
                                          "bounced_outbox": list(item.bounced_outbox)}))
    item.settle("auto_mail", f"auto:{reason}")


async def classify(ctx: StepContext, item: Intake) -> None:
    """Language, rights, subject type and gdpr_related of the writer's new words (one model
    call: the language decision combines lingua with the model's own language head)."""
    if ctx.classifier is None:
        item.review_reasons.append("classifier disabled")
        return
    text = "\n".join(part for part in (item.subject, item.core) if part)
    item.classification = await ctx.classifier.classify(text)


async def match_case(ctx: StepContext, item: Intake) -> None:
    """Persons the message may be about, found by indexed keys from what the requester wrote
    (address, case numbers, CPR hash, name, birth date with postcode). Only candidates: nothing
    is disclosed or acted on before verification (RULES ID-1)."""
    mail = item.mail
    item.claims = identity.claims_from(
        f"{item.subject}\n{item.text}", mail.from_name if mail else "", item.sender, None,
        item.cpr_hashes,
    )
    item.candidates = tuple(await identity.find_candidates(ctx.sess, item.claims))


async def verify_identity(ctx: StepContext, item: Intake) -> None:
    """RULES ID-3 on the candidates: verified, partial, ambiguous or no_match, with an evidence
    record of flags only (ID-9). A sender whose recent tickets keep failing verification is
    left to an agent (brute-force protection)."""
    if item.claims is None:
        return
    since = ctx.now - timedelta(hours=24)
    failed = 0
    if item.sender is not None:
        failed = (await ctx.sess.execute(select(func.count()).select_from(Ticket).where(
            Ticket.requester_email == item.sender, Ticket.created_at >= since,
            Ticket.verification.in_(("partial", "ambiguous", "no_match")),
        ))).scalar_one()
    named_cases = sorted({p.case_id for p in item.candidates
                          if p.case_number in item.claims.numbers})
    on_cases = 0
    if named_cases:
        on_cases = (await ctx.sess.execute(select(func.count()).select_from(
            VerificationAttempt).where(VerificationAttempt.case_id.in_(named_cases),
                                       VerificationAttempt.at >= since))).scalar_one()
    if failed >= VERIFY_ATTEMPTS_PER_DAY or on_cases >= VERIFY_ATTEMPTS_PER_DAY:
        item.review_reasons.append("too many verification attempts")
        return
    result = await identity.with_all_cases(
        ctx.sess, identity.decide(item.candidates, item.claims))
    files = [a.filename for a in item.mail.attachments] if item.mail else []
    evidence = dict(result.evidence)
    kind = identity.representative(f"{item.subject}\n{item.core}")
    if kind is not None:
        # ID-8: the data subject may be identified, but authority is for an agent to check;
        # until then nothing is disclosed, so the outcome stays below `verified`.
        evidence.update(representative=kind, authority_document=identity.authority_document(
            files), subject_identified=result.outcome == "verified")
        item.review_reasons.append(f"representative ({kind}): check authority (ID-8)")
        if result.outcome == "verified":
            result = identity.Verification("partial", (), evidence)
    if identity.id_documents(files):
        evidence["id_document"] = True
        item.review_reasons.append(
            "identity document sent unasked: verify, record 'ID checked', delete it (ID-5)")
    item.verification = identity.Verification(result.outcome, result.persons, evidence)
    if result.outcome != "verified":
        ctx.sess.add_all(VerificationAttempt(case_id=c, at=ctx.now) for c in named_cases)
    item.case_ids = tuple(sorted({p.case_id for p in item.verification.persons}))


async def route(ctx: StepContext, item: Intake) -> None:
    """RULES §3.1: the controller from the subject type, and for a verified requester from the
    stages of their cases (collection → company, invoice → seller, both → company plus a
    forward of the invoice part, closed → its closed_from_stage or an agent)."""
    c = item.classification
    if c is not None and not c.gdpr_related:
        return
    item.controller = _CONTROLLER.get(c.subject_type, "undetermined") if c else "undetermined"
    item.seller = identity.seller_link(item.candidates, item.claims)
    v = item.verification
    if v is None or v.outcome != "verified":
        # A supplied number of an invoice-stage case links the seller (P-2) even unverified.
        if item.seller is not None and item.controller != "company":
            item.controller = "seller"
        return
    stages = v.stages
    if None in stages:
        item.review_reasons.append("closed case without closed_from_stage")
    if "collection" in stages:
        item.controller = "company"
        if "invoice" in stages:
            item.review_reasons.append("also an invoice case: forward that part to the seller")
    elif "invoice" in stages:
        item.controller = "seller"
    else:
        item.controller = "undetermined"


async def file_ticket(ctx: StepContext, item: Intake) -> None:
    """Join the thread's ticket (the requester writing again) or open a new one with its
    deadlines; another person answering a thread gets a ticket of their own."""
    thread = item.thread
    if thread is not None and thread.same_requester:
        item.ticket = await ticketing.load_ticket(ctx.sess, thread.ticket_id)
        await ticketing.continue_ticket(ctx, item, item.ticket)
        item.settle("attached", f"thread:{thread.rule}", stop=False)
    else:
        item.ticket = await ticketing.open_ticket(ctx, item)
        item.new_ticket = True
        item.settle("ticketed", "new", stop=False)
    if item.mail is not None:
        ctx.sess.add(MailKey(content_key=item.mail.content_key, ticket_id=item.ticket.id,
                             inbound_id=item.inbound_id))


async def plan_handling(ctx: StepContext, item: Intake) -> None:
    """The handlers' outcomes for a new ticket (handlers/): what the bot may do at once, and the
    agent's checklist and draft with the rules they follow, recorded on the ticket."""
    if not item.new_ticket or item.ticket is None:
        return
    item.outcomes = respond.plan(item, item.ticket, ctx.policy)
    await tickets.add_event(ctx.sess, item.ticket, "system", "planned", {
        "handlers": [o.right for o in item.outcomes],
        "actions": [f"{a.kind}:{a.detail}" if a.detail else a.kind
                    for o in item.outcomes for a in o.actions],
        "rules": sorted({r for o in item.outcomes for r in o.rules}),
        "checklist": [line for o in item.outcomes for line in o.checklist],
        "draft": "\n\n".join(o.draft for o in item.outcomes if o.draft),
        "needs_agent": any(o.needs_agent for o in item.outcomes),
    })


async def reply(ctx: StepContext, item: Intake) -> None:
    """The one automatic reply to a new ticket (acknowledgement, identity question or seller
    redirect) and the protective actions; nothing from company records (RULES ID-1)."""
    if item.new_ticket and item.mail is not None:
        await respond.respond(ctx, item, item.outcomes)


STEPS: tuple[Step, ...] = (
    normalize_input,
    classify,
    deduplicate,
    find_thread,
    detect_auto_mail,
    match_case,
    verify_identity,
    route,
    file_ticket,
    plan_handling,
    reply,
)
# Steps that never touch the store. The worker runs the leading ones for a whole batch before
# it opens the batch's transaction, so on SQLite no write lock is held while mail is parsed and
# classified and the SMTP listener keeps committing meanwhile.
STORE_FREE: frozenset[Step] = frozenset({normalize_input, classify})


def split(steps: tuple[Step, ...]) -> tuple[tuple[Step, ...], tuple[Step, ...]]:
    """The leading store-free steps, and the rest, in order."""
    n = 0
    while n < len(steps) and steps[n] in STORE_FREE:
        n += 1
    return steps[:n], steps[n:]


async def run(ctx: StepContext, item: Intake, steps: tuple[Step, ...]) -> None:
    """Run `steps` in order until one settles the message; the one place errors are caught."""
    for step in steps:
        log.debug("inbound %d: %s", item.inbound_id, step.__name__)
        try:
            await step(ctx, item)
        except Exception as exc:
            log.exception("inbound %d: step %s failed", item.inbound_id, step.__name__)
            raise StepFailed(step.__name__, exc) from exc
        if item.stopped:
            break
