"""Bookings that used to need a second try: each is understood the first time, and the
read-back says who travels and how they get home."""

from __future__ import annotations

from dataclasses import replace
from itertools import count
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking.intake.effects import JoinResident, RequestLift
from booking.intake.inbox import Envelope, handle
from bot.dialogue.flow import step
from bot.dialogue.understand import companion_in, correction_time, return_in
from bot.messages import Inbound, Outcome
from storage.tables import LiftRequest, Person
from tests.bot.test_flow import (
    EDITH,
    FRIARAGE,
    HAWES,
    LEYBURN,
    THU,
    THU_DRAFT,
    WED,
    YES_NO,
    at,
    day,
    day_words,
    snapshot,
)
from tests.support.world import SCHEME_NUMBER, monday_morning, seed

_ids = count(1)


def play(*says: str, state: str = "idle", data: dict[str, Any] | None = None,
         person: Any = EDITH) -> list[Outcome]:
    """Messages through `step`, state carried as the inbox carries it."""
    data = dict(data or {})
    outcomes = []
    for said in says:
        outcome = step(snapshot(state, data, person), Inbound(text=said))
        outcomes.append(outcome)
        state, data = outcome.state, outcome.data
    return outcomes


def said(outcome: Outcome) -> str:
    return " ".join(r.text for r in outcome.replies)


@pytest.mark.parametrize(("text", "place"), [
    ("Friarage Thursday 2pm thank you", FRIARAGE),
    ("Leyburn surgery Thursday 10.40, thank you very much", LEYBURN),
    ("hawes thursday at 2 thanks", HAWES),
    ("Thanks for the lift last week. I need another to Hawes on Thursday at 2", HAWES),
    ("Could I have a lift to leyburn thursday 10.40 please, many thanks", LEYBURN),
])
def test_a_request_ending_in_thanks_is_booked(text: str, place: int) -> None:
    """A complete request that ends (or starts) with thanks is read back, not thanked."""
    (outcome,) = play(text)
    assert outcome.state in ("book_confirm", "book_return"), said(outcome)
    assert outcome.data["draft"]["place"] == place
    assert outcome.data["draft"]["day"] == day(THU)


@pytest.mark.parametrize("text", ["thanks for taking me to Leyburn on Tuesday",
                                  "thank you for the lift to the Friarage yesterday",
                                  "Thanks, the doctor at Hawes was lovely"])
def test_thanks_for_a_past_lift_is_still_thanks(text: str) -> None:
    """Thanks for a lift already given, naming the place, does not book."""
    (outcome,) = play(text)
    assert outcome.state == "idle" and "welcome" in said(outcome).lower()


@pytest.mark.parametrize(("text", "place"), [
    ("hello, it's Bill from Aysgarth, I need a lift to Leyburn surgery Thursday at 10.40",
     LEYBURN),
    ("Hello its Bill from Aysgarth, I have to be at the Friarage on Thursday for 2pm",
     FRIARAGE),
    ("Good morning, Edith here from Wensley. Hawes doctors thursday 2pm", HAWES),
])
def test_a_greeting_and_a_name_then_a_request_books(text: str, place: int) -> None:
    """'Hello, it's Bill from Aysgarth, I need ...' goes straight to the booking."""
    (outcome,) = play(text)
    assert outcome.state in ("book_confirm", "book_return"), said(outcome)
    assert outcome.data["draft"].get("place") == place


@pytest.mark.parametrize("text", [
    "lift to the Friarage thursday 2pm, just there, my daughter will collect me",
    "Leyburn surgery Thursday 10.40 one way please, my son is bringing me home",
    "hawes thursday 2pm, no need to wait, I'll get the bus back",
])
def test_a_one_way_wish_is_recorded_and_read_back(text: str) -> None:
    """A one-way lift is booked one way, and the read-back says there only."""
    readback, done = play(text, "yes")
    assert readback.state == "book_confirm"
    assert "there only" in said(readback) and "brings you home" not in said(readback)
    (lift,) = done.effects
    assert isinstance(lift, RequestLift) and lift.return_plan == "one_way"


