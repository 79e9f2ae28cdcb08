"""Tests for bot.dialogue.understand: real UK phrasings of lifts, days, times and surgeries."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dialogue.understand import (
    DateResult,
    Intent,
    PlaceMatch,
    PlaceName,
    RequestParts,
    When,
    classify,
    extract_request,
    match_place,
    parse_date,
    parse_postcode,
    parse_time,
    parse_when,
    yes_no,
)
from lifts.demo_scheme import SITES

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
# Monday 23 November 2026, 10:00 in Leyburn.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
TODAY = NOW.date()
PLACES = [PlaceName(n, s.name, s.town, s.aliases) for n, s in enumerate(SITES, start=1)]
TOWN_ID = {p.town: p.id for p in PLACES}
LONG = "lift to leyburn tuesday at 10.40 please " + "blah " * 1000


def d(month: int, day: int, year: int = 2026) -> date:
    """A date in the tests' calendar."""
    return date(year, month, day)


# (message, day, time, date problem, first place's town)
REQUESTS: list[tuple[str, date | None, time | None, str | None, str | None]] = [
    ("Lift to Leyburn surgery Tuesday 10:40 please", d(11, 24), time(10, 40), None, "Leyburn"),
    ("LIFT TO LEYBURN TUES 10.40", d(11, 24), time(10, 40), None, "Leyburn"),
    ("can i get a lift to the doctors in hawes on thurs at half ten", d(11, 26), time(10, 30),
     None, "Hawes"),
    ("need to get to leybern surgery 2moro 1040", d(11, 24), time(10, 40), None, "Leyburn"),
    ("hawse doctors weds 2pm", d(11, 25), time(14, 0), None, "Hawes"),
    ("Reeth on the 3rd at 9ish", d(12, 3), time(9, 0), None, "Reeth"),
    ("aysgarth surgery 3 Dec at 9", d(12, 3), time(9, 0), None, "Aysgarth"),
    ("appointment at Glebe House 3rd December 11.15am", d(12, 3), time(11, 15), None, "Bedale"),
    ("December 3rd quarter to 11 friarage", d(12, 3), time(10, 45), None, "Northallerton"),
    ("3/12 half past two bedale", d(12, 3), time(14, 30), None, "Bedale"),
    ("03/12/2026 10:40am leyburn", d(12, 3), time(10, 40), None, "Leyburn"),
    ("thursday 3rd at noon hawes", d(12, 3), time(12, 0), None, "Hawes"),
    ("tomorrow at 9 please", d(11, 24), time(9, 0), None, None),
    ("tmrw midday", d(11, 24), time(12, 0), None, None),
    ("today at 2", d(11, 23), time(14, 0), None, None),
    ("day after tomorrow 10am", d(11, 25), time(10, 0), None, None),
    ("next thursday 2 pm", d(11, 26), time(14, 0), None, None),
    ("monday at 8.30", d(11, 30), time(8, 30), None, None),
    ("tuesday week 11", d(12, 1), None, None, None),
    ("fri 27th twenty past ten", d(11, 27), time(10, 20), None, None),
    ("the 31st", d(12, 31), None, None, None),
    ("1/1 at 10", d(1, 1, 2027), time(10, 0), None, None),
    ("tuesday next week at 3", d(12, 1), time(15, 0), None, None),
    ("a week today at 9.15", d(11, 30), time(9, 15), None, None),
    ("in 3 days ten thirty", d(11, 26), time(10, 30), None, None),
    ("Wensday 10 to 3", d(11, 25), time(14, 50), None, None),
    ("thrusday 9 in the morning", d(11, 26), time(9, 0), None, None),
    ("sat 0930", d(11, 28), time(9, 30), None, None),
    ("2026-12-03 14:00", d(12, 3), time(14, 0), None, None),
    ("3.12.26 at 2.30", d(12, 3), time(14, 30), None, None),
    ("the third of december at 11", d(12, 3), time(11, 0), None, None),
    ("Leyburn Medical Practice", None, None, None, "Leyburn"),
    ("the holme in hawes", None, None, None, "Hawes"),
    ("northallerton hospital", None, None, None, "Northallerton"),
    # The bad ones.
    ("yesterday at 10", None, time(10, 0), "past", None),
    ("1/1/2020 at 10", None, time(10, 0), "past", None),
    ("today at 9", None, time(9, 0), "past", None),
    ("31st February", None, None, "no_such_date", None),
    ("30/2 at 10", None, time(10, 0), "no_such_date", None),
    ("Tuesday 3rd", None, None, "unclear", None),
    ("tuesday or wednesday", None, None, "unclear", None),
    ("next week sometime", None, None, "unclear", None),
    ("25:00 at leyburn", None, None, None, "Leyburn"),
    ("10.75 tues", d(11, 24), None, None, None),
    ("lift to york infirmary", None, None, None, None),
    ("the surgery please", None, None, None, None),
    ("\U0001f697\U0001f697\U0001f44d", None, None, None, None),
    ("", None, None, None, None),
    ("\x00\x07\x1b[31m", None, None, None, None),
    (LONG, d(11, 24), time(10, 40), None, "Leyburn"),
]


