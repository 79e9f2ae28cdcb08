"""Keywords before roles and answers: HELP, STOP, START and CANCEL must never fire from words
that answer a question, from an option's label typed back, or from a coordinator's own text."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from booking.intake.effects import (
    ActFor,
    AlertCoordinator,
    JoinResident,
    ReportProgress,
    SetSmsOptOut,
)
from bot.dialogue.book import CHANGE_OPTIONS
from bot.dialogue.driving import MENU as DRIVER_MENU
from bot.dialogue.flow import step
from bot.dialogue.understand import Intent, classify
from bot.dialogue.wording import MENU, MOBILITY_OPTIONS, RETURN_OPTIONS, YES_NO
from bot.messages import Inbound, Option, Outcome
from tests.bot.test_flow import (
    COORDINATOR,
    DRIVER,
    JOIN_DATA,
    LIFT_NEXT_TUE,
    LIFT_THU,
    MOBILITY,
    THU_DRAFT,
    snapshot,
)

KEYWORDS = (Intent.STOP, Intent.START, Intent.HELP, Intent.CANCEL)
# Options whose whole purpose is the keyword: "Talk to a person" is HELP, "Cancel a lift" is.
MEANT = {"menu:help": Intent.HELP, "menu:cancel": Intent.CANCEL}


def _play(says: list[Any], state: str, data: dict[str, Any], person: Any = None,
          lifts: tuple[Any, ...] = ()) -> list[Outcome]:
    outcomes = []
    for said in says:
        inbound = said if isinstance(said, Inbound) else Inbound(text=said)
        outcome = step(snapshot(state, data, person, lifts=lifts), inbound)
        outcomes.append(outcome)
        state, data = outcome.state, outcome.data
    return outcomes


@pytest.mark.parametrize("option", [*MENU, *MOBILITY_OPTIONS, *RETURN_OPTIONS, *CHANGE_OPTIONS,
                                    *DRIVER_MENU, *YES_NO], ids=lambda o: o.value)
def test_no_option_label_reads_as_a_keyword(option: Option) -> None:
    """A label typed back as shown never means STOP, START, HELP or CANCEL by accident."""
    intent = classify(option.label)
    assert intent not in KEYWORDS or MEANT.get(option.value) is intent, (option, intent)


@pytest.mark.parametrize(("typed", "mobility"), [
    ("I walk unaided", "unaided"), ("i walk unaided", "unaided"),
    ("I walk without help", "unaided"), ("I walk fine without any help", "unaided"),
    ("Folding wheelchair", "folding_wheelchair"), ("I need a wheelchair car",
                                                   "wheelchair_vehicle"),
])
def test_mobility_answers_never_call_for_help(typed: str, mobility: str) -> None:
    """Typing a mobility option (or words like it) answers the question and keeps the join."""
    data = {**JOIN_DATA, "options": list(MOBILITY),
            "labels": [o.label for o in MOBILITY_OPTIONS]}
    (outcome,) = _play([typed], "join_mobility", data)
    assert outcome.state == "join_companion" and not outcome.effects
    assert outcome.data["mobility"] == mobility and outcome.data["name"] == JOIN_DATA["name"]


@pytest.mark.parametrize(("typed", "state", "next_state"), [
    ("no, I manage without help", "join_companion", "join_dog"),
    ("yes my daughter helps me", "join_companion", "join_dog"),
    ("no help needed thanks, no dog", "join_dog", "join_consent"),
])
def test_yes_no_answers_mentioning_help_are_answers(typed: str, state: str,
                                                    next_state: str) -> None:
    """A yes or no that mentions help is still the answer to the question asked."""
    (outcome,) = _play([typed], state, {**JOIN_DATA, "mobility": "unaided"})
    assert outcome.state == next_state and not outcome.effects


def test_a_real_help_mid_join_keeps_the_join() -> None:
    """HELP in the middle of joining alerts a coordinator, and the next answer carries on."""
    data = {**JOIN_DATA, "mobility": "unaided", "companion": False}
    helped, dog, consent = _play(["HELP", "no", "yes"], "join_dog", data)
    assert [type(e) for e in helped.effects] == [AlertCoordinator]
    assert helped.state == "join_dog" and "last question" in helped.replies[0].text
    assert dog.state == "join_consent"
    (join,) = consent.effects
    assert isinstance(join, JoinResident) and join.name == JOIN_DATA["name"]


def test_confusion_mid_join_asks_for_a_person_without_losing_the_join() -> None:
    """'I'm confused' is not a mobility answer, so it asks for a person; the join stays."""
    data = {**JOIN_DATA, "options": list(MOBILITY)}
    (outcome,) = _play(["I'm confused"], "join_mobility", data)
    assert [type(e) for e in outcome.effects] == [AlertCoordinator]
    assert outcome.state == "join_mobility" and outcome.data["name"] == JOIN_DATA["name"]


