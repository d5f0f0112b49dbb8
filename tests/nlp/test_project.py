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
    # convert → train ×3 → stage → crossval → linear → calibrate → evaluate on a small slice.
    smoke = PROJECT / "training" / "smoke"
    shutil.rmtree(smoke, ignore_errors=True)
    project_run(PROJECT, "smoke", capture=True)
    metrics = json.loads((smoke / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["n"] > 500
    assert set(metrics["rights_per_label"]) >= {"access", "erasure", "complaint"}
    assert (smoke / "pipeline" / "calibration.json").exists()
    assert (smoke / "pipeline" / "linear" / "model.joblib").exists()
    assert (smoke / "subject_confusion.png").read_bytes()[:4] == b"\x89PNG"
    # Cross-validation holds out whole writers: every corpus file is in exactly one fold.
    crossval = json.loads((smoke / "crossval" / "mix.json").read_text(encoding="utf-8"))
    folds = list(crossval["folds"].values())
    sources = [s for fold in folds for s in fold]
    assert len(folds) == 2 and all(folds) and len(sources) == len(set(sources)) > 10
    oof = json.loads((smoke / "crossval" / "oof.json").read_text(encoding="utf-8"))
    assert len(oof) > 200 and all(set(v) == {"spacy", "linear"} for v in oof.values())
    # The linear model carries the mix the cross-validation chose.
    meta = json.loads((smoke / "pipeline" / "linear" / "meta.json").read_text(encoding="utf-8"))
    assert meta["mix"] == crossval["mix"]
    shutil.rmtree(smoke, ignore_errors=True)
