"""The SMTP listener, run on the app's own event loop (not aiosmtpd's threaded Controller)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from functools import partial

from aiohttp import web
from aiosmtpd.smtp import SMTP

from intake_bot.keys import SESSIONS, SETTINGS, SMTP_PORT, WAKE_WORKER
from mail.handler import IntakeHandler

log = logging.getLogger(__name__)


class IntakeSMTP(SMTP):
    """aiosmtpd's server with long lines accepted: real senders exceed RFC 5321's 1,000
    octets, and refusing them loses mail (MAIL.md §3.5)."""

    line_length_limit = 64 * 1024


async def smtp_listener(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: listen for SMTP while the app runs."""
    cfg = app[SETTINGS].smtp
    handler = IntakeHandler(
        app[SESSIONS], app[WAKE_WORKER], [*cfg.addresses, *cfg.aliases], cfg.max_bytes,
        app[SETTINGS].service.data_dir,
    )
    factory = partial(
        IntakeSMTP, handler, hostname=cfg.hostname, data_size_limit=cfg.max_bytes,
        decode_data=False, enable_SMTPUTF8=True,
    )
    server = await asyncio.get_running_loop().create_server(factory, cfg.host, cfg.port)
    app[SMTP_PORT] = server.sockets[0].getsockname()[1]
    log.info("SMTP intake on %s:%d", cfg.host, app[SMTP_PORT])
    yield
    server.close()
    await server.wait_closed()
