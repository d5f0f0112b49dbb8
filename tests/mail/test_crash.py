"""Crash safety: SIGKILL the real service while mail streams in; nothing answered 250 is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiosmtplib
import pytest
from sqlalchemy import func, select

from intake_bot.serialize import stats
from intake_bot.store.engine import make_engine, make_sessions
from intake_bot.store.models import InboundMessage, OutboxMessage, Ticket
from tests.conftest import REPO, TEST_CPR_KEY
from tests.helpers.mailflow import GDPR, make_mail

TOTAL = 500
KILL_AFTER = 200
SENDERS = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _env(tmp: Path, smtp_port: int, http_port: int, relay_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "INTAKE_SERVICE_DATA_DIR": str(tmp / "var"),
        "INTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'var' / 'intake.db'}",
        "INTAKE_SECRETS_CPR_KEY": TEST_CPR_KEY,
        "INTAKE_SECRETS_SESSION_SECRET": TEST_CPR_KEY[::-1],
        "INTAKE_DEMO_LOAD": "false",
        "INTAKE_SMTP_PORT": str(smtp_port),
        "INTAKE_HTTP_PORT": str(http_port),
        "INTAKE_RELAY_PORT": str(relay_port),
        "INTAKE_RELAY_SINK_DIR": str(tmp / "var" / "sink"),
        # A worker killed mid-message leaves a claim; the restarted one retakes it soon.
        "INTAKE_WORKER_CLAIM_TIMEOUT": "1",
        "INTAKE_WORKER_POLL_INTERVAL": "0.2",
        # Acks that failed while the relay sink died with the service are retried soon.
        "INTAKE_RELAY_RETRY_BASE": "0.5",
        "INTAKE_SERVICE_LOG_LEVEL": "WARNING",
    }


async def _start(env: dict[str, str], smtp_port: int) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "intake_bot", "serve", cwd=REPO, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    for _ in range(300):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", smtp_port)
            writer.close()
            return proc
        except OSError:
            await asyncio.sleep(0.1)
    proc.kill()
    raise AssertionError("the service did not start")


async def _deliver(port: int, n: int) -> bool:
    """Send mail n once; True only on a 250."""
    sender = f"person{n}@example.dk"
    raw = make_mail(sender=sender, subject=f"Indsigt {n}", message_id=f"<crash-{n}@example.dk>",
                    body=f"Jeg vil gerne have indsigt i mine oplysninger. Sag {n}.")
    try:
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10) as smtp:
            await smtp.sendmail(sender, [GDPR], raw)
        return True
    except (aiosmtplib.SMTPException, OSError):
        return False


@pytest.mark.slow
async def test_sigkill_while_receiving_loses_nothing(tmp_path: Path) -> None:
    # Every mail that got a 250 before or after a SIGKILL ends on exactly one ticket, and the
    # reconciliation of accepted messages is exact after the restart.
    smtp_port, http_port, relay_port = _free_port(), _free_port(), _free_port()
    env = _env(tmp_path, smtp_port, http_port, relay_port)
    proc = await _start(env, smtp_port)
    accepted: set[int] = set()
    unsent = list(range(TOTAL))
    killed = asyncio.Event()

    async def sender(numbers: list[int]) -> None:
        for n in numbers:
            if killed.is_set():
                return
            if await _deliver(smtp_port, n):
                accepted.add(n)
                unsent.remove(n)
            if len(accepted) >= KILL_AFTER and not killed.is_set():
                killed.set()
                proc.send_signal(signal.SIGKILL)

    await asyncio.gather(*(sender(unsent[i::SENDERS]) for i in range(SENDERS)))
    await proc.wait()
    assert killed.is_set()

    # An MTA retries what it did not get a 250 for; the restarted service takes the rest.
    proc = await _start(env, smtp_port)
    try:
        for n in list(unsent):
            assert await _deliver(smtp_port, n)
            accepted.add(n)
        engine = make_engine(env["INTAKE_DATABASE_URL"])
        sessions = make_sessions(engine)
        for _ in range(1200):
            async with sessions() as sess:
                counts = await stats(sess)
                queued = (await sess.execute(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.status != "sent"))).scalar_one()
            if counts["pending"] == 0 and queued == 0:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"not settled after the restart: {counts}, unsent {queued}")
        async with sessions() as sess:
            rows = (await sess.execute(select(InboundMessage.message_id, InboundMessage.status,
                                              InboundMessage.ticket_id))).all()
            ticket_count = (await sess.execute(select(func.count()).select_from(Ticket))
                            ).scalar_one()
            acks = (await sess.execute(select(OutboxMessage.ticket_id))).scalars().all()
        await engine.dispose()
    finally:
        proc.send_signal(signal.SIGTERM)
        await proc.wait()

    assert accepted == set(range(TOTAL))
    assert counts["pending"] == 0 and counts["quarantined"] == 0
    assert counts["accepted"] == len(rows) >= TOTAL
    assert counts["accepted"] == (counts["ticketed"] + counts["attached"]
                                  + counts["quarantined"] + counts["auto_mail"])
    by_mail: dict[str, set[int]] = {}
    for message_id, status, ticket_id in rows:
        assert status in ("ticketed", "attached") and ticket_id is not None
        by_mail.setdefault(message_id, set()).add(ticket_id)
    assert set(by_mail) == {f"<crash-{n}@example.dk>" for n in range(TOTAL)}
    assert all(len(ids) == 1 for ids in by_mail.values())  # one ticket per mail
    assert ticket_count == TOTAL == counts["ticketed"]
    assert sorted(acks) == sorted(set(acks)) and len(acks) == TOTAL  # one ack per ticket
