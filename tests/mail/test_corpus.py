"""MAIL.md §2 as a corpus: every fixture .eml through real SMTP, the worker and the outbox.

`tests/data/mail/manifest.toml` names, per fixture, the MAIL.md item it stands for and what the
service must do with it (ticketed, attached, auto_mail or quarantined; acknowledged or not; on
which ticket). Fixtures that continue a thread name the mail delivered before them (`after`)
and refer to our reply through placeholders filled in here from what the service really sent.
"""

from __future__ import annotations

import email.policy
import tomllib
from collections.abc import Callable
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from intake_bot.keys import SESSIONS
from intake_bot.store import tickets as store_tickets
from mail.handler import base_address
from tests.helpers.mailflow import GDPR, inbound, outbox, send, settle, sink, tickets
from tests.mail.conftest import StartApp

DATA = Path(__file__).resolve().parent.parent / "data" / "mail"
MANIFEST = tomllib.loads((DATA / "manifest.toml").read_text(encoding="utf-8"))["mail"]
BY_FILE = {entry["file"]: entry for entry in MANIFEST}
INTAKE = {GDPR, "dpo@alektumgroup.dk"}
AiohttpClient = Callable[[web.Application], Any]


@pytest.fixture
async def app(start_app: StartApp) -> web.Application:
    return await start_app(nlp=True, smtp_aliases="dpo@alektumgroup.dk")


def _envelope(raw: bytes) -> tuple[str, tuple[str, ...]]:
    msg = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)  # headers only
    sender = next((a for _, a in getaddresses([str(msg.get("From", ""))]) if "@" in a), "")
    if (msg.get("Return-Path") or "").strip() == "<>":
        sender = ""
    listed = [a for _, a in getaddresses([str(msg.get(h, "")) for h in ("To", "Cc")])]
    rcpts = tuple(dict.fromkeys(a for a in listed if base_address(a) in INTAKE))
    return sender, rcpts or (GDPR,)


async def _deliver(app: web.Application, name: str, subs: dict[str, str]) -> None:
    raw = (DATA / name).read_bytes()
    for key, value in subs.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    assert b"{{" not in raw, f"{name}: placeholder without a value"
    sender, rcpts = _envelope(raw)
    await send(app, raw, sender=sender, rcpts=rcpts)
    await settle(app)


async def _placeholders(app: web.Application) -> dict[str, str]:
    """Values for the next fixture, from the ticket the previous mail opened."""
    rows = await inbound(app)
    ticket = next(t for t in await tickets(app) if t.id == rows[-1].ticket_id)
    ack = next((o for o in await outbox(app) if o.ticket_id == ticket.id), None)
    return {"REF": ticket.ref, "ACK_ID": ack.message_id if ack else "<no-ack@invalid>",
            "REPLY_ADDR": f"gdpr+{ticket.reply_token}@alektumgroup.dk",
            "FIRST_ID": rows[-1].message_id or ""}


async def _chain(app: web.Application, name: str) -> dict[str, str]:
    """Deliver the mails `name` follows, oldest first; returns the placeholders for `name`."""
    before = BY_FILE[name].get("after")
    if before is None:
        return {}
    subs = await _chain(app, before)
    await _deliver(app, before, subs)
    return await _placeholders(app)


def test_the_corpus_covers_mail_md() -> None:
    # At least 40 fixtures, covering every MAIL.md §2 item from 1 to 41 that applies to SMTP.
    assert len(MANIFEST) >= 40
    covered = {entry["item"] for entry in MANIFEST}
    # Size limit, our outgoing headers, IMAP, crash and reconciliation have tests of their own
    # (test_smtp, test_pipeline, test_crash).
    not_smtp = {22, 40, 43, 44, 45}
    assert set(range(1, 42)) - not_smtp <= covered
    for entry in MANIFEST:
        assert (DATA / entry["file"]).is_file(), entry["file"]
        assert entry["outcome"] in ("ticketed", "attached", "auto_mail", "quarantined")


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
async def test_fixture_outcome(app: web.Application, entry: dict[str, Any]) -> None:
    # Each fixture ends where the manifest says, with or without an acknowledgement.
    subs = await _chain(app, entry["file"])
    acks_before = len(sink(app))
    after_ticket = (await inbound(app))[-1].ticket_id if entry.get("after") else None
    reopen = entry["item"] == 33  # a reply to a closed ticket: close it first
    if reopen:
        async with app[SESSIONS].begin() as sess:
            ticket = await store_tickets.get_ticket(sess, subs["REF"])
            await store_tickets.change_status(sess, ticket, "closed", "test", "completed")
    await _deliver(app, entry["file"], subs)
    row = (await inbound(app))[-1]
    assert row.status == entry["outcome"], (row.disposition_reason, row.error, row.notes)
    assert row.subject is not None or entry["outcome"] == "quarantined"
    acked = len(sink(app)) - acks_before
    assert acked == (1 if entry.get("ack", False) else 0)
    if entry["outcome"] in ("ticketed", "attached"):
        assert row.ticket_id is not None and (row.text or row.attachments)
    if "same_ticket" in entry:
        assert (row.ticket_id == after_ticket) is entry["same_ticket"]
    if "needs_review" in entry:
        ticket = next(t for t in await tickets(app) if t.id == row.ticket_id)
        assert ticket.needs_review is entry["needs_review"]
    if reopen:
        assert next(t for t in await tickets(app) if t.id == after_ticket).status == "in_progress"
    if entry.get("bounce"):
        [ack] = [o for o in await outbox(app) if o.ticket_id == after_ticket]
        assert ack.status == "bounced"
