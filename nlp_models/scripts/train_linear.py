"""Fit the linear companion (intake_bot/nlp/linear.py) and store it in the pipeline folder.

    python scripts/train_linear.py PIPELINE_DIR assets/train.jsonl assets/dev.jsonl MIX_JSON [LIMIT]

The shipped model is fitted on train + dev. How much of each head's score it contributes
(the mix) was chosen by scripts/crossval.py on out-of-fold scores by writer (MIX_JSON); the
calibration is fitted on those out-of-fold scores too, so neither sees scores of messages the
model was fitted on.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from intake_bot.nlp.linear import LinearModel


def _load(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def main(pipeline: Path, train: Path, dev: Path, mix_file: Path, limit: int = 0) -> None:
    rows = _load(train)[: limit or None] + _load(dev)[: limit or None]
    mix = json.loads(mix_file.read_text(encoding="utf-8"))["mix"]
    model = LinearModel.fit([str(r["text"]) for r in rows], [r["cats"] for r in rows],  # type: ignore[misc]
                            mix=mix)
    model.save(pipeline / "linear")
    print(f"linear model fitted on {len(rows)} messages; mix {model.mix}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]),
         int(sys.argv[5]) if len(sys.argv) > 5 else 0)
