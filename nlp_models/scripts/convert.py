"""assets/{train,dev}.jsonl → corpus/<task>_<split>.spacy for the three text classifiers.

Each doc is the model input of intake_bot.nlp.features.model_input (the same function the
service uses). The training split gets extra copies with typing errors, so that the models
do not rely on perfectly spelled cue words.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import spacy
from spacy.tokens import DocBin

from intake_bot.nlp.features import model_input
from intake_bot.nlp.labels import GDPR, LANGUAGES, RIGHTS, SUBJECT_TYPES

TASK_LABELS = {
    "rights": (*RIGHTS, GDPR),
    "subject": SUBJECT_TYPES,
    "language": tuple(f"lang_{c}" for c in LANGUAGES),
}
TYPO_SHARE = 0.35


def typo(text: str, rng: random.Random) -> str:
    """Drop, double or swap a letter in one or two longer words."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    for i in rng.sample(candidates, min(len(candidates), rng.choice((1, 2)))):
        w, k = words[i], rng.randrange(1, len(words[i]) - 1)
        op = rng.choice(("drop", "double", "swap"))
        if op == "drop":
            w = w[:k] + w[k + 1:]
        elif op == "double":
            w = w[:k] + w[k] + w[k:]
        else:
            w = w[:k - 1] + w[k] + w[k - 1] + w[k + 1:]
        words[i] = w
    return " ".join(words)


def write_docbins(rows: list[dict[str, Any]], out: Path, split: str, rng: random.Random,
                  tasks: Iterable[str] = TASK_LABELS) -> int:
    """One DocBin per task for these asset rows; the training split also gets typo copies."""
    nlp = spacy.blank("xx")
    texts = [(r["text"], r["cats"]) for r in rows]
    if split == "train":
        texts += [(typo(t, rng), c) for t, c in texts if rng.random() < TYPO_SHARE]
    inputs = [(model_input(text)[0], cats) for text, cats in texts]
    for task in tasks:
        labels = TASK_LABELS[task]
        bin_ = DocBin(attrs=[])
        for text, cats in inputs:
            doc = nlp.make_doc(text)
            doc.cats = {label: cats[label] for label in labels}
            bin_.add(doc)
        bin_.to_disk(out / f"{task}_{split}.spacy")
    return len(texts)


def main(assets: Path, out: Path, limit: int = 0) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(13)
    for split in ("train", "dev"):
        rows = [json.loads(x) for x in (assets / f"{split}.jsonl").read_text("utf-8").splitlines()]
        count = write_docbins(rows[: limit or None], out, split, rng)
        print(f"{split}: {count} docs per task")

if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
