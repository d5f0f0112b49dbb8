"""NLP: text preparation, cue lexicon, entities, language and the trained classifiers."""

from __future__ import annotations
