"""The service as it runs: app factory, /healthz, error pages, worker, and `serve` itself."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from intake_bot.app import create_app
from intake_bot.keys import CLASSIFIER, SESSIONS, WAKE_WORKER
from intake_bot.store.models import Case, CasePerson, Client
from intake_bot.worker import JOBS
from tests.conftest import temporary_database

AiohttpClient = Callable[[web.Application], Any]


async def test_healthz_ok_with_demo_data(
    aiohttp_client: AiohttpClient, make_settings: Callable[..., Any], db_url: str
) -> None:
    # On an empty store the app migrates, loads the demo data and answers /healthz 200.
    client: TestClient[Any, Any] = await aiohttp_client(
        await create_app(make_settings(demo_load="true", database_url=db_url)))
    resp = await client.get("/healthz")
    assert resp.status == 200 and await resp.json() == {"status": "ok"}
    async with client.app[SESSIONS]() as sess:
        cases = (await sess.execute(select(func.count(Case.id)))).scalar_one()
        clients = (await sess.execute(select(func.count(Client.id)))).scalar_one()
        stages = set((await sess.execute(select(Case.stage).distinct())).scalars())
        roles = set((await sess.execute(select(CasePerson.role).distinct())).scalars())
    assert 150 <= cases <= 300 and clients == 20
    assert stages == {"invoice", "collection", "closed"}
    assert roles == {"debtor", "co_debtor", "guarantor"}


async def test_healthz_503_when_store_does_not_answer(
    aiohttp_client: AiohttpClient, make_settings: Callable[..., Any]
) -> None:
    # When the PostgreSQL database goes away under a running service, /healthz says 503.
    async with temporary_database() as url:
        client: TestClient[Any, Any] = await aiohttp_client(
            await create_app(make_settings(database_url=url, database_health_timeout="2")))
        assert (await client.get("/healthz")).status == 200
    resp = await client.get("/healthz")
    assert resp.status == 503
    assert await resp.json() == {"status": "unavailable"}


async def test_errors_are_json_without_internals(
    aiohttp_client: AiohttpClient, make_settings: Callable[..., Any]
) -> None:
    # An unknown path or method gives the JSON error shape of SPEC §3, not an HTML page.
    client: TestClient[Any, Any] = await aiohttp_client(await create_app(make_settings()))
    resp = await client.get("/no/such/page")
    assert resp.status == 404
    assert await resp.json() == {"error": "not_found", "detail": None}
    resp = await client.post("/healthz")
    assert resp.status == 405 and (await resp.json())["error"] == "method_not_allowed"


async def test_worker_runs_jobs_when_woken_and_survives_failures(
    aiohttp_client: AiohttpClient, make_settings: Callable[..., Any]
) -> None:
    # A wake-up runs every job; a job that raises is logged and the others keep running.
    calls: list[str] = []
    woke = asyncio.Event()

    async def broken(app: web.Application) -> int:
        calls.append("broken")
        raise RuntimeError("boom")

    async def counting(app: web.Application) -> int:
        calls.append("counting")
        woke.set()
        return 0

    app = await create_app(make_settings(worker_poll_interval="3600"))
    app[JOBS] = (broken, counting)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    await asyncio.wait_for(woke.wait(), 5)  # the first round at start-up
    woke.clear()
    client.app[WAKE_WORKER].set()
    await asyncio.wait_for(woke.wait(), 5)
    assert calls == ["broken", "counting", "broken", "counting"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_on_the_embedded_default(tmp_path: Path) -> None:
    # `intake-bot serve` with only the defaults (SQLite, demo data, generated dev secrets)
    # answers /healthz and stops cleanly on SIGTERM.
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env.update({"INTAKE_HTTP_PORT": str(port), "INTAKE_SMTP_PORT": str(_free_port())})
    proc = subprocess.Popen(
        [sys.executable, "-m", "intake_bot", "serve"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200 and r.read() == b'{"status": "ok"}'
                    break
            except OSError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "service did not come up"
                time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "NEVER run production" in err  # the generated dev secret is announced loudly
    assert (tmp_path / "var" / "intake.db").exists()
    assert "Traceback" not in err


async def test_classifier_is_loaded_once_and_runs_off_the_loop(
    aiohttp_client: AiohttpClient, make_settings: Callable[..., Any]
) -> None:
    # With NLP enabled the app holds one classifier; classify() answers without blocking.
    client: TestClient[Any, Any] = await aiohttp_client(
        await create_app(make_settings(nlp_enabled="true")))
    classifier = client.app[CLASSIFIER]
    result = await classifier.classify("Hej, slet venligst alle mine oplysninger. Mvh Jens")
    assert "erasure" in result.rights and result.language == "da"
    assert (await client.get("/healthz")).status == 200
