"""Out-of-fold scores by writer: how the models do on messages from a writer they never saw.

    python scripts/crossval.py assets training/crossval [FOLDS] [LIMIT]

Train and dev come from many corpus files, each written by one writer to one brief
(`source` in the assets). A random dev split shares its writers with train, so its scores are
those of familiar phrasing; the held-out test split, and the real messages the service gets,
are by writers the models never saw. Here the corpus files are dealt into FOLDS groups (whole
files, sizes balanced); for each group the spaCy rights and subject classifiers and the linear
companion are trained on the other groups and score the held-out one.

From those out-of-fold scores the script chooses how much of each head's score comes from the
linear model (written to OUT/mix.json, which scripts/train_linear.py stores with the model)
and writes every message's scores to OUT/oof.json for scripts/calibrate.py. The test split is
never read.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from convert import write_docbins

from intake_bot.nlp.features import model_input
from intake_bot.nlp.labels import GDPR, RIGHTS, SUBJECT_TYPES
from intake_bot.nlp.linear import LinearModel

TASKS = ("rights", "subject")
WEIGHTS = [w / 10 for w in range(11)]
HEADS = {"rights": RIGHTS, "gdpr_related": (GDPR,), "subject": SUBJECT_TYPES}


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


def deal(rows: Sequence[Mapping[str, Any]], folds: int) -> dict[str, int]:
    """Whole sources into folds, largest first into the smallest fold."""
    sizes: dict[str, int] = {}
    for r in rows:
        sizes[r["source"]] = sizes.get(r["source"], 0) + 1
    load = [0] * folds
    fold_of = {}
    for source in sorted(sizes, key=lambda s: (-sizes[s], s)):
        k = load.index(min(load))
        fold_of[source] = k
        load[k] += sizes[source]
    return fold_of


def _train(task: str, corpus: Path, out: Path, extra: Sequence[str]) -> Path:
    subprocess.run(
        [sys.executable, "-m", "spacy", "train", f"configs/{task}.cfg", "--output", str(out),
         "--paths.train", str(corpus / f"{task}_train.spacy"),
         "--paths.dev", str(corpus / f"{task}_dev.spacy"), *extra],
        check=True, stdout=subprocess.DEVNULL)
    best = out / "model-best"
    return best if best.exists() else out / "model-last"


def run_fold(k: int, train: list[dict[str, Any]], dev: list[dict[str, Any]],
             held: list[dict[str, Any]], out: Path, extra: Sequence[str]
             ) -> dict[str, dict[str, dict[str, float]]]:
    """Train on the other folds (spaCy: their train part, checkpoint chosen on their dev part;
    linear: both) and score the held-out fold."""
    corpus = out / f"fold{k}" / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    write_docbins(train, corpus, "train", random.Random(13), TASKS)
    write_docbins(dev, corpus, "dev", random.Random(13), TASKS)
    texts = [str(r["text"]) for r in held]
    inputs = [model_input(t)[0] for t in texts]
    spacy_cats: list[dict[str, float]] = [{} for _ in held]
    for task in TASKS:
        nlp = spacy.load(_train(task, corpus, out / f"fold{k}" / task, extra))
        for cats, doc in zip(spacy_cats, nlp.pipe(inputs, batch_size=256), strict=True):
            cats.update(doc.cats)
    rest = train + dev
    linear = LinearModel.fit([str(r["text"]) for r in rest], [r["cats"] for r in rest])
    print(f"fold {k}: trained on {len(rest)}, scored {len(held)}", flush=True)
    return {str(r["id"]): {"spacy": s, "linear": li}
            for r, s, li in zip(held, spacy_cats, linear.scores(texts), strict=True)}


def _f1(truth: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(truth & pred))
    wrong = float(np.sum(truth != pred))
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def head_score(head: str, weight: float, rows: Sequence[Mapping[str, Any]],
               oof: Mapping[str, Mapping[str, Mapping[str, float]]]) -> float:
    """Rights: macro-F1 with each label's best threshold; gdpr_related and subject:
    accuracy. Scores are the blended raw scores, as calibrate.py will see them."""
    labels = HEADS[head]
    mixed = np.array([[weight * oof[r["id"]]["linear"][lab]
                       + (1 - weight) * oof[r["id"]]["spacy"][lab] for lab in labels]
                      for r in rows])
    truth = np.array([[r["cats"][lab] >= 0.5 for lab in labels] for r in rows])
    if head == "subject":
        return float(np.mean(mixed.argmax(axis=1) == truth.argmax(axis=1)))
    grid = np.linspace(0.05, 0.95, 91)
    scores = [max(_f1(truth[:, j], mixed[:, j] >= g) for g in grid)
              for j in range(len(labels))]
    return float(np.mean(scores))


def main(assets: Path, out: Path, folds: int = 4, limit: int = 0) -> None:
    train, dev = _load(assets / "train.jsonl"), _load(assets / "dev.jsonl")
    if limit:  # the smoke run: a few messages from every writer, a few steps
        train, dev = train[:: max(len(train) // limit, 1)], dev[:: max(len(dev) // limit, 1)]
    extra = ["--training.max_steps", "20", "--training.eval_frequency", "10"] if limit else []
    fold_of = deal(train + dev, folds)
    out.mkdir(parents=True, exist_ok=True)
    jobs = []
    for k in range(folds):
        jobs.append((k, [r for r in train if fold_of[r["source"]] != k],
                     [r for r in dev if fold_of[r["source"]] != k],
                     [r for r in train + dev if fold_of[r["source"]] == k]))
    oof: dict[str, dict[str, dict[str, float]]] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:  # spaCy trains on one core
        for part in pool.map(lambda j: run_fold(*j, out, extra), jobs):
            oof.update(part)
    rows = [r for r in train + dev if r["id"] in oof]
    (out / "oof.json").write_text(json.dumps(oof), encoding="utf-8")
    mix = {}
    print("linear weight | " + " | ".join(HEADS))
    table = {head: [head_score(head, w, rows, oof) for w in WEIGHTS] for head in HEADS}
    for i, w in enumerate(WEIGHTS):
        print(f"{w:.1f} | " + " | ".join(f"{table[h][i]:.4f}" for h in HEADS))
    for head, scores in table.items():
        mix[head] = WEIGHTS[int(np.argmax(scores))]
    folds_used = {k: sorted(s for s, f in fold_of.items() if f == k) for k in range(folds)}
    (out / "mix.json").write_text(json.dumps(
        {"mix": mix, "table": table, "weights": WEIGHTS, "folds": folds_used}, indent=2),
        encoding="utf-8")
    print(f"out-of-fold scores for {len(rows)} messages in {folds} folds by writer; mix {mix}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]),
         *(int(a) for a in sys.argv[3:5]))
