"""Inbound message queries that agents and operators use (the worker's own are in intake.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from intake_bot.errors import InvalidTransition, NotFound
from intake_bot.store.models import InboundMessage


async def requeue(sess: AsyncSession, inbound_id: int) -> None:
    """Send a quarantined message through the pipeline again (after a fix, MAIL.md item 14)."""
    row = await sess.get(InboundMessage, inbound_id)
    if row is None:
        raise NotFound(f"no inbound message {inbound_id}")
    if row.status != "quarantined":
        raise InvalidTransition(f"inbound {inbound_id} is {row.status}, not quarantined")
    row.status, row.attempts, row.claimed_at, row.processed_at = "received", 0, None, None
    row.disposition_reason = None
