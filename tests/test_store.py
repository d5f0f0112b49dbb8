"""The request store on both back ends: schema, refs, tickets, lifecycle, agents."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake_bot import security
from intake_bot.errors import InputError, InvalidTransition, NotFound
from intake_bot.settings import Settings
from intake_bot.store import tickets
from intake_bot.store.agents import add_agent, agent_for_token
from intake_bot.store.engine import make_engine, upgrade
from intake_bot.store.models import Agent, Base, Ticket, TicketEvent
from tests.conftest import REPO, pg_database

CPH_WINTER = timezone(timedelta(hours=1))


def _new(received: datetime, **kw: object) -> tickets.NewTicket:
    return tickets.NewTicket(channel="email", received_at=received, **kw)  # type: ignore[arg-type]


async def test_migrations_match_the_models(db_url: str) -> None:
    # The Alembic head creates exactly the schema the models describe (no drift on either DB).
    engine = make_engine(db_url)
    await upgrade(engine)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
    await engine.dispose()
    assert diff == []


def test_migrations_run_on_a_fresh_postgres_database() -> None:
    # `db upgrade` on a brand-new PostgreSQL database creates every table.
    with pg_database() as url:
        async def run() -> set[str]:
            engine = make_engine(url)
            await upgrade(engine)
            async with engine.connect() as conn:
                names = await conn.run_sync(
                    lambda c: set(c.dialect.get_table_names(c))
                )
            await engine.dispose()
            return names

        names = asyncio.run(run())
    assert {t.name for t in Base.metadata.sorted_tables} <= names


async def test_refs_are_sequential_per_year(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Refs count up per year in the GDPR-YYYY-NNNNNN format and each year starts at 1.
    async with sessions.begin() as sess:
        a = await tickets.next_ref(sess, 2026)
        b = await tickets.next_ref(sess, 2026)
        c = await tickets.next_ref(sess, 2027)
    assert (a, b, c) == ("GDPR-2026-000001", "GDPR-2026-000002", "GDPR-2027-000001")


async def test_open_ticket_carries_statutory_deadlines(
    sessions: async_sessionmaker[AsyncSession], make_settings: object
) -> None:
    # A ticket gets due/extended_due per RULES §1 (E1: 5 Mar 2026 → 7 Apr, 5 Jun) and an event.
    settings: Settings = make_settings()  # type: ignore[operator]
    received = datetime(2026, 3, 5, 10, 0, tzinfo=CPH_WINTER)
    async with sessions.begin() as sess:
        t = await tickets.open_ticket(
            sess, _new(received, rights=["erasure", "access", "access"]), settings.deadlines
        )
    async with sessions() as sess:
        loaded = await tickets.get_ticket(sess, t.ref)
        events = await tickets.events_of(sess, loaded)
    assert loaded.ref.startswith("GDPR-2026-")
    assert loaded.rights == ["access", "erasure"]
    assert loaded.received_local_date == date(2026, 3, 5)
    assert (loaded.due, loaded.extended_due) == (date(2026, 4, 7), date(2026, 6, 5))
    assert loaded.received_at == received and loaded.received_at.tzinfo is not None
    assert [e.action for e in events] == ["opened"]


async def test_ref_year_follows_copenhagen_date(
    sessions: async_sessionmaker[AsyncSession], make_settings: object
) -> None:
    # 23:30 UTC on 31 Dec is already New Year in Copenhagen: the ref and the local date say 2027.
    settings: Settings = make_settings()  # type: ignore[operator]
    async with sessions.begin() as sess:
        t = await tickets.open_ticket(
            sess, _new(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)), settings.deadlines
        )
    assert t.ref == "GDPR-2027-000001"
    assert t.received_local_date == date(2027, 1, 1)


async def test_lifecycle_moves_are_checked_and_audited(
    sessions: async_sessionmaker[AsyncSession], make_settings: object
) -> None:
    # Allowed moves are recorded as events; closing needs an outcome; bad moves raise.
    settings: Settings = make_settings()  # type: ignore[operator]
    async with sessions.begin() as sess:
        t = await tickets.open_ticket(sess, _new(datetime.now(UTC)), settings.deadlines)
        await tickets.change_status(sess, t, "in_progress", "agent:1")
        with pytest.raises(InvalidTransition):
            await tickets.change_status(sess, t, "closed", "agent:1")  # no outcome
        await tickets.change_status(sess, t, "closed", "agent:1", outcome="completed")
        with pytest.raises(InvalidTransition):
            await tickets.change_status(sess, t, "forwarded", "agent:1")
    async with sessions() as sess:
        loaded = await tickets.get_ticket(sess, t.ref)
        actions = [(e.action, e.details.get("to")) for e in await tickets.events_of(sess, loaded)]
    assert loaded.status == "closed" and loaded.outcome == "completed"
    assert loaded.closed_at is not None
    assert actions == [("opened", None), ("status", "in_progress"), ("status", "closed")]


async def test_unknown_ticket_is_not_found(sessions: async_sessionmaker[AsyncSession]) -> None:
    # Looking up a ref that does not exist raises NotFound, not a driver error.
    async with sessions() as sess:
        with pytest.raises(NotFound):
            await tickets.get_ticket(sess, "GDPR-2026-999999")


async def test_agent_login_and_token(sessions: async_sessionmaker[AsyncSession]) -> None:
    # A new agent gets an argon2 password hash and a token that is stored only as a hash.
    async with sessions.begin() as sess:
        login = await add_agent(sess, "Mette", "supervisor")
    async with sessions.begin() as sess:
        agent = (await sess.execute(select(Agent))).scalar_one()
        assert agent.password_hash.startswith("$argon2")
        assert login.password not in agent.password_hash
        assert security.verify_password(agent.password_hash, login.password)
        assert not security.verify_password(agent.password_hash, login.password + "x")
        found = await agent_for_token(sess, login.token)
        assert found is not None and found.name == "Mette"
        assert await agent_for_token(sess, login.token + "x") is None
    async with sessions.begin() as sess:
        with pytest.raises(InputError, match="exists already"):
            await add_agent(sess, "Mette", "agent")
        with pytest.raises(InputError, match="role"):
            await add_agent(sess, "Jonas", "root")


def _create_tickets_in_processes(url: str, per_process: int, tmp_path: Path) -> list[str]:
    env = {**os.environ, "INTAKE_DATABASE_URL": url,
           "INTAKE_SERVICE_DATA_DIR": str(tmp_path), "INTAKE_DEMO_LOAD": "false"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.make_tickets", str(per_process)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(2)
    ]
    refs: list[str] = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        refs += out.split()
    return refs


def test_two_processes_never_share_a_ref_on_postgres(pg_url: str, tmp_path: Path) -> None:
    # Two processes each opening 500 tickets at once on one PostgreSQL get 1,000 distinct refs.
    refs = _create_tickets_in_processes(pg_url, 500, tmp_path)
    assert len(refs) == 1000
    assert len(set(refs)) == 1000


def test_two_processes_never_share_a_ref_on_sqlite(tmp_path: Path) -> None:
    # The same holds on the embedded SQLite file, where writers are serialised.
    url = f"sqlite+aiosqlite:///{tmp_path / 'refs.db'}"
    engine = make_engine(url)
    asyncio.run(upgrade(engine))
    asyncio.run(engine.dispose())
    refs = _create_tickets_in_processes(url, 200, tmp_path)
    assert len(refs) == len(set(refs)) == 400


async def test_events_are_only_appended(
    sessions: async_sessionmaker[AsyncSession], make_settings: object
) -> None:
    # Each change adds an event row; earlier rows keep their content.
    settings: Settings = make_settings()  # type: ignore[operator]
    async with sessions.begin() as sess:
        t = await tickets.open_ticket(sess, _new(datetime.now(UTC)), settings.deadlines)
        first = (await sess.execute(select(TicketEvent))).scalar_one()
        snapshot = (first.id, first.action, dict(first.details))
        await tickets.add_event(sess, t, "agent:1", "labels", {"rights": ["access"]})
    async with sessions() as sess:
        rows = (await sess.execute(select(TicketEvent).order_by(TicketEvent.id))).scalars().all()
        count = len((await sess.execute(select(Ticket))).scalars().all())
    assert (rows[0].id, rows[0].action, rows[0].details) == snapshot
    assert [r.action for r in rows] == ["opened", "labels"] and count == 1


@pytest.mark.parametrize("sent,due,extended,paused", [
    # E18: identity request on the 1st working day, answer 10 days later: 10 days credited.
    (datetime(2026, 3, 3, 9, 0, tzinfo=CPH_WINTER), date(2026, 4, 13), date(2026, 6, 12), 10),
    # E18b: the request went out on the 9th working day, too late under D-12: nothing credited.
    (datetime(2026, 3, 13, 9, 0, tzinfo=CPH_WINTER), date(2026, 4, 7), date(2026, 6, 2), 0),
], ids=["E18", "E18b"])
async def test_pause_and_resume_move_the_due_date(
    sessions: async_sessionmaker[AsyncSession], make_settings: object,
    sent: datetime, due: date, extended: date, paused: int,
) -> None:
    # Stop-the-clock through the store follows RULES §1.7 E18/E18b; while paused no due is shown.
    from intake_bot.serialize import ticket_summary

    rules = make_settings().deadlines  # type: ignore[operator]
    received = datetime(2026, 3, 2, 11, 0, tzinfo=CPH_WINTER)
    async with sessions.begin() as sess:
        t = await tickets.open_ticket(sess, _new(received, rights=["access"]), rules)
        await tickets.pause_ticket(sess, t, "identity", sent, date(2026, 3, 2), rules)
        shown = ticket_summary(t)
        await tickets.resume_ticket(
            sess, t, datetime(2026, 3, 13, 15, 0, tzinfo=CPH_WINTER), rules)
    assert shown["paused"] is True and shown["due"] is None
    async with sessions() as sess:
        loaded = await tickets.get_ticket(sess, t.ref)
        actions = [e.action for e in await tickets.events_of(sess, loaded)]
    assert (loaded.due, loaded.extended_due, loaded.paused_days) == (due, extended, paused)
    assert loaded.status == "in_progress"
    assert actions == ["opened", "status", "paused", "status", "resumed"]


async def test_no_credit_for_a_question_asked_after_verification(
    sessions: async_sessionmaker[AsyncSession], make_settings: object
) -> None:
    # D-11: asking a verified requester for identity details earns no pause credit.
    rules = make_settings().deadlines  # type: ignore[operator]
    received = datetime(2026, 3, 2, 11, 0, tzinfo=CPH_WINTER)
    async with sessions.begin() as sess:
        t = await tickets.open_ticket(sess, _new(received, rights=["erasure"]), rules)
        t.verification = "verified"
        await tickets.pause_ticket(sess, t, "identity", received, date(2026, 3, 2), rules)
        await tickets.resume_ticket(sess, t, received + timedelta(days=9), rules)
        with pytest.raises(InvalidTransition):
            await tickets.resume_ticket(sess, t, received + timedelta(days=10), rules)
    assert (t.paused_days, t.due) == (0, date(2026, 4, 7))  # as E18b: Easter roll only
