"""Publish a staged pipeline folder into trained/ (committed) with its test metrics.

    python scripts/package.py PIPELINE_DIR METRICS_JSON CROSSVAL_DIR trained

The out-of-fold mixing table of scripts/crossval.py goes along as crossval.json (a few KB):
the record of how the mix was chosen.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def main(pipeline: Path, metrics: Path, crossval: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(pipeline, target)
    shutil.copy(metrics, target / "metrics.json")
    shutil.copy(crossval / "mix.json", target / "crossval.json")
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    print(f"published {pipeline} -> {target} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
