"""Import benchmark: cases/s for N generated cases on SQLite and PostgreSQL (first and repeat run).

    .venv/bin/python bench/import_cases.py [--cases 100000] [--pg-admin-url URL] [--skip-pg]

Creates its own SQLite file in a temporary folder and its own PostgreSQL database, which it
drops at the end. Prints one line per back end and run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from intake_bot.case_import import import_cases, import_clients
from intake_bot.demo import generate_cases, generate_clients
from intake_bot.store.engine import make_engine, make_sessions, upgrade

KEY = b"bench-key-0123456789abcdef0123456789"


def write_files(folder: Path, n: int) -> tuple[Path, Path]:
    clients = generate_clients(50, seed=11)
    clients_file, cases_file = folder / "clients.jsonl", folder / "cases.jsonl"
    clients_file.write_text("".join(json.dumps(c) + "\n" for c in clients), encoding="utf-8")
    with cases_file.open("w", encoding="utf-8") as fh:
        for case in generate_cases(n, clients, seed=11):
            fh.write(json.dumps(case, ensure_ascii=False) + "\n")
    return clients_file, cases_file


async def run_backend(label: str, url: str, clients: Path, cases: Path, n: int) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    sessions = make_sessions(engine)
    await import_clients(sessions, clients)
    for run in ("first import", "same file again"):
        start = time.perf_counter()
        summary = await import_cases(sessions, cases, KEY)
        elapsed = time.perf_counter() - start
        print(f"{label:10} {run:16} {n:>8,} cases in {elapsed:7.1f} s = {n / elapsed:8,.0f} cases/s"
              f"   {summary.as_dict()}", flush=True)
    await engine.dispose()


async def admin(url: str, sql: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--pg-admin-url",
                        default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        clients, cases = write_files(folder, args.cases)
        print(f"generated {args.cases:,} cases ({cases.stat().st_size / 1e6:.1f} MB) "
              f"in {time.perf_counter() - start:.1f} s", flush=True)
        await run_backend("sqlite", f"sqlite+aiosqlite:///{folder / 'bench.db'}",
                          clients, cases, args.cases)
        if args.skip_pg:
            return
        name = f"intake_bench_{uuid.uuid4().hex[:8]}"
        await admin(args.pg_admin_url, f'CREATE DATABASE "{name}"')
        try:
            url = make_url(args.pg_admin_url).set(database=name)
            await run_backend("postgresql", url.render_as_string(hide_password=False),
                              clients, cases, args.cases)
        finally:
            await admin(args.pg_admin_url, f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    asyncio.run(main())
