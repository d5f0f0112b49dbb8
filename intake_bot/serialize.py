"""JSON shapes shared by the CLI and the HTTP API (SPEC §3): tickets, events, outbox, stats."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake_bot.store.models import (
    Case,
    InboundMessage,
    OutboxMessage,
    Ticket,
    TicketEvent,
    TicketTask,
)

RECONCILED = ("ticketed", "attached", "quarantined", "auto_mail")
PENDING = ("received", "processing")


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def ticket_summary(t: Ticket) -> dict[str, Any]:
    """The list form of a ticket."""
    return {
        "ref": t.ref, "status": t.status, "channel": t.channel, "rights": list(t.rights),
        "subject_type": t.subject_type, "gdpr_related": t.gdpr_related,
        "controller": t.controller, "language": t.language, "needs_review": t.needs_review,
        "verification": t.verification, "received_at": _iso(t.received_at),
        "due": None if t.status == "awaiting_requester" else _iso(t.due),
        "extended_due": None if t.status == "awaiting_requester" else _iso(t.extended_due),
        "paused": t.status == "awaiting_requester", "outcome": t.outcome,
    }


async def ticket_detail(sess: AsyncSession, t: Ticket) -> dict[str, Any]:
    """A ticket with its case number, messages and events (SPEC §3)."""
    case_number = None
    if t.case_id is not None:
        case_number = (
            await sess.execute(select(Case.case_number).where(Case.id == t.case_id))
        ).scalar_one_or_none()
    inbound = (await sess.execute(
        select(InboundMessage).where(InboundMessage.ticket_id == t.id).order_by(InboundMessage.id)
    )).scalars().all()
    outbound = (await sess.execute(
        select(OutboxMessage).where(OutboxMessage.ticket_id == t.id).order_by(OutboxMessage.id)
    )).scalars().all()
    events = (await sess.execute(
        select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)
    )).scalars().all()
    tasks = (await sess.execute(
        select(TicketTask).where(TicketTask.ticket_id == t.id).order_by(TicketTask.id)
    )).scalars().all()
    messages = [
        {"id": f"in-{m.id}", "direction": "in", "received_at": _iso(m.received_at),
         "subject": m.subject, "text": m.text, "status": m.status,
         "disposition": m.disposition_reason, "attachments": m.attachments, "notes": m.notes}
        for m in inbound
    ] + [
        {"id": f"out-{m.id}", "direction": "out", "received_at": _iso(m.created_at),
         "subject": m.subject, "text": m.body, "status": m.status}
        for m in outbound
    ]
    return {
        **ticket_summary(t),
        "case_number": case_number,
        "verification_evidence": t.verification_evidence,
        "paused_days": t.paused_days,
        "extension": {"approved": t.extension_approved, "reason": t.extension_reason,
                      "notice_sent_on": _iso(t.extension_notice_sent_on)},
        "closed_at": _iso(t.closed_at),
        "messages": messages,
        "tasks": [{"kind": k.kind, "due": _iso(k.due), "status": k.status,
                   "done_at": _iso(k.done_at)} for k in tasks],
        "events": [event_json(e) for e in events],
    }


def event_json(e: TicketEvent) -> dict[str, Any]:
    return {"at": _iso(e.at), "actor": e.actor, "action": e.action, "details": e.details}


def inbound_json(m: InboundMessage) -> dict[str, Any]:
    """A stored inbound message for the operator (text is CPR-masked; raw stays sealed)."""
    return {"id": m.id, "channel": m.channel, "status": m.status,
            "received_at": _iso(m.received_at), "processed_at": _iso(m.processed_at),
            "attempts": m.attempts, "error": m.error, "reason": m.disposition_reason,
            "ticket_id": m.ticket_id, "message_id": m.message_id, "sender": m.sender,
            "subject": m.subject, "size": len(m.raw), "attachments": m.attachments,
            "notes": m.notes}


async def inbound_list(
    sess: AsyncSession, status: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    stmt = select(InboundMessage).order_by(InboundMessage.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(InboundMessage.status == status)
    return [inbound_json(m) for m in (await sess.execute(stmt)).scalars()]


def outbox_json(m: OutboxMessage, ref: str | None) -> dict[str, Any]:
    return {"id": m.id, "to": m.to_addr, "subject": m.subject, "body": m.body,
            "status": m.status, "ticket": ref, "kind": m.kind, "attempts": m.attempts,
            "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at)}


async def outbox_list(sess: AsyncSession, limit: int = 500) -> list[dict[str, Any]]:
    rows = await sess.execute(
        select(OutboxMessage, Ticket.ref)
        .outerjoin(Ticket, Ticket.id == OutboxMessage.ticket_id)
        .order_by(OutboxMessage.id.desc()).limit(limit)
    )
    return [outbox_json(m, ref) for m, ref in rows]


async def stats(sess: AsyncSession) -> dict[str, int]:
    """Reconciliation counts (SPEC §5): accepted = ticketed + attached + quarantined + auto_mail
    + pending."""
    counts: dict[str, int] = dict(
        (await sess.execute(
            select(InboundMessage.status, func.count(InboundMessage.id))
            .group_by(InboundMessage.status)
        )).all()
    )
    out = {"accepted": sum(counts.values())}
    out.update({name: counts.get(name, 0) for name in RECONCILED})
    out["pending"] = sum(counts.get(name, 0) for name in PENDING)
    return out


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A plain aligned text table for the operator's terminal."""
    cells = [[str(r.get(c) if r.get(c) is not None else "-") for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)
