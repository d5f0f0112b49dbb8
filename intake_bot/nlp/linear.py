"""A linear companion to the spaCy classifiers: TF-IDF character and word n-grams with logistic
regression (scikit-learn), mixed into the spaCy scores before calibration.

Character n-grams read through what people do to words: typos, missing æøå, inflections and
compounds ("indsigelse", "indsigt", "indsig"). Each right and gdpr_related gets two regressions
over the same features, averaged: a plain one and one over naive-Bayes-scaled features (Wang &
Manning 2012, "NBSVM"), which weighs n-grams by how lopsided they are between the classes; the
two err differently. The spaCy ensemble sees folded words and cue tokens; it and this model
disagree on different messages, so a weighted mean beats either alone. Both choices were
measured out of fold, on writers the models never saw (nlp_models/scripts/crossval.py and
README.md: rights macro-F1 0.865 spaCy, 0.885 plain, 0.876 scaled, 0.893 spaCy with plain,
0.896 with both).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
NB_C = 4.0  # the same for the naive-Bayes-scaled regressions (its features are larger)
C = 16.0  # inverse regularisation (3, 8, 16, 20, 32 tried; 8 to 32 are within 0.002)
# How much of the final score comes from the linear model, per head. The shipped model stores
# the mix scripts/crossval.py chose; this default serves models fitted without one.
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
    """The fitted vectorizer, two models per binary label (plain and naive-Bayes-scaled) and
    the subject-type model."""

    vectorizer: FeatureUnion
    binary: dict[str, LogisticRegression]
    subject: LogisticRegression
    mix: dict[str, float]
    scaled: dict[str, LogisticRegression] = field(default_factory=dict)

    @classmethod
    def fit(cls, texts: Sequence[str], cats: Sequence[Mapping[str, float]],
            mix: Mapping[str, float] = DEFAULT_MIX) -> LinearModel:
        vectorizer = _vectorizer()
        x = vectorizer.fit_transform([linear_input(t) for t in texts])
        present = (x > 0).astype(np.float32)
        binary, scaled = {}, {}
        for label in (*RIGHTS, GDPR):
            y = np.array([c[label] >= 0.5 for c in cats])
            binary[label] = LogisticRegression(C=C, max_iter=3000, class_weight="balanced"
                                               ).fit(x, y)
            scaled[label] = _fit_scaled(x, present, y)
        subjects = [max(SUBJECT_TYPES, key=lambda s: c[s]) for c in cats]
        subject = LogisticRegression(C=C, max_iter=3000).fit(x, subjects)
        return cls(vectorizer, binary, subject, dict(mix), scaled)

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Per text: the probability of every right, gdpr_related and every subject type."""
        x = self.vectorizer.transform([linear_input(t) for t in texts])
        columns: dict[str, Any] = {label: m.predict_proba(x)[:, 1]
                                   for label, m in self.binary.items()}
        for label, m in self.scaled.items():
            columns[label] = (columns[label] + m.predict_proba(x)[:, 1]) / 2
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
                     "scaled": self.scaled, "subject": self.subject},
                    directory / MODEL_FILE, compress=3)
        (directory / META_FILE).write_text(json.dumps({"mix": self.mix, "C": C}, indent=2))

    @classmethod
    def load(cls, directory: Path) -> LinearModel:
        """Load a model this project trained and committed (joblib: trusted files only)."""
        parts = joblib.load(directory / MODEL_FILE)
        meta = json.loads((directory / META_FILE).read_text())
        return cls(parts["vectorizer"], parts["binary"], parts["subject"], meta["mix"],
                   parts.get("scaled", {}))


def _fit_scaled(x: Any, present: Any, y: np.ndarray) -> LogisticRegression:
    """Logistic regression on features scaled by their log-count ratio r between the classes
    (add-one smoothed). The scaling is folded into the weights afterwards, w·(x∘r) = (w∘r)·x,
    so the stored model reads the plain features like the others."""
    pos = np.asarray(present[y].sum(axis=0)).ravel() + 1.0
    neg = np.asarray(present[~y].sum(axis=0)).ravel() + 1.0
    ratio = np.log((pos / pos.sum()) / (neg / neg.sum()))
    model = LogisticRegression(C=NB_C, max_iter=3000, class_weight="balanced").fit(
        x.multiply(ratio.astype(np.float32)).tocsr(), y)
    model.coef_ = model.coef_ * ratio
    return model
