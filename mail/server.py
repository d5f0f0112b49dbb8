"""The SMTP listener, run on the app's own event loop (not aiosmtpd's threaded Controller)."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import Counter
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from aiohttp import web
from aiosmtpd.smtp import SMTP

from intake_bot.errors import ConfigError
from intake_bot.keys import SEALER, SESSIONS, SETTINGS, SMTP_PORT, WAKE_WORKER
from intake_bot.settings import SmtpSettings
from mail import replies
from mail.handler import IntakeHandler

log = logging.getLogger(__name__)


class IntakeSMTP(SMTP):
    """aiosmtpd's server with long lines accepted (real senders exceed RFC 5321's 1,000
    octets, and refusing them loses mail, MAIL.md §3.5) and a limit on connections per peer,
    so one sender cannot hold every slot while the whole message sits in memory."""

    line_length_limit = 64 * 1024

    def __init__(self, *args: Any, peer_counts: Counter[str], per_peer_limit: int,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._peer_counts = peer_counts
        self._per_peer_limit = per_peer_limit
        self._peer_ip = ""
        self._refused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        self._peer_ip = str(peer[0]) if peer else "unknown"
        self._peer_counts[self._peer_ip] += 1
        if self._peer_counts[self._peer_ip] > self._per_peer_limit:
            self._refused = True
            assert isinstance(transport, asyncio.WriteTransport)
            transport.write(replies.TOO_MANY_CONNECTIONS.encode() + b"\r\n")
            transport.close()
            return
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self._peer_counts[self._peer_ip] -= 1
        if not self._peer_counts[self._peer_ip]:
            del self._peer_counts[self._peer_ip]
        if not self._refused:  # a refused connection never started aiosmtpd's session
            super().connection_lost(error)


def _tls_context(cfg: SmtpSettings) -> ssl.SSLContext | None:
    """STARTTLS is offered when a certificate is configured (optional: many intakes sit behind
    a Postfix that terminates TLS); plain SMTP stays allowed for senders without TLS."""
    if not cfg.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cfg.tls_cert, cfg.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError("smtp.tls_cert", f"cannot load certificate and key ({exc})") from None
    return context


async def smtp_listener(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: listen for SMTP while the app runs."""
    cfg = app[SETTINGS].smtp
    handler = IntakeHandler(
        app[SESSIONS], app[WAKE_WORKER], [*cfg.addresses, *cfg.aliases], cfg.max_bytes,
        app[SETTINGS].service.data_dir, app[SEALER],
    )
    factory = partial(
        IntakeSMTP, handler, hostname=cfg.hostname, data_size_limit=cfg.max_bytes,
        decode_data=False, enable_SMTPUTF8=True, peer_counts=Counter(),
        per_peer_limit=cfg.max_connections_per_peer, tls_context=_tls_context(cfg),
    )
    server = await asyncio.get_running_loop().create_server(factory, cfg.host, cfg.port)
    app[SMTP_PORT] = server.sockets[0].getsockname()[1]
    log.info("SMTP intake on %s:%d", cfg.host, app[SMTP_PORT])
    yield
    server.close()
    await server.wait_closed()
