"""The processing worker and the outbox: failures, retries, quarantine, relay outages, CPR."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.smtp import SMTP
from sqlalchemy import update

from intake_bot import pipeline
from intake_bot.keys import SEALER, SESSIONS, SETTINGS, WAKE_WORKER
from intake_bot.store.inbound import requeue
from intake_bot.store.models import InboundMessage, utcnow
from mail.sink import SinkHandler
from tests.helpers.mailflow import inbound, make_mail, outbox, send, settle
from tests.mail.conftest import StartApp

AiohttpClient = Callable[[web.Application], Any]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def start(start_app: StartApp) -> Callable[..., Any]:
    async def build(**env: str) -> web.Application:
        return await start_app(worker_retry_delay="0", **env)
    return build


async def test_a_failing_step_is_retried_then_quarantined_and_others_flow(
    start: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A message that makes a step fail is tried worker.max_attempts times, then quarantined
    # with the step's name; the mails around it become tickets as usual.
    original = pipeline.classify

    async def explode(ctx: pipeline.StepContext, item: pipeline.Intake) -> None:
        if "EXPLODE" in item.subject:
            raise RuntimeError("boom with personal data Jens Jensen 010190-1234")
        await original(ctx, item)

    monkeypatch.setattr(pipeline, "STEPS", tuple(
        explode if s is original else s for s in pipeline.STEPS))
    app = await start()
    await send(app, make_mail(subject="Før", message_id="<a@x.dk>", sender="a@x.dk"))
    await send(app, make_mail(subject="EXPLODE", message_id="<b@x.dk>", sender="b@x.dk"))
    await send(app, make_mail(subject="Efter", message_id="<c@x.dk>", sender="c@x.dk"))
    counts = await settle(app)
    assert counts["ticketed"] == 2 and counts["quarantined"] == 1
    bad = (await inbound(app))[1]
    assert bad.status == "quarantined" and bad.attempts == app[SETTINGS].worker.max_attempts
    assert bad.error == "explode: RuntimeError"  # the step, never the exception's text
    assert app[SEALER].open(bad.raw).startswith(b"From:")  # raw kept for the agent


async def test_requeued_quarantined_message_is_processed_again(
    start: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # After a fix, `inbound reprocess` sends a quarantined message through again.
    app = await start(worker_max_attempts="1")
    broken = True
    original = pipeline.route

    async def flaky(ctx: pipeline.StepContext, item: pipeline.Intake) -> None:
        if broken:
            raise ValueError("bug")
        await original(ctx, item)

    monkeypatch.setattr(pipeline, "STEPS", tuple(
        flaky if s is original else s for s in pipeline.STEPS))
    await send(app, make_mail())
    assert (await settle(app))["quarantined"] == 1
    broken = False
    async with app[SESSIONS].begin() as sess:
        await requeue(sess, (await inbound(app))[0].id)
    assert (await settle(app))["ticketed"] == 1


async def test_a_claim_left_by_a_crashed_worker_is_taken_up_again(
    start: Callable[..., Any],
) -> None:
    # A message left `processing` (the worker died) is retaken once worker.claim_timeout passes.
    app = await start(worker_enabled="false")
    await send(app, make_mail())
    async with app[SESSIONS].begin() as sess:
        await sess.execute(update(InboundMessage).values(
            status="processing", attempts=1, claimed_at=utcnow() - timedelta(seconds=301)))
    from intake_bot.intake import process_inbound

    assert await process_inbound(app) == 1
    [row] = await inbound(app)
    assert row.status == "ticketed" and row.attempts == 2


async def test_a_fresh_claim_is_left_alone(start: Callable[..., Any]) -> None:
    # A message another worker is processing right now is not taken twice.
    app = await start(worker_enabled="false")
    await send(app, make_mail())
    async with app[SESSIONS].begin() as sess:
        await sess.execute(update(InboundMessage).values(
            status="processing", attempts=1, claimed_at=utcnow()))
    from intake_bot.intake import process_inbound

    assert await process_inbound(app) == 0
    assert (await inbound(app))[0].status == "processing"


async def test_relay_outage_is_retried_until_delivered(
    start: Callable[..., Any], tmp_path: Path
) -> None:
    # With the relay down the ack stays queued with the reason; once it is up it is sent.
    port = _free_port()
    app = await start(relay_sink="false", relay_port=str(port), relay_retry_base="0.2")
    await send(app, make_mail())
    for _ in range(100):
        [row] = await outbox(app) or [None]
        if row is not None and row.attempts >= 1 and row.status == "queued":
            break
        app[WAKE_WORKER].set()
        await asyncio.sleep(0.05)
    assert row is not None and row.status == "queued"
    assert row.last_error and row.last_error.startswith("relay unreachable")
    sink_dir = tmp_path / "relay"
    server = await asyncio.get_running_loop().create_server(
        partial(SMTP, SinkHandler(sink_dir)), "127.0.0.1", port)
    try:
        await settle(app)
    finally:
        server.close()
        await server.wait_closed()
    [row] = await outbox(app)
    assert row.status == "sent" and row.attempts >= 2
    assert len(list((sink_dir / "new").iterdir())) == 1


async def test_permanent_relay_refusal_fails_the_mail_and_notes_it(
    start: Callable[..., Any],
) -> None:
    # A 5xx from the relay is final: the outbox row is failed and the ticket says so.
    class Refuse:
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                              options: list[str]) -> str:
            return "550 5.1.1 no such user"

    port = _free_port()
    server = await asyncio.get_running_loop().create_server(
        partial(SMTP, Refuse()), "127.0.0.1", port)
    try:
        app = await start(relay_sink="false", relay_port=str(port))
        await send(app, make_mail())
        await settle(app)
    finally:
        server.close()
        await server.wait_closed()
    [row] = await outbox(app)
    assert row.status == "failed" and "550" in (row.last_error or "")


async def test_cpr_in_a_mail_is_never_stored_in_plain_text(
    start: Callable[..., Any], tmp_path: Path
) -> None:
    # A requester writing their CPR: the store holds it masked (and sealed raw), never plain.
    app = await start()
    await send(app, make_mail(subject="Indsigt 010190-1234",
                              body="Mit CPR er 0101901234 og min sag er 4417823."))
    await settle(app)
    [row] = await inbound(app)
    assert "010190-XXXX" in (row.text or "") and "010190-XXXX" in (row.subject or "")
    for path in (tmp_path / "var").rglob("*"):
        if path.is_file() and "sink" not in path.parts:
            data = path.read_bytes()
            assert b"0101901234" not in data and b"010190-1234" not in data, path


async def test_junk_of_every_kind_ends_in_a_disposition(start: Callable[..., Any]) -> None:
    # Whatever arrives, the pipeline settles it (ticket, auto-mail or quarantine): never stuck,
    # and the reconciliation stays exact.
    app = await start()
    rng = random.Random(20261124)
    good = make_mail()
    junk = [b"", b"\r\n\r\n", b"\x00" * 100, bytes(rng.randrange(256) for _ in range(2000)),
            good[: len(good) // 2], good.replace(b"\r\n\r\n", b"\r\n"),
            b"From: \xff\xfe <@>\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--",
            b"Content-Type: multipart/mixed; boundary=x\r\n\r\n" + b"--x\r\n" * 500]
    for _ in range(12):
        data = bytearray(good)
        for _ in range(rng.randrange(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        junk.append(bytes(data))
    async with app[SESSIONS].begin() as sess:
        for raw in junk:
            sess.add(InboundMessage(channel="email", raw=app[SEALER].seal(raw),
                                    raw_sha256="-", envelope_to=["gdpr@alektumgroup.dk"]))
    counts = await settle(app)
    assert counts["accepted"] == len(junk) and counts["pending"] == 0
    assert counts["accepted"] == sum(counts[k] for k in
                                     ("ticketed", "attached", "quarantined", "auto_mail"))
    assert all(r.error is None or r.error.startswith("parse") for r in await inbound(app))


async def test_a_stuck_backlog_raises_an_alert(
    start: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    # A message waiting longer than worker.alert_after is reported as an ALERT (item 45).
    app = await start(worker_enabled="false", worker_alert_after="1")
    await send(app, make_mail())
    async with app[SESSIONS].begin() as sess:
        await sess.execute(update(InboundMessage).values(
            received_at=utcnow() - timedelta(seconds=5)))
    from intake_bot.intake import watch_backlog

    assert await watch_backlog(app) == 0
    alerts = [r for r in caplog.records if r.levelname == "ERROR" and "ALERT" in r.message]
    assert len(alerts) == 1 and "1 inbound messages pending" in alerts[0].message
