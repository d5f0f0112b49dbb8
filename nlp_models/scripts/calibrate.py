"""Fit the calibration: Platt maps and thresholds on out-of-fold scores, the language weight
on dev.

    python scripts/calibrate.py PIPELINE_DIR ASSETS_DIR CROSSVAL_DIR

Rights and gdpr_related are calibrated on the out-of-fold scores of scripts/crossval.py: every
train and dev message scored by models that never saw its writer, blended with the pipeline's
mix. That is several times more messages than dev alone, and scores like those of the
messages the service gets (dev shares its writers with train, so its scores are too
confident). The language weight is chosen on dev, which the language classifier never
trained on. The test split is never read.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

from intake_bot.nlp.calibration import Calibration, best_on_grid, best_threshold, fit_platt
from intake_bot.nlp.classifier import Classifier
from intake_bot.nlp.evaluate import load_gold
from intake_bot.nlp.labels import GDPR, RIGHTS
from intake_bot.nlp.language import combine


def main(pipeline: Path, assets: Path, crossval: Path) -> None:
    (pipeline / "calibration.json").unlink(missing_ok=True)
    classifier = Classifier(pipeline)
    if classifier.linear is None:
        sys.exit("the pipeline has no linear model: run train-linear first")
    oof = json.loads((crossval / "oof.json").read_text(encoding="utf-8"))
    rows = [json.loads(x) for name in ("train.jsonl", "dev.jsonl")
            for x in (assets / name).read_text(encoding="utf-8").splitlines() if x]
    rows = [r for r in rows if r["id"] in oof]
    blended = [classifier.linear.blend(oof[r["id"]]["spacy"], oof[r["id"]]["linear"])
               for r in rows]
    cal = Calibration()
    for label in (*RIGHTS, GDPR):
        truth = [r["cats"][label] >= 0.5 for r in rows]
        scores = [b[label] for b in blended]
        cal.platt[label] = fit_platt(scores, truth)
        probs = [cal.platt[label](s) for s in scores]
        cal.thresholds[label] = best_threshold(probs, truth)
    gold = load_gold(assets / "dev.jsonl")
    raws = classifier.raw_scores([g.text for g in gold])

    @cache  # the best weight's count is printed below
    def language_hits(weight: float) -> float:
        hits = 0
        for g, r in zip(gold, raws, strict=True):
            scores = combine(r.lingua, r.language, weight)
            hits += max(scores, key=lambda c: scores[c]) == g.language
        return hits

    best_weight = best_on_grid([step / 10 for step in range(11)], language_hits)
    best_acc = language_hits(best_weight)
    cal.language_weight = best_weight
    cal.save(pipeline / "calibration.json")
    print(f"calibrated on {len(rows)} out-of-fold scores; language weight {best_weight} "
          f"({best_acc / len(gold):.3f} on {len(gold)} dev messages); "
          f"thresholds {cal.thresholds}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
