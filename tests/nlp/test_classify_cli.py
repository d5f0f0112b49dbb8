"""`intake-bot classify` as SPEC §2 defines it, run as a real process on the shipped model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

LINES = [
    {"id": "a", "channel": "email", "subject": "Sletning",
     "body": "Hej, jeg vil have slettet alle mine oplysninger. Mit cpr er 120385-1234 og "
             "sagsnr. 4417823.\n\nMvh Jens"},
    "this is not json",
    {"id": "b", "channel": "chat", "body": "Please send me a copy of the data you hold"},
    {"id": "c", "channel": "chat"},
    [1, 2],
    {"id": "d", "channel": "fax", "body": "hej"},
    {"id": 7, "body": "Bitte löschen Sie meine Daten."},
]


def _run(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    return subprocess.run([sys.executable, "-m", "intake_bot", "classify", *args], input=stdin,
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)


def test_classify_lines_in_order_with_errors_for_bad_ones() -> None:
    # One output line per input line, same order; bad lines become error lines; exit 0.
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in LINES) + "\n"
    done = _run(stdin)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, "b", "c", None, "d", 7]
    assert "not valid JSON" in out[1]["error"]
    assert out[3] == {"id": "c", "error": "body: missing or not a string"}
    assert out[4]["error"] == "expected a JSON object"
    assert out[5]["error"] == "channel: must be email or chat"
    first = out[0]
    assert set(first) == {"id", "rights", "subject_type", "gdpr_related", "language", "scores",
                          "needs_review", "entities"}
    assert "erasure" in first["rights"] and first["language"] == "da"
    assert {"label": "CPR", "text": "120385-XXXX"} in first["entities"]
    assert {"label": "CASE_NUMBER", "text": "4417823"} in first["entities"]
    assert "1234" not in done.stdout.replace("4417823", "")  # CPR digits never printed
    assert "access" in out[2]["rights"] and out[2]["language"] == "en"
    assert "erasure" in out[6]["rights"] and out[6]["language"] == "de"


def test_missing_model_is_the_only_failure(tmp_path: Path) -> None:
    # A model folder that cannot be loaded gives a non-zero exit and no output lines.
    done = _run('{"id": "x", "body": "hej"}\n', "--model", str(tmp_path / "nothing"))
    assert done.returncode == 1 and done.stdout == ""
    assert "cannot load the model" in done.stderr


def test_empty_and_emoji_only_messages_are_flagged_not_guessed() -> None:
    # A message with no words gets no labels and goes to review, instead of crashing the model.
    stdin = "\n".join(json.dumps({"id": i, "body": b}) for i, b in
                      (("e", ""), ("w", "   \n "), ("x", "👍"))) + "\n"
    done = _run(stdin)
    assert done.returncode == 0, done.stderr
    for line in done.stdout.splitlines():
        out = json.loads(line)
        assert out["rights"] == [] and out["gdpr_related"] is False
        assert out["subject_type"] == "unknown" and out["needs_review"] is True
