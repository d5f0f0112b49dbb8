"""Statutory and internal deadlines for GDPR requests (RULES.md §1, D-1 … D-33); pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from holidays.constants import PUBLIC
from holidays.utils import country_holidays

from intake_bot.types import ExtensionMode, PauseReason

# §1.2: all deadline arithmetic is on the Copenhagen date; the IANA zone, never a fixed +01:00.
CPH: ZoneInfo = ZoneInfo("Europe/Copenhagen")


# SPEC §1 labels. D-10(a): identity pauses only for requests under Arts. 15-21; D-11 excludes
# Art. 22 (automated_decision), complaints, consent withdrawal and Arts. 13-14 questions.
IDENTITY_PAUSE_RIGHTS = frozenset(
    {"access", "rectification", "erasure", "restriction", "portability", "objection"}
)
RIGHTS = IDENTITY_PAUSE_RIGHTS | {
    "information",
    "automated_decision",
    "consent_withdrawal",
    "complaint",
}
# D-10(b): a request to specify scope (Recital 63) is only creditable for access requests.
SCOPE_PAUSE_RIGHTS = frozenset({"access"})

_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NO_OFFSET = "timestamp has no UTC offset; add one such as +01:00 or Z"
_EXPECTED = "expected e.g. 2026-03-05T10:00:00+01:00, or a date 2026-03-05"
_NOT_ISO = "not an ISO 8601 timestamp; " + _EXPECTED


# --- Calendar: D-20 … D-23 -------------------------------------------------------------------


@lru_cache(maxsize=512)
def public_holidays(year: int) -> frozenset[date]:
    """Return the Danish public holidays of ``year`` (D-20, D-22: PUBLIC category only)."""
    # Naming PUBLIC explicitly keeps Grundlovsdag, 24/31 Dec and 1 May (OPTIONAL) out (D-21),
    # even if the library's default category ever changed. D-23: always Danish.
    # country_holidays("DK") builds holidays.Denmark through the library's typed entry point.
    cal = country_holidays("DK", years=year, categories=(PUBLIC,))
    days = frozenset(d for d in cal if d.year == year)
    if not days:
        # Outside the library's calendar (after 2100) every day would look like a working
        # day; refuse instead of returning a due date that may fall on a holiday.
        raise ValueError("date out of the supported range")
    return days


def is_working_day(d: date) -> bool:
    """Return True if ``d`` is Monday-Friday and not a Danish public holiday (R1182 Art. 2)."""
    return d.weekday() < 5 and d not in public_holidays(d.year)


def roll_forward(d: date) -> date:
    """Return ``d`` if it is a working day, else the next working day (R1182 Art. 3(4), D-4)."""
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def add_working_days(d: date, n: int) -> date:
    """Return the date ``n`` working days after ``d`` (``d`` itself when ``n`` is 0)."""
    if n < 0:
        raise ValueError("number of working days must not be negative")
    for _ in range(n):
        d = roll_forward(d + timedelta(days=1))
    return d


def subtract_working_days(d: date, n: int) -> date:
    """Return the date ``n`` working days before ``d`` (``d`` itself when ``n`` is 0)."""
    if n < 0:
        raise ValueError("number of working days must not be negative")
    for _ in range(n):
        d -= timedelta(days=1)
        while not is_working_day(d):
            d -= timedelta(days=1)
    return d


def add_months(d: date, n: int) -> date:
    """Return the same day-of-month ``n`` months later, clamped to the month's last day (§1.2)."""
    result: date = d + relativedelta(months=n)
    return result


# --- Receipt time: D-1, §1.2 input rules ------------------------------------------------------


def parse_received(text: str) -> datetime:
    """Parse a SPEC §2 receipt value and return an aware datetime.

    An ISO 8601 timestamp with offset (``Z`` accepted) keeps its offset; a date alone
    (YYYY-MM-DD) means 12:00 Europe/Copenhagen that day. Raises ValueError naming the problem,
    never echoing the input; a timestamp without offset is rejected, not guessed (§1.2 [P]).
    """
    s = text.strip()
    if not s:
        raise ValueError("empty value; " + _EXPECTED)
    if _DATE_ONLY.fullmatch(s):
        try:
            day = date.fromisoformat(s)
        except ValueError:
            raise ValueError("not a valid calendar date (YYYY-MM-DD)") from None
        return datetime.combine(day, time(12), tzinfo=CPH)
    try:
        ts = datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(_NOT_ISO) from None
    if ts.utcoffset() is None:
        if "T" not in s.upper() and " " not in s:
            # e.g. 20260630 or 2026-W27-2: a date, but not in the one accepted form.
            raise ValueError("a date alone must be written YYYY-MM-DD")
        raise ValueError(_NO_OFFSET)
    return ts


