"""The email channel: SMTP intake, MIME normalisation, threading and outgoing mail."""

from __future__ import annotations
