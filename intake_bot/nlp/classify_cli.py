"""`intake-bot classify`: JSON Lines in, one JSON object per line out, same order (SPEC §2).

A malformed line gets `{"id": …, "error": …}` and the run goes on; lines are classified in
batches so a large file runs at the classifier's batch speed.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from intake_bot.nlp.classifier import Classifier
from intake_bot.nlp.features import message_text

log = logging.getLogger(__name__)
CHUNK = 256
CHANNELS = ("email", "chat")


def parse_line(line: str) -> tuple[Any, str | None, str | None]:
    """(id, text to classify, error). The error names what is wrong, never the content."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(obj, dict):
        return None, None, "expected a JSON object"
    ident = obj.get("id")
    body, subject, channel = obj.get("body"), obj.get("subject"), obj.get("channel")
    if not isinstance(body, str):
        return ident, None, "body: missing or not a string"
    if subject is not None and not isinstance(subject, str):
        return ident, None, "subject: not a string"
    if channel is not None and channel not in CHANNELS:
        return ident, None, "channel: must be email or chat"
    return ident, message_text(subject, body), None


def _chunks(stream: TextIO) -> Iterator[list[str]]:
    chunk: list[str] = []
    for line in stream:
        if not line.strip():
            continue
        chunk.append(line)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_classify(model: Path, stdin: TextIO, stdout: TextIO) -> int:
    """Classify every line of stdin; exit status 1 only if the model cannot be loaded."""
    try:
        classifier = Classifier(model)
    except Exception as exc:  # any load failure: no model, no run
        print(f"intake-bot: cannot load the model from {model}: {type(exc).__name__}",
              file=sys.stderr)
        return 1
    for chunk in _chunks(stdin):
        parsed = [parse_line(line) for line in chunk]
        texts = [text for _, text, _ in parsed if text is not None]
        results = iter(classifier.classify_many(texts)) if texts else iter(())
        for ident, text, error in parsed:
            if error is not None or text is None:
                out: dict[str, Any] = {"id": ident, "error": error}
            else:
                out = {"id": ident, **next(results).as_json()}
            stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0
