"""Tests for booking.rules: the scheme's pure decisions, checked in Europe/London wall time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.rules import (
    SchemeRules,
    Verdict,
    after_quiet_hours,
    arrival_window,
    confirm_by,
    in_quiet_hours,
    judge_appointment,
    rules_from,
    set_rule,
)

LONDON = ZoneInfo("Europe/London")
RULES = SchemeRules()


def london(y: int, m: int, d: int, hh: int, mm: int = 0, fold: int = 0) -> datetime:
    """An aware UTC instant from a London wall-clock time."""
    return datetime(y, m, d, hh, mm, tzinfo=LONDON, fold=fold).astimezone(UTC)


def utc(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    """An aware UTC instant."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def last_sunday(year: int, month: int) -> date:
    """The last Sunday of a month: when the UK clocks change (March and October)."""
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    last = first_of_next - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


SPRING = last_sunday(2026, 3)  # 29 March 2026: 01:00 GMT becomes 02:00 BST
AUTUMN = last_sunday(2026, 10)  # 25 October 2026: 02:00 BST becomes 01:00 GMT
NOW = london(2026, 11, 30, 9, 30)  # a Monday morning


def test_clock_change_dates() -> None:
    """The DST helper finds the right Sundays (the tests below rely on them)."""
    assert (SPRING, AUTUMN) == (date(2026, 3, 29), date(2026, 10, 25))
    assert london(2026, 3, 29, 3).hour == 2 and london(2026, 10, 25, 3).hour == 3


# --- judge_appointment -----------------------------------------------------------------

SPRING_MONDAY = london(2026, 3, 30, 9, 30)
AUTUMN_MONDAY = london(2026, 10, 26, 9, 30)
JUDGE_CASES: list[tuple[str, datetime, Verdict, SchemeRules, datetime]] = [
    ("Thursday mid-morning", london(2026, 12, 3, 10, 40), Verdict.OK, RULES, NOW),
    ("right now", NOW, Verdict.PAST, RULES, NOW),
    ("a minute ago", NOW - timedelta(minutes=1), Verdict.PAST, RULES, NOW),
    ("last week", london(2026, 11, 24, 10), Verdict.PAST, RULES, NOW),
    ("Saturday", london(2026, 12, 5, 10), Verdict.NOT_SERVICE_DAY, RULES, NOW),
    ("Sunday", london(2026, 12, 6, 10), Verdict.NOT_SERVICE_DAY, RULES, NOW),
    ("Saturday when the scheme drives Saturdays", london(2026, 12, 5, 10), Verdict.OK,
     SchemeRules(service_days=["mon", "sat"]), NOW),
    ("07:59", london(2026, 12, 3, 7, 59), Verdict.OUTSIDE_HOURS, RULES, NOW),
    ("08:00 exactly", london(2026, 12, 3, 8), Verdict.OK, RULES, NOW),
    ("18:30 exactly", london(2026, 12, 3, 18, 30), Verdict.OK, RULES, NOW),
    ("18:31", london(2026, 12, 3, 18, 31), Verdict.OUTSIDE_HOURS, RULES, NOW),
    ("tomorrow", london(2026, 12, 1, 10), Verdict.SHORT_NOTICE, RULES, NOW),
    ("47 h 59 min ahead", NOW + timedelta(hours=47, minutes=59), Verdict.SHORT_NOTICE, RULES, NOW),
    ("48 h ahead exactly", NOW + timedelta(hours=48), Verdict.OK, RULES, NOW),
    ("tomorrow with no notice needed", london(2026, 12, 1, 10), Verdict.OK,
     SchemeRules(booking_notice_hours=0), NOW),
    ("the last day of the horizon", london(2027, 1, 25, 10), Verdict.OK, RULES, NOW),
    ("a day past the horizon", london(2027, 1, 26, 10), Verdict.BEYOND_HORIZON, RULES, NOW),
    ("twelve weeks ahead", NOW + timedelta(weeks=12), Verdict.BEYOND_HORIZON, RULES, NOW),
    ("a Saturday beyond the horizon", london(2027, 11, 27, 10), Verdict.BEYOND_HORIZON,
     RULES, NOW),
    ("08:00 BST after the spring change (07:00 UTC)", london(2026, 4, 2, 8), Verdict.OK,
     RULES, SPRING_MONDAY),
    ("07:59 BST after the spring change", london(2026, 4, 2, 7, 59), Verdict.OUTSIDE_HOURS,
     RULES, SPRING_MONDAY),
    ("18:30 GMT after the autumn change (18:30 UTC)", london(2026, 10, 29, 18, 30),
     Verdict.OK, RULES, AUTUMN_MONDAY),
]


@pytest.mark.parametrize(("appointment", "verdict", "rules", "now"),
                         [c[1:] for c in JUDGE_CASES], ids=[c[0] for c in JUDGE_CASES])