@pytest.mark.parametrize("text", ["ring me", "HELP", "help", "can someone call me",
                                  "I need to speak to a person", "?"])
def test_a_coordinators_own_call_for_help_alerts_nobody(text: str) -> None:
    """A coordinator asking for a person gets the commands, not an alert to themselves."""
    (outcome,) = _play([text], "idle", {}, COORDINATOR)
    assert not outcome.effects
    said = outcome.replies[0].text
    assert "/roster" in said and "coordinator" in said.lower()


def test_a_coordinator_relaying_help_for_a_resident_acts_for_them() -> None:
    """'/for <phone> she needs help' goes to the resident's conversation, as typed."""
    (outcome,) = _play(["/for 07911 123401 she needs some help please"], "idle", {},
                       COORDINATOR)
    assert outcome.effects == [ActFor("+447911123401", "she needs some help please")]


def test_a_drivers_progress_mentioning_help_is_progress() -> None:
    """'Dropped off, she needed a bit of help' reports the drop-off, not a call for help."""
    (outcome,) = _play(["dropped off, she needed a bit of help at the door"], "idle", {},
                       DRIVER)
    assert outcome.effects == [ReportProgress("dropped_off")]


@pytest.mark.parametrize(("person", "word"), [(DRIVER, "PICKED UP"),
                                              (COORDINATOR, "/roster")])
def test_start_gives_each_role_its_own_menu(person: Any, word: str) -> None:
    """START turns texts back on and shows the driver's or coordinator's menu."""
    (outcome,) = _play(["START"], "idle", {}, person)
    assert SetSmsOptOut(False) in outcome.effects
    assert word in outcome.replies[0].text and "Book a lift" not in str(outcome.replies)


def test_stop_in_the_change_menu_is_never_an_option() -> None:
    """The change menu's way out is typed 'Don't book it', which stops the booking only."""
    data = {"draft": THU_DRAFT, "options": [o.value for o in CHANGE_OPTIONS],
            "labels": [o.label for o in CHANGE_OPTIONS]}
    (outcome,) = _play(["Don't book it"], "book_change", data, snapshot().person)
    assert outcome.state == "idle" and not outcome.effects
    assert "nothing has been booked" in outcome.replies[0].text.lower()


def test_a_bare_cancel_still_cancels() -> None:
    """A bare CANCEL (Advanced Opt-Out with CANCEL removed) still starts a cancellation."""
    (outcome,) = _play(["CANCEL"], "idle", {}, snapshot().person, (LIFT_THU,))
    assert outcome.state == "cancel_confirm" and outcome.data["lift"] == LIFT_THU.id


@pytest.mark.parametrize("text", ["CANCEL 12", "cancel 12", "Cancel #12", "cancel lift 12",
                                  "cancel no. 12"])
def test_cancel_with_the_lift_number_picks_that_lift(text: str) -> None:
    """'CANCEL 12', as our texts invite, asks to confirm lift 12 even among several."""
    (outcome,) = _play([text], "idle", {}, snapshot().person, (LIFT_THU, LIFT_NEXT_TUE))
    assert outcome.state == "cancel_confirm" and outcome.data["lift"] == LIFT_NEXT_TUE.id


def test_cancel_naming_a_day_picks_that_days_lift() -> None:
    """'Cancel Thursday' among several lifts asks about Thursday's only."""
    (outcome,) = _play(["please cancel thursday's lift"], "idle", {}, snapshot().person,
                       (LIFT_THU, LIFT_NEXT_TUE))
    assert outcome.state == "cancel_confirm" and outcome.data["lift"] == LIFT_THU.id


def test_help_keeps_a_half_done_booking() -> None:
    """HELP while booking keeps the draft; answering the question then carries on."""
    snap = snapshot("book_time", {"draft": {"place": 1, "day": THU_DRAFT["day"]}})
    helped = step(snap, Inbound(text="help"))
    after = step(replace(snap, state=helped.state, data=helped.data), Inbound(text="10.40"))
    assert after.state == "book_confirm" and after.data["draft"]["time"] == "10:40"
