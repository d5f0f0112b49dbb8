"""The command line as an operator uses it: `python -m intake_bot …` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, TEST_CPR_KEY


def _run(*args: str, cwd: Path = REPO, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "intake_bot", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=120)


def test_deadline_answers_every_argument_in_order() -> None:
    # One JSON line per argument (SPEC §2); a bad one is an error line, the rest still answered,
    # exit status 1. Values are RULES §1.7 E1, E16 (UTC trap) and E22 (date alone).
    done = _run("deadline", "2026-03-05T10:00:00+01:00", "2026-03-28T10:00:00",
                "2026-03-28T23:30:00+00:00", "2026-06-30")
    assert done.returncode == 1
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0] == {"received": "2026-03-05T10:00:00+01:00",
                        "received_local_date": "2026-03-05", "due": "2026-04-07",
                        "extended_due": "2026-06-05"}
    assert lines[1]["received"] == "2026-03-28T10:00:00" and "offset" in lines[1]["error"]
    assert set(lines[1]) == {"received", "error"}
    assert lines[2]["received_local_date"] == "2026-03-29" and lines[2]["due"] == "2026-04-29"
    assert lines[3] == {"received": "2026-06-30T12:00:00+02:00",
                        "received_local_date": "2026-06-30", "due": "2026-07-30",
                        "extended_due": "2026-09-30"}
    assert len(lines) == 4


def test_deadline_all_good_exits_zero() -> None:
    # Only good arguments: exit status 0 (E2, 31 Jan 2026 on a Saturday).
    done = _run("deadline", "2026-01-31T09:15:00+01:00")
    assert done.returncode == 0
    assert json.loads(done.stdout)["due"] == "2026-03-02"


def test_bad_configuration_fails_naming_the_key() -> None:
    # A bad environment value stops the command with exit 2 and the key's name.
    done = _run("stats", INTAKE_HTTP_PORT="eighty")
    assert done.returncode == 2
    assert "http.port" in done.stderr and "Traceback" not in done.stderr


def test_agents_add_and_operator_views(tmp_path: Path) -> None:
    # `agents add` prints a one-time password and token; tickets/outbox/stats work on a new store.
    env = {"INTAKE_SERVICE_DATA_DIR": str(tmp_path), "INTAKE_SECRETS_CPR_KEY": TEST_CPR_KEY,
           "INTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    done = _run("agents", "add", "Mette", "--role", "supervisor", **env)
    assert done.returncode == 0, done.stderr
    assert "password: " in done.stdout and "token:    ib_" in done.stdout
    again = _run("agents", "add", "Mette", "--role", "agent", **env)
    assert again.returncode == 1 and "exists already" in again.stderr
    assert json.loads(_run("tickets", "list", "--json", **env).stdout) == []
    assert json.loads(_run("outbox", "list", "--json", **env).stdout) == []
    assert json.loads(_run("inbound", "list", "--json", **env).stdout) == []
    assert _run("inbound", "list", **env).stdout.split() == [
        "id", "status", "reason", "error", "ticket_id", "received_at"]
    assert json.loads(_run("stats", "--json", **env).stdout) == {
        "accepted": 0, "ticketed": 0, "attached": 0, "quarantined": 0, "auto_mail": 0,
        "pending": 0}
    missing = _run("tickets", "show", "GDPR-2026-000001", **env)
    assert missing.returncode == 1 and "no such ticket" in missing.stderr
