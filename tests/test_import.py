"""Case and client import (SPEC §4) through the real command line, on both back ends."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake_bot import normalize
from intake_bot.case_import import import_cases, import_clients
from intake_bot.demo import generate_cases, generate_clients
from intake_bot.importer import CASE_CSV_COLUMNS
from intake_bot.store.engine import make_engine, make_sessions
from intake_bot.store.models import Base, Case, CasePerson, ContactPoint
from tests.conftest import REPO, TEST_CPR_KEY

# Five ways a line can be bad, each with the reason the operator must be told.
BAD_LINES: dict[int, tuple[str, str]] = {
    101: ("{not json", "not valid JSON"),
    202: ('{"case_number": "X1", "stage": "bankrupt", "client_id": "C1001", "persons": []}',
          "stage: must be one of"),
    303: ("CPR_DATE", "cpr: "),
    404: ("NO_PERSONS", "persons: expected a non-empty list"),
    505: ("UNKNOWN_CLIENT", "client_id: unknown client"),
}


def _write_jsonl(path: Path, objs: list[Any]) -> None:
    path.write_text(
        "".join(o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) + "\n"
                for o in objs), encoding="utf-8",
    )


def _dataset(tmp_path: Path) -> tuple[Path, Path, list[dict[str, Any]]]:
    """clients.jsonl and a 1,000-line cases.jsonl with the five bad lines of BAD_LINES."""
    clients = generate_clients(5, seed=7)
    cases = list(generate_cases(1000, clients, seed=7))
    lines: list[Any] = []
    for number, case in enumerate(cases, start=1):
        if number not in BAD_LINES:
            lines.append(case)
            continue
        marker = BAD_LINES[number][0]
        broken = json.loads(json.dumps(case))
        if marker == "CPR_DATE":
            broken["persons"][0]["cpr"] = "3213851234"  # day 32 does not exist
            broken["persons"][0]["birth_date"] = None
        elif marker == "NO_PERSONS":
            broken["persons"] = []
        elif marker == "UNKNOWN_CLIENT":
            broken["client_id"] = "C9999"
        else:
            broken = marker + "\n"
        lines.append(broken)
    clients_file, cases_file = tmp_path / "clients.jsonl", tmp_path / "cases.jsonl"
    _write_jsonl(clients_file, clients)
    _write_jsonl(cases_file, lines)
    return clients_file, cases_file, cases


def _cli(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INTAKE_DATABASE_URL": url, "INTAKE_SERVICE_DATA_DIR": str(tmp_path),
           "INTAKE_SECRETS_CPR_KEY": TEST_CPR_KEY, "INTAKE_DEMO_LOAD": "false"}
    return subprocess.run(
        [sys.executable, "-m", "intake_bot", *args], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=300,
    )


def _summary(stdout: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(\w+): (\d+)", stdout)}


async def _dump(url: str) -> list[tuple[Any, ...]]:
    """Every row of the case tables, ids and timestamps included, for before/after comparison."""
    engine = make_engine(url)
    out: list[tuple[Any, ...]] = []
    async with make_sessions(engine)() as sess:
        for model in (Case, CasePerson, ContactPoint):
            cols = [c for c in model.__table__.columns]  # type: ignore[attr-defined]
            rows = await sess.execute(select(*cols).order_by(cols[0]))
            out += [(model.__name__, *r) for r in rows]
    await engine.dispose()
    return out


def test_import_reports_bad_lines_and_is_idempotent(db_url: str, tmp_path: Path) -> None:
    # 1,000 lines with 5 bad ones: 995 imported, the 5 named with line and reason, exit 1;
    # the same file again changes nothing at all.
    clients_file, cases_file, _ = _dataset(tmp_path)
    done = _cli(db_url, tmp_path, "clients", "import", str(clients_file))
    assert done.returncode == 0, done.stderr
    assert _summary(done.stdout)["imported"] == 5

    first = _cli(db_url, tmp_path, "cases", "import", str(cases_file))
    assert first.returncode == 1
    assert _summary(first.stdout) == {"imported": 995, "updated": 0, "unchanged": 0,
                                      "rejected": 5}
    reported = [ln for ln in first.stderr.splitlines() if ln.startswith("line ")]
    assert [int(ln.split()[1].rstrip(":")) for ln in reported] == sorted(BAD_LINES)
    for ln, (number, (_, reason)) in zip(reported, sorted(BAD_LINES.items()), strict=True):
        assert ln.startswith(f"line {number}: ") and reason in ln, ln

    before = asyncio.run(_dump(db_url))
    second = _cli(db_url, tmp_path, "cases", "import", str(cases_file))
    assert second.returncode == 1
    assert _summary(second.stdout) == {"imported": 0, "updated": 0, "unchanged": 995,
                                       "rejected": 5}
    assert asyncio.run(_dump(db_url)) == before


async def test_changed_case_updates_persons_in_place(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, cpr_key: bytes
) -> None:
    # Re-importing a case with a new phone and one person fewer updates it; the debtor's id stays.
    clients = generate_clients(2, seed=3)
    case = next(c for c in generate_cases(50, clients, seed=3) if len(c["persons"]) > 1)
    _write_jsonl(tmp_path / "clients.jsonl", clients)
    _write_jsonl(tmp_path / "a.jsonl", [case])
    await import_clients(sessions, tmp_path / "clients.jsonl")
    await import_cases(sessions, tmp_path / "a.jsonl", cpr_key)
    async with sessions() as sess:
        debtor_id = (await sess.execute(
            select(CasePerson.id).where(CasePerson.position == 0))).scalar_one()

    changed = json.loads(json.dumps(case))
    changed["persons"] = changed["persons"][:1]
    changed["persons"][0]["phones"] = ["+45 20 30 40 50"]
    _write_jsonl(tmp_path / "b.jsonl", [changed])
    summary = await import_cases(sessions, tmp_path / "b.jsonl", cpr_key)
    assert summary.as_dict() == {"imported": 0, "updated": 1, "unchanged": 0, "rejected": 0}
    async with sessions() as sess:
        persons = (await sess.execute(select(CasePerson))).scalars().all()
        phones = (await sess.execute(
            select(ContactPoint.value).where(ContactPoint.kind == "phone"))).scalars().all()
    assert [p.id for p in persons] == [debtor_id]
    assert phones == ["+4520304050"]


async def test_csv_and_jsonl_import_the_same_cases(
    tmp_path: Path, cpr_key: bytes, make_settings: Callable[..., Any]
) -> None:
    # The CSV form (one row per person) yields exactly the records the JSONL form yields.
    clients = generate_clients(3, seed=5)
    cases = list(generate_cases(40, clients, seed=5))
    _write_jsonl(tmp_path / "clients.jsonl", clients)
    _write_jsonl(tmp_path / "cases.jsonl", cases)
    with (tmp_path / "cases.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, [*CASE_CSV_COLUMNS, "closed_from_stage"])
        writer.writeheader()
        for case in cases:
            for p in case["persons"]:
                writer.writerow({
                    **{k: case.get(k) for k in ("case_number", "stage", "client_id",
                                                "opened_at", "closed_at", "closed_from_stage")},
                    "role": p["role"], "name": p["name"], "cpr": p.get("cpr"),
                    "birth_date": p.get("birth_date"), "emails": ";".join(p["emails"]),
                    "phones": ";".join(p["phones"]), **(p.get("address") or {}),
                })
    fingerprints = []
    for name in ("cases.jsonl", "cases.csv"):
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / (name + '.db')}")
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        sessions = make_sessions(engine)
        await import_clients(sessions, tmp_path / "clients.jsonl")
        summary = await import_cases(sessions, tmp_path / name, cpr_key)
        assert summary.as_dict()["imported"] == 40 and not summary.errors, summary.errors
        async with sessions() as sess:
            fingerprints.append(sorted(
                (await sess.execute(select(Case.case_number, Case.fingerprint))).all()
            ))
        await engine.dispose()
    assert fingerprints[0] == fingerprints[1]


def test_csv_errors_name_lines(tmp_path: Path) -> None:
    # A CSV with a missing column, then one with a bad row: each error names its line.
    url = f"sqlite+aiosqlite:///{tmp_path / 'csv.db'}"
    _write_jsonl(tmp_path / "clients.jsonl", generate_clients(1, seed=1))
    assert _cli(url, tmp_path, "clients", "import", str(tmp_path / "clients.jsonl")).returncode == 0
    (tmp_path / "nohead.csv").write_text("case_number,stage\n1,invoice\n", encoding="utf-8")
    done = _cli(url, tmp_path, "cases", "import", str(tmp_path / "nohead.csv"))
    assert done.returncode == 1 and "line 1: header: missing column(s): client_id" in done.stderr
    header = ",".join(CASE_CSV_COLUMNS)
    rows = [
        "100,invoice,C1001,2025-01-02,,debtor,Åse Østergård,,,aase@example.dk,,Vestergade 1,8000,"
        "Aarhus C,DK",
        "101,invoice,C1001,2025-01-02,,debtor,Bo Ek,,,not-an-email,,Storgatan 3,12345,Lund,SE",
        "102,collection,C1001,2025-01-02,,debtor,Bo Ek,,1985-13-01,,,Storgatan 3,12345,Lund,SE",
    ]
    (tmp_path / "rows.csv").write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    done = _cli(url, tmp_path, "cases", "import", str(tmp_path / "rows.csv"))
    assert done.returncode == 1
    assert "line 3: persons[0].emails[0]:" in done.stderr
    assert "line 4: persons[0].birth_date: not a date (YYYY-MM-DD)" in done.stderr
    assert _summary(done.stdout)["imported"] == 1


def test_no_cpr_in_plain_text_in_store_or_logs(tmp_path: Path) -> None:
    # After importing the demo data, no CPR number appears in the SQLite files or the output;
    # only keyed hashes and the masked DDMMYY-XXXX form are kept.
    url = f"sqlite+aiosqlite:///{tmp_path / 'cpr.db'}"
    demo = REPO / "config" / "demo"
    cprs = {
        normalize.parse_cpr(p["cpr"]).digits
        for line in (demo / "cases.jsonl").read_text(encoding="utf-8").splitlines()
        for p in json.loads(line)["persons"] if p.get("cpr")
    }
    assert len(cprs) > 50
    debug = tmp_path / "debug.toml"
    debug.write_text('[service]\nlog_level = "DEBUG"\n', encoding="utf-8")
    outputs = [
        _cli(url, tmp_path, "--config", str(debug), "clients", "import",
             str(demo / "clients.jsonl")),
        _cli(url, tmp_path, "--config", str(debug), "cases", "import",
             str(demo / "cases.jsonl")),
    ]
    bad = tmp_path / "bad.jsonl"
    first = json.loads((demo / "cases.jsonl").read_text(encoding="utf-8").splitlines()[0])
    first["persons"][0]["cpr"] = "3201851234"
    first["persons"][0]["birth_date"] = "1999-01-01"
    _write_jsonl(bad, [first])
    outputs.append(_cli(url, tmp_path, "--config", str(debug), "cases", "import", str(bad)))
    assert [o.returncode for o in outputs] == [0, 0, 1]
    db_blobs = [p.read_bytes() for p in tmp_path.glob("cpr.db*")]
    assert any(b"-XXXX" in b for b in db_blobs)  # the masked form is what is kept
    blobs = db_blobs + [(o.stdout + o.stderr).encode() for o in outputs]
    for cpr in [*cprs, "3201851234"]:
        for form in (cpr, f"{cpr[:6]}-{cpr[6:]}"):
            assert not any(form.encode() in blob for blob in blobs), "CPR found in plain text"


@pytest.mark.parametrize("field,value,reason", [
    ("cpr", "12038512", "cpr: "),
    ("phones", ["12"], "phones[0]: "),
    ("role", "uncle", "role: must be one of debtor, co_debtor, guarantor"),
    ("name", "", "name: missing"),
    ("name", "!!! ---", "name: has no letters"),
])
async def test_person_errors_name_the_field(
    tmp_path: Path, cpr_key: bytes, field: str, value: Any, reason: str
) -> None:
    # Each bad person field is reported as line N: persons[i].<field>: reason, without the value.
    clients = generate_clients(1, seed=2)
    case = next(iter(generate_cases(1, clients, seed=2)))
    case["persons"][0][field] = value
    case["persons"][0]["birth_date"] = None
    _write_jsonl(tmp_path / "c.jsonl", [case])
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    summary = await import_cases(make_sessions(engine), tmp_path / "c.jsonl", cpr_key)
    await engine.dispose()
    assert len(summary.errors) == 1
    message = str(summary.errors[0])
    assert message.startswith(f"line 1: persons[0].{reason}"), message
    if isinstance(value, str) and value:
        assert value not in message
