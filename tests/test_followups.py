"""Time-driven follow-ups: D-15 reminder and closing, D-7/D-9 extension notice, D-31 alert."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from intake_bot import deadlines, followups
from intake_bot.errors import InputError, InvalidTransition
from intake_bot.policy import load_policy
from intake_bot.replies import Templates
from intake_bot.settings import Settings
from intake_bot.store import tickets
from intake_bot.store.models import OutboxMessage, Ticket, TicketEvent
from tests.conftest import REPO

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
TEMPLATES = Templates(REPO / "config" / "replies", "en")
POLICY = load_policy()


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


async def _ticket(sessions: async_sessionmaker[AsyncSession], settings: Settings,
                  paused: bool) -> int:
    async with sessions.begin() as sess:
        ticket = await tickets.open_ticket(sess, tickets.NewTicket(
            channel="email", received_at=RECEIVED, rights=("access",), language="da",
            requester_email="jens@example.dk", reply_token="abcdefghijkm"), settings.deadlines)
        if paused:
            await tickets.pause_ticket(sess, ticket, "identity", RECEIVED,
                                       ticket.received_local_date, settings.deadlines)
        return ticket.id


async def _load(sessions: async_sessionmaker[AsyncSession], ticket_id: int) -> Ticket:
    async with sessions() as sess:
        return (await sess.execute(select(Ticket).where(Ticket.id == ticket_id)
                                   .options(selectinload(Ticket.pauses)))).scalar_one()


async def _mails(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as sess:
        return list((await sess.execute(select(OutboxMessage).order_by(OutboxMessage.id)))
                    .scalars())


async def _run(sessions: async_sessionmaker[AsyncSession], settings: Settings,
               day: date) -> None:
    async with sessions.begin() as sess:
        now = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        await followups.run_followups(sess, settings, TEMPLATES, POLICY, now)


async def test_reminder_after_14_days_and_closing_30_days_later(
    sessions: async_sessionmaker[AsyncSession], settings: Settings,
) -> None:
    # D-15: nothing before day 14; one reminder on day 14 (not twice); closed as
    # identity_not_confirmed 30 days after the reminder, with Datatilsynet in the message.
    ticket_id = await _ticket(sessions, settings, paused=True)
    asked = deadlines.local_date(RECEIVED)
    await _run(sessions, settings, asked + timedelta(days=13))
    assert await _mails(sessions) == []
    await _run(sessions, settings, asked + timedelta(days=14))
    await _run(sessions, settings, asked + timedelta(days=15))
    [reminder] = await _mails(sessions)
    assert reminder.kind == "reminder" and reminder.to_addr == "jens@example.dk"
    assert "Påmindelse" in reminder.subject  # the requester's language
    reminded = asked + timedelta(days=14)
    await _run(sessions, settings, reminded + timedelta(days=29))
    assert (await _load(sessions, ticket_id)).status == "awaiting_requester"
    await _run(sessions, settings, reminded + timedelta(days=30))
    ticket = await _load(sessions, ticket_id)
    assert ticket.status == "closed" and ticket.outcome == "identity_not_confirmed"
    closing = (await _mails(sessions))[-1]
    assert closing.kind == "identity_closing" and "Datatilsynet" in closing.body


async def test_extension_needs_a_listed_reason_and_the_due_date_not_passed(
    sessions: async_sessionmaker[AsyncSession], settings: Settings,
) -> None:
    # D-9: a reason from the EDPB list and a notice naming the new date; D-7: not after due.
    ticket_id = await _ticket(sessions, settings, paused=False)
    async with sessions.begin() as sess:
        ticket = await sess.get(Ticket, ticket_id)
        assert ticket is not None
        with pytest.raises(InputError):
            await followups.extend(sess, settings, TEMPLATES, ticket, "we are busy", "sup",
                                   RECEIVED)
        late = datetime.combine(ticket.due + timedelta(days=1), datetime.min.time(), UTC)
        with pytest.raises(InvalidTransition):
            await followups.extend(sess, settings, TEMPLATES, ticket, "redaction", "sup", late)
        await followups.extend(sess, settings, TEMPLATES, ticket, "redaction", "sup",
                               RECEIVED + timedelta(days=10))
        extended_due = ticket.extended_due
    ticket = await _load(sessions, ticket_id)
    assert ticket.extension_approved and ticket.extension_reason == "redaction"
    [notice] = await _mails(sessions)
    assert notice.kind == "extension_notice"
    assert extended_due.strftime("%d.%m.%Y") in notice.body
    assert "andre personers oplysninger" in notice.body


async def test_extension_alert_once_when_the_decision_window_opens(
    sessions: async_sessionmaker[AsyncSession], settings: Settings,
) -> None:
    # D-31: an event (once) when extension_alert_working_days before due is reached.
    ticket_id = await _ticket(sessions, settings, paused=False)
    ticket = await _load(sessions, ticket_id)
    alert_on = deadlines.extension_decision_alert(
        ticket.due, settings.deadlines.extension_alert_working_days)
    await _run(sessions, settings, alert_on - timedelta(days=1))
    await _run(sessions, settings, alert_on)
    await _run(sessions, settings, alert_on + timedelta(days=1))
    async with sessions() as sess:
        alerts: list[Any] = list((await sess.execute(select(TicketEvent).where(
            TicketEvent.action == "extension_alert"))).scalars())
    assert len(alerts) == 1 and alerts[0].ticket_id == ticket_id
