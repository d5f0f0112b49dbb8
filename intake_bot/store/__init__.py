"""Request store: models, engine and query functions."""

from __future__ import annotations
