"""Fit the linear companion (intake_bot/nlp/linear.py) and store it in the pipeline folder.

    python scripts/train_linear.py PIPELINE_DIR assets/train.jsonl assets/dev.jsonl [LIMIT]
    python scripts/train_linear.py --choose assets/train.jsonl assets/dev.jsonl PIPELINE_DIR

The shipped model is fitted on train + dev. So that the calibration, which is fitted on dev,
still sees honest scores, the dev messages also get out-of-fold scores (5 folds: each dev
fifth scored by a model fitted on train and the other four fifths), written to
`linear/dev_scores.json` for scripts/calibrate.py. `--choose` fits on train only and prints dev
figures for each mixing weight against the staged spaCy pipeline, which is how DEFAULT_MIX and
C were chosen (the test split is never read here).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from intake_bot.nlp.classifier import Classifier
from intake_bot.nlp.labels import RIGHTS, SUBJECT_TYPES
from intake_bot.nlp.linear import LinearModel


def _load(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _macro_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    scores = []
    for j in range(truth.shape[1]):
        tp = float(np.sum(truth[:, j] & pred[:, j]))
        fp, fn = float(np.sum(~truth[:, j] & pred[:, j])), float(np.sum(truth[:, j] & ~pred[:, j]))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def choose(train: Path, dev: Path, pipeline: Path) -> None:
    train_rows, dev_rows = _load(train), _load(dev)
    model = LinearModel.fit([str(r["text"]) for r in train_rows],
                            [r["cats"] for r in train_rows])  # type: ignore[misc]
    texts = [str(r["text"]) for r in dev_rows]
    lin = model.scores(texts)
    classifier = Classifier(pipeline)
    classifier.linear = None
    spacy_cats = [r.cats for r in classifier.raw_scores(texts)]
    truth = np.array([[r["cats"][k] >= 0.5 for k in RIGHTS] for r in dev_rows])  # type: ignore[index]
    gold_subject = [max(SUBJECT_TYPES, key=lambda s: r["cats"][s]) for r in dev_rows]  # type: ignore[index]
    for w in (0.0, 0.3, 0.5, 0.7, 1.0):
        rights = np.array([[w * li[k] + (1 - w) * sp.get(k, 0.0) >= 0.5 for k in RIGHTS]
                           for li, sp in zip(lin, spacy_cats, strict=True)])
        subject = [max(SUBJECT_TYPES, key=lambda s, li=li, sp=sp: w * li[s] + (1 - w) * sp[s])
                   for li, sp in zip(lin, spacy_cats, strict=True)]
        accuracy = np.mean([a == b for a, b in zip(subject, gold_subject, strict=True)])
        print(f"linear weight {w:.1f}: dev rights macro-F1 {_macro_f1(truth, rights):.3f}, "
              f"subject accuracy {accuracy:.3f}")


FOLDS = 5


def main(pipeline: Path, train: Path, dev: Path, limit: int = 0) -> None:
    train_rows, dev_rows = _load(train)[: limit or None], _load(dev)  # dev whole: calibration
    oof: dict[str, dict[str, float]] = {}
    for fold in range(FOLDS):
        held = [r for i, r in enumerate(dev_rows) if i % FOLDS == fold]
        rest = train_rows + [r for i, r in enumerate(dev_rows) if i % FOLDS != fold]
        part = LinearModel.fit([str(r["text"]) for r in rest], [r["cats"] for r in rest])  # type: ignore[misc]
        for row, scores in zip(held, part.scores([str(r["text"]) for r in held]), strict=True):
            oof[str(row["text"])] = scores
    rows = train_rows + dev_rows
    model = LinearModel.fit([str(r["text"]) for r in rows], [r["cats"] for r in rows])  # type: ignore[misc]
    model.save(pipeline / "linear")
    (pipeline / "linear" / "dev_scores.json").write_text(
        json.dumps(oof, ensure_ascii=False), encoding="utf-8")
    print(f"linear model fitted on {len(rows)} messages ({FOLDS}-fold dev scores for the "
          f"calibration); mix {model.mix}")


if __name__ == "__main__":
    if sys.argv[1] == "--choose":
        choose(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]),
             int(sys.argv[4]) if len(sys.argv) > 4 else 0)
