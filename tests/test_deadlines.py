"""Tests for intake_bot.deadlines against RULES.md §1 (worked examples, holidays, pauses)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.easter import easter
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from intake_bot.deadlines import (
    CPH,
    Deadlines,
    Pause,
    PauseReason,
    acknowledgement_due,
    add_months,
    add_working_days,
    agent_reminders,
    close_due,
    compute,
    consent_withdrawal_due,
    creditable_pauses,
    credited_pause_days,
    days_left,
    deadline_report,
    effective_due,
    extension_decision_alert,
    extension_notice_due,
    forward_due,
    identity_request_limit,
    is_overdue,
    is_paused,
    is_working_day,
    local_date,
    parse_received,
    pause_is_creditable,
    paused_since,
    public_holidays,
    refusal_notice_due,
    reminder_due,
    roll_forward,
    subtract_working_days,
    today_cph,
)

D = date.fromisoformat
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


# An independent holiday calendar (RULES §1.7 cross-check): Easter offsets -3, -2, 0, +1, +39,
# +49, +50, fixed 1 Jan, 25 and 26 Dec, and Store bededag (+26) only before 2024 (D-20).
def _oracle_holidays(year: int) -> set[date]:
    e = easter(year)
    days = {e + timedelta(days=k) for k in (-3, -2, 0, 1, 39, 49, 50)}
    days |= {date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)}
    if year < 2024:
        days.add(e + timedelta(days=26))
    return days


def _oracle_working(d: date) -> bool:
    return d.weekday() < 5 and d not in _oracle_holidays(d.year)


def _oracle_roll(d: date) -> date:
    while not _oracle_working(d):
        d += timedelta(days=1)
    return d


# ---------------------------------------------------------------------------------------------
# RULES §1.7 worked examples: received, local date, one month unrolled, due, +2 months unrolled,
# extended_due, and extended_due under the R + 3 months reading (D-5).
E_TABLE = [
    ("E1", "2026-03-05T10:00:00+01:00", "2026-03-05", "2026-04-05", "2026-04-07",
     "2026-06-05", "2026-06-05", "2026-06-05"),
    ("E2", "2026-01-31T09:15:00+01:00", "2026-01-31", "2026-02-28", "2026-03-02",
     "2026-04-28", "2026-04-28", "2026-04-30"),
    ("E3", "2026-01-30T23:30:00+01:00", "2026-01-30", "2026-02-28", "2026-03-02",
     "2026-04-28", "2026-04-28", "2026-04-30"),
    ("E4", "2027-01-29T14:00:00+01:00", "2027-01-29", "2027-02-28", "2027-03-01",
     "2027-04-28", "2027-04-28", "2027-04-29"),
    ("E5", "2026-04-30T08:00:00+02:00", "2026-04-30", "2026-05-30", "2026-06-01",
     "2026-07-30", "2026-07-30", "2026-07-30"),
    ("E6", "2026-03-31T16:00:00+02:00", "2026-03-31", "2026-04-30", "2026-04-30",
     "2026-06-30", "2026-06-30", "2026-06-30"),
    ("E7", "2026-05-31T20:00:00+02:00", "2026-05-31", "2026-06-30", "2026-06-30",
     "2026-08-30", "2026-08-31", "2026-08-31"),
    ("E8", "2027-02-25T11:00:00+01:00", "2027-02-25", "2027-03-25", "2027-03-30",
     "2027-05-25", "2027-05-25", "2027-05-25"),
    ("E9", "2026-05-05T09:00:00+02:00", "2026-05-05", "2026-06-05", "2026-06-05",
     "2026-08-05", "2026-08-05", "2026-08-05"),
    ("E10", "2027-05-05T09:00:00+02:00", "2027-05-05", "2027-06-05", "2027-06-07",
     "2027-08-05", "2027-08-05", "2027-08-05"),
    ("E11", "2026-11-24T13:00:00+01:00", "2026-11-24", "2026-12-24", "2026-12-24",
     "2027-02-24", "2027-02-24", "2027-02-24"),
    ("E12", "2026-11-25T13:00:00+01:00", "2026-11-25", "2026-12-25", "2026-12-28",
     "2027-02-25", "2027-02-25", "2027-02-25"),
    ("E13", "2026-12-01T10:00:00+01:00", "2026-12-01", "2027-01-01", "2027-01-04",
     "2027-03-01", "2027-03-01", "2027-03-01"),
    ("E14", "2026-12-31T15:00:00+01:00", "2026-12-31", "2027-01-31", "2027-02-01",
     "2027-03-31", "2027-03-31", "2027-03-31"),
    ("E15", "2027-02-27T10:00:00+01:00", "2027-02-27", "2027-03-27", "2027-03-30",
     "2027-05-27", "2027-05-27", "2027-05-27"),
    ("E16", "2026-03-28T23:30:00+00:00", "2026-03-29", "2026-04-29", "2026-04-29",
     "2026-06-29", "2026-06-29", "2026-06-29"),
    ("E17", "2026-10-24T22:30:00+00:00", "2026-10-25", "2026-11-25", "2026-11-25",
     "2027-01-25", "2027-01-25", "2027-01-25"),
    ("E19", "2026-04-25T10:00:00+02:00", "2026-04-25", "2026-05-25", "2026-05-26",
     "2026-07-25", "2026-07-27", "2026-07-27"),
    ("E20", "2027-04-06T10:00:00+02:00", "2027-04-06", "2027-05-06", "2027-05-07",
     "2027-07-06", "2027-07-06", "2027-07-06"),
    ("E21", "2026-04-01T10:00:00+02:00", "2026-04-01", "2026-05-01", "2026-05-01",
     "2026-07-01", "2026-07-01", "2026-07-01"),
    ("E22", "2026-06-30T12:00:00+02:00", "2026-06-30", "2026-07-30", "2026-07-30",
     "2026-09-30", "2026-09-30", "2026-09-30"),
    ("E23", "2028-01-31T10:00:00+01:00", "2028-01-31", "2028-02-29", "2028-02-29",
     "2028-04-29", "2028-05-01", "2028-05-01"),
]  # fmt: skip
E_PARAMS = [pytest.param(*row[1:], id=row[0]) for row in E_TABLE]
E_COLUMNS = "received,local,base,due,ext_base,extended_due,r_plus_3_extended_due"


@pytest.mark.parametrize(E_COLUMNS, E_PARAMS)
def test_worked_example_chained(
    received: str, local: str, base: str, due: str, ext_base: str, extended_due: str,
    r_plus_3_extended_due: str,
) -> None:
    # D-1…D-6 with the default chained D-5 reading reproduce every column of the §1.7 table.
    got = compute(parse_received(received))
    assert got == Deadlines(
        received_local_date=D(local), base=D(base), due=D(due), ext_base=D(ext_base),
        extended_due=D(extended_due), paused_days=0,
    )


@pytest.mark.parametrize(E_COLUMNS, E_PARAMS)
def test_worked_example_r_plus_3(
    received: str, local: str, base: str, due: str, ext_base: str, extended_due: str,
    r_plus_3_extended_due: str,
) -> None:
    # The alternative D-5 reading (R + 3 months) changes only extended_due, as in the last column.
    got = compute(parse_received(received), extension_mode="r_plus_3")
    assert (got.received_local_date, got.base, got.due) == (D(local), D(base), D(due))
    assert got.extended_due == D(r_plus_3_extended_due)


@pytest.mark.parametrize(E_COLUMNS, E_PARAMS)
def test_worked_example_cli_report(
    received: str, local: str, base: str, due: str, ext_base: str, extended_due: str,
    r_plus_3_extended_due: str,
) -> None:
    # `intake-bot deadline` prints the parsed timestamp and the three dates of the §1.7 table.
    assert deadline_report(received) == {
        "received": received, "received_local_date": local, "due": due,
        "extended_due": extended_due,
    }


def test_d5_readings_differ_only_for_clamped_month_ends_2026_2027() -> None:
    # D-5: in 2026-2027 the two readings differ for exactly the 7 receipt dates RULES names.
    differing = []
    d = date(2026, 1, 1)
    while d.year < 2028:
        ts = datetime(d.year, d.month, d.day, 12, tzinfo=COPENHAGEN)
        if compute(ts).extended_due != compute(ts, extension_mode="r_plus_3").extended_due:
            differing.append(d)
        d += timedelta(days=1)
    assert differing == [
        D("2026-01-29"), D("2026-01-30"), D("2026-01-31"),
        D("2027-01-29"), D("2027-01-30"), D("2027-01-31"), D("2027-05-31"),
    ]  # fmt: skip


def test_all_receipt_dates_2026_2027_match_independent_calendar() -> None:
    # §1.7 cross-check: due and extended_due agree with a hand-built holiday list for 730 dates.
    d = date(2026, 1, 1)
    while d.year < 2028:
        base = d + relativedelta(months=1)
        got = compute(datetime(d.year, d.month, d.day, 9, tzinfo=COPENHAGEN))
        assert got.due == _oracle_roll(base), d
        assert got.extended_due == _oracle_roll(base + relativedelta(months=2)), d
        d += timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# E18 / E18b: stop-the-clock (D-10 … D-16).

E18_RECEIVED = "2026-03-02T11:00:00+01:00"


def test_e18_credited_pause() -> None:
    # E18: an identity request sent on the 1st working day and answered 13 Mar credits 10 days.
    r = local_date(parse_received(E18_RECEIVED))
    pause = Pause("identity", reacts_to=r, sent_on=D("2026-03-03"), replied_on=D("2026-03-13"))
    p = credited_pause_days([pause], {"access"}, identity_established=False)
    assert p == 10
    got = compute(parse_received(E18_RECEIVED), paused_days=p)
    assert (got.base, got.due, got.extended_due) == (
        D("2026-04-02"), D("2026-04-13"), D("2026-06-12"),
    )  # fmt: skip
    assert extension_notice_due(got) == D("2026-04-13")


def test_e18b_late_request_is_not_credited() -> None:
    # E18b: an identity request sent on the 9th working day gives no pause; due stays Tue 7 Apr.
    r = local_date(parse_received(E18_RECEIVED))
    pause = Pause("identity", reacts_to=r, sent_on=D("2026-03-13"), replied_on=D("2026-03-20"))
    assert not pause_is_creditable(pause, {"access"}, identity_established=False)
    p = credited_pause_days([pause], {"access"}, identity_established=False)
    assert p == 0
    got = compute(parse_received(E18_RECEIVED), paused_days=p)
    assert (got.due, got.extended_due) == (D("2026-04-07"), D("2026-06-02"))
    assert extension_notice_due(got) == D("2026-04-07")


def test_e18b_open_late_request_does_not_hide_due_date() -> None:
    # D-12/D-16: a late open request is filtered out, so the ticket is not shown as paused.
    late = Pause("identity", reacts_to=D("2026-03-02"), sent_on=D("2026-03-13"))
    assert is_paused([late])
    assert not is_paused(creditable_pauses([late], {"access"}, identity_established=False))


def test_d12_limit_example() -> None:
    # D-12: R = Mon 2 Mar 2026 gives a limit of Thu 5 Mar 2026; it is configurable.
    assert identity_request_limit(D("2026-03-02")) == D("2026-03-05")
    assert identity_request_limit(D("2026-03-02"), working_days=5) == D("2026-03-09")


@pytest.mark.parametrize(
    "reference,limit",
    [
        pytest.param("2026-02-28", "2026-03-04", id="saturday-receipt"),
        pytest.param("2026-04-01", "2026-04-09", id="over-easter-2026"),
        pytest.param("2026-12-23", "2026-12-29", id="over-christmas-2026"),
    ],
)
def test_d12_limit_skips_weekends_and_holidays(reference: str, limit: str) -> None:
    # D-12 counts working days only: weekends and public holidays do not use up the 3 days.
    assert identity_request_limit(D(reference)) == D(limit)


@pytest.mark.parametrize(
    "sent_on,creditable",
    [
        pytest.param("2026-03-02", True, id="same-day"),
        pytest.param("2026-03-05", True, id="last-day-of-limit"),
        pytest.param("2026-03-06", False, id="one-day-late"),
    ],
)
def test_d12_boundary(sent_on: str, creditable: bool) -> None:
    # D-12: a request sent on the limit day is in time; the next day is too late.
    p = Pause("identity", reacts_to=D("2026-03-02"), sent_on=D(sent_on), replied_on=D("2026-03-20"))
    assert pause_is_creditable(p, {"access"}, identity_established=False) is creditable


@pytest.mark.parametrize(
    "reason,rights,established",
    [
        pytest.param("identity", {"access"}, True, id="identity-already-established"),
        pytest.param("identity", {"automated_decision"}, False, id="art22"),
        pytest.param("identity", {"complaint"}, False, id="complaint"),
        pytest.param("identity", {"consent_withdrawal"}, False, id="consent-withdrawal"),
        pytest.param("identity", {"information"}, False, id="information-art13-14"),
        pytest.param("identity", {"access", "complaint"}, False, id="mixed-with-complaint"),
        pytest.param("identity", set(), False, id="no-rights"),
        pytest.param("access_scope", {"erasure"}, False, id="scope-for-non-access"),
        pytest.param("access_scope", {"objection"}, False, id="scope-for-objection"),
        pytest.param("access_scope", {"access", "erasure"}, False, id="scope-mixed"),
    ],
)
def test_d11_no_credit(reason: PauseReason, rights: set[str], established: bool) -> None:
    # D-11: each of these cases stops no clock, even with a request sent in time and answered.
    p = Pause(reason, reacts_to=D("2026-03-02"), sent_on=D("2026-03-03"),
              replied_on=D("2026-03-13"))
    assert not pause_is_creditable(p, rights, identity_established=established)
    assert credited_pause_days([p], rights, identity_established=established) == 0


@pytest.mark.parametrize(
    "reason,rights,established",
    [
        pytest.param("identity", {"access"}, False, id="identity-access"),
        pytest.param("identity", {"rectification"}, False, id="identity-rectification"),
        pytest.param("identity", {"erasure"}, False, id="identity-erasure"),
        pytest.param("identity", {"restriction"}, False, id="identity-restriction"),
        pytest.param("identity", {"portability"}, False, id="identity-portability"),
        pytest.param("identity", {"objection"}, False, id="identity-objection"),
        pytest.param("identity", {"access", "erasure"}, False, id="identity-several-arts-15-21"),
        pytest.param("access_scope", {"access"}, False, id="scope-access"),
        pytest.param("access_scope", {"access"}, True, id="scope-access-verified-requester"),
    ],
)
def test_d10_credit(reason: PauseReason, rights: set[str], established: bool) -> None:
    # D-10: identity doubts for Arts. 15-21 and scope questions for access stop the clock.
    p = Pause(reason, reacts_to=D("2026-03-02"), sent_on=D("2026-03-03"),
              replied_on=D("2026-03-13"))
    assert pause_is_creditable(p, rights, identity_established=established)
    assert credited_pause_days([p], rights, identity_established=established) == 10


def test_unknown_right_label_is_rejected() -> None:
    # A typo in a right label must not silently decide a pause.
    p = Pause("identity", reacts_to=D("2026-03-02"), sent_on=D("2026-03-03"))
    with pytest.raises(ValueError, match="unknown right"):
        pause_is_creditable(p, {"acces"}, identity_established=False)


def test_d13_follow_ups_add_up_and_same_day_reply_is_zero() -> None:
    # D-13: pauses add up; a same-day reply gives 0; a follow-up reacts to the reply date.
    first = Pause("identity", reacts_to=D("2026-03-02"), sent_on=D("2026-03-03"),
                  replied_on=D("2026-03-06"))
    follow_up = Pause("identity", reacts_to=D("2026-03-06"), sent_on=D("2026-03-10"),
                      replied_on=D("2026-03-12"))
    same_day = Pause("identity", reacts_to=D("2026-03-12"), sent_on=D("2026-03-12"),
                     replied_on=D("2026-03-12"))
    assert credited_pause_days([first, follow_up, same_day], {"erasure"}, False) == 3 + 2 + 0


def test_d13_late_follow_up_is_not_credited() -> None:
    # D-13: a follow-up sent after 3 working days from the reply it reacts to gives no credit.
    first = Pause("identity", reacts_to=D("2026-03-02"), sent_on=D("2026-03-03"),
                  replied_on=D("2026-03-06"))
    late = Pause("identity", reacts_to=D("2026-03-06"), sent_on=D("2026-03-12"),
                 replied_on=D("2026-03-20"))
    assert credited_pause_days([first, late], {"access"}, False) == 3


def test_overlapping_pauses_are_not_double_counted() -> None:
    # Two open requests at once stop the clock once, so no day is credited twice.
    a = Pause("identity", reacts_to=D("2026-03-02"), sent_on=D("2026-03-03"),
              replied_on=D("2026-03-10"))
    b = Pause("access_scope", reacts_to=D("2026-03-02"), sent_on=D("2026-03-05"),
              replied_on=D("2026-03-13"))
    assert credited_pause_days([a, b], {"access"}, False) == 10


def test_d14_d16_open_pause_credits_nothing_and_hides_due() -> None:
    # D-14/D-16: an unanswered request is open: ticket paused since the send date, P not yet known.
    p = Pause("identity", reacts_to=D("2026-03-02"), sent_on=D("2026-03-03"))
    assert is_paused([p])
    assert paused_since([p]) == D("2026-03-03")
    assert credited_pause_days([p], {"access"}, False) == 0
    closed = Pause("identity", reacts_to=D("2026-03-02"), sent_on=D("2026-03-03"),
                   replied_on=D("2026-03-04"))
    assert not is_paused([closed])
    assert paused_since([closed]) is None


def test_pause_rejects_impossible_dates() -> None:
    # A pause cannot be sent before what it reacts to, nor answered before it was sent.
    with pytest.raises(ValueError):
        Pause("identity", reacts_to=D("2026-03-05"), sent_on=D("2026-03-04"))
    with pytest.raises(ValueError):
        Pause("identity", reacts_to=D("2026-03-02"), sent_on=D("2026-03-04"),
              replied_on=D("2026-03-03"))


def test_d15_reminder_and_close() -> None:
    # D-15: reminder 14 calendar days after the request, close 30 calendar days after it.
    assert reminder_due(D("2026-03-03")) == D("2026-03-17")
    assert close_due(D("2026-03-17")) == D("2026-04-16")
    assert reminder_due(D("2026-03-03"), days=7) == D("2026-03-10")


# ---------------------------------------------------------------------------------------------
# D-7 … D-9.


@pytest.mark.parametrize(
    "approved,notice,expected",
    [
        pytest.param(True, "2026-03-20", "2026-06-05", id="approved-notice-early"),
        pytest.param(True, "2026-04-07", "2026-06-05", id="approved-notice-on-due"),
        pytest.param(True, "2026-04-08", "2026-04-07", id="approved-notice-late"),
        pytest.param(True, None, "2026-04-07", id="approved-no-notice"),
        pytest.param(False, "2026-03-20", "2026-04-07", id="notice-not-approved"),
    ],
)
def test_d9_effective_due(approved: bool, notice: str | None, expected: str) -> None:
    # D-9: the extension counts only if approved AND the notice was sent by the end of due (E1).
    d = compute(parse_received("2026-03-05T10:00:00+01:00"))
    sent = D(notice) if notice is not None else None
    assert effective_due(d, extension_approved=approved, notice_sent_on=sent) == D(expected)


def test_d7_d8_notices_due_by_due() -> None:
    # D-7/D-8: extension and refusal notices are due by `due`, never by the extended date.
    d = compute(parse_received("2026-03-05T10:00:00+01:00"))
    assert extension_notice_due(d) == refusal_notice_due(d) == D("2026-04-07")


# ---------------------------------------------------------------------------------------------
# Holidays: D-20 … D-23.

HOLIDAYS_2026 = {"2026-01-01", "2026-04-02", "2026-04-03", "2026-04-05", "2026-04-06",
                 "2026-05-14", "2026-05-24", "2026-05-25", "2026-12-25", "2026-12-26"}
HOLIDAYS_2027 = {"2027-01-01", "2027-03-25", "2027-03-26", "2027-03-28", "2027-03-29",
                 "2027-05-06", "2027-05-16", "2027-05-17", "2027-12-25", "2027-12-26"}


@pytest.mark.parametrize(
    "year,expected",
    [pytest.param(2026, HOLIDAYS_2026, id="2026"), pytest.param(2027, HOLIDAYS_2027, id="2027")],
)
def test_holiday_table(year: int, expected: set[str]) -> None:
    # §1.4: the public holidays of 2026 and 2027 are exactly the table's ten days.
    assert public_holidays(year) == {D(s) for s in expected}


def test_easter_based_holidays_match_dateutil_2000_2100() -> None:
    # D-22: the holiday calendar agrees with Easter offsets from dateutil.easter for 2000-2100.
    for year in range(2000, 2101):
        assert public_holidays(year) == _oracle_holidays(year), year


@pytest.mark.parametrize("year", range(2024, 2031))
def test_no_store_bededag_from_2024(year: int) -> None:
    # D-20/D-22: Store bededag (4th Friday after Easter) is an ordinary working day from 2024.
    assert is_working_day(easter(year) + timedelta(days=26))


def test_store_bededag_was_a_holiday_in_2023() -> None:
    # D-20: the calendar still knows Store bededag before its abolition (Fri 5 May 2023).
    assert not is_working_day(D("2023-05-05"))


@pytest.mark.parametrize(
    "month,day",
    [
        pytest.param(6, 5, id="grundlovsdag"),
        pytest.param(12, 24, id="juleaftensdag"),
        pytest.param(12, 31, id="nytaarsaftensdag"),
        pytest.param(5, 1, id="first-of-may"),
    ],
)
def test_d21_not_holidays(month: int, day: int) -> None:
    # D-21: Grundlovsdag, 24 Dec, 31 Dec and 1 May are working days unless on a weekend (or
    # on a movable helligdag, e.g. 1 May 2008 was Ascension Day).
    checked = 0
    for year in range(2000, 2101):
        d = date(year, month, day)
        if d in _oracle_holidays(year):
            assert not is_working_day(d), d
            continue
        assert is_working_day(d) is (d.weekday() < 5), d
        checked += d.weekday() < 5
    assert checked > 50


def test_d21_friday_after_ascension_is_a_working_day() -> None:
    # D-21: the Friday after Kristi himmelfartsdag is not a holiday (2000-2100).
    for year in range(2000, 2101):
        friday = easter(year) + timedelta(days=40)
        assert friday.weekday() == 4
        assert is_working_day(friday), friday


def test_roll_forward_and_working_days() -> None:
    # R1182 Art. 3(4): roll over weekend and Easter 2026; working days skip the same days.
    assert roll_forward(D("2026-04-02")) == D("2026-04-07")
    assert roll_forward(D("2026-04-07")) == D("2026-04-07")
    assert add_working_days(D("2026-04-01"), 1) == D("2026-04-07")
    assert add_working_days(D("2026-04-01"), 0) == D("2026-04-01")
    assert subtract_working_days(D("2026-04-07"), 1) == D("2026-04-01")
    with pytest.raises(ValueError):
        add_working_days(D("2026-04-01"), -1)


@pytest.mark.parametrize(
    "start,months,expected",
    [
        pytest.param("2026-01-31", 1, "2026-02-28", id="jan31-to-feb28"),
        pytest.param("2028-01-31", 1, "2028-02-29", id="leap-feb29"),
        pytest.param("2026-03-31", 1, "2026-04-30", id="mar31-to-apr30"),
        pytest.param("2026-01-31", 3, "2026-04-30", id="r-plus-3"),
        pytest.param("2026-03-05", 1, "2026-04-05", id="edpb-example-32"),
        pytest.param("2026-08-31", 1, "2026-09-30", id="edpb-example-33"),
    ],
)
def test_add_months_clamps(start: str, months: int, expected: str) -> None:
    # §1.2: add_months keeps the day of month, or clamps to the last day (no overflow to March).
    assert add_months(D(start), months) == D(expected)


# ---------------------------------------------------------------------------------------------
# Internal targets: D-30, D-31, D-33; overdue and days left.


def test_d30_d31_d33_internal_targets() -> None:
    # D-30/D-31/D-33: next working day, 1 and 2 working days, 5 working days before due.
    assert forward_due(D("2026-04-01")) == D("2026-04-07")  # Wed before Easter 2026
    assert forward_due(D("2026-03-06")) == D("2026-03-09")  # Friday
    assert acknowledgement_due(D("2026-03-07")) == D("2026-03-09")  # Saturday
    assert consent_withdrawal_due(D("2026-12-23")) == D("2026-12-28")  # over Christmas 2026
    assert extension_decision_alert(D("2026-04-13")) == D("2026-04-01")
    assert extension_decision_alert(D("2026-03-13"), working_days=2) == D("2026-03-11")


def test_d31_agent_reminders_round_down() -> None:
    # D-31: reminders at 50 % and 80 % of R … due, in calendar days, rounded down (36 days).
    assert agent_reminders(D("2026-03-02"), D("2026-04-07")) == (D("2026-03-20"), D("2026-03-30"))


@pytest.mark.parametrize(
    "today,left,overdue",
    [
        pytest.param("2026-04-06", 1, False, id="day-before"),
        pytest.param("2026-04-07", 0, False, id="on-due-day"),
        pytest.param("2026-04-08", -1, True, id="day-after"),
    ],
)
def test_days_left_and_overdue(today: str, left: int, overdue: bool) -> None:
    # §1.2: a ticket is overdue only once the Copenhagen date is after due.
    assert days_left(D("2026-04-07"), D(today)) == left
    assert is_overdue(D("2026-04-07"), D(today)) is overdue


def test_today_cph_uses_copenhagen_not_utc() -> None:
    # §1.2 / §1.8 item 2: 23:30 UTC on 6 Apr 2026 is already 7 Apr in Copenhagen.
    assert today_cph(datetime(2026, 4, 6, 23, 30, tzinfo=UTC)) == D("2026-04-07")
    assert isinstance(today_cph(), date)
    with pytest.raises(ValueError):
        today_cph(datetime(2026, 4, 6, 23, 30))


# ---------------------------------------------------------------------------------------------
# Input rules (§1.2, SPEC §2) and the `intake-bot deadline` object.


@pytest.mark.parametrize(
    "text,expected",
    [
        pytest.param("2026-01-15", "2026-01-15T12:00:00+01:00", id="date-alone-winter-cet"),
        pytest.param("2026-06-30", "2026-06-30T12:00:00+02:00", id="date-alone-summer-cest"),
        pytest.param("2026-03-28T23:30:00Z", "2026-03-28T23:30:00+00:00", id="z-suffix"),
        pytest.param("2026-03-05T10:00:00+01:00", "2026-03-05T10:00:00+01:00", id="offset-kept"),
        pytest.param("2026-03-05T10:00:00-05:00", "2026-03-05T10:00:00-05:00", id="negative"),
        pytest.param(" 2026-03-05T10:00+01:00 ", "2026-03-05T10:00:00+01:00", id="whitespace"),
    ],
)
def test_parse_received_accepts(text: str, expected: str) -> None:
    # §1.2: offsets are kept as given; a date alone is 12:00 Copenhagen time (CET or CEST).
    assert parse_received(text).isoformat() == expected


def test_parse_received_date_alone_uses_iana_zone() -> None:
    # §1.2: a date alone is pinned to the IANA zone, not a fixed offset.
    assert parse_received("2026-06-30").tzinfo == CPH


@pytest.mark.parametrize(
    "text,message",
    [
        pytest.param("2026-03-05T10:00:00", "no UTC offset", id="no-offset"),
        pytest.param("2026-03-05 10:00", "no UTC offset", id="no-offset-space"),
        pytest.param("garbage", "not an ISO 8601 timestamp", id="garbage"),
        pytest.param("", "empty", id="empty"),
        pytest.param("2026-02-30", "not a valid calendar date", id="impossible-date"),
        pytest.param("2026-03-05T25:00:00+01:00", "not an ISO 8601", id="bad-hour"),
        pytest.param("20260305", "YYYY-MM-DD", id="basic-date"),
        pytest.param("05/03/2026", "not an ISO 8601", id="local-format"),
    ],
)
def test_parse_received_rejects(text: str, message: str) -> None:
    # §1.2 [P]: bad input raises ValueError naming the problem, without echoing the value.
    with pytest.raises(ValueError, match=message) as info:
        parse_received(text)
    if text:
        assert text not in str(info.value)


def test_local_date_refuses_naive() -> None:
    # D-1: a naive datetime has no instant, so no Copenhagen date.
    with pytest.raises(ValueError, match="UTC offset"):
        local_date(datetime(2026, 3, 5, 10))


def test_deadline_report_success_shape() -> None:
    # SPEC §2: success keys in order received, received_local_date, due, extended_due (E22).
    out = deadline_report("2026-06-30")
    assert list(out) == ["received", "received_local_date", "due", "extended_due"]
    assert out == {"received": "2026-06-30T12:00:00+02:00", "received_local_date": "2026-06-30",
                   "due": "2026-07-30", "extended_due": "2026-09-30"}


def test_deadline_report_r_plus_3() -> None:
    # D-5: the configured R + 3 months reading reaches the CLI output (E2).
    out = deadline_report("2026-01-31T09:15:00+01:00", extension_mode="r_plus_3")
    assert out["extended_due"] == "2026-04-30"
    with pytest.raises(ValueError):
        deadline_report("2026-01-31", extension_mode="r_plus_2")


@pytest.mark.parametrize(
    "arg",
    [
        pytest.param("2026-03-05T10:00:00", id="no-offset"),
        pytest.param("tomorrow", id="garbage"),
        pytest.param("9999-12-01", id="out-of-range"),
    ],
)
def test_deadline_report_error_shape(arg: str) -> None:
    # SPEC §2: a bad argument gives {"received": <arg as given>, "error": <reason>} only.
    out = deadline_report(arg)
    assert list(out) == ["received", "error"]
    assert out["received"] == arg
    assert out["error"] and arg not in out["error"]


# ---------------------------------------------------------------------------------------------
# Properties over receipts in 2000-2099 (the holiday calendar ends with 2100), any UTC offset,
# pauses 0-120 days.

OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda m: timezone(timedelta(minutes=m))
)
RECEIVED = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23, 59)),
    OFFSETS,
)
PAUSE_DAYS = st.integers(min_value=0, max_value=120)
PROPS = settings(max_examples=200, deadline=None)


@PROPS
@given(received=RECEIVED, p=PAUSE_DAYS)
def test_prop_due_is_first_working_day_on_or_after_base_plus_p(received: datetime, p: int) -> None:
    # D-4: due is a working day, never before R + 1 month, and no working day is skipped.
    got = compute(received, paused_days=p)
    r = received.astimezone(COPENHAGEN).date()
    start = r + relativedelta(months=1) + timedelta(days=p)
    assert got.due >= r + relativedelta(months=1)
    assert got.due == _oracle_roll(start)
    assert is_working_day(got.due)
    skipped = [start + timedelta(days=k) for k in range((got.due - start).days)]
    assert not any(_oracle_working(d) for d in skipped)


@PROPS
@given(received=RECEIVED, p=PAUSE_DAYS)
def test_prop_extended_due(received: datetime, p: int) -> None:
    # D-6: extended_due is a working day, not before due, and chained is never after R + 3 months.
    chained = compute(received, paused_days=p)
    r_plus_3 = compute(received, paused_days=p, extension_mode="r_plus_3")
    assert _oracle_working(chained.extended_due)
    assert chained.extended_due >= chained.due
    assert chained.extended_due <= r_plus_3.extended_due
    assert chained.ext_base <= r_plus_3.ext_base


@PROPS
@given(received=RECEIVED, p=PAUSE_DAYS)
def test_prop_pause_shifts_before_rolling(received: datetime, p: int) -> None:
    # D-4/D-16: a pause of P days shifts the unrolled date by exactly P, then rolls (no restart).
    unpaused = compute(received)
    paused = compute(received, paused_days=p)
    assert paused.base == unpaused.base
    assert paused.due == _oracle_roll(unpaused.base + timedelta(days=p))
    assert paused.extended_due == _oracle_roll(unpaused.ext_base + timedelta(days=p))
    assert paused.paused_days == p


@PROPS
@given(received=RECEIVED)
def test_prop_received_local_date_is_copenhagen_date(received: datetime) -> None:
    # D-1: the local date is the Copenhagen date of the instant, whatever offset was given.
    expected = received.astimezone(ZoneInfo("Europe/Copenhagen")).date()
    assert compute(received).received_local_date == expected
    assert local_date(received) == expected


@PROPS
@given(
    d=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    n=st.integers(min_value=0, max_value=1200),
)
def test_prop_add_months_stays_in_target_month(d: date, n: int) -> None:
    # §1.2: add_months never raises and lands in the target month, clamped to its last day.
    got = add_months(d, n)
    year, month0 = divmod(d.year * 12 + d.month - 1 + n, 12)
    assert (got.year, got.month) == (year, month0 + 1)
    assert got.day == min(d.day, calendar.monthrange(year, month0 + 1)[1])


def test_years_without_a_holiday_calendar_are_refused() -> None:
    # After 2100 the holiday library has no calendar: a deadline there is an error, not a guess.
    assert deadline_report("2100-11-30")["error"] == "date out of the supported range"
    with pytest.raises(ValueError):
        is_working_day(date(2101, 4, 14))
