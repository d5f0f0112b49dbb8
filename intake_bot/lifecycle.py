"""Ticket status lifecycle: which moves are allowed and which outcomes may close a ticket."""

from __future__ import annotations

from intake_bot.errors import InvalidTransition

STATUSES = ("new", "in_progress", "awaiting_requester", "forwarded", "closed")

# awaiting_requester = the clock is paused for identity or clarification (RULES D-10, D-16).
# forwarded = sent to the seller as controller (RULES P-5); reopens on the seller's instruction.
# closed reopens when the requester writes again about the same request (RULES D-32).
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"in_progress", "awaiting_requester", "forwarded", "closed"}),
    "in_progress": frozenset({"awaiting_requester", "forwarded", "closed"}),
    "awaiting_requester": frozenset({"in_progress", "closed"}),
    "forwarded": frozenset({"in_progress", "closed"}),
    "closed": frozenset({"in_progress"}),
}

OUTCOMES = (
    "completed",  # the request was carried out
    "refused",  # Art. 12(4) notice sent with reasons
    "partially_refused",
    "forwarded_to_seller",  # RULES P-5
    "identity_not_confirmed",  # RULES D-15
    "withdrawn",  # the requester withdrew it
    "not_gdpr",  # handed to case handling (RULES RET-9)
    "duplicate",  # merged into another ticket (RULES D-32)
)


def check_transition(current: str, new: str, outcome: str | None) -> None:
    """Raise InvalidTransition unless `current` → `new` is allowed with this outcome."""
    if new not in TRANSITIONS:
        raise InvalidTransition(f"unknown status {new!r}")
    if new not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"cannot move a ticket from {current} to {new}")
    if new == "closed" and outcome not in OUTCOMES:
        raise InvalidTransition("closing a ticket needs one of: " + ", ".join(OUTCOMES))
    if new != "closed" and outcome is not None:
        raise InvalidTransition("an outcome is given only when closing")
