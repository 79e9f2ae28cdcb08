"""A resident changes their own details by message: many phrasings of a new home and of new
needs are read back for a yes; a no changes nothing; look-alikes (a lift moving, a question
about dogs) are not taken for news; a waiting resident hears they must wait."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from booking.intake.effects import ChangeLift, UpdateHome, UpdateNeeds
from booking.intake.views import LiftView as _LiftView
from bot.dialogue.flow import step
from bot.messages import Inbound, Outcome
from tests.bot.test_flow import EDITH, SETTLEMENT_VIEWS, at, snapshot

BAINBRIDGE = next(s.id for s in SETTLEMENT_VIEWS if s.name == "Bainbridge")


def _say(*texts: str, person: Any = EDITH, lifts: tuple[Any, ...] = ()) -> tuple[
        list[Outcome], list[Any]]:
    state: str = "idle"
    data: dict[str, Any] = {}
    outcomes: list[Outcome] = []
    done: list[Any] = []
    for text in texts:
        outcome = step(snapshot(state, data, person=person, lifts=lifts), Inbound(text=text))
        outcomes.append(outcome)
        done += outcome.effects
        state, data = outcome.state, outcome.data
    return outcomes, done


@pytest.mark.parametrize(("text", "address", "postcode"), [
    ("I've moved to 4 Mill Lane, Bainbridge", "4 Mill Lane, Bainbridge", ""),
    ("Ive moved to 4 Mill Lane Bainbridge DL8 3EH", "4 Mill Lane Bainbridge", "DL8 3EH"),
    ("we have moved to 4 Mill Lane, Bainbridge now", "4 Mill Lane, Bainbridge", ""),
    ("My new address is 4 Mill Lane, Bainbridge", "4 Mill Lane, Bainbridge", ""),
    ("new address: 4 Mill Lane, Bainbridge, DL8 3EH", "4 Mill Lane, Bainbridge", "DL8 3EH"),
    ("Hi, just to say I have moved house to 4 Mill Lane, Bainbridge",
     "4 Mill Lane, Bainbridge", ""),
    ("I now live at 4 Mill Lane, Bainbridge", "4 Mill Lane, Bainbridge", ""),
    ("my address has changed to 4 mill lane bainbridge", "4 mill lane bainbridge", ""),
])
def test_a_new_home_is_read_back_then_updated(text: str, address: str, postcode: str) -> None:
    (asked, agreed), done = _say(text, "yes")
    assert asked.state == "details_home"
    assert address in asked.replies[0].text and "Is that right?" in asked.replies[0].text
    assert done == [UpdateHome(address, postcode, BAINBRIDGE)]
    assert "address is updated" in agreed.replies[0].text
    assert "lifts will start from there" in agreed.replies[0].text


def test_a_move_without_the_address_asks_for_it() -> None:
    (first, second, third), done = _say("We've moved house", "Flat 2, The Green, Nowhere End",
                                        "yes")
    assert first.state == "details_address" and "new address" in first.replies[0].text
    assert second.state == "details_home"
    assert done == [UpdateHome("Flat 2, The Green, Nowhere End", "", None)]
    assert "confirm where it is" in third.replies[0].text


@pytest.mark.parametrize(("text", "needs"), [
    ("I use a wheelchair now", {"mobility": "folding_wheelchair"}),
    ("i'm in a wheelchair now", {"mobility": "folding_wheelchair"}),
    ("I have to use a wheelchair these days", {"mobility": "folding_wheelchair"}),
    ("I need a wheelchair accessible car now", {"mobility": "wheelchair_vehicle"}),
    ("I have to stay in my wheelchair now", {"mobility": "wheelchair_vehicle"}),
    ("I don't need the wheelchair any more", {"mobility": "unaided"}),
    ("I no longer use a wheelchair, just a stick", {"mobility": "walking_aid"}),
    ("good news, I can walk again now", {"mobility": "unaided"}),
    ("I use a walking stick now", {"mobility": "walking_aid"}),
    ("I've got a zimmer frame now", {"mobility": "walking_aid"}),
    ("I have a guide dog now", {"assistance_dog": True}),
    ("I no longer have my assistance dog", {"assistance_dog": False}),
    ("my daughter will come with me from now on", {"companion": True}),
    ("I travel on my own now", {"companion": False}),
    ("I use a wheelchair now and have a guide dog",
     {"mobility": "folding_wheelchair", "assistance_dog": True}),
])
def test_new_needs_are_read_back_then_updated(text: str, needs: dict[str, Any]) -> None:
    (asked, agreed), done = _say(text, "yes", person=replace(EDITH, mobility="unaided")
                                 if needs.get("mobility") == EDITH.mobility else EDITH)
    assert asked.state == "details_needs", asked.replies[0].text
    assert "Is that right?" in asked.replies[0].text
    assert done == [UpdateNeeds(**needs)]
    assert "coordinator has been told" in agreed.replies[0].text


def test_a_no_to_a_mobility_read_back_offers_the_choices() -> None:
    (_asked, no, chose), done = _say("I use a wheelchair now", "no", "4")
    assert no.state == "details_mobility" and len(no.replies[0].options) == 4
    assert done == [UpdateNeeds(mobility="wheelchair_vehicle")]
    assert "wheelchair-accessible car" in chose.replies[0].text


@pytest.mark.parametrize("text", ["no", "No thanks", "nope"])
def test_a_no_to_a_new_home_changes_nothing(text: str) -> None:
    (_asked, no), done = _say("I've moved to 4 Mill Lane, Bainbridge", text)
    assert done == [] and no.state == "idle" and "nothing has changed" in no.replies[0].text


@pytest.mark.parametrize("text", [
    "can I bring my guide dog?", "do you take wheelchairs?", "the appointment has moved to 11",
    "it's moved to Wednesday", "I use a wheelchair now",  # already on her record as one
    "I don't need the lift any more",
])
def test_look_alikes_are_not_news(text: str) -> None:
    person = replace(EDITH, mobility="folding_wheelchair")
    lift = _LiftView(5, "Leyburn Medical Practice", at(3, 10, 40), "requested", "wait")
    (outcome,), done = _say(text, person=person, lifts=(lift,))
    assert not outcome.state.startswith("details_"), (text, outcome.replies[0].text)
    assert not [e for e in done if isinstance(e, (UpdateHome, UpdateNeeds))]
    if "moved to" in text:
        assert outcome.state.startswith("change_") or any(isinstance(e, ChangeLift)
                                                          for e in done)


def test_an_unclear_answer_asks_again() -> None:
    (_asked, again), done = _say("I use a wheelchair now", "purple")
    assert again.state == "details_needs" and "yes or no" in again.replies[0].text
    assert done == []


def test_a_waiting_resident_cannot_book_yet() -> None:
    (outcome,), done = _say("lift to leyburn thursday 10.40", person=replace(EDITH,
                                                                             pending=True))
    assert "coordinator will confirm your details" in outcome.replies[0].text
    assert done == [] and outcome.state == "idle"


def test_an_inactive_resident_is_told_to_ask_a_person() -> None:
    (outcome,), _done = _say("lift to leyburn thursday 10.40",
                             person=replace(EDITH, active=False))
    assert "aren't active" in outcome.replies[0].text and "HELP" in outcome.replies[0].text
