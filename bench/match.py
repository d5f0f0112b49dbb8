"""Identity matching on a large store: latency of finding and verifying one request.

    .venv/bin/python bench/match.py [--persons 1000000] [--queries 2000] [--skip-pg]

Generates case data with at least --persons persons (the demo generator: Danish names, shared
debtors across cases), imports it into a fresh SQLite file and a fresh PostgreSQL database, then
times `identity.verify` (candidate search by indexed keys + the ID-3 decision) for a mix of
requests: a debtor writing from the address on file with name and case number, a name with a
birth date and postcode, a guessed case number with a wrong name, and an unknown person.
Prints p50 / p95 / p99 per back end. The databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from intake_bot import identity, normalize  # noqa: E402
from intake_bot.case_import import import_cases, import_clients  # noqa: E402
from intake_bot.demo import generate_cases, generate_clients  # noqa: E402
from intake_bot.store.engine import make_engine, make_sessions, upgrade  # noqa: E402
from intake_bot.store.models import CasePerson  # noqa: E402

KEY = b"bench-key-0123456789abcdef0123456789"
ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def write_files(folder: Path, persons: int) -> tuple[Path, Path, list[dict[str, Any]]]:
    clients = generate_clients(50, seed=7)
    clients_file, cases_file = folder / "clients.jsonl", folder / "cases.jsonl"
    clients_file.write_text("".join(json.dumps(c) + "\n" for c in clients), encoding="utf-8")
    samples: list[dict[str, Any]] = []
    count, batch = 0, 50_000
    rng = random.Random(7)
    with cases_file.open("w", encoding="utf-8") as fh:
        seed = 7
        while count < persons:
            for case in generate_cases(batch, clients, seed=seed):
                case["case_number"] = f"{seed:03d}{case['case_number']}"
                fh.write(json.dumps(case, ensure_ascii=False) + "\n")
                count += len(case["persons"])
                if rng.random() < 0.002:
                    samples.append(case)
            seed += 1
    return clients_file, cases_file, samples


def requests(samples: list[dict[str, Any]], n: int) -> list[identity.Claims]:
    rng = random.Random(11)
    out = []
    for i in range(n):
        case = rng.choice(samples)
        p = case["persons"][0]
        kind = i % 4
        if kind == 0 and p["emails"]:  # K5 + K2 + K1
            out.append(identity.claims_from(f"Sag {case['case_number']}. Slet mine data.",
                                            p["name"], p["emails"][0]))
        elif kind == 1 and p["birth_date"]:  # K2 + K4 + postcode, from an unknown address
            born = p["birth_date"].split("-")
            out.append(identity.claims_from(
                f"{p['name']}, født {born[2]}.{born[1]}.{born[0]}, "
                f"{p['address']['street']}, {p['address']['postcode']}", "", "x@example.com"))
        elif kind == 2:  # a guessed case number with another name
            out.append(identity.claims_from(f"Peter Jensen, sag {case['case_number']}", "",
                                            "guess@example.com"))
        else:  # nobody
            out.append(identity.claims_from("Zacharias Quist, sag 99999999", "",
                                            "nobody@example.com"))
    return out


async def measure(label: str, url: str, files: tuple[Path, Path], claims: list[identity.Claims]
                  ) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    sessions = make_sessions(engine)
    start = time.perf_counter()
    await import_clients(sessions, files[0])
    await import_cases(sessions, files[1], KEY)
    loaded = time.perf_counter() - start
    async with sessions() as sess:
        persons = (await sess.execute(select(func.count(CasePerson.id)))).scalar_one()
    outcomes: dict[str, int] = {}
    times = []
    async with sessions() as sess:
        for c in claims[:50]:  # warm the caches
            await identity.verify(sess, c)
        for c in claims:
            t = time.perf_counter()
            result = await identity.verify(sess, c)
            times.append((time.perf_counter() - t) * 1000)
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    await engine.dispose()
    q = statistics.quantiles(times, n=100)
    print(f"{label}: {persons:,} persons (loaded in {loaded:.0f} s); {len(times)} requests: "
          f"p50 {q[49]:.2f} ms, p95 {q[94]:.2f} ms, p99 {q[98]:.2f} ms, max {max(times):.2f} ms; "
          f"outcomes {outcomes}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    normalize.hash_cpr("0101901234", KEY)  # fail early if the key is unusable
    with tempfile.TemporaryDirectory(prefix="bench-match-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        clients, cases, samples = write_files(folder, args.persons)
        print(f"generated in {time.perf_counter() - t:.0f} s", flush=True)
        claims = requests(samples, args.queries)
        await measure("SQLite", f"sqlite+aiosqlite:///{folder / 'match.db'}", (clients, cases),
                      claims)
        if args.skip_pg:
            return
        name = f"intake_bench_{uuid.uuid4().hex[:8]}"
        admin = create_async_engine(ADMIN, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            await measure("PostgreSQL", f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}",
                          (clients, cases), claims)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
