"""Messages that are not bookings, many phrasings per kind, each answered the right way.

The table is the measure issue 13 asks for: `python -m pytest tests/bot/test_not_bookings.py`
counts how many of these messages are handled right (every case passing is all of them).
Phrasings are our own, written the way residents text: no capitals, typos, run-on sentences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest

from booking.intake.effects import AlertCoordinator, CancelLift, SetSmsOptOut
from booking.intake.views import LiftView, Snapshot
from booking.rules import SchemeRules
from bot.dialogue.flow import step
from bot.messages import Inbound, Outcome
from tests.bot.test_flow import (
    EDITH,
    LIFT_NEXT_TUE,
    LIFT_THU,
    NOW,
    THU,
    at,
    day_words,
    snapshot,
)

RULES = SchemeRules()
TODAY_LIFT = LiftView(13, "Leyburn Medical Practice", at(0, 11), "confirmed", "wait",
                      "Margaret", at(0, 10, 15))  # pickup window 10:10-10:25; now 09:30
LATE_LIFT = LiftView(14, "Leyburn Medical Practice", at(0, 9, 45), "confirmed", "wait",
                     "Margaret", at(0, 9, 0))  # window ended 09:10
UNCONFIRMED_TODAY = LiftView(15, "Leyburn Medical Practice", at(0, 11), "offered", "wait")
MEDICAL_WORDS = ("hospital", "died", "death", "funeral", "ill", "stroke", "fall", "admitted",
                 "passed")


@dataclass(frozen=True)
class Kind:
    """A kind of message: how to set the scene and how to tell it was answered right."""

    name: str
    phrasings: tuple[str, ...]
    check: Callable[[Snapshot, list[Outcome]], None]
    person: Any = EDITH
    lifts: tuple[LiftView, ...] = (LIFT_THU, LIFT_NEXT_TUE)
    then: tuple[str, ...] = ()  # messages after the first (e.g. "yes")


def _said(outcome: Outcome) -> str:
    return " ".join(r.text for r in outcome.replies).lower()


def _never_books(outcomes: list[Outcome]) -> None:
    assert not any(o.state.startswith(("book_", "join_")) for o in outcomes), \
        [o.state for o in outcomes]


def _mistake(_snap: Snapshot, outcomes: list[Outcome]) -> None:
    (first,) = outcomes
    _never_books(outcomes)
    assert "join" in _said(first) and "name" not in _said(first)
    assert not first.effects


def _eta_window(_snap: Snapshot, outcomes: list[Outcome]) -> None:
    (first,) = outcomes
    said = _said(first)
    assert "margaret" in said and "10:10" in said and "10:25" in said, said
    assert not first.effects


def _eta_late(_snap: Snapshot, outcomes: list[Outcome]) -> None:
    (first,) = outcomes
    assert "coordinator" in _said(first)
    (alert,) = first.effects
    assert isinstance(alert, AlertCoordinator) and "#14" in alert.reason


def _faq(field: str) -> Callable[[Snapshot, list[Outcome]], None]:
    def check(snap: Snapshot, outcomes: list[Outcome]) -> None:
        (first,) = outcomes
        _never_books(outcomes)
        assert getattr(snap.rules, field).lower() in _said(first)
    return check


def _not_medical(snap: Snapshot, outcomes: list[Outcome]) -> None:
    first, after_yes = outcomes
    _never_books(outcomes)
    assert snap.rules.faq_covers.lower() in _said(first) and "coordinator" in _said(first)
    assert [type(e) for e in after_yes.effects] == [AlertCoordinator]


def _opt_out(_snap: Snapshot, outcomes: list[Outcome]) -> None:
    (first,) = outcomes
    assert first.effects == [SetSmsOptOut(True)]
    assert "start" in _said(first)


def _thanks(_snap: Snapshot, outcomes: list[Outcome]) -> None:
    (first,) = outcomes
    _never_books(outcomes)
    assert first.state == "idle" and not first.effects
    assert "didn't understand" not in _said(first)


def _volunteer(snap: Snapshot, outcomes: list[Outcome]) -> None:
    (first,) = outcomes
    _never_books(outcomes)
    assert snap.rules.faq_volunteer.lower() in _said(first)
    (alert,) = first.effects
    assert isinstance(alert, AlertCoordinator) and "volunteer" in alert.reason


def _exists_thursday(_snap: Snapshot, outcomes: list[Outcome]) -> None:
    (first,) = outcomes
    _never_books(outcomes)
    said = _said(first)
    assert day_words(THU).lower() in said and "leyburn" in said, said
    assert day_words(8).lower() not in said  # only the day asked about


def _exists_friday(_snap: Snapshot, outcomes: list[Outcome]) -> None:
    (first,) = outcomes
    _never_books(outcomes)
    assert "no lift booked on" in _said(first)


def _bad_news(_snap: Snapshot, outcomes: list[Outcome]) -> None:
    first, after_yes = outcomes
    _never_books(outcomes)
    assert "sorry" in _said(first) and first.replies[-1].options
    kinds = [type(e) for e in after_yes.effects]
    assert kinds.count(CancelLift) == 2 and kinds.count(AlertCoordinator) == 1
    alert = next(e for e in after_yes.effects if isinstance(e, AlertCoordinator))
    assert not any(word in alert.reason.lower() for word in MEDICAL_WORDS), alert.reason


KINDS = [
    Kind("a stranger who texted by mistake", (
        "sorry wrong number", "Sorry, wrong number!", "oops sent this to the wrong person",
        "who is this?", "Who are you? I don't know this number", "sorry that was meant for "
        "my daughter", "didnt mean to send that, sorry", "ignore that text please",
        "sorry, texted you by mistake", "This message wasn't meant for you, apologies",
        "how did you get my number?",
    ), _mistake, person=None, lifts=()),
    Kind("is my driver coming, before the window ends", (
        "is my driver coming?", "is the driver on his way", "where is my lift",
        "what time will the driver be here", "is she coming today?", "is my lift still coming",
        "wheres my driver", "is margaret on her way",
    ), _eta_window, lifts=(TODAY_LIFT,)),
    Kind("is my driver coming, after the window", (
        "driver not here yet", "my lift hasn't turned up", "is my driver running late?",
        "still waiting for the car", "no sign of the driver", "the driver hasn't come",
        "is he coming? its gone ten past", "car not arrived yet", "driver still not here",
    ), _eta_late, lifts=(LATE_LIFT,)),
    Kind("asking the cost", (
        "how much does it cost?", "how much is a lift", "do I have to pay", "is it free?",
        "what do you charge", "what do I owe the driver", "can I give a donation?",
        "what's the price of a lift to the hospital",
    ), _faq("faq_cost")),
    Kind("asking about dogs", (
        "can I bring my dog?", "do you take dogs", "is my guide dog allowed",
        "can my little dog come with me", "are pets allowed in the car?",
        "what about my assistance dog?",
    ), _faq("faq_dogs")),
    Kind("asking what the scheme covers", (
        "what do you cover?", "where do you go?", "what does the scheme do",
        "how does this work", "which places do you take people", "who can use this?",
    ), _faq("faq_covers")),
    Kind("a trip that isn't medical", (
        "can I have a lift to tesco on friday", "I need to go shopping tuesday morning",
        "could you take me to the hairdressers thursday at 10", "lift to the bank please",
        "can someone take me to church on sunday", "need a lift to the station for my train",
        "could I get a lift into Leyburn for the market", "I want to visit my sister in hawes",
    ), _not_medical, then=("yes",)),
    Kind("opting out in other words", (
        "please stop sending me these", "stop texting me", "I don't want any more texts",
        "no more messages please", "take me off your list", "please remove my number from "
        "your system", "unsubscribe me", "don't text me again", "stop sending messages",
    ), _opt_out),
    Kind("thanks and good wishes in other words", (
        "bless you all", "you're all stars", "much obliged", "merry christmas to all the "
        "drivers", "have a lovely weekend", "you are so kind", "what would I do without you",
        "god bless", "keep up the good work", "very grateful to Margaret", "best wishes to "
        "everyone", "Thank you, you're a lifesaver",
    ), _thanks),
    Kind("offering to volunteer as a driver", (
        "I'd like to volunteer as a driver", "do you need drivers?", "can I help with the "
        "driving", "my husband would like to be a driver", "how do I become a volunteer "
        "driver", "I could drive for you on Mondays", "are you looking for more drivers",
        "I'm retired with a car, could I volunteer?",
    ), _volunteer),
    Kind("asking whether a lift is booked on a day", (
        "have I got a lift on thursday?", "am I booked for thursday", "is my lift on "
        "thursday still on?", "do I have a lift thursday", "is there a lift booked for "
        "thursday", "did I book a lift for thursday?", "is my lift to leyburn on thursday "
        "booked",
    ), _exists_thursday),
    Kind("asking whether a lift is booked on a day without one", (
        "have I got a lift on friday?", "am I booked for friday", "do I have a lift friday",
    ), _exists_friday),
    Kind("bad news", (
        "my husband passed away on saturday", "I'm in hospital at the moment",
        "sadly my wife died last night", "I've been admitted to the friarage",
        "mum has died so I won't need any lifts", "I've had a fall and I'm in hospital",
        "my husband's funeral is next week", "been kept in hospital since friday",
        "sorry, there's been a death in the family",
    ), _bad_news, then=("yes",)),
]
CASES = [(kind, text) for kind in KINDS for text in kind.phrasings]


def _play(kind: Kind, text: str) -> tuple[Snapshot, list[Outcome]]:
    state, data = "idle", {}
    first = snapshot(person=kind.person, lifts=kind.lifts)
    outcomes = []
    for said in (text, *kind.then):
        snap = replace(first, state=state, data=data)
        outcome = step(snap, Inbound(text=said))
        outcomes.append(outcome)
        state, data = outcome.state, outcome.data
    return first, outcomes


@pytest.mark.parametrize(("kind", "text"), CASES,
                         ids=[f"{k.name}: {t}" for k, t in CASES])
def test_message_that_is_not_a_booking(kind: Kind, text: str) -> None:
    """Each message gets the answer its kind needs, and never a booking or join question."""
    snap, outcomes = _play(kind, text)
    assert all(o.replies for o in outcomes)
    kind.check(snap, outcomes)


def test_the_table_is_broad() -> None:
    """At least six phrasings of each kind that the issue names, about a hundred in all."""
    assert all(len(k.phrasings) >= 3 for k in KINDS)
    assert len(CASES) >= 100


def test_unconfirmed_lift_today_alerts_a_coordinator() -> None:
    """'Is my driver coming?' when nobody has accepted today's lift tells a coordinator."""
    outcome = step(snapshot(lifts=(UNCONFIRMED_TODAY,)), Inbound(text="is my driver coming"))
    assert "no driver has confirmed" in _said(outcome)
    (alert,) = outcome.effects
    assert isinstance(alert, AlertCoordinator) and "#15" in alert.reason