@pytest.mark.parametrize(("text", "day", "at", "problem", "town"), REQUESTS)
def test_extract_request_table(text: str, day: date | None, at: time | None,
                               problem: str | None, town: str | None) -> None:
    """Each real phrasing yields the expected day, time, problem and best surgery."""
    parts = extract_request(text, NOW, LONDON, PLACES)
    assert (parts.day, parts.time, parts.date_problem) == (day, at, problem)
    assert (parts.places[0].id if parts.places else None) == (TOWN_ID[town] if town else None)


@pytest.mark.parametrize("text", [
    "I sat in the waiting room for ages", "the sun is shining", "we wed in 1960",
    "the second one", "I live at 4 Church Lane", "I'm 85 years old", "I have 2 dogs",
    "it took 3 hours", "call 01969 623000", "see you soon", "march on", "may I ask something",
])
def test_chit_chat_has_no_booking_details(text: str) -> None:
    """Everyday words that look like days, times or places ("sat", "at 4 Church Lane") are not."""
    assert extract_request(text, NOW, LONDON, PLACES) == RequestParts(None, None, None, [])


@pytest.mark.parametrize(("text", "expected"), [
    ("10.40", time(10, 40)), ("10:40", time(10, 40)), ("1040", time(10, 40)),
    ("10:40am", time(10, 40)), ("10.40 a.m.", time(10, 40)), ("half ten", time(10, 30)),
    ("half past two", time(14, 30)), ("half 2", time(14, 30)), ("quarter to 11", time(10, 45)),
    ("quarter past 9", time(9, 15)), ("2pm", time(14, 0)), ("2 pm", time(14, 0)),
    ("2.30p.m.", time(14, 30)), ("noon", time(12, 0)), ("midday", time(12, 0)),
    ("9ish", time(9, 0)), ("at 9", time(9, 0)), ("@ 11", time(11, 0)), ("at 1", time(13, 0)),
    ("at 12", time(12, 0)), ("7.45", time(19, 45)), ("07:45", time(7, 45)),
    ("0730", time(7, 30)), ("14:30", time(14, 30)), ("8 o'clock", time(8, 0)),
    ("ten thirty", time(10, 30)), ("at ten", time(10, 0)), ("twenty to three", time(14, 40)),
    ("9 in the morning", time(9, 0)), ("6 in the evening", time(18, 0)),
    ("about 2", time(14, 0)), ("10 40am", time(10, 40)),
    ("25:00", None), ("10.75", None), ("at 9 on the 9th", time(9, 0)), ("the 9th", None),
    ("3rd", None), ("2026", None), ("3rd december 2026", None), ("for 2 people", None),
    ("tues 10", None), ("£10.50", None), ("\U0001f550", None), ("", None),
])
def test_parse_time_table(text: str, expected: time | None) -> None:
    """Times are read the British way, with 1-7 pm and 8-11 am when am/pm is missing."""
    assert parse_time(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("tues", DateResult(d(11, 24), None)), ("tuesday", DateResult(d(11, 24), None)),
    ("monday", DateResult(d(11, 30), None)), ("monday today", DateResult(d(11, 23), None)),
    ("today", DateResult(d(11, 23), None)), ("2moro", DateResult(d(11, 24), None)),
    ("tommorow", DateResult(d(11, 24), None)), ("weds", DateResult(d(11, 25), None)),
    ("next thursday", DateResult(d(11, 26), None)), ("3rd", DateResult(d(12, 3), None)),
    ("30th", DateResult(d(11, 30), None)), ("23rd", DateResult(d(11, 23), None)),
    ("22nd", DateResult(d(12, 22), None)), ("3/12", DateResult(d(12, 3), None)),
    ("1/1", DateResult(d(1, 1, 2027), None)), ("29/2", DateResult(date(2028, 2, 29), None)),
    ("a week on tuesday", DateResult(d(12, 1), None)),
    ("2 weeks on tuesday", DateResult(d(12, 8), None)), ("tomrrow", DateResult(d(11, 24), None)),
    ("in a fortnight", DateResult(d(12, 7), None)),
    ("december the 3rd", DateResult(d(12, 3), None)), ("3 sept", DateResult(d(9, 3, 2027), None)),
    ("3rd Decemeber", DateResult(d(12, 3), None)),
    ("1/1/2020", DateResult(None, "past")), ("yesterday", DateResult(None, "past")),
    ("3rd december 2025", DateResult(None, "past")),
    ("31st February", DateResult(None, "no_such_date")),
    ("30/2", DateResult(None, "no_such_date")), ("31/4/2027", DateResult(None, "no_such_date")),
    ("12/25", DateResult(None, "no_such_date")), ("32nd", DateResult(None, "no_such_date")),
    ("next week", DateResult(None, "unclear")), ("lift sat", DateResult(d(11, 28), None)),
    ("hawes on wed please", DateResult(d(11, 25), None)), ("10.40", DateResult(None, None)),
    ("at 9", DateResult(None, None)), ("hello", DateResult(None, None)),
])
def test_parse_date_table(text: str, expected: DateResult) -> None:
    """Dates are day-first, never silently in the past, and impossible ones are flagged."""
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(("now", "text", "expected"), [
    # Saturday 28 March 2026 23:30 GMT: clocks go forward overnight; tomorrow is Sunday 29th.
    (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "tomorrow 10am", When(d(3, 29), time(10), None)),
    # 23:30 UTC on Saturday 24 October 2026 is already 00:30 BST on Sunday 25th in London.
    (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), "today half ten",
     When(d(10, 25), time(10, 30), None)),
    (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), "tomorrow", When(d(10, 26), None, None)),
    # A naive `now` is taken as London wall-clock time.
    (datetime(2026, 11, 23, 10, 0), "today at 11", When(d(11, 23), time(11), None)),
    (NOW, "today at 9.30", When(None, time(9, 30), "past")),
])
def test_parse_when_across_clock_changes(now: datetime, text: str, expected: When) -> None:
    """The day is the London calendar day, whatever zone `now` is given in."""
    assert parse_when(text, now, LONDON) == expected


