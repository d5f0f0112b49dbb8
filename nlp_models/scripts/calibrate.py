"""Fit the calibration on the dev split only: Platt maps, thresholds, the language weight.

    python scripts/calibrate.py PIPELINE_DIR assets/dev.jsonl
"""

from __future__ import annotations

import sys
from pathlib import Path

from intake_bot.nlp.calibration import Calibration, best_threshold, fit_platt
from intake_bot.nlp.classifier import Classifier
from intake_bot.nlp.evaluate import load_gold
from intake_bot.nlp.labels import GDPR, RIGHTS
from intake_bot.nlp.language import combine


def main(pipeline: Path, dev_file: Path) -> None:
    (pipeline / "calibration.json").unlink(missing_ok=True)
    classifier = Classifier(pipeline)
    gold = load_gold(dev_file)
    raws = classifier.raw_scores([g.text for g in gold])
    cal = Calibration()
    for label in (*RIGHTS, GDPR):
        truth = [(g.gdpr_related if label == GDPR else label in g.rights) for g in gold]
        scores = [r.cats.get(label, 0.0) for r in raws]
        cal.platt[label] = fit_platt(scores, truth)
        probs = [cal.platt[label](s) for s in scores]
        cal.thresholds[label] = best_threshold(probs, truth)
    best_weight, best_acc = 0.5, -1.0
    for step in range(11):
        weight = step / 10
        hits = 0
        for g, r in zip(gold, raws, strict=True):
            scores = combine(r.lingua, r.language, weight)
            hits += max(scores, key=lambda c: scores[c]) == g.language
        if hits > best_acc:
            best_weight, best_acc = weight, hits
    cal.language_weight = best_weight
    cal.save(pipeline / "calibration.json")
    print(f"calibrated on {len(gold)} dev messages; language weight {best_weight} "
          f"({best_acc / len(gold):.3f} on dev); thresholds {cal.thresholds}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
