"""Copy each task's model-best (or model-last) into one pipeline folder the service can load.

    python scripts/stage.py TRAINING_DIR PIPELINE_DIR
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

TASKS = ("rights", "subject", "language")


def main(training: Path, pipeline: Path) -> None:
    pipeline.mkdir(parents=True, exist_ok=True)
    for task in TASKS:
        source = training / task / "model-best"
        if not source.exists():
            source = training / task / "model-last"
        target = pipeline / task
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)
        print(f"{task}: {source} -> {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
