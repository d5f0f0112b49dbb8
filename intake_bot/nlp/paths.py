"""Where the shipped models and the corpus live in the checkout."""

from __future__ import annotations

from pathlib import Path

NLP_MODELS = Path(__file__).resolve().parent.parent.parent / "nlp_models"
DEFAULT_MODEL_DIR = NLP_MODELS / "trained"
DEFAULT_TEST_FILE = NLP_MODELS / "assets" / "test.jsonl"
