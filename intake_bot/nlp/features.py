"""The one function that turns a message into model input, shared by training and inference."""

from __future__ import annotations

from intake_bot.nlp.cues import cue_labels, cue_tokens
from intake_bot.nlp.textprep import Prepared, fold, prepare

MAX_MODEL_CHARS = 4000  # the start of a very long letter carries the request
EMPTY_TOKEN = "cue_empty_message"


def message_text(subject: str | None, body: str) -> str:
    """Subject and body as one text (the subject often carries the request: "Indsigt")."""
    subject = (subject or "").strip()
    return f"{subject}\n\n{body}" if subject else body


def model_input(text: str) -> tuple[str, Prepared]:
    """Folded core text plus cue tokens, and the split it came from.

    Cues found in the cut part (quoted or forwarded mail, signature) are added as ``ctx_…``
    tokens for the kind of writer only: a quoted reminder says the writer is a debtor, but a
    right named in our own quoted letter is not the writer's request.
    """
    prepared = prepare(text)
    folded = fold(prepared.core[:MAX_MODEL_CHARS])
    parts = [folded, cue_tokens(cue_labels(folded))]
    if prepared.has_cut:
        context = cue_labels(fold(prepared.cut[:MAX_MODEL_CHARS]), negation=False)
        parts.append(" ".join(f"ctx_{c}" for c in context if c.startswith("subj_")))
    # An empty or emoji-only message still needs one token: the models cannot read zero.
    return " ".join(p for p in parts if p) or EMPTY_TOKEN, prepared
