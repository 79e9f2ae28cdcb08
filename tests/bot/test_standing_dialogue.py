"""Standing bookings in the pure dialogue: many ways of asking for a repeat, the read-back
that names the pattern and its first lift, the yes that lists the closed dates skipped, and
cancelling all of them or one date."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from booking.intake.effects import CancelLift, CancelStanding, SkipOccurrence, StartStanding
from booking.intake.views import LiftView, StandingView
from bot.dialogue.flow import step
from bot.messages import Inbound, Outcome
from tests.bot.test_flow import FRIARAGE, LEYBURN, snapshot

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # Mon 7 Dec 2026
TUESDAYS = StandingView(5, "Friarage Hospital", (1,), 1, "10:40", date(2026, 12, 15), None,
                        "wait")
THURSDAYS = StandingView(6, "Leyburn Medical Practice", (3,), 2, "14:00", date(2026, 12, 10),
                         None, "wait")
MADE = LiftView(50, "Friarage Hospital", datetime(2026, 12, 15, 10, 40, tzinfo=UTC),
                "requested", "wait")


def play(*says: str, standing: tuple[StandingView, ...] = (),
         lifts: tuple[LiftView, ...] = ()) -> tuple[Outcome, list[Any]]:
    state, data, effects = "idle", dict[str, Any](), list[Any]()
    outcome: Outcome | None = None
    for said in says:
        snap = replace(snapshot(state, data, lifts=lifts), now=NOW, standing=standing)
        outcome = step(snap, Inbound(text=said))
        effects += outcome.effects
        state, data = outcome.state, outcome.data
    assert outcome is not None
    return outcome, effects


def said(outcome: Outcome) -> str:
    return " ".join(r.text for r in outcome.replies)


def _to_readback(text: str) -> Outcome:
    """The request, then the way home if asked (hospitals ask)."""
    outcome, _ = play(text)
    if outcome.state == "book_return":
        outcome, _ = play(text, "1")
    return outcome


@pytest.mark.parametrize("text", [
    "every Tuesday at 10.40 to the Friarage",
    "I need a lift every tuesday 10.40 friarage hospital",
    "Friarage, Tuesdays at 10:40 please",
    "each tuesday 10.40am to friarage",
    "weekly lift to the friarage on tuesdays at 10.40",
    "can you take me to the friarage every week on a tuesday at 10.40",
    "EVERY TUESDAY 10.40 FRIARAGE",
])
def test_weekly(text: str) -> None:
    """Weekly on Tuesdays: the first lift is the first Tuesday meeting 48 hours' notice."""
    outcome = _to_readback(text)
    assert outcome.state == "book_confirm", said(outcome)
    assert "every Tue at 10:40 from Tue 15 Dec;" in said(outcome)
    assert "Friarage Hospital" in said(outcome)


@pytest.mark.parametrize("text", [
    "fortnightly to leyburn surgery on thursdays at 2pm",
    "every other thursday leyburn 2pm",
    "every two weeks on thursday, leyburn surgery, 2pm",
    "leyburn alternate thursdays 2pm",
    "Leyburn surgery every second Thursday at 14:00",
])
def test_fortnightly(text: str) -> None:
    """Every other Thursday, from the first Thursday meeting the notice rule."""
    outcome = _to_readback(text)
    assert "Leyburn Medical Practice every other Thu at 14:00 from Thu 10 Dec;" in \
        said(outcome), said(outcome)


@pytest.mark.parametrize("text", [
    "every weekday until 20 Feb at 9am to the friarage",
    "friarage every day until the 20th of february 9am",
    "mon to fri till 20/2 friarage 9am",
    "I have radiotherapy at the Friarage every weekday at 9 until 20th Feb",
    "weekdays 9am friarage up to 20 feb",
])
def test_every_weekday_until_a_date(text: str) -> None:
    """A course: every weekday to its last day, said back (the first lift two days ahead:
    Wednesday 09:00 is less than 48 hours away)."""
    outcome = _to_readback(text)
    assert "every weekday at 09:00 from Thu 10 Dec to Sat 20 Feb;" in said(outcome), \
        said(outcome)


@pytest.mark.parametrize("text", [
    "dialysis every mon wed and fri at 8am friarage",
    "Mondays, Wednesdays and Fridays at 8am to the Friarage",
    "friarage mon, wed & fri every week 8am",
])
def test_three_days_a_week(text: str) -> None:
    """Dialysis: three days a week."""
    outcome = _to_readback(text)
    assert "every Mon, Wed and Fri at 08:00 from Fri 11 Dec;" in said(outcome), said(outcome)


def test_the_yes_books_it_and_lists_the_closed_dates() -> None:
    """Yes: one StartStanding, and the bank holidays it skips are named."""
    outcome, effects = play("every friday at 10.40 to leyburn surgery", "yes")
    assert effects == [StartStanding(LEYBURN, (4,), 1, "10:40", date(2026, 12, 11), None,
                                     "wait")]
    assert "Your lifts every Fri at 10:40 are booked from Fri 11 Dec" in said(outcome)
    assert "No lifts on Fri 25 Dec and Fri 1 Jan: we're closed then" in said(outcome)


