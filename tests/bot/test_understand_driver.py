"""Tests for bot.dialogue.understand_driver: real drivers' phrasings of free times and limits."""

from __future__ import annotations

import time as clock
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dialogue.understand_driver import (
    AFTERNOON,
    ALL_DAY,
    MORNING,
    Away,
    Slot,
    describe_weekly,
    parse_away,
    parse_check_date,
    parse_max_trips,
    parse_miles,
    parse_seats,
    parse_weekly,
)

# Monday 23 November 2026.
TODAY = date(2026, 11, 23)
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
LONG = "mondays and thursdays 9 till 1 " + "blah " * 1000


def hm(text: str) -> int:
    """Minutes after midnight from "09:30"."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def slots(days: list[int], start: str, end: str) -> list[Slot]:
    """The same times on several weekdays."""
    return [Slot(day, hm(start), hm(end)) for day in days]


def d(month: int, day: int, year: int = 2026) -> date:
    """A date in the tests' calendar."""
    return date(year, month, day)


def away(first: date, last: date | None = None) -> Away:
    """An absence from `first` to `last` (the same day when None)."""
    return Away(first, last or first)


WEEKDAYS = [MON, TUE, WED, THU, FRI]
# (message, expected slots; [] means "no regular times", None means ask again)
WEEKLY: list[tuple[str, list[Slot] | None]] = [
    ("Mondays and Thursdays 9 till 1", slots([MON, THU], "09:00", "13:00")),
    ("mon thu mornings", slots([MON, THU], "09:00", "12:30")),
    ("weekdays 10-4", slots(WEEKDAYS, "10:00", "16:00")),
    ("Tuesday afternoons", slots([TUE], "13:00", "17:30")),
    ("Mon-Wed 9am to 12", slots([MON, TUE, WED], "09:00", "12:00")),
    ("tues 1.30 to 5", slots([TUE], "13:30", "17:00")),
    ("Monday 9-12 and Wednesday 2-5", slots([MON], "09:00", "12:00")
     + slots([WED], "14:00", "17:00")),
    ("none", []),
    ("not at the moment", []),
    ("Nothing right now sorry", []),
    ("MONDAYS 9AM-1PM", slots([MON], "09:00", "13:00")),
    ("thurs 0900-1300", slots([THU], "09:00", "13:00")),
    ("weds half nine till twelve", slots([WED], "09:30", "12:00")),
    ("Mon\u2013Fri 9\u20135", slots(WEEKDAYS, "09:00", "17:00")),
    ("monday to friday 9 until 5", slots(WEEKDAYS, "09:00", "17:00")),
    ("9-12 on mondays and fridays", slots([MON, FRI], "09:00", "12:00")),
    ("monday 7-9", slots([MON], "07:00", "09:00")),
    ("fri 8-10pm", slots([FRI], "20:00", "22:00")),
    ("weekends", slots([SAT, SUN], "08:00", "18:30")),
    ("every day except friday", slots([MON, TUE, WED, THU, SAT, SUN], "08:00", "18:30")),
    ("weekdays 9-1 except wednesday", slots([MON, TUE, THU, FRI], "09:00", "13:00")),
    ("mondys and wensdays mornings", slots([MON, WED], "09:00", "12:30")),
    ("mon am, thu pm", slots([MON], "09:00", "12:30") + slots([THU], "13:00", "17:30")),
    ("tue between 10 and 2", slots([TUE], "10:00", "14:00")),
    ("saturday after 2", slots([SAT], "14:00", "18:30")),
    ("thursday 10 - 3.30", slots([THU], "10:00", "15:30")),
    ("I can't do Mondays but Tuesdays 9-1 are fine", slots([TUE], "09:00", "13:00")),
    ("I'm free Monday mornings and all day Thursday", slots([MON], "09:00", "12:30")
     + slots([THU], "08:00", "18:30")),
    ("Mondays only", slots([MON], "08:00", "18:30")),
    ("no problem, mondays 9-1", slots([MON], "09:00", "13:00")),
    ("every day except fri, sat", slots([MON, TUE, WED, THU, SUN], "08:00", "18:30")),
    ("tuesday 10:00 - 14:00", slots([TUE], "10:00", "14:00")),
    ("monday 9 till 12 noon", slots([MON], "09:00", "12:00")),
    ("mon 9-12 2-5", slots([MON], "09:00", "12:00") + slots([MON], "14:00", "17:00")),
    # Too ambiguous, or not enough to go on: the bot asks again.
    ("every day except Friday mornings", None),
    ("not available on fridays", None),
    ("Monday at 9", None),
    ("9 till 1", None),
    ("Monday 9-12 and Wednesday", None),
    ("monday 5-3", None),
    ("mon 25-30", None),
    ("most days 9-5", None),
    ("hello", None),
    ("", None),
]