@pytest.mark.parametrize(("text", "towns"), [
    ("leyburn", ["Leyburn"]), ("leybern", ["Leyburn"]), ("hawse", ["Hawes"]),
    ("Hawes", ["Hawes"]), ("HAWES DOCTORS", ["Hawes"]), ("aysgath", ["Aysgarth"]),
    ("reeth surgery", ["Reeth"]), ("back lane", ["Reeth"]), ("glebe", ["Bedale"]),
    ("friarage", ["Northallerton"]), ("leyburnsurgery", ["Leyburn"]),
    ("central dales", ["Hawes", "Aysgarth"]), ("central dales practice aysgarth", ["Aysgarth"]),
    ("from hawes to leyburn", ["Leyburn", "Hawes"]),
    ("the surgery", []), ("doctors", []), ("gp", []), ("medical practice", []), ("the", []),
    ("lift home", []), ("my teeth", []), ("i need a lift back", []), ("york", []),
    ("\U0001f3e5", []), ("", []),
])
def test_match_place_table(text: str, towns: list[str]) -> None:
    """Towns, aliases and typos find their surgery; generic words find nothing."""
    assert [m.id for m in match_place(text, PLACES)] == [TOWN_ID[t] for t in towns]


def test_match_place_scores_are_ranked_and_bounded() -> None:
    """Scores lie in 0..100, best first, and an exact town beats a typo."""
    exact = match_place("leyburn", PLACES)[0].score
    typo = match_place("leybern", PLACES)[0].score
    assert 75 <= typo < exact <= 100
    both = match_place("from hawes to leyburn", PLACES)
    assert [m.score for m in both] == sorted((m.score for m in both), reverse=True)