def local_date(ts: datetime) -> date:
    """Return the Europe/Copenhagen date of the instant ``ts`` (D-1); naive values are refused."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(_NO_OFFSET)
    return ts.astimezone(CPH).date()


def today_cph(now: datetime | None = None) -> date:
    """Return today's date in Copenhagen (§1.2: not UTC); ``now`` overrides the clock."""
    return local_date(now if now is not None else datetime.now(CPH))


# --- Statutory deadlines: D-1 … D-9 -----------------------------------------------------------


@dataclass(frozen=True)
class Deadlines:
    """The D-1 … D-6 dates of one request."""

    received_local_date: date  # D-1 R
    base: date  # D-2 one month, unrolled
    due: date  # D-4
    ext_base: date  # D-5 three months in all, unrolled
    extended_due: date  # D-6
    paused_days: int  # D-3 P


def compute(
    received_at: datetime, paused_days: int = 0, extension_mode: ExtensionMode = "chained"
) -> Deadlines:
    """Return the deadlines for a request received at ``received_at`` (D-1 … D-6).

    ``paused_days`` is the credited pause P (D-3, D-13). ``extension_mode`` selects the D-5
    reading: "chained" (default, two months from the unrolled one-month date, the earlier and
    safe reading) or "r_plus_3" (R + 3 months).
    """
    if paused_days < 0:
        raise ValueError("paused days must not be negative")
    r = local_date(received_at)  # D-1
    base = add_months(r, 1)  # D-2
    if extension_mode == "chained":
        ext_base = add_months(base, 2)  # D-5, never from the rolled date (§1.8 item 12)
    elif extension_mode == "r_plus_3":
        ext_base = add_months(r, 3)
    else:
        raise ValueError("extension mode must be 'chained' or 'r_plus_3'")
    p = timedelta(days=paused_days)
    return Deadlines(
        received_local_date=r,
        base=base,
        due=roll_forward(base + p),  # D-4
        ext_base=ext_base,
        extended_due=roll_forward(ext_base + p),  # D-6
        paused_days=paused_days,
    )


def extension_notice_due(d: Deadlines) -> date:
    """Return the last day to send the extension notice with reasons (D-7: ``due``)."""
    return d.due


def refusal_notice_due(d: Deadlines) -> date:
    """Return the last day for a whole or partial refusal notice (D-8: ``due``, never extended)."""
    return d.due


def effective_due(d: Deadlines, extension_approved: bool, notice_sent_on: date | None) -> date:
    """Return ``extended_due`` if approved and notice sent by ``due``, else ``due`` (D-9)."""
    if extension_approved and notice_sent_on is not None and notice_sent_on <= d.due:
        return d.extended_due
    return d.due


# --- Stop-the-clock: D-10 … D-16 --------------------------------------------------------------


@dataclass(frozen=True)
class Pause:
    """One request to the requester for identity information or access scope (D-10)."""

    reason: PauseReason
    reacts_to: date  # local date of R, or of the reply this follow-up reacts to (D-13)
    sent_on: date  # local date our request was sent
    replied_on: date | None = None  # a reply with the information asked for (D-14); None = open

    def __post_init__(self) -> None:
        if self.reason not in ("identity", "access_scope"):
            raise ValueError("pause reason must be 'identity' or 'access_scope'")
        if self.sent_on < self.reacts_to:
            raise ValueError("pause request sent before the message it reacts to")
        if self.replied_on is not None and self.replied_on < self.sent_on:
            raise ValueError("pause reply dated before the request")


def identity_request_limit(reference: date, working_days: int = 3) -> date:
    """Return the last day to send an identity/scope request (D-12: end of 3rd working day)."""
    return add_working_days(reference, working_days)


def pause_is_creditable(
    p: Pause, rights: Iterable[str], identity_established: bool, working_days: int = 3
) -> bool:
    """Return True if pause ``p`` may stop the clock for a ticket with ``rights`` (D-10 … D-12).

    Every right on the ticket must qualify, since one ``due`` serves them all and crediting a
    pause to, say, a complaint would report a later date than allowed (D-11, safe direction).
    An identity pause needs Arts. 15-21 rights and identity not yet established; a scope pause
    needs access only. Either must be sent by the D-12 limit after ``reacts_to``.
    """
    wanted = frozenset(rights)
    if not wanted <= RIGHTS:
        raise ValueError("unknown right label")
    if not wanted or p.sent_on > identity_request_limit(p.reacts_to, working_days):
        return False
    if p.reason == "identity":
        return not identity_established and wanted <= IDENTITY_PAUSE_RIGHTS
    return wanted <= SCOPE_PAUSE_RIGHTS