def test_judge_appointment(appointment: datetime, verdict: Verdict, rules: SchemeRules,
                           now: datetime) -> None:
    """Each appointment time gets the verdict the scheme's rules call for."""
    assert judge_appointment(appointment, now, rules) is verdict


def test_judge_reads_hours_in_london_not_utc() -> None:
    """07:30 UTC on a summer day is 08:30 in London, so within service hours."""
    now = london(2026, 6, 1, 9)
    assert judge_appointment(utc(2026, 6, 4, 7, 30), now, RULES) is Verdict.OK
    assert judge_appointment(utc(2026, 12, 3, 7, 30), NOW, RULES) is Verdict.OUTSIDE_HOURS


# --- quiet hours -----------------------------------------------------------------------

QUIET_CASES: list[tuple[str, datetime, bool]] = [
    ("evening before quiet", london(2026, 11, 30, 20, 59), False),
    ("quiet starts at 21:00", london(2026, 11, 30, 21), True),
    ("before midnight", london(2026, 11, 30, 23, 59), True),
    ("midnight", london(2026, 12, 1, 0), True),
    ("early morning", london(2026, 12, 1, 7, 59), True),
    ("quiet ends at 08:00", london(2026, 12, 1, 8), False),
    ("spring change night, 00:30 GMT", utc(2026, 3, 29, 0, 30), True),
    ("spring change morning, 07:30 BST = 06:30 UTC", utc(2026, 3, 29, 6, 30), True),
    ("spring change morning, 08:30 BST = 07:30 UTC", utc(2026, 3, 29, 7, 30), False),
    ("autumn change night, first 01:30 (BST)", utc(2026, 10, 25, 0, 30), True),
    ("autumn change night, second 01:30 (GMT)", utc(2026, 10, 25, 1, 30), True),
    ("autumn change morning, 07:30 GMT = 07:30 UTC", utc(2026, 10, 25, 7, 30), True),
    ("day before autumn change, 07:30 UTC = 08:30 BST", utc(2026, 10, 24, 7, 30), False),
    ("summer evening 20:30 UTC = 21:30 BST", utc(2026, 7, 1, 20, 30), True),
]


@pytest.mark.parametrize(("instant", "quiet"), [c[1:] for c in QUIET_CASES],
                         ids=[c[0] for c in QUIET_CASES])
def test_in_quiet_hours(instant: datetime, quiet: bool) -> None:
    """Quiet hours wrap past midnight and follow London's clocks through both changes."""
    assert in_quiet_hours(instant, RULES) is quiet


AFTER_CASES: list[tuple[str, datetime, datetime]] = [
    ("not quiet: unchanged", london(2026, 11, 30, 12), london(2026, 11, 30, 12)),
    ("late evening: next morning", london(2026, 11, 30, 23), london(2026, 12, 1, 8)),
    ("small hours: same morning", london(2026, 12, 1, 0, 30), london(2026, 12, 1, 8)),
    ("Saturday night before spring change: 08:00 BST", london(2026, 3, 28, 22),
     utc(2026, 3, 29, 7)),
    ("Saturday night before autumn change: 08:00 GMT", london(2026, 10, 24, 22),
     utc(2026, 10, 25, 8)),
    ("first 01:30 of the autumn fold", utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 8)),
    ("second 01:30 of the autumn fold", utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 8)),
    ("New Year's Eve late", london(2026, 12, 31, 22), london(2027, 1, 1, 8)),
]


@pytest.mark.parametrize(("instant", "expected"), [c[1:] for c in AFTER_CASES],
                         ids=[c[0] for c in AFTER_CASES])
def test_after_quiet_hours(instant: datetime, expected: datetime) -> None:
    """A message due in quiet hours moves to 08:00 London time on the right day."""
    assert after_quiet_hours(instant, RULES) == expected


def test_quiet_hours_that_do_not_wrap() -> None:
    """A daytime quiet period (13:00-14:00) is quiet inside and ends the same day."""
    rules = SchemeRules(quiet_hours_start=time(13), quiet_hours_end=time(14))
    assert in_quiet_hours(london(2026, 12, 1, 13, 30), rules)
    assert not in_quiet_hours(london(2026, 12, 1, 14), rules)
    assert not in_quiet_hours(london(2026, 12, 1, 23), rules)
    assert after_quiet_hours(london(2026, 12, 1, 13, 30), rules) == london(2026, 12, 1, 14)


@settings(max_examples=300, deadline=None)
@given(instant=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1),
                            timezones=st.just(UTC)))
def test_after_quiet_hours_is_the_next_allowed_moment(instant: datetime) -> None:
    """The result is never earlier, never quiet, and never more than a night away."""
    result = after_quiet_hours(instant, RULES)
    assert result >= instant
    assert not in_quiet_hours(result, RULES)
    assert result - instant <= timedelta(hours=12)
    if result != instant:
        assert result.astimezone(LONDON).time() == RULES.quiet_hours_end


