"""One module per request type; each prepares what the bot may do and what the agent must check."""

from __future__ import annotations