AWAY: list[tuple[str, Away | None]] = [
    ("away 1-14 Dec", away(d(12, 1), d(12, 14))),
    ("away 1st to 14th December", away(d(12, 1), d(12, 14))),
    ("AWAY DEC 1-14", away(d(12, 1), d(12, 14))),
    ("not this Friday", away(d(11, 27))),
    # "next Tuesday" is the first Tuesday after today, as for residents (read back to check).
    ("not next Tuesday", away(d(11, 24))),
    ("on holiday from 3 Jan to 10 Jan", away(d(1, 3, 2027), d(1, 10, 2027))),
    ("off tomorrow", away(d(11, 24))),
    ("away next week", away(d(11, 30), d(12, 6))),
    ("away the week after next", away(d(12, 7), d(12, 13))),
    ("away from Monday, back on the 20th", away(d(11, 30), d(12, 19))),
    ("back on the 20th", away(TODAY, d(12, 19))),
    ("away 28 Dec to 3 Jan", away(d(12, 28), d(1, 3, 2027))),
    ("away 20-30 Nov", away(d(11, 20), d(11, 30))),
    ("away 1-14 Nov", away(d(11, 1, 2027), d(11, 14, 2027))),
    ("away for two weeks from monday", away(d(11, 30), d(12, 13))),
    ("away until 14 dec", away(TODAY, d(12, 14))),
    ("away friday to monday", away(d(11, 27), d(11, 30))),
    ("away 3/12 - 10/12", away(d(12, 3), d(12, 10))),
    ("away all of december", away(d(12, 1), d(12, 31))),
    ("away this weekend", away(d(11, 28), d(11, 29))),
    ("away 24th dec - 2nd jan", away(d(12, 24), d(1, 2, 2027))),
    ("off on the 3rd and 4th", away(d(12, 3), d(12, 4))),
    ("away 10th jan for 2 weeks", away(d(1, 10, 2027), d(1, 23, 2027))),
    ("away from Monday", None),
    ("off on the 3rd and 10th", None),
    ("away 1-14 dec 2025", None),
    ("not yesterday", None),
    ("I may be away", None),
    ("hello", None),
]

TRIPS = [("2", 2), ("two a day", 2), ("no more than 3 trips", 3), ("no limit", 0), ("any", 0),
         ("Twice a day", 2), ("one or two", 1), ("3 a week", None), ("0", None),
         ("50", None), ("dunno", None)]
MILES = [("15", 15.0), ("15 miles", 15.0), ("up to 20 mi", 20.0), ("no limit", 0.0),
         ("twenty five miles", 25.0), ("15-20 miles", 15.0), ("30 km", 18.6),
         ("anywhere really", 0.0), ("500 miles", None), ("far", None)]
SEATS = [("3", 3), ("three", 3), ("4 seats", 4), ("5 seater", 4), ("0", None), ("12", None),
         ("lots", None)]
CHECKS = [("3/2024", d(3, 1, 2024)), ("March 2024", d(3, 1, 2024)),
          ("12/03/2024", d(3, 12, 2024)), ("12 March 2024", d(3, 12, 2024)),
          ("expires june 2028", d(6, 1, 2028)), ("2024-03-12", d(3, 12, 2024)),
          ("dbs done 5.6.21", d(6, 5, 2021)), ("1/1/1999", None), ("12/03", None),
          ("31/02/2025", None), ("march 2042", None), ("next year", None)]