# --- set_rule --------------------------------------------------------------------------

GOOD_SETTINGS: list[tuple[str, str, Any]] = [
    ("service_start", "08:30", "08:30:00"),
    ("service_end", "17:45", "17:45:00"),
    ("quiet_hours_start", "22:00", "22:00:00"),
    ("booking_notice_hours", "24", 24),
    ("booking_notice_hours", "0", 0),
    ("booking_horizon_days", "365", 365),
    ("max_ride_factor", "1.2", 1.2),
    ("service_days", "mon tue", ["mon", "tue"]),
    ("service_days", "Monday, Wednesday, friday", ["mon", "wed", "fri"]),
    ("service_days", "fri mon mon", ["mon", "fri"]),
    ("timezone", "Europe/Dublin", "Europe/Dublin"),
]
BAD_SETTINGS: list[tuple[str, str]] = [
    ("service_start", "25:00"),
    ("service_start", "9am"),
    ("booking_notice_hours", "-1"),
    ("booking_notice_hours", "1000"),
    ("booking_notice_hours", "two"),
    ("booking_horizon_days", "0"),
    ("retention_days", "7"),
    ("max_ride_factor", "0.5"),
    ("service_days", ""),
    ("service_days", "mon funday"),
    ("timezone", "Mars/Olympus_Mons"),
    ("timezone", ""),
    ("arrive_early_min_minutes", "30"),  # more than the default maximum of 20
    ("service_end", "07:00"),  # before the default start of 08:00
    ("colour", "blue"),
]


@pytest.mark.parametrize(("key", "raw", "stored"), GOOD_SETTINGS)
def test_set_rule_accepts(key: str, raw: str, stored: Any) -> None:
    """A good value is validated, normalised and stored as JSON."""
    rules = set_rule({}, key, raw)
    assert rules[key] == stored
    assert rules_from(rules) == SchemeRules.model_validate(rules)


@pytest.mark.parametrize(("key", "raw"), BAD_SETTINGS)
def test_set_rule_refuses(key: str, raw: str) -> None:
    """A bad value raises a readable ValueError that names the setting."""
    with pytest.raises(ValueError, match=key):
        set_rule({}, key, raw)


def test_set_rule_keeps_earlier_settings() -> None:
    """Setting one rule keeps the others, and old unknown keys are dropped on read."""
    rules = set_rule({"booking_notice_hours": 24, "from_an_old_version": 1},
                     "service_start", "08:30")
    assert rules["booking_notice_hours"] == 24
    assert "from_an_old_version" not in rules
    assert rules_from(rules).service_start == time(8, 30)


# --- confirm_by and arrival_window ------------------------------------------------------


def test_confirm_by_is_cutoff_the_day_before_plus_offer_time() -> None:
    """Planning at 17:00 the day before, plus two hours for drivers, is 19:00."""
    assert confirm_by(london(2026, 12, 3, 10, 40), NOW, RULES) == london(2026, 12, 2, 19)


def test_confirm_by_short_notice_counts_from_now() -> None:
    """After the cut-off, the answer comes an offer's expiry from now."""
    now = london(2026, 11, 30, 18)
    assert confirm_by(london(2026, 12, 1, 10), now, RULES) == london(2026, 11, 30, 20)


def test_confirm_by_follows_scheme_settings() -> None:
    """A later cut-off and a shorter offer expiry move the promise."""
    rules = SchemeRules(planning_cutoff=time(18), offer_expiry_minutes=30)
    assert confirm_by(london(2026, 12, 3, 10), NOW, rules) == london(2026, 12, 2, 18, 30)


def test_confirm_by_across_the_spring_change() -> None:
    """For a Monday after the clocks go forward, 19:00 on the Sunday is 18:00 UTC."""
    now = london(2026, 3, 23, 9, 30)
    assert confirm_by(london(2026, 3, 30, 10), now, RULES) == utc(2026, 3, 29, 18)


def test_arrival_window_default() -> None:
    """Arrive 10-20 minutes before the appointment."""
    window = arrival_window(london(2026, 12, 3, 10, 40), RULES)
    assert (window.earliest, window.latest) == (london(2026, 12, 3, 10, 20),
                                                london(2026, 12, 3, 10, 30))


def test_arrival_window_follows_settings() -> None:
    """A scheme's own margins set the window, and it is never inverted."""
    rules = SchemeRules(arrive_early_min_minutes=5, arrive_early_max_minutes=30)
    window = arrival_window(utc(2026, 12, 3, 14), rules)
    assert (window.earliest, window.latest) == (utc(2026, 12, 3, 13, 30),
                                                utc(2026, 12, 3, 13, 55))
    with pytest.raises(ValueError, match="arrive_early"):
        SchemeRules(arrive_early_min_minutes=30, arrive_early_max_minutes=20)
