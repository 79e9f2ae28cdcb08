"""'Is my driver coming?' end to end on a real database: the inbox's Snapshot carries today's
pickup and the first name of the driver who accepted, and the dialogue answers from them."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from sqlalchemy import Engine
from sqlmodel import Session, select

from booking.intake.inbox import Envelope, Handled, handle
from bot.dialogue.flow import step
from bot.messages import Inbound
from lifts.seed import DEMO_COORDINATOR_PHONE
from storage.tables import OutboxMessage
from tests.support.world import SCHEME_NUMBER, monday_morning, seed

NOW = monday_morning()
EDITH = "+447911123401"
_ids = count(1)


def _send(engine: Engine, text: str, address: str, minutes: int) -> Handled:
    env = Envelope("sms", address, f"SMeta{next(_ids):06d}", to_number=SCHEME_NUMBER)
    handled = handle(engine, env, now=NOW + timedelta(minutes=minutes),
                     decide=lambda snap: step(snap, Inbound(text=text)))
    assert handled is not None
    return handled


def _said(handled: Handled) -> str:
    return " ".join([*(r.text for r in handled.decision.replies), *handled.said])


def test_driver_coming_names_the_assigned_driver_and_window(engine: Engine) -> None:
    """A lift today given to Margaret by hand: the resident hears her name and the window,
    and a question after the window has passed alerts the coordinator."""
    seed(engine, NOW)
    _send(engine, "lift to leyburn surgery today at 11am", EDITH, 0)
    booked = _send(engine, "yes", EDITH, 1)
    assert booked.refused is None and "short notice" in _said(booked)
    assigned = _send(engine, "/assign 1 Margaret Allen", DEMO_COORDINATOR_PHONE, 2)
    assert assigned.refused is None and "Margaret" in _said(assigned), _said(assigned)
    early = _send(engine, "is my driver coming?", EDITH, 3)
    assert "Margaret is due to collect you between" in _said(early), _said(early)
    assert not early.decision.effects
    late = _send(engine, "driver still not here", EDITH, 120)
    assert "Margaret should have been with you" in _said(late), _said(late)
    with Session(engine) as session:
        alerts = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "coordinator_alert")).all()
    assert any("#1" in a.body and "hasn't arrived" in a.body for a in alerts)