@pytest.mark.parametrize(("text", "plan", "words"), [
    ("Friarage Thursday 2pm there and back please", "collect_later", "collects you after"),
    ("leyburn thursday 10.40 and bring me home again", "wait", "brings you home"),
    ("friarage thursday 2pm, can the driver wait for me", "wait", "brings you home"),
])
def test_there_and_back_is_understood_without_asking(text: str, plan: str,
                                                     words: str) -> None:
    """'There and back' needs no way-home question, even for a hospital."""
    (outcome,) = play(text)
    assert outcome.state == "book_confirm", said(outcome)
    assert outcome.data["draft"]["return"] == plan and words in said(outcome)


@pytest.mark.parametrize(("state", "draft", "text", "key", "value"), [
    ("book_return", {"place": FRIARAGE, "day": day(THU), "time": "14:00"},
     "sorry, I meant the 15th", "day", None),
    ("book_time", {"place": LEYBURN, "day": day(THU)}, "sorry I meant wednesday", "day",
     day(WED)),
    ("book_confirm", THU_DRAFT, "sorry, I meant 11", "time", "11:00"),
    ("book_confirm", THU_DRAFT, "oh sorry, it's Hawes not Leyburn", "place", HAWES),
    ("book_change", THU_DRAFT, "sorry it's wednesday", "day", day(WED)),
])
def test_a_correction_while_a_question_is_open_is_applied(
        state: str, draft: dict[str, Any], text: str, key: str, value: Any) -> None:
    """A correction sent instead of the answer changes the draft, never vanishes."""
    (outcome,) = play(text, state=state, data={"draft": dict(draft),
                                               "options": list(YES_NO)})
    got = outcome.data["draft"].get(key)
    if value is None:  # the 15th: whichever month comes next
        assert got is not None and got.endswith("-15") and got != draft.get(key)
    else:
        assert got == value, said(outcome)


@pytest.mark.parametrize(("text", "who"), [
    ("lift to leyburn thursday 10.40 for me and my husband", "You and your husband"),
    ("leyburn surgery thursday 10.40, my daughter is coming with me", "You and your daughter"),
    ("hawes thursday 2pm, there'll be two of us", "You and a companion"),
    ("leyburn thursday 10.40 with my carer", "You and your carer"),
])
def test_a_companion_named_in_the_request_is_recorded(text: str, who: str) -> None:
    """'For me and my husband' is read back and sent to the core as a companion."""
    readback, done = play(text, "yes")
    assert said(readback).startswith(who), said(readback)
    (lift,) = done.effects
    assert isinstance(lift, RequestLift) and lift.companion is True


def test_just_me_overrides_a_usual_companion() -> None:
    """A resident who usually brings someone can say 'just me this time'."""
    usual = replace(EDITH, companion=True)
    (plain,) = play("leyburn thursday 10.40", person=usual)
    readback, done = play("leyburn thursday 10.40, just me this time", "yes", person=usual)
    assert said(plain).startswith("You and a companion")
    assert said(readback).startswith("Just you")
    assert done.effects[0].companion is False


@pytest.mark.parametrize("text", ["lift to leyburn thursday 10.40",
                                  "friarage thursday 2pm there and back",
                                  "hawes thursday 2pm for me and my wife, one way"])
def test_every_read_back_names_companions_and_the_way_home(text: str) -> None:
    """The read-back always says who travels and how they get home."""
    (outcome,) = play(text)
    text_back = said(outcome)
    assert text_back.startswith(("Just you", "You and"))
    assert any(w in text_back for w in ("brings you home", "collects you after",
                                        "there only"))


def test_change_menu_can_set_the_companion() -> None:
    """'Who is coming' in the change menu asks, and the answer shows in the read-back."""
    *_, readback = play("no", "5", "yes", state="book_confirm",
                        data={"draft": dict(THU_DRAFT), "options": list(YES_NO)})
    assert readback.state == "book_confirm" and said(readback).startswith("You and")


@pytest.mark.parametrize("first", ["Friarage Thursday 2pm",
                                   "hi, hawes doctors thursday at 2 please"])
