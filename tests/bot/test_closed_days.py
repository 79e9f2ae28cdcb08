"""A lift asked for on a closed day (a bank holiday, a scheme closure) is answered with the
next open day, offered for a yes; moving a lift onto a closed day is refused the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from booking.gsm import segments
from booking.intake.effects import ChangeLift, RequestLift
from booking.intake.views import LiftView, Snapshot
from booking.rules import SchemeRules
from bot.dialogue.flow import step
from bot.messages import Inbound, Outcome
from bot.render import sms_text
from tests.bot.test_flow import EDITH, LEYBURN, PLACES, SETTLEMENT_VIEWS, SMS_ADDRESS

NOW = datetime(2026, 12, 14, 9, 30, tzinfo=UTC)  # Mon 14 Dec 2026
EVE = {date(2026, 12, 24): "Christmas Eve"}


def _snap(state: str, data: dict[str, Any], closures: dict[date, str] | None = None,
          lifts: tuple[LiftView, ...] = ()) -> Snapshot:
    return Snapshot(now=NOW, scheme_name="Wensleydale Lifts", rules=SchemeRules(),
                    channel="sms", address=SMS_ADDRESS, person=EDITH, places=PLACES,
                    settlements=SETTLEMENT_VIEWS, lifts=lifts, state=state, data=data,
                    closures=closures or {})


def _play(*says: str, closures: dict[date, str] | None = None,
          lifts: tuple[LiftView, ...] = ()) -> tuple[Outcome, list[Any]]:
    state, data, effects = "idle", dict[str, Any](), list[Any]()
    outcome = None
    for said in says:
        outcome = step(_snap(state, data, closures, lifts), Inbound(text=said))
        effects += outcome.effects
        state, data = outcome.state, outcome.data
    assert outcome is not None
    return outcome, effects


def _said(outcome: Outcome) -> str:
    return " ".join(r.text for r in outcome.replies)


@pytest.mark.parametrize("text", [
    "lift to leyburn on the 25th at 10am",
    "Leyburn surgery 25 Dec 10.00",
    "can I have a lift to leyburn friday 25th december at 10",
    "leyburn 25/12 10am please",
])
def test_a_bank_holiday_is_answered_with_the_next_open_day(text: str) -> None:
    """Christmas Day 2026 is a Friday and Boxing Day's substitute the Monday: Tue 29 Dec."""
    outcome, effects = _play(text)
    said = _said(outcome)
    assert outcome.state == "book_nextday", said
    assert "closed on Fri 25 Dec (Christmas Day)" in said
    assert "Tue 29 Dec instead?" in said
    assert outcome.data["options"] == ["yes", "no"] and not effects


def test_yes_takes_the_next_open_day_to_the_read_back() -> None:
    """Yes carries the booking on with the offered day, then it is booked as usual."""
    outcome, effects = _play("lift to leyburn 25 dec 10am", "yes")
    assert outcome.state == "book_confirm" and "Tue 29 Dec at 10:00" in _said(outcome)
    outcome, effects = _play("lift to leyburn 25 dec 10am", "yes", "yes")
    assert outcome.state == "idle" and len(effects) == 1
    assert isinstance(effects[0], RequestLift)
    assert effects[0].appointment_at == datetime(2026, 12, 29, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("answer", "state", "words"), [
    ("no", "book_day", "What day"),
    ("no, wednesday 30th", "book_confirm", "Wed 30 Dec at 10:00"),
    ("thursday 31st", "book_confirm", "Thu 31 Dec at 10:00"),
    ("purple", "book_nextday", "yes or no"),
])
def test_other_answers_to_the_next_open_day(answer: str, state: str, words: str) -> None:
    """No asks for another day; a day named instead is taken; nonsense asks again."""
    outcome, _effects = _play("lift to leyburn 25 dec 10am", answer)
    assert outcome.state == state and words in _said(outcome), _said(outcome)


def test_a_scheme_closure_names_its_reason() -> None:
    """The scheme's own closure: its reason, and the next day it runs (not the holiday)."""
    outcome, _effects = _play("lift to leyburn thursday 24 dec 11am", closures=EVE)
    said = _said(outcome)
    assert "closed on Thu 24 Dec (Christmas Eve)" in said and "Tue 29 Dec" in said
    plain, _ = _play("lift to leyburn thursday 24 dec 11am")
    assert plain.state == "book_confirm"  # not closed without the closure


def test_moving_a_lift_onto_a_closed_day_is_refused_with_the_next_open_day() -> None:
    """'It's moved to the 28th' (a bank holiday) is refused; the lift is not changed."""
    lift = LiftView(41, PLACES[LEYBURN - 1].name, datetime(2026, 12, 22, 10, tzinfo=UTC),
                    "requested", "wait")
    outcome, effects = _play("it's moved to monday 28 december", lifts=(lift,))
    said = _said(outcome)
    assert "closed on Mon 28 Dec (Boxing Day (substitute day))" in said
    assert "next day we run is Tue 29 Dec" in said and not effects
    outcome, effects = _play("it's moved to monday 28 december", "tuesday 29th",
                             "yes", lifts=(lift,))
    assert [type(e) for e in effects] == [ChangeLift]


def test_the_open_day_question_fits_one_text() -> None:
    """With the longest holiday name the question is one SMS."""
    outcome, _ = _play("lift to leyburn 28 dec 10am")
    assert all(segments(sms_text(r)) == 1 for r in outcome.replies)
    assert outcome.replies[-1].text.startswith("Sorry, we're closed")