def test_a_course_that_ends_on_a_date() -> None:
    """The last day is kept; the read-back's yes carries it."""
    _outcome, effects = play("every weekday until 20 Feb at 9am to the friarage", "1", "yes")
    assert effects == [StartStanding(FRIARAGE, (0, 1, 2, 3, 4), 1, "09:00", date(2026, 12, 10),
                                     date(2027, 2, 20), "wait")]


def test_a_weekday_the_scheme_never_runs_on_is_refused() -> None:
    """Saturdays are not service days: said, and the day asked again."""
    outcome, effects = play("every saturday at 10am to leyburn surgery")
    assert outcome.state == "book_day" and "only go out on" in said(outcome) and not effects
    outcome, effects = play("every saturday at 10am to leyburn surgery", "tuesday", "yes")
    assert [type(e) for e in effects] == [StartStanding] and effects[0].weekdays == (1,)


@pytest.mark.parametrize("text", [
    "cancel my tuesday lifts",
    "cancel all my lifts",
    "I don't need my regular lifts any more",
    "please cancel the standing booking",
    "cancel every tuesday",
    "cancel my weekly lifts to the friarage",
])
def test_cancel_all(text: str) -> None:
    """All of a standing booking, read back for a yes."""
    outcome, effects = play(text, standing=(TUESDAYS,))
    assert "Cancel all your lifts every Tue 10:40" in said(outcome), said(outcome)
    outcome, effects = play(text, "yes", standing=(TUESDAYS,))
    assert effects == [CancelStanding(5)]


def test_cancel_all_asks_which_when_there_are_two() -> None:
    """Two standing bookings and no weekday named: which one."""
    outcome, _ = play("cancel all my regular lifts", standing=(TUESDAYS, THURSDAYS))
    assert outcome.state == "cancel_standing_pick" and len(outcome.replies[-1].options) == 2
    outcome, effects = play("cancel my thursday lifts", "yes", standing=(TUESDAYS, THURSDAYS))
    assert effects == [CancelStanding(6)]


@pytest.mark.parametrize("text", [
    "no lift on tuesday 22nd",
    "I don't need a lift on the 22nd",
    "skip my lift on 22 dec",
    "cancel tuesday 22nd",
    "no lift needed on the 22nd please",
])
def test_one_date_not_yet_booked(text: str) -> None:
    """One date of the pattern, not yet made into a lift: skipped, the rest stay."""
    outcome, _ = play(text, standing=(TUESDAYS,), lifts=(MADE,))
    assert "No lift on Tue 22 Dec, from your lifts every Tue?" in said(outcome), said(outcome)
    outcome, effects = play(text, "yes", standing=(TUESDAYS,), lifts=(MADE,))
    assert effects == [SkipOccurrence(5, date(2026, 12, 22))]
    assert "Your other lifts stay booked" in said(outcome)


@pytest.mark.parametrize("text", ["no lift on tuesday 15th", "cancel my lift on the 15th"])
def test_one_date_already_booked_is_an_ordinary_cancel(text: str) -> None:
    """A date already made into a lift is cancelled like any lift."""
    _outcome, effects = play(text, "yes", standing=(TUESDAYS,), lifts=(MADE,))
    assert effects == [CancelLift(50)]


def test_no_means_nothing_is_cancelled() -> None:
    """No to either question cancels nothing."""
    outcome, effects = play("cancel my tuesday lifts", "no", standing=(TUESDAYS,))
    assert not effects and "nothing has been cancelled" in said(outcome)
    outcome, effects = play("no lift on tuesday 22nd", "no", standing=(TUESDAYS,))
    assert not effects and "nothing has been cancelled" in said(outcome)


def test_asking_about_a_date_a_standing_booking_covers() -> None:
    """'Have I got a lift on Tuesday 5 Jan?' before it is made: yes, by the standing booking
    (not 'no lift booked'); a closed date says so; with nothing made yet, the pattern."""
    outcome, _ = play("have I got a lift on tuesday 5th january?", standing=(TUESDAYS,))
    assert said(outcome) == ("Your lifts every Tue cover Tue 5 Jan at 10:40: we book each one "
                             "two weeks ahead.")
    mondays = replace(TUESDAYS, weekdays=(0,), first_day=date(2026, 12, 14))
    outcome, _ = play("have I got a lift on Monday 28 December?", standing=(mondays,))
    assert said(outcome) == "No lift on Mon 28 Dec (Boxing Day (substitute day)): we're " \
        "closed then."
    outcome, _ = play("my lifts", standing=(TUESDAYS, THURSDAYS))
    assert said(outcome) == ("Your regular lifts: every Tue at 10:40; every other Thu at "
                             "14:00. Each is booked two weeks ahead.")


@pytest.mark.parametrize("text", [
    "lift to leyburn surgery thursday 10.40, same as every time",
    "leyburn surgery on thursday 10.40, thanks for everything",
    "can I get a lift to Leyburn surgery thursday at 10.40 please",
])
def test_a_single_lift_is_not_a_repeat(text: str) -> None:
    """'Every time' or 'everything' is not a repeat: one lift, read back as one."""
    outcome, _ = play(text)
    assert outcome.state == "book_confirm" and "Thu 10 Dec at 10:40" in said(outcome)
    assert "every" not in said(outcome).lower()