def test_match_place_with_no_places() -> None:
    """An empty list of destinations matches nothing."""
    assert match_place("leyburn", []) == []


@pytest.mark.parametrize(("text", "intent"), [
    ("lift to leyburn tues", Intent.BOOK), ("can I get a ride to the doctors", Intent.BOOK),
    ("I need a lift", Intent.BOOK), ("hello I need a lift tuesday", Intent.BOOK),
    ("i have an appointment at the surgery", Intent.BOOK),
    ("can you take me to hawes", Intent.BOOK),
    ("cancel", Intent.CANCEL), ("CANCEL MY LIFT", Intent.CANCEL), ("cancle", Intent.CANCEL),
    ("I don't need the lift any more", Intent.CANCEL), ("dont need it anymore", Intent.CANCEL),
    ("I cant make it on tuesday", Intent.CANCEL), ("please cancel tuesdays lift", Intent.CANCEL),
    ("my lifts", Intent.LIST), ("what lifts have I got", Intent.LIST),
    ("when is my lift", Intent.LIST), ("when's my lift", Intent.LIST),
    ("is my lift still on", Intent.LIST), ("do I have a lift tuesday", Intent.LIST),
    ("help", Intent.HELP), ("HELP!", Intent.HELP), ("human", Intent.HELP),
    ("speak to someone", Intent.HELP), ("can someone ring me", Intent.HELP), ("?", Intent.HELP),
    ("/help", Intent.HELP), ("I'm confused", Intent.HELP),
    ("STOP", Intent.STOP), ("stop", Intent.STOP), ("Stop.", Intent.STOP),
    ("UNSUBSCRIBE", Intent.STOP), ("end", Intent.STOP), ("quit", Intent.STOP),
    ("stopall", Intent.STOP), ("optout", Intent.STOP), ("revoke", Intent.STOP),
    ("START", Intent.START), ("/start", Intent.START), ("/start abc123", Intent.START),
    ("unstop", Intent.START),
    ("thanks", Intent.THANKS), ("thank you", Intent.THANKS), ("ta", Intent.THANKS),
    ("cheers", Intent.THANKS), ("ok", Intent.THANKS), ("okay", Intent.THANKS),
    ("lovely", Intent.THANKS), ("\U0001f44d", Intent.THANKS), ("ok thanks", Intent.THANKS),
    ("thanks for the lift", Intent.THANKS), ("Thank you so much for the lift yesterday",
                                             Intent.THANKS),
    ("hi", Intent.GREETING), ("Hello", Intent.GREETING), ("good morning", Intent.GREETING),
    ("Hiya", Intent.GREETING), ("now then", Intent.GREETING),
    ("yes", Intent.YES), ("Y", Intent.YES), ("yes please", Intent.YES), ("yep", Intent.YES),
    ("correct", Intent.YES), ("that's right", Intent.YES), ("yes thanks", Intent.YES),
    ("no", Intent.NO), ("no thanks", Intent.NO), ("nope", Intent.NO), ("N", Intent.NO),
    ("", Intent.UNKNOWN), ("   ", Intent.UNKNOWN), ("\U0001f697", Intent.UNKNOWN),
    ("asdfgh", Intent.UNKNOWN), ("stop at the chemist on the way", Intent.UNKNOWN),
])
def test_classify_table(text: str, intent: Intent) -> None:
    """Each message is read as the intent a coordinator would give it."""
    assert classify(text) == intent


@pytest.mark.parametrize("text", ["can the driver ring me when he's outside", "menu",
                                  "please call me when you arrive"])
def test_help_only_for_a_person(text: str) -> None:
    """HELP alerts a coordinator from any state, so a driver's call is not HELP."""
    assert classify(text) != Intent.HELP


@pytest.mark.parametrize("text", ["stop at the chemist on the way", "please don't stop",
                                  "can we stop at boots", "STOP the lift on tuesday"])
