"""The classifier facade: loads the trained pipelines once and turns texts into Classifications."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from spacy.language import Language

from intake_bot.nlp.calibration import Calibration
from intake_bot.nlp.entities import Entity, build_entity_pipeline, entities_of
from intake_bot.nlp.features import EMPTY_TOKEN, model_input
from intake_bot.nlp.labels import GDPR, LANGUAGES, RIGHTS, SUBJECT_TYPES
from intake_bot.nlp.language import build_detector, combine, lingua_scores
from intake_bot.nlp.linear import LinearModel
from intake_bot.nlp.paths import DEFAULT_MODEL_DIR

BATCH_SIZE = 64
DEFAULT_LANGUAGE = "da"  # the company's working language, for messages with no words


@dataclass(frozen=True)
class RawScores:
    """Uncalibrated model outputs for one text (used to fit the calibration on dev)."""

    cats: Mapping[str, float]
    language: Mapping[str, float]
    lingua: Mapping[str, float]
    empty: bool = False  # no words at all (empty, blank, emoji only)


@dataclass(frozen=True)
class Classification:
    """What the classifier decided about one message (SPEC §2 `classify` output)."""

    rights: tuple[str, ...]
    subject_type: str
    gdpr_related: bool
    language: str
    scores: Mapping[str, float]
    needs_review: bool
    entities: tuple[Entity, ...] = field(default=())
    review_reasons: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, object]:
        return {
            "rights": list(self.rights), "subject_type": self.subject_type,
            "gdpr_related": self.gdpr_related, "language": self.language,
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "needs_review": self.needs_review,
            "entities": [{"label": e.label, "text": e.text} for e in self.entities],
        }


class Classifier:
    """Rights, subject type, gdpr_related and language for messages; load once, reuse."""

    def __init__(self, model_dir: Path = DEFAULT_MODEL_DIR) -> None:
        self.model_dir = model_dir
        self.nlp = self._load_models(model_dir)
        self.entity_nlp = build_entity_pipeline()
        self.detector = build_detector()
        # The linear companion (nlp/linear.py), mixed into the scores when it was trained.
        self.linear = LinearModel.load(model_dir / "linear") if (
            model_dir / "linear" / "meta.json").exists() else None
        calibration = model_dir / "calibration.json"
        # Uncalibrated only while the calibration itself is being fitted (scripts/calibrate.py).
        self.calibration = Calibration.load(calibration) if calibration.exists() else Calibration()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="classifier")
        # Micro-batching: calls made while a batch is being classified wait for the next one,
        # which classify_many handles at a fraction of the per-call cost (bench/classify.py).
        self._waiting: list[tuple[str, asyncio.Future[Classification]]] = []
        self._drainer: asyncio.Task[None] | None = None

    @staticmethod
    def _load_models(model_dir: Path) -> Language:
        """One pipeline with three text classifiers over the same folded Doc."""
        nlp = spacy.load(model_dir / "rights")
        for name in ("subject", "language"):
            source = spacy.load(model_dir / name)
            nlp.add_pipe("textcat", name=f"textcat_{name}", source=source)
        return nlp

    def raw_scores(self, texts: Sequence[str]) -> list[RawScores]:
        """Model and lingua scores before calibration."""
        inputs = [model_input(t) for t in texts]
        docs = self.nlp.pipe((m for m, _ in inputs), batch_size=BATCH_SIZE)
        linear = self.linear.scores(texts) if self.linear is not None else [{}] * len(texts)
        out = []
        for doc, (_, prepared), lin in zip(docs, inputs, linear, strict=True):
            cats = self.linear.blend(doc.cats, lin) if self.linear is not None else dict(
                doc.cats)
            out.append(RawScores(
                cats=cats,
                language={code: cats.get(f"lang_{code}", 0.0) for code in LANGUAGES},
                lingua=lingua_scores(self.detector, prepared.core),
                empty=doc.text == EMPTY_TOKEN,
            ))
        return out

    def classify_many(self, texts: Sequence[str]) -> list[Classification]:
        """Classify texts in one batch; the order of the results is the order of `texts`."""
        raws = self.raw_scores(texts)
        ent_docs = self.entity_nlp.pipe(texts, batch_size=BATCH_SIZE)
        return [
            self._decide(raw, tuple(entities_of(doc)))
            for raw, doc in zip(raws, ent_docs, strict=True)
        ]

    def classify_text(self, text: str) -> Classification:
        return self.classify_many([text])[0]

    async def classify(self, text: str) -> Classification:
        """Classify off the event loop; concurrent calls are classified together in batches."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Classification] = loop.create_future()
        self._waiting.append((text, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(0)  # let callers scheduled in the same turn join this batch
        while self._waiting:
            batch, self._waiting = self._waiting[:BATCH_SIZE], self._waiting[BATCH_SIZE:]
            try:
                results = await loop.run_in_executor(
                    self._executor, self.classify_many, [text for text, _ in batch])
            except Exception as exc:  # every caller of this batch gets the error
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():  # a caller may have been cancelled meanwhile
                    future.set_result(result)

    def _decide(self, raw: RawScores, entities: tuple[Entity, ...]) -> Classification:
        if raw.empty:
            # Nothing to read: no labels are guessed, an agent looks at it.
            return Classification(
                rights=(), subject_type="unknown", gdpr_related=False,
                language=DEFAULT_LANGUAGE, scores={}, needs_review=True, entities=entities,
                review_reasons=("empty message",),
            )
        cal = self.calibration
        low, high = cal.review_band
        probs = {label: cal.prob(label, raw.cats.get(label, 0.0)) for label in (*RIGHTS, GDPR)}
        reasons: list[str] = []
        gdpr = probs[GDPR] >= cal.thresholds.get(GDPR, 0.5)
        rights = tuple(r for r in RIGHTS if gdpr and probs[r] >= cal.thresholds.get(r, 0.5))
        if low < probs[GDPR] < high:
            reasons.append("gdpr_related uncertain")
        if gdpr:
            reasons += [f"{r} uncertain" for r in RIGHTS if low < probs[r] < high]
            if not rights:
                reasons.append("no right recognised")
        subject_scores = {s: raw.cats.get(s, 0.0) for s in SUBJECT_TYPES}
        subject = max(subject_scores, key=lambda s: subject_scores[s])
        if subject_scores[subject] < cal.subject_review_below:
            reasons.append("subject type uncertain")
        lang_scores = combine(raw.lingua, raw.language, cal.language_weight)
        language = max(lang_scores, key=lambda c: lang_scores[c])
        scores = {**probs, **subject_scores}
        return Classification(
            rights=rights, subject_type=subject, gdpr_related=gdpr, language=language,
            scores=scores, needs_review=bool(reasons), entities=entities,
            review_reasons=tuple(reasons),
        )

    def close(self) -> None:
        self._executor.shutdown(wait=False)

