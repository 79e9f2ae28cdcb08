"""Unserved requests explained in plain words, with what would make them possible."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest

import routing
from booking.domain.reasons import category
from booking.driver_days import DriverRow
from booking.planning.day import DayData, RequestRow, village_of
from booking.planning.explain import explain
from booking.rules import SchemeRules, local_instant

RULES = SchemeRules()
TUESDAY = date(2026, 12, 8)
ROW = RequestRow(id=7, status="requested", home=(54.3, -2.0), destination=(54.3, -1.8),
                 destination_kind="gp", appointment=local_instant(TUESDAY, time(10, 40),
                                                                  RULES.tz),
                 return_plan="wait", mobility="unaided", seats=1, dog=False,
                 declined_by=frozenset(), held={}, village="Askrigg")
DAY = DayData(1, TUESDAY, RULES, drivers=[DriverRow(1, (54.3, -1.9), 4, frozenset(),
                                                    ((480, 780),), None)])
R = routing.Reason


@pytest.mark.parametrize(("reason", "row", "expected"), [
    (R.NO_DRIVER_AT_TIME, ROW,
     "no driver is free Tuesday morning: a driver free then near Askrigg would make it possible"),
    (R.NO_DRIVER_AT_TIME, replace(ROW, mobility="wheelchair_vehicle"),
     "no driver is free Tuesday morning: a wheelchair-accessible car free then near Askrigg"),
    (R.NO_CAPABLE_VEHICLE, replace(ROW, dog=True),
     "needs a car that takes an assistance dog, and none is free that day"),
    (R.NO_CAPABLE_VEHICLE, replace(ROW, declined_by=frozenset({1})),
     "every driver who could take it has declined"),
    (R.UNREACHABLE, ROW, "the drivers free Tuesday morning live too far away to be there"),
    (R.CAPACITY_EXHAUSTED, replace(ROW, appointment=datetime(2026, 12, 8, 14, 0, tzinfo=UTC)),
     "the drivers free Tuesday afternoon are already busy with other lifts"),
    (R.LINKED_UNSERVED, ROW, "no one driver can take both the way there and home"),
])
def test_each_reason_reads_as_plain_words(reason: routing.Reason, row: RequestRow,
                                          expected: str) -> None:
    """The sentence names the day, the part of it, the village and the car needed."""
    said = explain(reason, row, DAY)
    assert said.startswith(expected) and len(said) <= 200
    assert "r7" not in said and "d1s0" not in said  # no internal ids


def test_no_driver_at_all_and_daily_limits() -> None:
    """No driver free that day at all, and drivers at their daily limit, say so."""
    assert explain(R.NO_DRIVER_AT_TIME, ROW, replace(DAY, drivers=[])).startswith(
        "no driver is free on Tuesdays: a driver free Tuesday morning near Askrigg")
    assert explain(R.NO_CAPABLE_VEHICLE, ROW, DAY, at_limit=True).startswith(
        "the drivers who could take it have reached their trips for the day")


def test_the_village_is_the_last_part_of_an_address() -> None:
    """'2 Church Lane, Wensley' lives in Wensley; an address without a comma names none."""
    assert village_of("2 Church Lane, Wensley") == "Wensley"
    assert village_of("Rose Cottage") == ""


def test_funders_count_reasons_by_kind_without_particulars() -> None:
    """The impact report groups 'no driver is free Tuesday morning: ... near Askrigg' and the
    same on Thursday afternoon as one kind."""
    tuesday = explain(R.NO_DRIVER_AT_TIME, ROW, DAY)
    thursday = explain(R.NO_DRIVER_AT_TIME, replace(
        ROW, appointment=datetime(2026, 12, 10, 15, 0, tzinfo=UTC), village="Hawes"), DAY)
    assert category(tuesday) == category(thursday) == "no driver free at that time"
    assert category(explain(R.UNREACHABLE, ROW, DAY)) == "drivers free then too far away"
    assert category("short notice") == "short notice"
