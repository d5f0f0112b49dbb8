"""Helpers for end-to-end mail tests: send over real SMTP, wait for the worker, read results."""

from __future__ import annotations

import asyncio
import email
import email.policy
from email.message import EmailMessage
from typing import Any

import aiosmtplib
from aiohttp import web
from sqlalchemy import select

from intake_bot.keys import SESSIONS, SETTINGS, SMTP_PORT, WAKE_WORKER
from intake_bot.serialize import stats
from intake_bot.store.models import InboundMessage, OutboxMessage, Ticket, TicketEvent
from mail.sink import read_sink

GDPR = "gdpr@alektumgroup.dk"


def make_mail(
    sender: str = "jens@example.dk", subject: str = "Indsigt", body: str = "Hej. Send mig mine "
    "oplysninger.", message_id: str | None = "<m1@example.dk>", **headers: str,
) -> bytes:
    """A small text mail as a mail client would send it (CRLF line ends)."""
    lines = [f"From: Jens Jensen <{sender}>", f"To: {GDPR}", f"Subject: {subject}",
             "Date: Tue, 24 Nov 2026 10:00:00 +0100", "MIME-Version: 1.0",
             "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


async def send(
    app: web.Application, raw: bytes, sender: str = "jens@example.dk",
    rcpts: tuple[str, ...] = (GDPR,),
) -> str:
    """Deliver `raw` over SMTP to the app's listener (sender "" is the null path of a
    bounce); returns the 250 reply text."""
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=app[SMTP_PORT], timeout=30) as smtp:
        _, reply = await smtp.sendmail(sender, list(rcpts), raw)
    return reply


async def settle(app: web.Application, timeout: float = 30.0) -> dict[str, int]:
    """Wake the worker and wait until nothing is pending and the outbox is empty."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        app[WAKE_WORKER].set()
        async with app[SESSIONS]() as sess:
            counts = await stats(sess)
            queued = (await sess.execute(select(OutboxMessage.id).where(
                OutboxMessage.status.in_(("queued", "sending"))))).scalars().all()
        if counts["pending"] == 0 and not queued:
            return counts
        if loop.time() > end:
            raise AssertionError(f"worker did not settle: {counts}, outbox queued {queued}")
        await asyncio.sleep(0.05)


async def rows(app: web.Application, model: Any) -> list[Any]:
    async with app[SESSIONS]() as sess:
        return list((await sess.execute(select(model).order_by(model.id))).scalars())


async def inbound(app: web.Application) -> list[InboundMessage]:
    return await rows(app, InboundMessage)


async def tickets(app: web.Application) -> list[Ticket]:
    return await rows(app, Ticket)


async def outbox(app: web.Application) -> list[OutboxMessage]:
    return await rows(app, OutboxMessage)


async def events(app: web.Application, ticket_id: int) -> list[TicketEvent]:
    return [e for e in await rows(app, TicketEvent) if e.ticket_id == ticket_id]


def sink(app: web.Application) -> list[EmailMessage]:
    """What the relay sink received, parsed."""
    directory = app[SETTINGS].relay.sink_dir
    if not directory.exists():
        return []
    out = []
    for raw in read_sink(directory):
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        out.append(msg)
    return out
