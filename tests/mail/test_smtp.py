"""The SMTP listener over real TCP with a real SMTP client, started by the production factory."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
import trustme
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from intake_bot.app import create_app
from intake_bot.errors import ConfigError
from intake_bot.keys import SEALER, SESSIONS, SMTP_PORT
from intake_bot.store.models import InboundMessage
from tests.conftest import temporary_database

AiohttpClient = Callable[[web.Application], Any]
GDPR = "gdpr@alektumgroup.dk"
MAIL = (
    b"From: Jens <jens@example.dk>\r\nTo: gdpr@alektumgroup.dk\r\nSubject: Indsigt\r\n"
    b"Message-ID: <m1@example.dk>\r\n\r\nHej, send mig mine oplysninger.\r\n"
)


async def _send(port: int, message: bytes, rcpt: str = GDPR) -> aiosmtplib.SMTPResponse:
    errors, response = await aiosmtplib.send(
        message, sender="jens@example.dk", recipients=[rcpt], hostname="127.0.0.1", port=port,
        timeout=30)
    assert not errors
    return aiosmtplib.SMTPResponse(250, response)


async def _rows(client: TestClient[Any, Any]) -> list[InboundMessage]:
    async with client.app[SESSIONS]() as sess:
        return list((await sess.execute(select(InboundMessage))).scalars())


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, make_settings: Callable[..., Any]
                 ) -> TestClient[Any, Any]:
    # The worker is off: these tests look at what the listener stored, before processing.
    return await aiohttp_client(await create_app(
        make_settings(smtp_max_bytes="100000", worker_enabled="false")))


async def test_250_after_the_raw_bytes_are_stored(client: TestClient[Any, Any]) -> None:
    # A mail to the GDPR address is stored byte for byte with its envelope before the 250.
    response = await _send(client.app[SMTP_PORT], MAIL, rcpt="GDPR@AlektumGroup.dk")
    assert response.message.startswith("2.0.0 Ok: queued as ")
    rows = await _rows(client)
    assert len(rows) == 1 and rows[0].status == "received"
    assert client.app[SEALER].open(rows[0].raw) == MAIL
    assert MAIL[:40] not in rows[0].raw  # sealed at rest: a CPR in a mail is never plain text
    assert rows[0].envelope_from == "jens@example.dk"
    assert rows[0].envelope_to == ["GDPR@AlektumGroup.dk"]
    assert response.message.endswith(str(rows[0].id))


async def test_unknown_recipient_is_550_and_nothing_is_stored(
    client: TestClient[Any, Any],
) -> None:
    # Any address but the configured ones is refused at RCPT with 550 5.1.1: no relaying.
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as err:
        await aiosmtplib.send(MAIL, sender="a@example.dk", recipients=["someone@else.dk"],
                              hostname="127.0.0.1", port=client.app[SMTP_PORT])
    assert err.value.recipients[0].code == 550
    assert "5.1.1" in err.value.recipients[0].message
    assert await _rows(client) == []


async def test_too_big_is_552(client: TestClient[Any, Any]) -> None:
    # A message over smtp.max_bytes is refused with 552 and not stored.
    big = MAIL + b"x" * 200_000 + b"\r\n"
    with pytest.raises(aiosmtplib.SMTPResponseException) as err:
        await _send(client.app[SMTP_PORT], big)
    assert err.value.code == 552
    assert await _rows(client) == []


async def test_long_lines_and_8bit_are_accepted(client: TestClient[Any, Any]) -> None:
    # Lines far beyond 1,000 octets and raw UTF-8 bytes arrive intact.
    body = ("Slet mine oplysninger, tak. Søren Ærø " * 200).encode()
    message = MAIL.replace(b"Hej, send mig mine oplysninger.", body)
    await _send(client.app[SMTP_PORT], message)
    assert client.app[SEALER].open((await _rows(client))[0].raw) == message


async def test_store_down_is_451_and_nothing_stored(
    aiohttp_client: AiohttpClient, make_settings: Callable[..., Any]
) -> None:
    # When the database is gone the sender gets 451 4.3.0 (retry later), never a 5xx.
    async with temporary_database() as url:
        client: TestClient[Any, Any] = await aiohttp_client(
            await create_app(make_settings(database_url=url, worker_enabled="false")))
    with pytest.raises(aiosmtplib.SMTPResponseException) as err:
        await _send(client.app[SMTP_PORT], MAIL)
    assert err.value.code == 451 and "4.3.0" in err.value.message
    assert "Traceback" not in err.value.message


async def test_connections_per_peer_are_limited(
    aiohttp_client: AiohttpClient, make_settings: Callable[..., Any]
) -> None:
    # A client holding smtp.max_connections_per_peer connections gets 421 for one more,
    # and can connect again once one is closed.
    client: TestClient[Any, Any] = await aiohttp_client(
        await create_app(make_settings(smtp_max_connections_per_peer="2")))
    port = client.app[SMTP_PORT]
    held = [aiosmtplib.SMTP(hostname="127.0.0.1", port=port) for _ in range(2)]
    for smtp in held:
        await smtp.connect()
    extra = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
    with pytest.raises(aiosmtplib.SMTPConnectResponseError) as err:
        await extra.connect()
    assert err.value.code == 421
    await held[0].quit()
    for _ in range(40):  # the server frees the slot when it sees the close
        try:
            await _send(port, MAIL)
            break
        except aiosmtplib.SMTPConnectResponseError:
            await asyncio.sleep(0.05)
    await held[1].quit()
    assert len(await _rows(client)) == 1


async def test_starttls_with_a_configured_certificate(
    aiohttp_client: AiohttpClient, make_settings: Callable[..., Any], tmp_path: Path
) -> None:
    # With smtp.tls_cert/tls_key set, STARTTLS is offered and mail sent over it is stored.
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    client: TestClient[Any, Any] = await aiohttp_client(await create_app(make_settings(
        smtp_tls_cert=str(cert_file), smtp_tls_key=str(key_file), worker_enabled="false")))
    context = ssl.create_default_context()
    ca.configure_trust(context)
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=client.app[SMTP_PORT],
                           start_tls=False, tls_context=context)
    async with smtp:
        await smtp.ehlo()
        assert smtp.supports_extension("starttls")
        await smtp.starttls()
        await smtp.sendmail("jens@example.dk", [GDPR], MAIL)
    [row] = await _rows(client)
    assert client.app[SEALER].open(row.raw) == MAIL


def test_half_a_tls_setting_is_a_configuration_error(make_settings: Callable[..., Any]) -> None:
    # A certificate without its key is refused at start-up, naming the key.
    with pytest.raises(ConfigError, match="smtp.tls_cert"):
        make_settings(smtp_tls_cert="/etc/cert.pem")
