"""Time-driven follow-ups on tickets: reminders and closing while we wait for the requester
(RULES D-15), the extension and its notice (D-7, D-9), and the alert to decide on an extension
in time (D-31). Each is idempotent: running it twice on the same day changes nothing more.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from intake_bot import deadlines
from intake_bot.errors import InputError, InvalidTransition
from intake_bot.keys import BACKLOG_STATE, POLICY, SESSIONS, SETTINGS, TEMPLATES
from intake_bot.policy import PolicyFacts
from intake_bot.replies import Templates
from intake_bot.settings import Settings
from intake_bot.store import tickets
from intake_bot.store.models import Ticket, TicketEvent, TicketPause, utcnow
from mail import threads
from mail.outgoing import queue_mail

log = logging.getLogger(__name__)

# EDPB-AC §§ 162–164: what may justify the two extra months (D-9). Effort alone may not.
EXTENSION_REASONS = {
    "amount_of_data": "the amount of data to be collected",
    "spread_across_units": "the data are spread across several units or systems",
    "redaction": "other people's data must be redacted",
    "intelligibility": "the data must be made intelligible",
    "exceptional_influx": "a temporary, exceptional influx of requests",
}
CHECK_EVERY = timedelta(minutes=10)


async def watch_deadlines(app: web.Application) -> int:
    """Worker job: D-15 reminders and closings and D-31 alerts, at most every CHECK_EVERY.
    Returns 0 (it never counts as work, so it does not keep the worker spinning)."""
    state = app[BACKLOG_STATE]
    now = utcnow()
    if state.next_deadline_check is not None and now < state.next_deadline_check:
        return 0
    state.next_deadline_check = now + CHECK_EVERY
    async with app[SESSIONS].begin() as sess:
        await run_followups(sess, app[SETTINGS], app[TEMPLATES], app[POLICY], now)
    return 0


async def run_followups(sess: AsyncSession, settings: Settings, templates: Templates,
                        policy: PolicyFacts, now: datetime) -> None:
    today = deadlines.local_date(now)
    rules = settings.deadlines
    waiting = (await sess.execute(
        select(Ticket).where(Ticket.status == "awaiting_requester")
        .options(selectinload(Ticket.pauses))
    )).scalars().all()
    for ticket in waiting:
        open_pause = next((p for p in ticket.pauses if p.replied_on is None), None)
        if open_pause is None:
            continue
        if open_pause.reminder_sent_on is None:
            if today >= deadlines.reminder_due(open_pause.sent_on, rules.reminder_days):
                await _remind(sess, settings, templates, ticket, open_pause, today)
        elif today >= deadlines.close_due(open_pause.reminder_sent_on,
                                          rules.close_after_reminder_days):
            await _close_unconfirmed(sess, settings, templates, policy, ticket)
    await _extension_alerts(sess, settings, today)


async def _mail(sess: AsyncSession, settings: Settings, templates: Templates, ticket: Ticket,
                kind: str, **values: str | date) -> None:
    if not ticket.requester_email:
        return
    reply_address = threads.ticket_reply_address(settings.smtp, ticket)
    rendered = templates.get(kind, ticket.language).render(
        ref=ticket.ref, company=settings.service.company_name, reply_address=reply_address,
        **values)
    await queue_mail(sess, settings.relay, ticket=ticket, kind=kind, to=ticket.requester_email,
                     rendered=rendered, subject=f"{rendered.subject} [{ticket.ref}]",
                     reply_to=reply_address, auto_submitted="auto-generated")


async def _remind(sess: AsyncSession, settings: Settings, templates: Templates, ticket: Ticket,
                  pause: TicketPause, today: date) -> None:
    """D-15: one reminder 14 days after the question."""
    await _mail(sess, settings, templates, ticket, "reminder")
    pause.reminder_sent_on = today
    await tickets.add_event(sess, ticket, "system", "reminder_sent",
                            {"asked_on": pause.sent_on.isoformat()})


async def _close_unconfirmed(sess: AsyncSession, settings: Settings, templates: Templates,
                             policy: PolicyFacts, ticket: Ticket) -> None:
    """D-15: 30 days after the reminder, close as identity_not_confirmed, saying how to resume
    and where to complain (mirrors Art. 12(4))."""
    await _mail(sess, settings, templates, ticket, "identity_closing",
                authority=policy.authority_text())
    await tickets.change_status(sess, ticket, "closed", "system", "identity_not_confirmed")


async def _extension_alerts(sess: AsyncSession, settings: Settings, today: date) -> None:
    """D-31: warn agents (event and log) when the last days to decide on an extension begin."""
    open_tickets = (await sess.execute(
        select(Ticket).where(Ticket.status.in_(("new", "in_progress")),
                             Ticket.extension_approved.is_(False), Ticket.due >= today)
    )).scalars().all()
    for ticket in open_tickets:
        alert_on = deadlines.extension_decision_alert(
            ticket.due, settings.deadlines.extension_alert_working_days)
        if today < alert_on:
            continue
        already = (await sess.execute(select(TicketEvent.id).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.action == "extension_alert"
        ).limit(1))).scalar_one_or_none()
        if already is None:
            await tickets.add_event(sess, ticket, "system", "extension_alert",
                                    {"due": ticket.due.isoformat()})
            log.warning("ticket %s is due %s: decide on an extension now (D-31)",
                        ticket.ref, ticket.due.isoformat())


async def extend(sess: AsyncSession, settings: Settings, templates: Templates, ticket: Ticket,
                 reason: str, actor: str, now: datetime) -> None:
    """D-9: extend by two months with a recorded reason from EDPB-AC §§ 162–164 and send the
    notice; D-7: not after the end of `due`. Raises InputError or InvalidTransition."""
    if reason not in EXTENSION_REASONS:
        raise InputError("extension", "reason", "must be one of " + ", ".join(EXTENSION_REASONS))
    today = deadlines.local_date(now)
    if ticket.status in ("closed", "awaiting_requester"):
        raise InvalidTransition(f"a {ticket.status} ticket cannot be extended")
    if ticket.extension_approved:
        raise InvalidTransition("the ticket is already extended")
    if today > ticket.due:
        raise InvalidTransition("too late: the notice had to go out by the due date (D-7)")
    ticket.extension_approved, ticket.extension_reason = True, reason
    ticket.extension_notice_sent_on = today
    fields = templates.get("extension_notice", ticket.language).fields
    await _mail(sess, settings, templates, ticket, "extension_notice",
                reason_text=fields.get(f"reason_{reason}", EXTENSION_REASONS[reason]),
                extended_due=ticket.extended_due)
    await tickets.add_event(sess, ticket, actor, "extended", {
        "reason": reason, "extended_due": ticket.extended_due.isoformat()})
