"""Threading: which existing ticket, if any, a mail continues (MAIL.md §2.3 and §6 goal 2).

Rules in order of trust: the per-ticket reply address, our own Message-IDs anywhere in
References/In-Reply-To, the requester's own earlier Message-IDs, the reply token quoted in the
body, and the `[GDPR-YYYY-NNNNNN]` subject tag. A match by anyone but the ticket's requester is
returned as such, so the caller opens a separate ticket: two data subjects never share one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake_bot.settings import SmtpSettings
from intake_bot.store.models import InboundMessage, OutboxMessage, Ticket
from mail.parse import ParsedMail

_TOKEN_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: survives retyping
TOKEN_LENGTH = 12
_TOKEN_IN_ADDRESS = re.compile(rf"\+([{_TOKEN_ALPHABET}]{{{TOKEN_LENGTH}}})@", re.IGNORECASE)
_SUBJECT_TAG = re.compile(r"\[\s*(GDPR-\d{4}-\d{6})\s*\]", re.IGNORECASE)
# Reply and forward prefixes in the languages we receive, for comparing subjects.
_PREFIX = re.compile(r"^\s*(?:(?:re|sv|aw|wg|fw|fwd|vs|vl|ang|antw|odp)\s*(?:\[\d+\])?\s*:\s*)+",
                     re.IGNORECASE)


def new_reply_token() -> str:
    """A fresh, unguessable per-ticket token (about 60 bits)."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def reply_address(intake_address: str, token: str) -> str:
    """`gdpr+<token>@domain`: replies to it reach the intake and name their ticket."""
    local, _, domain = intake_address.partition("@")
    return f"{local}+{token}@{domain}"


def ticket_reply_address(smtp: SmtpSettings, ticket: Ticket) -> str:
    """The reply address of `ticket` on the first configured intake address."""
    return reply_address(smtp.addresses[0], ticket.reply_token or "")


def base_subject(subject: str) -> str:
    """The subject without reply prefixes and our tag, folded, for "same matter?" checks."""
    core = _SUBJECT_TAG.sub(" ", subject)
    core = _PREFIX.sub("", core)
    return " ".join(core.casefold().split())


@dataclass(frozen=True)
class ThreadMatch:
    """The ticket a mail continues and how we know."""

    ticket_id: int
    rule: str  # reply_address | our_message_id | requester_message_id | body_token | subject_tag
    same_requester: bool


async def find_thread(
    sess: AsyncSession, mail: ParsedMail, recipients: Sequence[str]
) -> ThreadMatch | None:
    """The ticket this mail continues, or None for a new matter."""
    sender = mail.from_addr
    ids = [*mail.references, *mail.in_reply_to]
    candidates: list[tuple[str, int | None]] = [
        ("reply_address", await _by_tokens(sess, _tokens(recipients))),
        ("our_message_id", await _by_our_ids(sess, ids)),
        ("requester_message_id", await _by_inbound_ids(sess, ids, sender)),
        ("body_token", await _by_tokens(sess, _tokens([mail.text]))),
    ]
    for rule, ticket_id in candidates:
        if ticket_id is not None:
            requester = await _requester(sess, ticket_id)
            return ThreadMatch(ticket_id, rule, sender is not None and sender == requester)
    # The tag is printed on letters and in every subject line: anyone can copy it, so it only
    # counts for the requester themself (MAIL.md item 31).
    for ref in _SUBJECT_TAG.findall(mail.subject):
        ticket = (await sess.execute(
            select(Ticket.id, Ticket.requester_email).where(Ticket.ref == ref.upper())
        )).one_or_none()
        if ticket is not None and sender is not None and ticket.requester_email == sender:
            return ThreadMatch(ticket.id, "subject_tag", True)
    return None


def _tokens(texts: Iterable[str]) -> list[str]:
    return sorted({t.lower() for text in texts for t in _TOKEN_IN_ADDRESS.findall(text)})


async def _by_tokens(sess: AsyncSession, tokens: Sequence[str]) -> int | None:
    if not tokens:
        return None
    return (await sess.execute(
        select(Ticket.id).where(Ticket.reply_token.in_(tokens)).order_by(Ticket.id).limit(1)
    )).scalar_one_or_none()


async def _by_our_ids(sess: AsyncSession, ids: Sequence[str]) -> int | None:
    """Our outgoing Message-IDs, in any position of References/In-Reply-To (MAIL.md item 23);
    the newest reference wins."""
    if not ids:
        return None
    rows = (await sess.execute(
        select(OutboxMessage.message_id, OutboxMessage.ticket_id)
        .where(OutboxMessage.message_id.in_(ids), OutboxMessage.ticket_id.is_not(None))
    )).all()
    return _latest(ids, {r.message_id: r.ticket_id for r in rows})


async def _by_inbound_ids(
    sess: AsyncSession, ids: Sequence[str], sender: str | None
) -> int | None:
    """The requester's own earlier mail (a second mail before our ack arrived, item 25). Only
    the same sender's mails count: replies by others to a common mail are separate matters."""
    if not ids or sender is None:
        return None
    rows = (await sess.execute(
        select(InboundMessage.message_id, InboundMessage.ticket_id).where(
            InboundMessage.message_id.in_(ids), InboundMessage.ticket_id.is_not(None),
            InboundMessage.sender == sender,
        )
    )).all()
    return _latest(ids, {r.message_id: r.ticket_id for r in rows if r.message_id})


def _latest(ids: Sequence[str], found: dict[str, int | None]) -> int | None:
    for message_id in reversed(ids):
        ticket_id = found.get(message_id)
        if ticket_id is not None:
            return ticket_id
    return None


async def _requester(sess: AsyncSession, ticket_id: int) -> str | None:
    return (await sess.execute(
        select(Ticket.requester_email).where(Ticket.id == ticket_id)
    )).scalar_one_or_none()
