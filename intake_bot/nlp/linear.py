"""A linear companion to the spaCy classifiers: TF-IDF character and word n-grams with logistic
regression (scikit-learn), mixed into the spaCy scores before calibration.

Character n-grams read through what people do to words: typos, missing æøå, inflections and
compounds ("indsigelse", "indsigt", "indsig"). The spaCy ensemble sees folded words and cue
tokens; the two disagree on different messages, so a weighted mean beats either alone (measured
on dev with the linear model trained on train only: see nlp_models/README.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from intake_bot.nlp.labels import GDPR, RIGHTS, SUBJECT_TYPES
from intake_bot.nlp.textprep import fold, prepare

MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
C = 16.0  # inverse regularisation, chosen on dev (3, 8, 16, 20 tried)
# How much of the final score comes from the linear model, per head (chosen on dev).
DEFAULT_MIX = {"rights": 0.5, "gdpr_related": 0.5, "subject": 0.7}


def linear_input(text: str) -> str:
    """The writer's new words, folded (no æøå, lower case), as the n-grams see them."""
    return fold(prepare(text).core)


def _vectorizer() -> FeatureUnion:
    return FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                  sublinear_tf=True, max_features=300_000, dtype=np.float32)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2,
                                  sublinear_tf=True, dtype=np.float32)),
    ])


@dataclass
class LinearModel:
    """The fitted vectorizer and one model per binary label plus the subject-type model."""

    vectorizer: FeatureUnion
    binary: dict[str, LogisticRegression]
    subject: LogisticRegression
    mix: dict[str, float]

    @classmethod
    def fit(cls, texts: Sequence[str], cats: Sequence[Mapping[str, float]],
            mix: Mapping[str, float] = DEFAULT_MIX) -> LinearModel:
        vectorizer = _vectorizer()
        x = vectorizer.fit_transform([linear_input(t) for t in texts])
        binary = {}
        for label in (*RIGHTS, GDPR):
            y = np.array([c[label] >= 0.5 for c in cats])
            binary[label] = LogisticRegression(C=C, max_iter=3000, class_weight="balanced"
                                               ).fit(x, y)
        subjects = [max(SUBJECT_TYPES, key=lambda s: c[s]) for c in cats]
        subject = LogisticRegression(C=C, max_iter=3000).fit(x, subjects)
        return cls(vectorizer, binary, subject, dict(mix))

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Per text: the probability of every right, gdpr_related and every subject type."""
        x = self.vectorizer.transform([linear_input(t) for t in texts])
        columns: dict[str, Any] = {label: m.predict_proba(x)[:, 1]
                                   for label, m in self.binary.items()}
        subject = self.subject.predict_proba(x)
        for i, label in enumerate(self.subject.classes_):
            columns[str(label)] = subject[:, i]
        return [{label: float(col[n]) for label, col in columns.items()}
                for n in range(len(texts))]

    def blend(self, spacy_cats: Mapping[str, float], linear: Mapping[str, float]
              ) -> dict[str, float]:
        """spaCy's cats with rights, gdpr_related and subject types mixed with ours."""
        out = dict(spacy_cats)
        for label, value in linear.items():
            head = "subject" if label in SUBJECT_TYPES else (
                "gdpr_related" if label == GDPR else "rights")
            w = self.mix[head]
            out[label] = w * value + (1 - w) * spacy_cats.get(label, 0.0)
        return out

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        joblib.dump({"vectorizer": self.vectorizer, "binary": self.binary,
                     "subject": self.subject}, directory / MODEL_FILE, compress=3)
        (directory / META_FILE).write_text(json.dumps({"mix": self.mix, "C": C}, indent=2))

    @classmethod
    def load(cls, directory: Path) -> LinearModel:
        """Load a model this project trained and committed (joblib: trusted files only)."""
        parts = joblib.load(directory / MODEL_FILE)
        meta = json.loads((directory / META_FILE).read_text())
        return cls(parts["vectorizer"], parts["binary"], parts["subject"], meta["mix"])
