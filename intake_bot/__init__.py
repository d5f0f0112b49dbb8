"""intake-bot: GDPR request intake by email and web chat."""

from __future__ import annotations

__version__ = "0.1.0"
