"""The cue lexicon: right words found in six languages, typos included, short words not guessed."""

from __future__ import annotations

import pytest

from intake_bot.nlp.cues import cue_labels
from intake_bot.nlp.textprep import fold


@pytest.mark.parametrize("text,label", [
    ("Slet mine oplysninger", "erasure"),
    ("slete mine data", "erasure"),  # typo
    ("kan jeg få indsig i mine oplysniger", "access"),  # typos
    ("Bitte löschen Sie meine Daten", "erasure"),
    ("radera mina uppgifter", "erasure"),
    ("jeg trækker mit samtykke tilbage", "consent_withdrawal"),
    ("I want to complain to the supervisory authority", "complaint"),
    ("Jeg har fået et inkassovarsel", "subj_debtor"),
    ("kan jeg få en afdragsordning", "not_gdpr"),
    ("Einschränkung der Verarbeitung", "restriction"),
])
def test_cue_found(text: str, label: str) -> None:
    # The expected cue is among those found in the folded text.
    assert label in cue_labels(fold(text))


def test_short_words_are_not_guessed() -> None:
    # Short everyday words do not fuzzily turn into cues.
    assert cue_labels(fold("hej med dig")) == []


@pytest.mark.parametrize("text,label", [
    ("jeg gør IKKE indsigelse", "neg_objection"),
    ("jeg klager ikke", "neg_complaint"),
    ("I do not object to anything", "neg_objection"),
    ("bitte nicht löschen", "neg_erasure"),
])
def test_negated_cues_are_marked(text: str, label: str) -> None:
    # A cue next to a negation is reported as negated, not as the request.
    labels = cue_labels(fold(text))
    assert label in labels and label.removeprefix("neg_") not in labels


def test_longest_stem_wins() -> None:
    # "indsigelse" (objection) is not read as a typo of "indsigt" (access).
    assert cue_labels(fold("jeg gør indsigelse")) == ["objection"]
