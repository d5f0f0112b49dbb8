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

from intake_bot.nlp.classifier import Classification, Classifier
from intake_bot.nlp.features import message_text

log = logging.getLogger(__name__)
CHUNK = 256
CHANNELS = ("email", "chat")
UNCLASSIFIABLE = "the message could not be classified"


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
        results = iter(_classify_chunk(classifier, texts))
        for ident, text, error in parsed:
            result = next(results) if text is not None else None
            if error is not None or result is None:
                out: dict[str, Any] = {"id": ident, "error": error or UNCLASSIFIABLE}
            else:
                out = {"id": ident, **result.as_json()}
            stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def _classify_chunk(classifier: Classifier, texts: list[str]) -> list[Classification | None]:
    """Classify a chunk in one batch; if the batch fails, line by line, so one text that
    breaks the models costs only its own line (None), never the run."""
    if not texts:
        return []
    try:
        return list(classifier.classify_many(texts))
    except Exception:
        log.exception("batch classification failed; retrying line by line")
    results: list[Classification | None] = []
    for text in texts:
        try:
            results.append(classifier.classify_text(text))
        except Exception as exc:
            log.error("a message could not be classified (%s)", type(exc).__name__)
            results.append(None)
    return results
