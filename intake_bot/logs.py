"""Logging set-up with a last line of defence that masks CPR-like numbers in every record."""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

# Ten digits, optionally DDMMYY-XXXX: anything that could be a CPR number is masked before output.
# Logs must carry ids only (STYLE 19); this filter catches the mistake, it is not the policy.
_CPR_LIKE = re.compile(r"(?<!\d)(\d{6})[- ]?\d{4}(?!\d)")


def mask_cpr_like(text: str) -> str:
    """Replace every CPR-shaped number in `text` by its masked form DDMMYY-XXXX."""
    return _CPR_LIKE.sub(lambda m: f"{m.group(1)}-XXXX", text)


class RedactingFilter(logging.Filter):
    """Renders the record's message once, masks CPR-like numbers and freezes the result."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_cpr_like(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_text is None and record.exc_info[0] is not None:
            record.exc_text = mask_cpr_like(logging.Formatter().formatException(record.exc_info))
        return True


class _ServiceHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The service's own handler, so a second set-up replaces it instead of doubling lines."""


def setup_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Configure the root logger once: one line per record, masked, to stderr."""
    handler = _ServiceHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _ServiceHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    quiet_libraries()


# Libraries that put statement parameters or message data into their own DEBUG/INFO records:
# SQLAlchemy echoes parameters, aiosqlite logs each operation with its arguments, aiosmtpd and
# mail.log can log envelope addresses and data. Capped so values never reach the log.
_CHATTY = ("sqlalchemy", "alembic", "aiosqlite", "asyncpg", "mail.log", "aiosmtplib")


def quiet_libraries() -> None:
    """Cap chatty libraries at WARNING, whatever the service's own level (STYLE 19)."""
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
