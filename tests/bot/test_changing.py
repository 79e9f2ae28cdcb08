"""Change by reply: a booked lift moves to a new day or time after a read-back and a yes."""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from booking.intake.effects import ChangeLift
from booking.intake.inbox import Envelope, Handled, handle
from bot.dialogue.flow import step
from bot.messages import Inbound, Outcome
from storage.tables import LiftRequest
from tests.bot.test_flow import (
    FRI,
    LIFT_NEXT_TUE,
    LIFT_THU,
    NOW,
    THU,
    TUE,
    WED,
    at,
    day_words,
    snapshot,
)
from tests.support.world import SCHEME_NUMBER, seed


def play(*says: str, lifts: tuple[Any, ...] = (LIFT_THU,)) -> list[Outcome]:
    """Messages from Edith, state carried from step to step."""
    state, data, outcomes = "idle", {}, []
    for said in says:
        outcome = step(snapshot(state, data, lifts=lifts), Inbound(text=said))
        outcomes.append(outcome)
        state, data = outcome.state, outcome.data
    return outcomes


def said(outcome: Outcome) -> str:
    return " ".join(r.text for r in outcome.replies)


@pytest.mark.parametrize(("text", "offset", "hour", "minute"), [
    ("can you make it 11 instead", THU, 11, 0),
    ("could we make it half eleven please", THU, 11, 30),
    ("it's moved to Wednesday", WED, 10, 40),
    ("my appointment has been changed to 2pm on Friday", FRI, 14, 0),
    ("the surgery rang, it's been moved to friday at 9.15", FRI, 9, 15),
    ("can I change my lift to wednesday at 11am", WED, 11, 0),
    ("appointment has been put back to 2.30", THU, 14, 30),
])
def test_a_change_is_read_back_then_made(text: str, offset: int, hour: int,
                                         minute: int) -> None:
    """The new time is read back beside the old one, and a yes emits ChangeLift."""
    readback, done = play(text, "yes")
    assert readback.state == "change_confirm", said(readback)
    assert f"{day_words(THU)} at 10:40" in said(readback)
    assert f"{day_words(offset)} at {hour:02d}:{minute:02d}" in said(readback)
    assert done.effects == [ChangeLift(LIFT_THU.id, at(offset, hour, minute))]
    assert done.effects[0].appointment_at.tzinfo is not None


def test_no_at_the_read_back_changes_nothing() -> None:
    """'No' to the change keeps the lift as it is."""
    _, done = play("can you make it 11 instead", "no")
    assert not done.effects and "stays" in said(done)


def test_a_change_among_several_lifts_asks_which() -> None:
    """With two lifts, the resident picks one, and the words they sent are used for it."""
    pick, readback, done = play("it's moved to Wednesday", "1", "yes",
                                lifts=(LIFT_THU, LIFT_NEXT_TUE))
    assert pick.state == "change_pick" and len(pick.replies[-1].options) == 2
    assert readback.state == "change_confirm"
    assert done.effects == [ChangeLift(LIFT_THU.id, at(WED, 10, 40))]


def test_a_change_without_a_new_time_asks_for_it() -> None:
    """'I need to change my lift' asks for the new day and time, then reads it back."""
    ask, readback, done = play("I need to change my lift", "wednesday 11am", "yes")
    assert ask.state == "change_when" and "new day and time" in said(ask)
    assert readback.state == "change_confirm"
    assert done.effects == [ChangeLift(LIFT_THU.id, at(WED, 11))]


def test_a_change_to_a_non_service_day_is_asked_again() -> None:
    """Moving to a Saturday is refused kindly and the new time asked for again."""
    (outcome,) = play("it's been moved to saturday")
    assert outcome.state == "change_when" and "don't go out" in said(outcome)
    assert not outcome.effects


def test_a_change_to_short_notice_says_so() -> None:
    """Moving a lift to tomorrow is allowed, with the coordinator finding the driver."""
    _, done = play("it's moved to tomorrow", "yes")
    assert done.effects == [ChangeLift(LIFT_THU.id, at(TUE, 10, 40))]
    assert "short notice" in said(done)


def test_a_new_place_is_not_changed_by_text() -> None:
    """'It's moved to Hawes' explains that a new place needs a new booking."""
    (outcome,) = play("my appointment has moved to Hawes")
    assert outcome.state == "idle" and not outcome.effects
    assert f"CANCEL {LIFT_THU.id}" in said(outcome)


def test_a_correction_at_the_change_read_back_is_used() -> None:
    """'No, 11.30' at the change read-back reads back the corrected time."""
    _, again = play("can you make it 11 instead", "no, 11.30")
    assert again.state == "change_confirm" and "11:30" in said(again)


def test_nothing_booked_nothing_to_change() -> None:
    """With no lifts, a change request says so and changes nothing."""
    (outcome,) = play("can you make it 11 instead", lifts=())
    assert "no lifts booked" in said(outcome) and not outcome.effects


def test_a_change_by_text_moves_the_stored_lift(engine: Engine) -> None:
    """Through the real inbox: book Thursday 10:40, then 'make it 11 instead' and yes."""
    seed(engine, NOW)
    ids = count(1)

    def send(text: str, minutes: int) -> Handled:
        env = Envelope("sms", "+447911123401", f"SMchg{next(ids):04d}",
                       to_number=SCHEME_NUMBER)
        handled = handle(engine, env, now=NOW + timedelta(minutes=minutes),
                         decide=lambda snap: step(snap, Inbound(text=text)))
        assert handled is not None and handled.refused is None, text
        return handled

    send("lift to leyburn surgery thursday 10.40", 0)
    send("yes", 1)
    readback = send("can you make it 11 instead", 2)
    assert "to " + day_words(THU) + " at 11:00" in said(readback.decision)
    done = send("yes", 3)
    assert "moving to" in said(done.decision)
    with Session(engine) as session:
        (lift,) = session.exec(select(LiftRequest)).all()
    assert lift.appointment_at == at(THU, 11) and lift.status == "requested"
