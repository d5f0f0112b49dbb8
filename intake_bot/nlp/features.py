"""The one function that turns a message into model input, shared by training and inference."""

from __future__ import annotations

from intake_bot.nlp.cues import cue_labels, cue_tokens
from intake_bot.nlp.textprep import Prepared, fold, prepare

MAX_MODEL_CHARS = 4000  # the start of a very long letter carries the request


def message_text(subject: str | None, body: str) -> str:
    """Subject and body as one text (the subject often carries the request: "Indsigt")."""
    subject = (subject or "").strip()
    return f"{subject}\n\n{body}" if subject else body


def model_input(text: str) -> tuple[str, Prepared]:
    """Folded core text plus cue tokens, and the split it came from."""
    prepared = prepare(text)
    folded = fold(prepared.core[:MAX_MODEL_CHARS])
    cues = cue_tokens(cue_labels(folded))
    return (f"{folded} {cues}" if cues else folded), prepared
