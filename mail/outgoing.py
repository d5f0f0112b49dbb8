"""Outgoing mail: queue into the durable outbox, then deliver to the relay with retries.

A reply is a row first (committed with the ticket change that caused it) and a delivery later,
so a crash or a relay outage delays mail but never loses it. Every message we send is marked
as automatic (RFC 3834) and carries our loop header, so responders stay quiet and our own mail
coming back is recognised (MAIL.md items 38 and 40).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib
from aiohttp import web
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake_bot.keys import RELAY_PORT, SESSIONS, SETTINGS
from intake_bot.replies import Rendered
from intake_bot.settings import RelaySettings
from intake_bot.store.models import OutboxMessage, Ticket, TicketEvent, TicketTask, utcnow
from mail.threads import base_subject

log = logging.getLogger(__name__)

LOOP_HEADER = "X-Intake-Bot-Loop"
MAX_BACKOFF = timedelta(hours=6)


def reply_subject(ticket: Ticket, rendered: Rendered, original: str | None) -> str:
    """`Re: <their subject> [GDPR-…]` when answering a mail (other systems' ref tags in it stay
    intact, MAIL.md item 32), else the template's subject; the tag is never doubled."""
    tag = f"[{ticket.ref}]"
    if original and base_subject(original):
        subject = " ".join(original.split())
        if not subject.lower().startswith(("re:", "sv:", "aw:")):
            subject = f"Re: {subject}"
    else:
        subject = rendered.subject
    return subject if tag in subject else f"{subject} {tag}"


async def queue_mail(
    sess: AsyncSession, relay: RelaySettings, *, ticket: Ticket, kind: str, to: str,
    rendered: Rendered, subject: str, reply_to: str | None = None,
    in_reply_to: str | None = None, references: tuple[str, ...] = (),
    auto_submitted: str = "auto-replied",
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction and note it on the ticket."""
    headers = {
        "Auto-Submitted": auto_submitted,
        "X-Auto-Response-Suppress": "All",
        "Content-Language": rendered.language,
        LOOP_HEADER: relay.message_id_domain,
    }
    if reply_to:
        headers["Reply-To"] = reply_to
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = " ".join(dict.fromkeys([*references, in_reply_to]))
    row = OutboxMessage(
        ticket_id=ticket.id, kind=kind, to_addr=to, subject=subject, body=rendered.body,
        headers=headers, status="queued", attempts=0, next_attempt_at=utcnow(),
        message_id=make_msgid(domain=relay.message_id_domain),
    )
    sess.add(row)
    await sess.flush()
    sess.add(TicketEvent(ticket_id=ticket.id, actor="system", action="mail_queued",
                         details={"kind": kind, "outbox_id": row.id,
                                  "language": rendered.language}))
    return row


def build_message(row: OutboxMessage, relay: RelaySettings) -> EmailMessage:
    """The MIME message for an outbox row (rebuilt the same way on every attempt)."""
    msg = EmailMessage()
    msg["From"] = relay.sender
    msg["To"] = row.to_addr
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(row.created_at)
    msg["Message-ID"] = row.message_id
    for name, value in row.headers.items():
        msg[name] = value
    msg.set_content(row.body, charset="utf-8")
    return msg


def backoff(relay: RelaySettings, attempts: int) -> timedelta:
    """Delay before the next attempt: retry_base doubled per attempt, at most six hours."""
    seconds = relay.retry_base * 2 ** max(attempts - 1, 0)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


async def send_outbox(app: web.Application) -> int:
    """Worker job: deliver due outbox rows to the relay; returns how many were attempted."""
    relay, sessions = app[SETTINGS].relay, app[SESSIONS]
    port = app.get(RELAY_PORT, relay.port)
    now = utcnow()
    ready = _ready(now, timedelta(seconds=app[SETTINGS].worker.claim_timeout))
    async with sessions() as sess:
        due = (await sess.execute(
            select(OutboxMessage.id).where(ready)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(app[SETTINGS].worker.batch_size)
        )).scalars().all()
    for outbox_id in due:
        row = await _claim(sessions, outbox_id, now, ready)
        if row is not None:
            await _deliver(sessions, row, relay, port)
    return len(due)


def _ready(now: datetime, claim_timeout: timedelta) -> ColumnElement[bool]:
    """Queued and due, or left "sending" by a crashed worker whose claim has expired."""
    return or_(
        (OutboxMessage.status == "queued") & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at <= now - claim_timeout),
    )


async def _claim(
    sessions: async_sessionmaker[AsyncSession], outbox_id: int, now: datetime,
    ready: ColumnElement[bool],
) -> OutboxMessage | None:
    """Take the row for this worker, if it is still ready (another worker may have it)."""
    async with sessions.begin() as sess:
        claimed = await sess.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == outbox_id, ready)
            .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.id)
        )
        if claimed.scalar_one_or_none() is None:
            return None
        row: OutboxMessage | None = await sess.get(OutboxMessage, outbox_id)
        return row


async def _deliver(
    sessions: async_sessionmaker[AsyncSession], row: OutboxMessage, relay: RelaySettings,
    port: int,
) -> None:
    """One delivery attempt. At-least-once: a crash after the relay's 250 and before the
    commit below sends the mail again with the same Message-ID, which receivers dedupe."""
    error: str | None = None
    try:
        await aiosmtplib.send(
            build_message(row, relay), hostname=relay.host, port=port,
            sender=relay.sender, recipients=[row.to_addr], timeout=relay.timeout,
            start_tls=False, use_tls=False,
        )
    except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused) as exc:
        code = (exc.recipients[0].code if isinstance(exc, aiosmtplib.SMTPRecipientsRefused)
                else exc.code)
        error = f"relay answered {code}"
        if 500 <= code < 600:  # permanent: retrying will not help
            row.attempts = relay.max_attempts
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        error = f"relay unreachable ({type(exc).__name__})"
    async with sessions.begin() as sess:
        values: dict[str, object]
        if error is None:
            values = {"status": "sent", "sent_at": utcnow(), "last_error": None}
            # A task this mail completes (e.g. the forward to the seller, D-30) is done now.
            await sess.execute(update(TicketTask).where(TicketTask.outbox_id == row.id)
                               .values(status="done", done_at=utcnow()))
        elif row.attempts >= relay.max_attempts:
            values = {"status": "failed", "last_error": error}
            log.error("outbox %d failed for good after %d attempts: %s",
                      row.id, row.attempts, error)
            if row.ticket_id is not None:
                sess.add(TicketEvent(ticket_id=row.ticket_id, actor="system",
                                     action="mail_failed",
                                     details={"outbox_id": row.id, "error": error}))
        else:
            values = {"status": "queued", "last_error": error,
                      "next_attempt_at": utcnow() + backoff(relay, row.attempts)}
            log.warning("outbox %d attempt %d failed: %s; will retry", row.id, row.attempts, error)
        await sess.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values))