def test_a_newcomers_full_request_survives_joining(first: str) -> None:
    """A stranger's first text is kept through every joining question and read back."""
    outcomes = play(first, "Mary Kettlewell", "4 Chapel Row, Middleham DL8 4PU", "1", "no",
                    "no", "yes", person=None)
    last = outcomes[-1]
    assert isinstance(last.effects[0], JoinResident)
    assert last.state in ("book_confirm", "book_return") and day_words(THU) in said(last) \
        or last.state == "book_return"


def test_a_request_sent_at_the_name_question_is_kept() -> None:
    """'hi', then the request instead of a name: kept, the name asked again, then offered."""
    outcomes = play("hi", "I need a lift to Leyburn surgery Thursday 10.40",
                    "Mary Kettlewell", "4 Chapel Row, Middleham DL8 4PU", "1", "no", "no",
                    "yes", person=None)
    assert outcomes[1].state == "join_name" and "keep that request" in said(outcomes[1])
    assert outcomes[-1].state == "book_confirm"
    assert "Leyburn Medical Practice" in said(outcomes[-1])


# --- the core records the companion ------------------------------------------------------

def _send(engine: Engine, text: str, n: int) -> None:
    env = Envelope("sms", "+447911123401", f"SM2T{next(_ids):06d}", to_number=SCHEME_NUMBER)
    handled = handle(engine, env, now=monday_morning(), decide=lambda s: step(
        s, Inbound(text=text)))
    assert handled is not None and handled.refused is None, n


def test_the_stored_request_carries_the_companion(engine: Engine) -> None:
    """A companion said in the request is on the stored lift request (the core uses it)."""
    seed(engine, monday_morning())
    for n, text in enumerate(["lift to leyburn surgery thursday 10.40 for me and my husband",
                              "yes"]):
        _send(engine, text, n)
    with Session(engine) as session:
        edith = session.exec(select(Person).where(Person.phone == "+447911123401")).one()
        (lift,) = session.exec(select(LiftRequest).order_by(col(LiftRequest.id))).all()
    assert lift.companion is True and edith.companion is False
    assert lift.appointment_at == at(THU, 10, 40)


@pytest.mark.parametrize(("text", "expected"), [
    ("can you make it 11 instead", "11:00"), ("sorry I meant 2", "14:00"),
    ("its 11 not 10.40", "11:00"), ("11 instead of 10.40 please", "11:00"),
    ("make it half ten", "10:30"), ("it's moved to wednesday", None),
    ("sorry i meant the 15th", None), ("not 10 but 2pm", "14:00"),
])
def test_correction_times(text: str, expected: str | None) -> None:
    """A bare hour counts as a time only in a correction; the time after 'not' is the old one."""
    found = correction_time(text)
    assert (found.strftime("%H:%M") if found else None) == expected


@pytest.mark.parametrize(("text", "plan"), [
    ("just there, my daughter will collect me", "one_way"), ("one way please", "one_way"),
    ("my son will pick me up after", "one_way"), ("no need to wait", "one_way"),
    ("I'll make my own way home", "one_way"), ("there and back please", "both"),
    ("and bring me home again", "both"), ("can the driver wait for me", "wait"),
    ("collect me afterwards", "collect_later"), ("lift to leyburn thursday", None),
])
def test_ways_home(text: str, plan: str | None) -> None:
    """One way, there and back, wait or collect later, as the words say."""
    assert return_in(text) == plan


@pytest.mark.parametrize(("text", "expected"), [
    ("for me and my husband", (True, "your husband")), ("my wife is coming too",
                                                         (True, "your wife")),
    ("there'll be two of us", (True, "")), ("with my carer", (True, "your carer")),
    ("just me", (False, "")), ("on my own this time", (False, "")),
    ("my daughter will come and get me", (None, "")), ("lift to hawes", (None, "")),
])
def test_companions(text: str, expected: tuple[bool | None, str]) -> None:
    """Who travels with the resident, as the request says it."""
    assert companion_in(text) == expected
