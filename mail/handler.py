"""The SMTP handler: check recipients, store raw bytes durably, only then answer 250.

No parsing or classification happens inside the SMTP transaction (MAIL.md §3.4): the worker
picks up stored rows later, so a crash after the commit loses nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
from collections.abc import Iterable
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake_bot.sealing import Sealer
from intake_bot.store.models import InboundMessage
from mail import replies

log = logging.getLogger(__name__)

MIN_FREE_BYTES = 200 * 1024 * 1024


class IntakeHandler:
    """aiosmtpd hooks for the gdpr@ mailbox."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        wake: asyncio.Event,
        addresses: Iterable[str],
        max_bytes: int,
        data_dir: Path,
        sealer: Sealer,
    ) -> None:
        self.sessions = sessions
        self.wake = wake
        self.addresses = {a.strip().lower() for a in addresses}
        self.sealer = sealer
        self.max_bytes = max_bytes
        self.data_dir = data_dir

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str,
        mail_options: list[str],
    ) -> str:
        # Refuse early and temporarily when the disk is nearly full (MAIL.md §3.4 rule 2).
        if _free_bytes(self.data_dir) < MIN_FREE_BYTES:
            log.error("low disk space: deferring mail")
            return replies.LOW_DISK
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return replies.SENDER_OK

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str,
        rcpt_options: list[str],
    ) -> str:
        if base_address(address) not in self.addresses:
            return replies.NO_SUCH_USER
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return replies.RECIPIENT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if len(raw) > self.max_bytes:
            return replies.TOO_BIG
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        try:
            async with self.sessions.begin() as sess:
                row = InboundMessage(
                    channel="email", raw=self.sealer.seal(raw),
                    raw_sha256=hashlib.sha256(raw).hexdigest(),
                    envelope_from=envelope.mail_from, envelope_to=list(envelope.rcpt_tos),
                    peer=peer, status="received",
                )
                sess.add(row)
                await sess.flush()
                message_id = row.id
        except Exception as exc:  # nothing stored: the sender must retry
            log.error("could not store an incoming mail (%s); answered 451", type(exc).__name__)
            return replies.TRY_LATER
        log.info("mail stored as inbound %d (%d bytes)", message_id, len(raw))
        self.wake.set()
        return replies.OK.format(id=message_id)

    async def handle_exception(self, error: Exception) -> str:
        # Without this aiosmtpd answers a permanent 500 with the exception text (MAIL.md §3.5).
        log.error("SMTP session error %s; answered 451", type(error).__name__)
        return replies.TRY_LATER


def base_address(address: str) -> str:
    """The address without a +detail (gdpr+k3x9@ is gdpr@ with a ticket's reply token),
    lower-cased for comparison."""
    local, at, domain = address.strip().lower().rpartition("@")
    return f"{local.partition('+')[0]}{at}{domain}"


def _free_bytes(path: Path) -> int:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