def test_driver_question_with_no_lift_today_names_the_next_one() -> None:
    """Asked on a day without a lift, the answer gives the next lift's day."""
    outcome = step(snapshot(lifts=(LIFT_THU,)), Inbound(text="is my driver coming?"))
    assert day_words(THU).lower() in _said(outcome) and not outcome.effects


def test_faq_answers_come_from_the_scheme_settings() -> None:
    """A coordinator's own FAQ text is what the resident gets."""
    rules = SchemeRules(faq_cost="We ask for 30p a mile, paid to the driver.")
    snap = replace(snapshot(), rules=rules)
    outcome = step(snap, Inbound(text="how much does it cost?"))
    assert outcome.replies[0].text == "We ask for 30p a mile, paid to the driver."


def test_faq_mid_booking_keeps_the_question() -> None:
    """Asking the cost while booking answers it, and the booking question still stands."""
    snap = snapshot("book_day", {"draft": {"place": 1}})
    outcome = step(snap, Inbound(text="how much will it cost?"))
    assert outcome.state == "book_day" and outcome.data["draft"] == {"place": 1}
    assert RULES.faq_cost in outcome.replies[0].text


def test_bad_news_kept_lifts_after_no() -> None:
    """'No' after bad news cancels nothing; the coordinator is still told, kindly."""
    snap = snapshot(lifts=(LIFT_THU, LIFT_NEXT_TUE))
    first = step(snap, Inbound(text="my wife passed away yesterday"))
    after = step(replace(snap, state=first.state, data=first.data), Inbound(text="no"))
    assert [type(e) for e in after.effects] == [AlertCoordinator]
    assert "left your lifts" in _said(after)


