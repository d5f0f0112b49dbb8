"""Publish a staged pipeline folder into trained/ (committed) with its test metrics.

    python scripts/package.py PIPELINE_DIR METRICS_JSON trained
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def main(pipeline: Path, metrics: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    # The linear model's out-of-fold dev scores only serve the calibration step.
    shutil.copytree(pipeline, target, ignore=shutil.ignore_patterns("dev_scores.json"))
    shutil.copy(metrics, target / "metrics.json")
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    print(f"published {pipeline} -> {target} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