@pytest.mark.parametrize(("text", "expected"), WEEKLY)
def test_parse_weekly_table(text: str, expected: list[Slot] | None) -> None:
    """Each weekly phrasing gives the expected slots, [] or None."""
    assert parse_weekly(text) == expected


@pytest.mark.parametrize(("text", "expected"), AWAY)
def test_parse_away_table(text: str, expected: Away | None) -> None:
    """Each absence phrasing gives the expected first and last day, or None."""
    assert parse_away(text, TODAY) == expected


@pytest.mark.parametrize(("text", "expected"), TRIPS)
def test_parse_max_trips_table(text: str, expected: int | None) -> None:
    """Trips-a-day answers give the number, 0 for no limit, or None."""
    assert parse_max_trips(text) == expected


@pytest.mark.parametrize(("text", "expected"), MILES)
def test_parse_miles_table(text: str, expected: float | None) -> None:
    """Distance answers give miles, 0 for no limit, or None."""
    assert parse_miles(text) == expected


@pytest.mark.parametrize(("text", "expected"), SEATS)
def test_parse_seats_table(text: str, expected: int | None) -> None:
    """Seat answers give passenger seats from 1 to 8, or None."""
    assert parse_seats(text) == expected


@pytest.mark.parametrize(("text", "expected"), CHECKS)
def test_parse_check_date_table(text: str, expected: date | None) -> None:
    """Check and expiry dates give the day (the 1st for a month), or None."""
    assert parse_check_date(text, TODAY) == expected


def test_day_part_constants() -> None:
    """The documented day-part defaults are the ones parse_weekly uses."""
    assert (MORNING, AFTERNOON, ALL_DAY) == ((540, 750), (780, 1050), (480, 1110))
    assert parse_weekly("sundays") == [Slot(SUN, *ALL_DAY)]


def test_describe_weekly_reads_back_in_plain_text() -> None:
    """The read-back lists days in order with plain hyphens."""
    found = parse_weekly("Thursdays and Mondays 9 till 1")
    assert found is not None
    text = describe_weekly(found)
    assert text == "Mon 09:00-13:00, Thu 09:00-13:00"
    assert text.isascii()
    assert describe_weekly([]) == "none"


def test_long_message_is_capped_and_fast() -> None:
    """A 5,000-character paste is read only for its start, quickly."""
    started = clock.perf_counter()
    assert parse_weekly(LONG) == slots([MON, THU], "09:00", "13:00")
    parse_away(LONG, TODAY)
    parse_check_date(LONG, TODAY)
    assert clock.perf_counter() - started < 2


TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(["mon", "tues", "weekdays", "9", "till", "1", "-", "half", "nine",
                              "except", "friday", "mornings", "away", "dec", "1st", "to", "14",
                              "3/12", "back", "on", "the", "20th", "next", "week", "for", "two",
                              "weeks", "from", "not", "and", ",", "2024", "am", "pm", "\u2013",
                              "\U0001f44d", "miles", "seater", "no", "limit", "0900"]),
             max_size=14).map(" ".join),
)


@settings(max_examples=400, deadline=None)
@given(text=TEXT, day_offset=st.integers(min_value=-4000, max_value=4000))
def test_nothing_ever_raises(text: str, day_offset: int) -> None:
    """Random text never raises and every function returns its documented type."""
    today = TODAY + timedelta(days=day_offset)
    weekly = parse_weekly(text)
    assert weekly is None or all(
        isinstance(s, Slot) and 0 <= s.weekday <= 6 and 0 <= s.start_minute < s.end_minute
        <= 24 * 60 for s in weekly)
    assert isinstance(describe_weekly(weekly or []), str)
    gone = parse_away(text, today)
    assert gone is None or (isinstance(gone, Away) and gone.first_day <= gone.last_day
                            and gone.last_day >= today)
    trips = parse_max_trips(text)
    assert trips is None or (isinstance(trips, int) and 0 <= trips <= 10)
    miles = parse_miles(text)
    assert miles is None or (isinstance(miles, float) and 0 <= miles <= 200)
    seats = parse_seats(text)
    assert seats is None or (isinstance(seats, int) and 1 <= seats <= 8)
    checked = parse_check_date(text, today)
    assert checked is None or (isinstance(checked, date) and abs(checked - today).days <= 3653)