def test_bad_news_naming_a_day_offers_that_day() -> None:
    """Bad news that names a day offers to cancel the lift on that day only."""
    snap = snapshot(lifts=(LIFT_THU, LIFT_NEXT_TUE))
    outcome = step(snap, Inbound(text="I'm in hospital so I can't make thursday"))
    assert day_words(THU).lower() in _said(outcome)
    assert day_words(8).lower() not in _said(outcome)
    assert outcome.data["lifts"] == [LIFT_THU.id]


def test_volunteer_from_a_stranger_is_not_asked_to_join() -> None:
    """Someone new offering to drive is told how and the coordinator gets their number."""
    outcome = step(snapshot(person=None), Inbound(text="do you need any volunteer drivers?"))
    assert not outcome.state.startswith("join_")
    (alert,) = outcome.effects
    assert isinstance(alert, AlertCoordinator) and "+447911123401" in alert.reason


def test_a_stranger_can_join_after_a_wrong_number() -> None:
    """JOIN after the wrong-number answer starts the join questions."""
    first = step(snapshot(person=None), Inbound(text="sorry wrong number"))
    joined = step(snapshot(first.state, first.data, person=None), Inbound(text="JOIN"))
    assert joined.state == "join_name"


def test_now_is_the_table_morning() -> None:
    """The table's lifts are set around the fixed Monday 09:30."""
    assert TODAY_LIFT.pickup_at is not None and TODAY_LIFT.pickup_at - NOW == timedelta(
        minutes=45)
