"""A daughter books for her father end to end by SMS over the real webhook: she asks, he
says yes by text, she books, and his confirmation reaches her phone through the fake Twilio."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from booking import coordinator
from booking.audit import Actor
from booking.lifecycle.legs import ensure_legs
from lifts.app import asgi, build
from storage.db import transaction
from storage.tables import LiftRequest, Person
from tests.e2e.test_sms import Phone, Stack
from tests.support.fakes import fake_twilio
from tests.support.live import live_server
from tests.support.world import monday_morning, seed, settings

DAUGHTER, FATHER = "+447700900300", "+447911123402"  # Harold Metcalfe, seeded


@pytest.fixture
def stack(engine: Engine) -> Iterator[Stack]:
    """Our app under uvicorn with the demo scheme, talking to a fake Twilio."""
    now = monday_morning()
    seed(engine, now)
    with fake_twilio() as twilio:
        lifts = build(settings(engine, twilio_url=twilio.url), clock=lambda: now, engine=engine)
        with live_server(asgi(lifts, dispatch_every=0.2)) as url:
            yield Stack(Phone(url), twilio, engine, now)


def _sent_to(stack: Stack, number: str, count: int = 1) -> list[str]:
    """The texts the dispatcher sent to `number` through 'Twilio' (waiting up to 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        calls = [c.params["Body"] for c in stack.twilio.named("Messages.create")
                 if c.params.get("To") == number]
        if len(calls) >= count or time.monotonic() > deadline:
            return calls
        time.sleep(0.05)


def test_a_daughter_books_for_her_father(stack: Stack) -> None:
    """She texts for her dad by name; he is texted and answers 1; she books 'Dad's lift';
    she chooses to get his messages; his confirmation is texted to her, not him."""
    daughter = Phone(stack.phone.url, DAUGHTER)
    father = Phone(stack.phone.url, FATHER)
    said = daughter.text("Hello, can I book a lift for my dad, Harold Metcalfe, please?")
    assert "If Harold Metcalfe is with us, I've texted them" in said[0]
    (asked,) = _sent_to(stack, FATHER)
    assert "07700 900300 asks to book lifts for you. Reply 1 yes" in asked
    assert "once they've said yes" in daughter.text("Dad's lift to Leyburn surgery Thursday "
                                                    "10.40")[0]
    assert "can now book lifts for you" in father.text("1")[0]
    (welcome,) = _sent_to(stack, DAUGHTER)
    assert welcome.startswith("Harold has said yes")

    readback = daughter.text("Dad needs a lift to Leyburn surgery on Thursday at 10.40")[-1]
    assert "Just Harold to Leyburn Medical Practice" in readback
    assert readback.endswith("Reply YES or NO.")
    done = daughter.text("yes")
    assert "Harold's lift request" in done[0]
    assert "Who should get Harold's confirmation and reminders?" in done[-1]
    assert "you will get them" in daughter.text("2")[0]

    with transaction(stack.engine) as session:  # a driver takes it (arranged by phone)
        father_row = session.exec(select(Person).where(Person.phone == FATHER)).one()
        request = session.exec(select(LiftRequest).where(
            LiftRequest.resident_id == father_row.id)).one()
        ensure_legs(session, request, stack.now)
        driver = session.exec(select(Person).where(Person.role == "driver")).first()
        assert driver is not None
        assert isinstance(coordinator.assign(session, 1, request.id or 0, driver.id or 0,
                                             Actor("Pat", "cli"), stack.now, override=True),
                          coordinator.Done)
    texts = _sent_to(stack, DAUGHTER, 2)
    assert texts[1].startswith("For Harold: Confirmed for Thu") and "collect them" in texts[1]
    assert len(_sent_to(stack, FATHER)) == 1  # only the question: his messages go to her
    with Session(stack.engine) as session:
        assert session.exec(select(Person).where(Person.phone == DAUGHTER)).one().role == \
            "contact"
