"""Ticket queries: unique refs, opening with deadlines, status changes, the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from intake_bot import deadlines, lifecycle
from intake_bot.errors import InvalidTransition, NotFound
from intake_bot.settings import DeadlineSettings
from intake_bot.store.models import RefCounter, Ticket, TicketEvent, TicketPause, utcnow
from intake_bot.types import PauseReason

REF_PREFIX = "GDPR"


def format_ref(year: int, number: int) -> str:
    """`GDPR-YYYY-NNNNNN`, the ticket reference shown to requesters and agents."""
    return f"{REF_PREFIX}-{year:04d}-{number:06d}"


async def next_ref(sess: AsyncSession, year: int) -> str:
    """Hand out the next ref for `year` with one atomic upsert, so no two callers get the same.

    On PostgreSQL the conflicting row is locked until the caller's transaction ends; on SQLite
    the whole write transaction is serialised. Either way a ref is issued once.
    """
    bind = sess.get_bind()
    insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
    upsert = insert(RefCounter).values(year=year, last=1).on_conflict_do_update(
        index_elements=[RefCounter.year], set_={"last": RefCounter.last + 1}
    )
    number = (await sess.execute(upsert.returning(RefCounter.last))).scalar_one()
    return format_ref(year, number)


@dataclass
class NewTicket:
    """What a channel knows when a ticket is opened; labels may still change on review."""

    channel: str
    received_at: datetime
    rights: Sequence[str] = ()
    subject_type: str = "unknown"
    gdpr_related: bool = True
    controller: str = "undetermined"
    language: str | None = None
    needs_review: bool = True
    requester_email: str | None = None
    case_id: int | None = None
    reply_token: str | None = None
    subject: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


async def open_ticket(
    sess: AsyncSession, new: NewTicket, rules: DeadlineSettings, actor: str = "system"
) -> Ticket:
    """Insert a ticket with a fresh ref and its Art. 12(3) deadlines, and log the event."""
    d = deadlines.compute(new.received_at, 0, rules.extension_mode)
    ticket = Ticket(
        ref=await next_ref(sess, d.received_local_date.year),
        channel=new.channel,
        status="new",
        rights=sorted(set(new.rights)),
        subject_type=new.subject_type,
        gdpr_related=new.gdpr_related,
        controller=new.controller,
        language=new.language,
        needs_review=new.needs_review,
        requester_email=new.requester_email,
        case_id=new.case_id,
        reply_token=new.reply_token,
        subject=new.subject,
        received_at=new.received_at,
        received_local_date=d.received_local_date,
        due=d.due,
        extended_due=d.extended_due,
        paused_days=0,
        pauses=[],  # a new ticket has none: no query to load them
    )
    sess.add(ticket)
    await sess.flush()
    await add_event(sess, ticket, actor, "opened", {"channel": new.channel, **new.details})
    return ticket


async def add_event(
    sess: AsyncSession, ticket: Ticket, actor: str, action: str, details: dict[str, Any]
) -> TicketEvent:
    """Append an audit event. Details carry ids, labels and dates only, never personal values."""
    event = TicketEvent(ticket_id=ticket.id, actor=actor, action=action, details=details)
    sess.add(event)  # written with the next flush or commit
    ticket.updated_at = utcnow()
    return event


async def change_status(
    sess: AsyncSession, ticket: Ticket, status: str, actor: str, outcome: str | None = None
) -> None:
    """Move a ticket through its lifecycle; closing needs an outcome. Raises InvalidTransition."""
    lifecycle.check_transition(ticket.status, status, outcome)
    old = ticket.status
    ticket.status = status
    if status == "closed":
        ticket.outcome = outcome
        ticket.closed_at = utcnow()
    elif old == "closed":
        ticket.outcome, ticket.closed_at = None, None
    await add_event(sess, ticket, actor, "status", {"from": old, "to": status, "outcome": outcome})


def refresh_deadlines(ticket: Ticket, rules: DeadlineSettings) -> None:
    """Recompute due and extended_due from receipt and the credited pauses (D-3 … D-6, D-13).

    Needs `ticket.pauses` loaded. On resume the month is not restarted: the due date moves by
    the credited days only (D-16).
    """
    by_established: dict[bool, list[deadlines.Pause]] = {True: [], False: []}
    for p in ticket.pauses:
        by_established[p.identity_established].append(deadlines.Pause(
            reason=cast(PauseReason, p.reason), reacts_to=p.reacts_to,
            sent_on=p.sent_on, replied_on=p.replied_on,
        ))
    credited = sum(
        deadlines.credited_pause_days(
            pauses, ticket.rights, established, rules.identity_request_working_days
        )
        for established, pauses in by_established.items()
    )
    d = deadlines.compute(ticket.received_at, credited, rules.extension_mode)
    ticket.paused_days, ticket.due, ticket.extended_due = credited, d.due, d.extended_due


async def pause_ticket(
    sess: AsyncSession, ticket: Ticket, reason: str, sent_at: datetime, reacts_to: date,
    rules: DeadlineSettings, actor: str = "system",
) -> TicketPause:
    """Record that we asked the requester for identity details or scope (D-10): the clock stops
    (the ticket shows no due date while it waits, D-16) if the question may earn credit."""
    pause = TicketPause(
        ticket_id=ticket.id, reason=reason, reacts_to=reacts_to,
        sent_on=deadlines.local_date(sent_at),
        identity_established=ticket.verification == "verified",
    )
    ticket.pauses.append(pause)
    await change_status(sess, ticket, "awaiting_requester", actor)
    await add_event(sess, ticket, actor, "paused", {
        "reason": reason, "sent_on": pause.sent_on.isoformat(),
        "limit": deadlines.identity_request_limit(
            reacts_to, rules.identity_request_working_days).isoformat(),
    })
    return pause


async def resume_ticket(
    sess: AsyncSession, ticket: Ticket, replied_at: datetime, rules: DeadlineSettings,
    actor: str = "system",
) -> None:
    """The requester sent what we asked for (D-14): close the open pause and move the dates."""
    open_pauses = [p for p in ticket.pauses if p.replied_on is None]
    if not open_pauses:
        raise InvalidTransition("the ticket is not waiting for the requester")
    for p in open_pauses:
        p.replied_on = deadlines.local_date(replied_at)
    refresh_deadlines(ticket, rules)
    await change_status(sess, ticket, "in_progress", actor)
    await add_event(sess, ticket, actor, "resumed", {
        "paused_days": ticket.paused_days, "due": ticket.due.isoformat(),
        "extended_due": ticket.extended_due.isoformat(),
    })


async def get_ticket(sess: AsyncSession, ref: str) -> Ticket:
    """The ticket with this ref (pauses loaded), or NotFound."""
    ticket = (
        await sess.execute(
            select(Ticket).where(Ticket.ref == ref).options(selectinload(Ticket.pauses))
        )
    ).scalar_one_or_none()
    if ticket is None:
        raise NotFound("no such ticket")
    return ticket


async def list_tickets(
    sess: AsyncSession, status: str | None = None, limit: int = 500
) -> Sequence[Ticket]:
    """Tickets, oldest due first, optionally of one status."""
    stmt = select(Ticket).order_by(Ticket.due, Ticket.id).limit(limit)
    if status:
        stmt = stmt.where(Ticket.status == status)
    return (await sess.execute(stmt)).scalars().all()


async def events_of(sess: AsyncSession, ticket: Ticket) -> Sequence[TicketEvent]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    return (await sess.execute(stmt)).scalars().all()

