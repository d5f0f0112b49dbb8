"""A shallow tree of the service's own errors, translated to HTTP, SMTP or CLI at the edges."""

from __future__ import annotations


class IntakeError(Exception):
    """Base of every error the service raises on purpose."""


class ConfigError(IntakeError):
    """A setting is missing or has a bad value; the message names the key, never a secret."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


class InputError(IntakeError):
    """Bad input from outside (a CSV row, an API body, a chat text); names the field, not values."""

    def __init__(self, source: str, field: str, reason: str) -> None:
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{field}: {reason}" if field else f"{where}{reason}")
        self.source = source
        self.field = field
        self.reason = reason


class NotFound(IntakeError):
    """The thing asked for does not exist (or the caller may not know that it does)."""


class IdentityNotVerified(IntakeError):
    """An action needs a verified requester (RULES ID-1, ID-7) and the ticket is not verified."""


class StoreUnavailable(IntakeError):
    """The request store does not answer; callers retry later (SMTP 451, HTTP 503)."""


class InvalidTransition(IntakeError):
    """A ticket status change that the lifecycle does not allow."""
