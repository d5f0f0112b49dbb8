"""Language detection: lingua on the writer's own words, combined with the trained language
model that knows how people write to us (short Danish vs Norwegian lines are where lingua
alone guesses)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from intake_bot.nlp.labels import LANGUAGES

_LINGUA = {
    Language.DANISH: "da", Language.ENGLISH: "en", Language.SWEDISH: "sv",
    Language.BOKMAL: "nb", Language.GERMAN: "de", Language.FINNISH: "fi",
}


def build_detector() -> LanguageDetector:
    """lingua for our six languages with models loaded now (the lazy first call stalls)."""
    return (
        LanguageDetectorBuilder.from_languages(*_LINGUA)
        .with_preloaded_language_models()
        .build()
    )


def lingua_scores(detector: LanguageDetector, text: str) -> dict[str, float]:
    values = detector.compute_language_confidence_values(text)
    scores = {code: 0.0 for code in LANGUAGES}
    for v in values:
        code = _LINGUA.get(v.language)
        if code is not None:
            scores[code] = v.value
    return scores


def combine(
    lingua: Mapping[str, float], model: Mapping[str, float], weight: float
) -> dict[str, float]:
    """Weighted geometric mean of the two distributions, renormalised.

    `weight` is lingua's share (chosen on dev); a small floor keeps one confident zero from
    vetoing the other source.
    """
    floor = 1e-4
    raw = {
        code: math.exp(weight * math.log(max(lingua.get(code, 0.0), floor))
                       + (1 - weight) * math.log(max(model.get(code, 0.0), floor)))
        for code in LANGUAGES
    }
    total = sum(raw.values())
    return {code: value / total for code, value in raw.items()}
