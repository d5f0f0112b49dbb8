"""The classifier facade on arbitrary input: it always answers, with valid labels."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake_bot.nlp.classifier import Classifier
from intake_bot.nlp.labels import LANGUAGES, RIGHTS, SUBJECT_TYPES
from intake_bot.nlp.paths import DEFAULT_MODEL_DIR


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(DEFAULT_MODEL_DIR)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400))
def test_any_text_gets_valid_labels(classifier: Classifier, text: str) -> None:
    # Whatever arrives (control characters, emoji, only quotes), the answer is well-formed.
    result = classifier.classify_text(text)
    assert set(result.rights) <= set(RIGHTS)
    assert result.subject_type in SUBJECT_TYPES and result.language in LANGUAGES
    assert result.gdpr_related or not result.rights
    assert all(0.0 <= v <= 1.0 for v in result.scores.values())


def test_batch_and_single_agree(classifier: Classifier) -> None:
    # Classifying in a batch gives the same answers as one at a time, in the same order.
    texts = ["slet mine data", "Bitte Auskunft nach Art. 15", "kan jeg få en afdragsordning",
             "hvor har i mit nummer fra?", "Please unsubscribe me from the newsletter"]
    batch = classifier.classify_many(texts)
    assert [b.rights for b in batch] == [classifier.classify_text(t).rights for t in texts]
    assert batch[2].gdpr_related is False


async def test_concurrent_calls_are_classified_in_batches(
    classifier: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Calls made together share classify_many calls and get the same answers as one batch.
    texts = [f"Slet mine oplysninger, sag {n}" if n % 2 else f"Hvad har I om mig? {n}"
             for n in range(10)]
    expected = classifier.classify_many(texts)
    calls: list[int] = []
    original = classifier.classify_many

    def counting(batch: list[str]) -> list[Any]:
        calls.append(len(batch))
        return original(batch)

    monkeypatch.setattr(classifier, "classify_many", counting)
    results = await asyncio.gather(*(classifier.classify(t) for t in texts))
    assert [r.rights for r in results] == [e.rights for e in expected]
    assert [r.subject_type for r in results] == [e.subject_type for e in expected]
    assert sum(calls) == 10 and len(calls) < 10


async def test_a_failing_batch_fails_each_caller(
    classifier: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An error in the model reaches every caller of that batch, and the next batch works.
    def broken(batch: list[str]) -> list[Any]:
        raise RuntimeError("model broke")

    original = classifier.classify_many
    monkeypatch.setattr(classifier, "classify_many", broken)
    outcomes = await asyncio.gather(classifier.classify("a"), classifier.classify("b"),
                                    return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    monkeypatch.setattr(classifier, "classify_many", original)
    assert (await classifier.classify("Slet mine data")).language
