"""Fit the calibration on the dev split only: Platt maps, thresholds, the language weight.

    python scripts/calibrate.py PIPELINE_DIR assets/dev.jsonl
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
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
    oof_file = pipeline / "linear" / "dev_scores.json"
    if classifier.linear is not None and oof_file.exists():
        # The linear model saw dev in training: blend its out-of-fold dev scores instead, so
        # the calibration is fitted on scores like those of messages it never saw.
        oof = json.loads(oof_file.read_text(encoding="utf-8"))
        linear, classifier.linear = classifier.linear, None
        spacy_only = classifier.raw_scores([g.text for g in gold])
        raws = [replace(r, cats=linear.blend(s.cats, oof[g.text]))
                for r, s, g in zip(raws, spacy_only, gold, strict=True)]
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
