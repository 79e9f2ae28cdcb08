"""The service calendar: bank holidays built in, a scheme's closures, the next open day, and
planning that skips closed days. Closing and reopening by the CLI is in tests/cli."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from booking import closures
from booking.audit import Actor
from booking.calendar import BANK_HOLIDAYS, closed_reason, next_open
from booking.domain.outcomes import Refused
from booking.intake.effects import RequestLift
from booking.intake.residents import request_lift
from booking.planning.due import days_due
from booking.rules import SchemeRules, Verdict, judge_appointment, local_instant
from storage.db import transaction
from storage.tables import AuditEntry, Person, Place
from tests.support.world import seed

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
ACTOR = Actor("Pat Coordinator", "cli")


def _easter(year: int) -> date:
    """Easter Sunday (the Anonymous Gregorian algorithm), to check the table independently."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _mondays(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    days = [first + timedelta(days=n) for n in range(31)]
    return [d for d in days if d.month == month and d.weekday() == 0]


def _substitute(day: date, taken: set[date]) -> date:
    """A holiday at a weekend moves to the next weekday not already a holiday."""
    while day.weekday() >= 5 or day in taken:
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2028])
def test_the_bank_holiday_table_follows_the_statutory_pattern(year: int) -> None:
    """Eight England and Wales bank holidays a year, each on the day the rules give."""
    easter = _easter(year)
    expected = {easter - timedelta(days=2), easter + timedelta(days=1),
                _mondays(year, 5)[0], _mondays(year, 5)[-1], _mondays(year, 8)[-1]}
    expected.add(_substitute(date(year, 1, 1), set()))
    christmas = _substitute(date(year, 12, 25), set())
    expected |= {christmas, _substitute(date(year, 12, 26), {christmas})}
    assert {d for d in BANK_HOLIDAYS if d.year == year} == expected


def test_known_dates_from_gov_uk() -> None:
    """Spot checks against gov.uk's published list, with names residents will read."""
    assert BANK_HOLIDAYS[date(2026, 12, 28)] == "Boxing Day (substitute day)"
    assert BANK_HOLIDAYS[date(2027, 3, 29)] == "Easter Monday"
    assert closed_reason(date(2026, 12, 25), {}) == "Christmas Day"
    assert closed_reason(date(2026, 12, 24), {date(2026, 12, 24): "Christmas Eve"}) == \
        "Christmas Eve"
    assert closed_reason(date(2026, 12, 25), {}, bank_holidays=False) is None


def test_the_next_open_day_skips_weekends_holidays_and_closures() -> None:
    """After Christmas Day 2026 (a Friday): the weekend, Boxing Day's substitute Monday, and
    a closure on the Tuesday are skipped."""
    assert next_open(date(2026, 12, 25), WEEKDAYS, {}) == date(2026, 12, 29)
    assert next_open(date(2026, 12, 25), WEEKDAYS, {date(2026, 12, 29): ""}) == \
        date(2026, 12, 30)
    assert next_open(date(2026, 12, 25), ("sat",), {}) == date(2026, 12, 26)


def test_a_closed_day_is_judged_closed() -> None:
    """The rules' verdict on an appointment on a holiday, a closure, and when the scheme
    runs on bank holidays."""
    now = datetime(2026, 12, 14, 9, 30, tzinfo=UTC)
    christmas = local_instant(date(2026, 12, 25), time(10), LONDON)
    rules = SchemeRules()
    assert judge_appointment(christmas, now, rules) is Verdict.CLOSED
    assert judge_appointment(christmas, now, SchemeRules(open_on_bank_holidays=True)) is \
        Verdict.OK
    eve = local_instant(date(2026, 12, 24), time(10), LONDON)
    assert judge_appointment(eve, now, rules) is Verdict.OK
    assert judge_appointment(eve, now, rules, {date(2026, 12, 24): ""}) is Verdict.CLOSED


def test_closing_and_reopening_a_day(any_engine: Engine) -> None:
    """A closure is stored once (closing again updates the reason), audited, counted with
    the lifts already booked that day, and removed on reopening."""
    now = datetime(2026, 12, 14, 9, 30, tzinfo=UTC)
    seed(any_engine, now)
    day = date(2026, 12, 24)
    with transaction(any_engine) as session:
        person = session.exec(select(Person).where(Person.role == "resident")).first()
        place = session.exec(select(Place).where(Place.kind == "gp")).first()
        assert person is not None and place is not None
        request_lift(session, person, RequestLift(place.id or 0, local_instant(
            day, time(11), LONDON), "wait", False), now=now, channel="sms")
        closures.close_day(session, 1, day, "staff party", ACTOR, now)
        done = closures.close_day(session, 1, day, "Christmas Eve", ACTOR, now)
        assert done.lifts_on_day == 1
        with pytest.raises(Refused, match="already passed"):
            closures.close_day(session, 1, date(2026, 12, 1), "", ACTOR, now)
        with pytest.raises(Refused, match="60 characters"):
            closures.close_day(session, 1, day, "x" * 61, ACTOR, now)
    with transaction(any_engine) as session:
        assert closures.upcoming(session, 1, now) == {day: "Christmas Eve"}
        actions = [e.action for e in session.exec(select(AuditEntry)).all()]
        assert actions.count("close_day") == 2
        assert closures.reopen_day(session, 1, day, ACTOR, now)
        assert not closures.reopen_day(session, 1, day, ACTOR, now)
    with transaction(any_engine) as session:
        assert closures.upcoming(session, 1, now) == {}


def test_planning_skips_a_closed_day(any_engine: Engine) -> None:
    """A day past its cut-off with work is due for planning, unless the scheme closed it."""
    now = datetime(2026, 12, 21, 18, 0, tzinfo=UTC)  # Mon 21 Dec, after the 17:00 cut-off
    seed(any_engine, now)
    tuesday = date(2026, 12, 22)
    with transaction(any_engine) as session:
        person = session.exec(select(Person).where(Person.role == "resident")).first()
        place = session.exec(select(Place).where(Place.kind == "gp")).first()
        assert person is not None and place is not None
        request_lift(session, person, RequestLift(place.id or 0, local_instant(
            tuesday, time(11), LONDON), "wait", True), now=now, channel="sms")
    with transaction(any_engine) as session:
        assert (1, tuesday) in days_due(session, now)
        closures.close_day(session, 1, tuesday, "", ACTOR, now)
    with transaction(any_engine) as session:
        assert (1, tuesday) not in days_due(session, now)