def creditable_pauses(
    pauses: Iterable[Pause],
    rights: Iterable[str],
    identity_established: bool,
    working_days: int = 3,
) -> tuple[Pause, ...]:
    """Return the pauses that stop the clock (D-10 … D-12), open or closed."""
    wanted = frozenset(rights)
    return tuple(
        p for p in pauses if pause_is_creditable(p, wanted, identity_established, working_days)
    )


def credited_pause_days(
    pauses: Iterable[Pause],
    rights: Iterable[str],
    identity_established: bool,
    working_days: int = 3,
) -> int:
    """Return P (D-3, D-13): calendar days from request to reply over creditable closed pauses.

    Overlapping pauses are counted once (the union of the intervals), so a day can never be
    credited twice; for sequential follow-ups this is the plain sum of D-13.
    """
    spans = sorted(
        (p.sent_on, p.replied_on)
        for p in creditable_pauses(pauses, rights, identity_established, working_days)
        if p.replied_on is not None
    )
    total = 0
    covered_to: date | None = None
    for start, end in spans:
        if covered_to is not None and start < covered_to:
            start = covered_to
        if end > start:
            total += (end - start).days
        covered_to = end if covered_to is None else max(covered_to, end)
    return total


def is_paused(pauses: Iterable[Pause]) -> bool:
    """Return True if a pause is open, so no due date is shown (D-16).

    Pass ``creditable_pauses(...)``: a late request (D-12) does not stop the clock.
    """
    return any(p.replied_on is None for p in pauses)


def paused_since(pauses: Iterable[Pause]) -> date | None:
    """Return the earliest send date of an open pause, for "paused since" (D-16), or None."""
    return min((p.sent_on for p in pauses if p.replied_on is None), default=None)


def reminder_due(sent_on: date, days: int = 14) -> date:
    """Return the day to remind the requester of an unanswered request (D-15, calendar days)."""
    return sent_on + timedelta(days=days)


def close_due(reminder_sent_on: date, days: int = 30) -> date:
    """Return the day to close as ``identity_not_confirmed`` after the reminder (D-15)."""
    return reminder_sent_on + timedelta(days=days)


# --- Internal targets: D-30, D-31, D-33 -------------------------------------------------------


def forward_due(received_local_date: date) -> date:
    """Return the last day to forward to the seller: the next working day after R (D-30)."""
    return add_working_days(received_local_date, 1)


def acknowledgement_due(r: date) -> date:
    """Return the last day to acknowledge the request: 1 working day after R (D-17, D-31)."""
    return add_working_days(r, 1)


def extension_decision_alert(due: date, working_days: int = 5) -> date:
    """Return the day to decide on an extension: ``working_days`` before ``due`` (D-31)."""
    return subtract_working_days(due, working_days)


def agent_reminders(r: date, due: date) -> tuple[date, date]:
    """Return the agent reminder dates at 50 % and 80 % of R … due, rounded down (D-31)."""
    period = (due - r).days
    return r + timedelta(days=period * 5 // 10), r + timedelta(days=period * 8 // 10)


def consent_withdrawal_due(r: date) -> date:
    """Return the target for executing a consent withdrawal: 2 working days after R (D-33)."""
    return add_working_days(r, 2)


def days_left(due: date, today: date) -> int:
    """Return the calendar days from ``today`` (Copenhagen) to ``due``; negative when late."""
    return (due - today).days


def is_overdue(due: date, today: date) -> bool:
    """Return True once ``today`` (Copenhagen) is after ``due`` (§1.2: due ends at 23:59:59)."""
    return today > due


# --- `intake-bot deadline` (SPEC §2) ----------------------------------------------------------


def _extension_mode(value: str) -> ExtensionMode:
    if value == "chained":
        return "chained"
    if value == "r_plus_3":
        return "r_plus_3"
    raise ValueError("extension mode must be 'chained' or 'r_plus_3'")


def deadline_report(arg: str, extension_mode: str = "chained") -> dict[str, str]:
    """Return the SPEC §2 object for one RECEIVED argument, or ``{"received", "error"}``.

    A bad extension mode is a configuration error and raises ValueError.
    """
    mode = _extension_mode(extension_mode)
    try:
        received_at = parse_received(arg)
    except ValueError as exc:
        return {"received": arg, "error": str(exc)}
    try:
        d = compute(received_at, extension_mode=mode)
    except (OverflowError, ValueError):
        return {"received": arg, "error": "date out of the supported range"}
    return {
        "received": received_at.isoformat(),
        "received_local_date": d.received_local_date.isoformat(),
        "due": d.due.isoformat(),
        "extended_due": d.extended_due.isoformat(),
    }
