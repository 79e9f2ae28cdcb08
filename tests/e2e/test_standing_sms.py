"""A weekly dialysis patient end to end by SMS over the real webhook: three lifts a week
booked in one text, made ahead as ordinary requests, one date dropped, then all cancelled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking import standing
from lifts.app import asgi, build
from storage.db import transaction
from storage.tables import LiftRequest, Person, StandingBooking
from tests.e2e.test_sms import COORDINATOR, RESIDENT, Phone, Stack, _join
from tests.support.fakes import fake_twilio
from tests.support.live import live_server
from tests.support.world import LONDON, monday_morning, seed, settings


@pytest.fixture
def stack(engine: Engine) -> Iterator[Stack]:
    """Our app under uvicorn with the demo scheme, talking to a fake Twilio."""
    now = monday_morning()
    seed(engine, now)
    with fake_twilio() as twilio:
        lifts = build(settings(engine, twilio_url=twilio.url), clock=lambda: now, engine=engine)
        with live_server(asgi(lifts, dispatch_every=0.2)) as url:
            yield Stack(Phone(url), twilio, engine, now)


def _lifts(stack: Stack) -> list[LiftRequest]:
    with Session(stack.engine) as session:
        person = session.exec(select(Person).where(Person.phone == RESIDENT)).one()
        return list(session.exec(select(LiftRequest).where(
            LiftRequest.resident_id == person.id).order_by(
            col(LiftRequest.appointment_at))).all())


def test_a_weekly_dialysis_patient_books_drops_a_date_and_cancels(stack: Stack) -> None:
    """'Every Mon, Wed and Fri at 8am to the Friarage': read back, booked, the first two
    weeks made as requests at 08:00 local; the job adds more later without repeating any;
    'no lift on <date>' drops one; 'cancel my dialysis lifts' ends them all."""
    _join(stack.phone, "hello")
    replies = stack.phone.text("I have dialysis every mon wed and fri at 8am at the friarage")
    assert "How would you like to get home?" in replies[-1]
    readback = stack.phone.text("1")[-1]
    assert "every Mon, Wed and Fri at 08:00 from" in readback
    assert "Friarage Hospital" in readback and readback.endswith("Reply YES or NO.")
    done = stack.phone.text("yes")
    assert "Your lifts every Mon, Wed and Fri at 08:00 are booked from" in done[0]
    made = _lifts(stack)
    local = [r.appointment_at.astimezone(LONDON) for r in made]
    assert made and {t.strftime("%a %H:%M")[:3] for t in local} <= {"Mon", "Wed", "Fri"}
    assert {t.strftime("%H:%M") for t in local} == {"08:00"}
    assert all(r.status == "requested" and r.return_plan == "wait" for r in made)
    assert local[0] - stack.now >= timedelta(hours=48)  # the notice rule is met
    assert local[-1] - stack.now <= timedelta(days=15)
    listing = Phone(stack.phone.url, COORDINATOR).text("/standing")[0]
    assert "Mary Kettlewell: every Mon, Wed and Fri 08:00 to Friarage Hospital" in listing
    with transaction(stack.engine) as session:  # the scheduler's job, a week on, twice
        for _run in range(2):
            standing.extend_all(session, stack.now + timedelta(days=7))
    more = _lifts(stack)
    assert len(more) > len(made)
    assert len({r.appointment_at for r in more}) == len(more)  # none made twice

    dropped = more[1].appointment_at.astimezone(LONDON).date()
    asked = stack.phone.text(f"no lift on {dropped:%A} {dropped.day} {dropped:%B}")
    assert "Cancel your lift on" in asked[0]
    assert "is cancelled" in stack.phone.text("yes")[0]

    asked = stack.phone.text("please cancel my dialysis lifts")
    assert "Cancel all your lifts every Mon, Wed and Fri 08:00" in asked[0]
    assert "are cancelled" in stack.phone.text("yes")[0]
    assert {r.status for r in _lifts(stack)} == {"cancelled"}
    with Session(stack.engine) as session:
        assert session.exec(select(StandingBooking)).one().ended_at is not None
