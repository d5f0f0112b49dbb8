"""The training workflow runs end to end (the `smoke` workflow: few steps, small data)."""

from __future__ import annotations

import json
import shutil

import pytest
from weasel.cli.run import project_run

from tests.conftest import REPO

PROJECT = REPO / "nlp_models"


@pytest.mark.slow
def test_smoke_workflow_trains_calibrates_and_evaluates() -> None:
    # convert → train ×3 → stage → calibrate → evaluate on a 200-message slice writes metrics.
    smoke = PROJECT / "training" / "smoke"
    shutil.rmtree(smoke, ignore_errors=True)
    project_run(PROJECT, "smoke", capture=True)
    metrics = json.loads((smoke / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["n"] > 500
    assert set(metrics["rights_per_label"]) >= {"access", "erasure", "complaint"}
    assert (smoke / "pipeline" / "calibration.json").exists()
    assert (smoke / "pipeline" / "linear" / "model.joblib").exists()
    assert (smoke / "subject_confusion.png").read_bytes()[:4] == b"\x89PNG"
    shutil.rmtree(smoke, ignore_errors=True)
