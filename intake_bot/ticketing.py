"""Tickets from the pipeline's point of view: open one for a new matter, continue one when the
requester writes again (resume a pause, reopen, flag a new matter), record the verification."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from intake_bot.store import tickets
from intake_bot.store.models import Ticket
from mail import threads

if TYPE_CHECKING:  # the pipeline imports this module
    from intake_bot.pipeline import Intake, StepContext


async def load_ticket(sess: AsyncSession, ticket_id: int) -> Ticket:
    return (await sess.execute(
        select(Ticket).where(Ticket.id == ticket_id).options(selectinload(Ticket.pauses))
    )).scalar_one()


async def open_ticket(ctx: StepContext, item: Intake) -> Ticket:
    c = item.classification
    reasons = [*item.review_reasons, *(c.review_reasons if c else ())]
    details: dict[str, object] = {"inbound_id": item.inbound_id}
    if item.thread is not None:  # someone else answered another requester's thread
        related = await ctx.sess.get(Ticket, item.thread.ticket_id)
        reasons.append("reply to another requester's thread")
        details["related_to"] = related.ref if related else None
    ticket = await tickets.open_ticket(ctx.sess, tickets.NewTicket(
        channel=item.channel, received_at=item.received_at,
        rights=c.rights if c else (), subject_type=c.subject_type if c else "unknown",
        gdpr_related=c.gdpr_related if c else True, controller=item.controller,
        language=c.language if c else None, needs_review=bool(reasons) or c is None,
        requester_email=item.sender,
        case_id=item.case_ids[0] if len(item.case_ids) == 1 else None,
        reply_token=threads.new_reply_token(), subject=item.subject[:998],
        details={**details, "review_reasons": reasons},
    ), ctx.settings.deadlines)
    record_verification(ctx, item, ticket)
    return ticket


def record_verification(ctx: StepContext, item: Intake, ticket: Ticket) -> None:
    """The ID-9 evidence on the ticket: outcome, flags, the person's internal id, when, how."""
    v = item.verification
    if v is None:
        return
    ticket.verification, ticket.verification_evidence = v.outcome, dict(v.evidence)
    ticket.verification_method = "automatic:factors"
    if v.person is not None:
        ticket.person_id, ticket.verified_at = v.person.id, ctx.now


async def continue_ticket(ctx: StepContext, item: Intake, ticket: Ticket) -> None:
    """The requester wrote again: resume a paused clock (D-14), reopen a closed ticket (D-32),
    and flag for review when the new mail seems to be about something else."""
    details: dict[str, object] = {"inbound_id": item.inbound_id,
                                  "rule": item.thread.rule if item.thread else None}
    v = item.verification
    if ticket.status == "awaiting_requester":
        # D-14: only a reply that lets us decide ends the pause; otherwise an agent looks.
        if v is not None and v.outcome == "verified":
            record_verification(ctx, item, ticket)
            details["verified"] = True
            await tickets.resume_ticket(ctx.sess, ticket, item.received_at,
                                        ctx.settings.deadlines)
        else:
            ticket.needs_review = True
            details["pause_kept"] = True
    elif ticket.status == "closed":
        await tickets.change_status(ctx.sess, ticket, "in_progress", "system")
        ticket.needs_review = True
        details["reopened"] = True
    if v is not None and v.outcome == "verified" and ticket.verification != "verified":
        record_verification(ctx, item, ticket)
        details["verified"] = True
    c = item.classification
    if c is not None and set(c.rights) - set(ticket.rights):
        ticket.needs_review = True
        details["new_rights"] = sorted(set(c.rights) - set(ticket.rights))
    original = threads.base_subject(ticket.subject or "")
    if original and item.subject and threads.base_subject(item.subject) != original:
        ticket.needs_review = True  # a new matter on an old thread (MAIL.md item 30)
        details["subject_changed"] = True
    await tickets.add_event(ctx.sess, ticket, "system", "message_added", details)