def test_stop_only_as_the_whole_message(text: str) -> None:
    """The opt-out keyword counts only when it is the whole message."""
    assert classify(text) != Intent.STOP


@pytest.mark.parametrize(("text", "expected"), [
    ("yes", True), ("Y", True), ("yeah", True), ("yes please", True), ("yep", True),
    ("YES!!", True), ("correct", True), ("that's right", True), ("ok", True), ("okay", True),
    ("fine", True), ("sure", True), ("please do", True), ("aye", True), ("go ahead", True),
    ("lovely thanks", True), ("\U0001f44d", True), ("no problem", True),
    ("no", False), ("n", False), ("nope", False), ("no thanks", False), ("NO.", False),
    ("not really", False), ("that's wrong", False), ("that's not right", False),
    ("\U0001f44e", False),
    ("yes but it's 10.45", None), ("ok but not tuesday", None), ("no, wednesday", False),
    ("maybe", None), ("don't know", None), ("thanks", None), ("hello", None), ("", None),
    ("lift to leyburn", None), ("\U0001f697", None), ("y is the sky blue", None),
])
def test_yes_no_table(text: str, expected: bool | None) -> None:
    """Answers to a yes/no question, with acknowledgements like "ok" counting as yes."""
    assert yes_no(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("DL8 5EP", "DL8 5EP"), ("dl85ep", "DL8 5EP"), ("my postcode is dl8  5ep thanks", "DL8 5EP"),
    ("DL11 6SU", "DL11 6SU"), ("sw1a1aa", "SW1A 1AA"), ("m1 1ae", "M1 1AE"),
    ("Rose Cottage, Askrigg, DL8 3HT", "DL8 3HT"), ("no postcode here", None),
    ("at 10am tuesday", None), ("07911 123456", None), ("", None),
])
def test_parse_postcode_table(text: str, expected: str | None) -> None:
    """UK postcodes are found anywhere and normalised to upper case with one space."""
    assert parse_postcode(text) == expected


def test_long_message_is_fast() -> None:
    """A 5,000-character message is read in well under 50 ms after warm-up."""
    extract_request(LONG, NOW, LONDON, PLACES)
    start = clock.perf_counter()
    for text in (LONG, "x" * 5000, "\U0001f600" * 5000, "1/" * 2500, "at 9 " * 1000):
        extract_request(text, NOW, LONDON, PLACES)
        classify(text)
        yes_no(text)
        parse_postcode(text)
    assert (clock.perf_counter() - start) / 5 < 0.05


TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), max_size=50),
    st.text(alphabet="0123456789/.:- apmthrdsnoidfuewy", max_size=60),
    st.lists(st.sampled_from(["tues", "3rd", "half", "ten", "at", "9", "/", "12", "dec", "pm",
                              "leyburn", "hawes", "the", "surgery", "next", "week", "2moro",
                              "31st", "feb", ":", "40", "quarter", "to", "\x00", "\U0001f44d"]),
             max_size=30).map(" ".join),
    st.integers(min_value=1000, max_value=20000).map(lambda n: "leyburn 10.40 " * (n // 14)),
)


@settings(max_examples=300, deadline=None)
@given(text=TEXT, day_offset=st.integers(min_value=-400, max_value=400))
def test_nothing_ever_raises(text: str, day_offset: int) -> None:
    """Any text, emoji or very long strings included, gives results of the right types."""
    assert isinstance(classify(text), Intent)
    assert yes_no(text) in (True, False, None)
    assert parse_time(text) is None or isinstance(parse_time(text), time)
    postcode = parse_postcode(text)
    assert postcode is None or isinstance(postcode, str)
    today = date.fromordinal(TODAY.toordinal() + day_offset)
    result = parse_date(text, today)
    assert isinstance(result, DateResult)
    assert result.day is None or result.day >= today
    assert (result.problem is None) or (result.day is None)
    when = parse_when(text, NOW, LONDON)
    assert isinstance(when, When)
    matches = match_place(text, PLACES)
    assert all(isinstance(m, PlaceMatch) and 0 <= m.score <= 100 for m in matches)
    parts = extract_request(text, NOW, LONDON, PLACES)
    assert isinstance(parts, RequestParts)
    assert parts.time is None or isinstance(parts.time, time)
