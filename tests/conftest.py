"""Shared fixtures: settings built like production, real SQLite files and a real PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from intake_bot.settings import Settings, load_settings, resolve_secrets
from intake_bot.store.engine import make_engine, make_sessions, upgrade
from intake_bot.store.models import Base

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get(
    "INTAKE_TEST_PG_ADMIN_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
TEST_CPR_KEY = "test-cpr-key-0123456789abcdef0123456789abcdef"
BACKENDS = ("sqlite", "postgres")


async def admin_sql(sql: str) -> None:
    engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def _create_database() -> tuple[str, str]:
    """Create a database with a fresh name; return (name, URL). Fails, never skips, on CI."""
    name = f"intake_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # pragma: no cover - the machine and CI have PostgreSQL
        if os.environ.get("INTAKE_TEST_SKIP_POSTGRES") == "1" and not os.environ.get("CI"):
            pytest.skip("PostgreSQL not reachable and INTAKE_TEST_SKIP_POSTGRES=1")
        pytest.fail(f"PostgreSQL at {make_url(PG_ADMIN_URL).host} is not reachable: {exc}")
    return name, make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


async def _drop_database(name: str) -> None:
    """Drop a test database and the connections still open on it in one step (PostgreSQL 13+
    FORCE): a running service's pool may reconnect between a separate terminate and the drop."""
    await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def pg_database() -> Iterator[str]:
    """Create a fresh PostgreSQL database for the caller, yield its URL, then drop it."""
    name, url = asyncio.run(_create_database())
    try:
        yield url
    finally:
        asyncio.run(_drop_database(name))


@asynccontextmanager
async def temporary_database() -> AsyncIterator[str]:
    """The same inside a running event loop; the database is gone once the block ends, which
    is how tests take the store away from a running service."""
    name, url = await _create_database()
    try:
        yield url
    finally:
        await _drop_database(name)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """One migrated PostgreSQL database for the whole run; tests empty it before use."""
    with pg_database() as url:
        async def migrate() -> None:
            engine = make_engine(url)
            await upgrade(engine)
            await engine.dispose()

        asyncio.run(migrate())
        yield url


async def _truncate_pg(url: str) -> None:
    engine = create_async_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated store URL: a SQLite file under tmp_path, or the PostgreSQL test DB."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
        return
    url = request.getfixturevalue("pg_url")
    asyncio.run(_truncate_pg(url))
    yield url


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings as production builds them, from a plain environment dict (STYLE 14)."""

    def build(**env: Any) -> Settings:
        environ = {
            "INTAKE_SERVICE_DATA_DIR": str(tmp_path / "var"),
            "INTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'var' / 'intake.db'}",
            "INTAKE_SECRETS_CPR_KEY": TEST_CPR_KEY,
            "INTAKE_SECRETS_SESSION_SECRET": TEST_CPR_KEY[::-1],
            "INTAKE_DEMO_LOAD": "false",
            "INTAKE_DEMO_DIRECTORY": str(REPO / "config" / "demo"),
            "INTAKE_HTTP_PORT": "0",
            "INTAKE_SMTP_PORT": "0",
            "INTAKE_RELAY_PORT": "0",
            "INTAKE_RELAY_SINK_DIR": str(tmp_path / "var" / "sink"),
            "INTAKE_NLP_ENABLED": "false",  # tests that need the classifier turn it on
        }
        environ.update({f"INTAKE_{k.upper()}": str(v) for k, v in env.items()})
        return resolve_secrets(load_settings(None, environ))

    return build


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on the migrated store of `db_url` (both back ends)."""
    engine = make_engine(db_url)
    await upgrade(engine)
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def cpr_key() -> bytes:
    return TEST_CPR_KEY.encode()
