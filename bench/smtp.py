"""SMTP intake throughput: mails/s accepted and mails/s processed into tickets, at 1, 8 and 32
concurrent connections, each against a bare aiosmtpd sink measured in the same run.

    .venv/bin/python bench/smtp.py [--mails 600] [--levels 1,8,32] [--nlp/--no-nlp] [--postgres]

The service runs as `intake-bot serve` in its own process (SQLite under a temporary directory
unless --postgres), the bare sink as `python -m aiosmtpd` with its do-nothing Sink handler; the
client sends over persistent connections. "Accepted" counts 250 replies per second of sending;
"processed" is mails per second from the first send until the worker has settled them all
(ticket, acknowledgement queued and delivered to the relay sink).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiosmtplib
import asyncpg
from sqlalchemy import func, select

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from intake_bot.serialize import stats  # noqa: E402
from intake_bot.store.engine import make_engine, make_sessions  # noqa: E402
from intake_bot.store.models import OutboxMessage  # noqa: E402

GDPR = "gdpr@alektumgroup.dk"
BODIES = [
    "Hej. Jeg vil gerne vide hvilke oplysninger I har om mig, og hvor I har dem fra.",
    "Slet venligst mine personoplysninger. Sagen er betalt for laengst.",
    "Hello, I object to you processing my data for marketing. Please confirm.",
    "Jeg har modtaget en rykker, men beloebet er forkert. Ring til mig.",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def mail(n: int) -> bytes:
    return (
        f"From: Person {n} <p{n}@example.dk>\r\nTo: {GDPR}\r\nSubject: Henvendelse {n}\r\n"
        f"Message-ID: <bench-{uuid.uuid4().hex}@example.dk>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{BODIES[n % len(BODIES)]}\r\n\r\nVenlig hilsen\r\nPerson {n}\r\n"
    ).encode()


async def wait_port(port: int) -> None:
    for _ in range(600):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


async def blast(port: int, mails: int, connections: int, offset: int) -> float:
    """Send `mails` over `connections` persistent connections; returns elapsed seconds."""
    numbers = list(range(offset, offset + mails))

    async def one(share: list[int]) -> None:
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=120) as smtp:
            for n in share:
                await smtp.sendmail(f"p{n}@example.dk", [GDPR], mail(n))

    start = time.perf_counter()
    await asyncio.gather(*(one(numbers[i::connections]) for i in range(connections)))
    return time.perf_counter() - start


async def drained(url: str, expected: int) -> None:
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        while True:
            async with sessions() as sess:
                counts = await stats(sess)
                unsent = (await sess.execute(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.status != "sent"))).scalar_one()
            if counts["accepted"] >= expected and counts["pending"] == 0 and unsent == 0:
                return
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=600, help="mails per concurrency level")
    parser.add_argument("--levels", default="1,8,32")
    parser.add_argument("--nlp", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--postgres", action="store_true",
                        help="store in a fresh PostgreSQL database on 127.0.0.1:5432")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    tmp = Path(tempfile.mkdtemp(prefix="bench-smtp-"))
    pg_name = None
    if args.postgres:
        pg_name = f"intake_bench_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        await conn.execute(f'CREATE DATABASE "{pg_name}"')
        await conn.close()
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{pg_name}"
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'intake.db'}"
    smtp_port, sink_port = free_port(), free_port()
    env = {
        **os.environ, "INTAKE_SERVICE_DATA_DIR": str(tmp), "INTAKE_DATABASE_URL": url,
        "INTAKE_SECRETS_CPR_KEY": "bench-" + "k" * 40,
        "INTAKE_SECRETS_SESSION_SECRET": "bench-" + "s" * 40,
        "INTAKE_DEMO_LOAD": "false", "INTAKE_SMTP_PORT": str(smtp_port),
        "INTAKE_HTTP_PORT": str(free_port()), "INTAKE_RELAY_PORT": str(free_port()),
        "INTAKE_RELAY_SINK_DIR": str(tmp / "sink"), "INTAKE_SERVICE_LOG_LEVEL": "WARNING",
        "INTAKE_NLP_ENABLED": "true" if args.nlp else "false",
        "INTAKE_SMTP_MAX_CONNECTIONS_PER_PEER": "64",
        "INTAKE_REPLIES_ACK_LIMIT_PER_HOUR": "1000000",
    }
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "intake_bot", "serve", cwd=REPO, env=env,
        stdout=asyncio.subprocess.DEVNULL)
    bare = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{sink_port}",
        "-c", "aiosmtpd.handlers.Sink", stdout=asyncio.subprocess.DEVNULL)
    try:
        await wait_port(smtp_port)
        await wait_port(sink_port)
        await blast(smtp_port, 20, 2, 10_000_000)  # warm-up (classifier, connections)
        await drained(url, 20)
        print(f"store: {'PostgreSQL' if pg_name else 'SQLite'}; classifier "
              f"{'on' if args.nlp else 'off'}; {args.mails} mails per level; "
              f"{os.cpu_count()} cores")
        print(f"{'conns':>5}  {'bare sink/s':>11}  {'accepted/s':>10}  {'ratio':>5}  "
              f"{'processed/s':>11}  {'ratio':>5}")
        offset, total = 0, 20
        for level in levels:
            bare_s = await blast(sink_port, args.mails, level, offset)
            start = time.perf_counter()
            ours_s = await blast(smtp_port, args.mails, level, offset)
            total += args.mails
            await drained(url, total)
            processed_s = time.perf_counter() - start
            offset += args.mails
            bare_rate, ours, done = (args.mails / bare_s, args.mails / ours_s,
                                     args.mails / processed_s)
            print(f"{level:>5}  {bare_rate:>11.0f}  {ours:>10.0f}  {ours / bare_rate:>5.2f}  "
                  f"{done:>11.0f}  {done / bare_rate:>5.2f}")
    finally:
        for proc in (service, bare):
            proc.send_signal(signal.SIGTERM)
            await proc.wait()
        if pg_name:
            conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
            await conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
