"""The embedded default's relay: a local SMTP sink that keeps every mail as a file.

With `relay.sink = true` the service listens on relay.host:relay.port itself and writes each
message it is handed into a Maildir (`relay.sink_dir`), so a developer or a test can read
exactly what would have gone out. Production points relay.host at a real MTA instead.
"""

from __future__ import annotations

import asyncio
import logging
import mailbox
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

from intake_bot.keys import RELAY_PORT, SETTINGS

log = logging.getLogger(__name__)


class SinkHandler:
    """Accepts any mail and stores it in a Maildir (envelope in X-Sink-* headers)."""

    def __init__(self, directory: Path) -> None:
        directory.parent.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(directory, create=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        trace = (
            f"X-Sink-Mail-From: {envelope.mail_from}\r\n"
            f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        key = await asyncio.to_thread(self.maildir.add, trace + (envelope.original_content or b""))
        return f"250 2.0.0 Ok: kept as {key}"

    async def handle_exception(self, error: Exception) -> str:
        log.error("relay sink could not keep a mail (%s)", type(error).__name__)
        return "451 4.3.0 Sink cannot store the message now"


def read_sink(directory: Path) -> list[bytes]:
    """Every mail in the sink, oldest first (by delivery time)."""
    box = mailbox.Maildir(directory, create=False)
    keys = sorted(box.keys(), key=lambda k: (box.get_message(k).get_date(), k))
    return [box.get_bytes(k) for k in keys]


async def relay_sink(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: run the sink while the app runs, when the settings ask for it."""
    cfg = app[SETTINGS].relay
    if not cfg.sink:
        yield
        return
    factory = partial(SMTP, SinkHandler(cfg.sink_dir), hostname="sink.localhost",
                      decode_data=False, enable_SMTPUTF8=True)
    server = await asyncio.get_running_loop().create_server(factory, cfg.host, cfg.port)
    app[RELAY_PORT] = server.sockets[0].getsockname()[1]
    log.info("relay sink on %s:%d keeps mail in %s", cfg.host, app[RELAY_PORT], cfg.sink_dir)
    yield
    server.close()
    await server.wait_closed()
