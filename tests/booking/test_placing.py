"""A home nobody could locate: the lift waits for a coordinator, planning says so, and placing
the home on the map (the console's pin calls `place_resident`) hands it to the planner."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from booking.audit import Actor
from booking.domain.outcomes import HOME_UNKNOWN, Refused
from booking.geo.placing import place_resident
from booking.intake.effects import RequestLift
from booking.intake.residents import request_lift
from booking.planning.run import plan_day
from booking.rules import local_instant
from storage.db import transaction
from storage.tables import AuditEntry, LiftRequest, OutboxMessage, Person, Place
from tests.support.world import LONDON, TRAVEL, monday_morning, seed

PAT = Actor("Pat Coordinator", "console")


def _unlocated_request(engine: Engine) -> tuple[int, int]:
    now = monday_morning()
    seed(engine, now)
    thursday = now.astimezone(LONDON).date() + timedelta(days=3)
    with transaction(engine) as session:
        person = Person(scheme_id=1, role="resident", name="Nora Unplaced",
                        phone="+447700900777", address="Rose Cottage, somewhere",
                        consent_at=now)
        session.add(person)
        session.flush()
        place = session.exec(select(Place).where(Place.kind == "gp")).first()
        assert place is not None
        request = request_lift(session, person, RequestLift(
            place.id or 0, local_instant(thursday, time(11), LONDON), "wait", False),
            now=now, channel="sms")
        return person.id or 0, request.id or 0


def test_an_unlocated_home_is_never_silently_planned_until_placed(any_engine: Engine) -> None:
    """The request waits for a coordinator (who is alerted), planning reports it as waiting
    for an address and offers no driver; once placed it is planned like any other."""
    person_id, request_id = _unlocated_request(any_engine)
    now = monday_morning()
    thursday = now.astimezone(LONDON).date() + timedelta(days=3)
    with Session(any_engine) as session:
        request = session.get(LiftRequest, request_id)
        assert request is not None
        assert (request.status, request.status_reason) == ("needs_coordinator", HOME_UNKNOWN)
        alert = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "coordinator_alert")).one()
        assert "don't know where Nora Unplaced lives" in alert.body
    first = plan_day(any_engine, 1, thursday, now=now, trigger="test", matrices=TRAVEL.matrices,
                     time_limit=1.0)
    assert first.reasons == {request_id: HOME_UNKNOWN} and first.offers == 0
    with transaction(any_engine) as session:
        placed = place_resident(session, person_id, 54.314, -2.083, by=PAT, now=now)
    assert placed.released == (request_id,)
    with Session(any_engine) as session:
        request = session.get(LiftRequest, request_id)
        assert request is not None and request.status == "requested"
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "place_home")).one()
        assert entry.subject_person_id == person_id and entry.actor_name == "Pat Coordinator"
        assert "54.3" not in entry.detail  # where someone lives is not in the trail
    second = plan_day(any_engine, 1, thursday, now=now, trigger="test",
                      matrices=TRAVEL.matrices, time_limit=1.0)
    assert request_id not in second.reasons and second.served == 1 and second.offers >= 1


def test_placing_refuses_nonsense_and_other_schemes(engine: Engine) -> None:
    """A point off the map, someone else's scheme or a coordinator: refused, nothing changed."""
    person_id, _ = _unlocated_request(engine)
    now = monday_morning()
    with transaction(engine) as session:
        with pytest.raises(Refused, match="not on the map"):
            place_resident(session, person_id, 154.3, -2.0, by=PAT, now=now)
        with pytest.raises(Refused, match="couldn't find"):
            place_resident(session, person_id, 54.3, -2.0, by=PAT, now=now, scheme_id=99)
        with pytest.raises(Refused, match="resident's or a driver's"):
            place_resident(session, 1, 54.3, -2.0, by=PAT, now=now)  # the coordinator
    with Session(engine) as session:
        person = session.get(Person, person_id)
        assert person is not None and person.lat is None
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "place_home")
                            ).first() is None
