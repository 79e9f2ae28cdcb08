"""Erasure on SQLite and PostgreSQL: future trips cancelled through the life-cycle (drivers
told), the person and their history anonymised, the counts kept, the audit trail written."""

from __future__ import annotations

from datetime import date, time, timedelta
from functools import partial

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from booking import coordinator
from booking.audit import Actor
from booking.domain.outcomes import Refused
from booking.help import open_help
from booking.intake.effects import RequestLift
from booking.intake.inbox import Envelope, handle
from booking.intake.residents import request_lift
from booking.intake.views import Snapshot
from booking.lifecycle import progress
from booking.privacy.erasure import erase, erase_traces, find, preview
from booking.reports.impact import impact
from booking.rules import local_instant
from booking.schemes import rules_for
from bot.dialogue.flow import step
from bot.messages import Inbound, Outcome
from storage.db import transaction
from storage.tables import (
    Absence,
    AuditEntry,
    Availability,
    Leg,
    LiftRequest,
    OutboxMessage,
    Person,
    Place,
    Vehicle,
)
from tests.support.traces import held
from tests.support.world import LONDON, SCHEME_NUMBER, driven_lift, monday_morning, seed

NOW = monday_morning()
EDITH = "+447911123401"
MARGARET = "+447911123601"
ADMIN = Actor("Dana Protection", "cli", "admin")


def _future_lift(engine: Engine, resident: str = "Edith Bainbridge",
                 driver: str = "Margaret Allen") -> int:
    """A Thursday 10:40 GP lift, given to `driver` by hand; returns the request id."""
    thursday = NOW.astimezone(LONDON).date() + timedelta(days=3)
    with transaction(engine) as session:
        person = session.exec(select(Person).where(Person.name == resident)).one()
        place = session.exec(select(Place).where(Place.kind == "gp")).first()
        assert place is not None
        request = request_lift(session, person, RequestLift(
            place.id or 0, local_instant(thursday, time(10, 40), LONDON), "wait", False),
            now=NOW, channel="sms")
        taker = session.exec(select(Person).where(Person.name == driver)).one()
        done = coordinator.assign(session, 1, request.id or 0, taker.id or 0,
                                  Actor("Pat Coordinator", "cli"), NOW, override=True)
        assert isinstance(done, coordinator.Done)
        return request.id or 0


def _past_lifts(engine: Engine) -> tuple[date, date]:
    """Two lifts Edith had last month; returns the month's bounds (local days)."""
    day = (NOW - timedelta(days=30)).astimezone(LONDON).date()
    driven_lift(engine, day, driver_miles=14.0, passenger_miles=9.0)
    driven_lift(engine, day + timedelta(days=1), driver_miles=11.0, passenger_miles=7.5)
    return day, day + timedelta(days=1)


def _step(snap: Snapshot, *, inbound: Inbound) -> Outcome:
    return step(snap, inbound)


def _person(session: Session, phone: str) -> Person:
    (person,) = find(session, phone)
    return person


def test_a_plain_delete_fails_on_the_foreign_keys_and_erasure_does_not(
        any_engine: Engine) -> None:
    """DELETE of a resident with lifts, messages and an audit trail is refused by the foreign
    keys; erasure anonymises instead, and the row stays for the counts."""
    seed(any_engine, NOW)
    _past_lifts(any_engine)
    with Session(any_engine) as session:
        edith_id = _person(session, EDITH).id
    with pytest.raises(IntegrityError), transaction(any_engine) as session:
        session.execute(text("DELETE FROM person WHERE id = :id"), {"id": edith_id})
    with transaction(any_engine) as session:
        erase(session, _person(session, EDITH), ADMIN, NOW)
    with Session(any_engine) as session:
        edith = session.get(Person, edith_id)
        assert edith is not None
        assert (edith.name, edith.phone, edith.address, edith.lat, edith.active) == (
            "Anonymised", None, "", None, False)
        assert edith.anonymised_at == NOW


def test_erasing_a_resident_cancels_their_future_lift_and_tells_the_driver(
        any_engine: Engine) -> None:
    """The future lift is cancelled through the life-cycle and its driver stood down; the
    past ones are kept as counts; nothing that names Edith is left; the trail says so."""
    seed(any_engine, NOW)
    first, last = _past_lifts(any_engine)
    request_id = _future_lift(any_engine)
    with Session(any_engine) as session:
        rules = rules_for(session, 1)
        before = impact(session, 1, first, last, rules)
        margaret = _person(session, MARGARET)
        plan = preview(session, _person(session, EDITH), NOW)
    assert plan.cancelled == [request_id] and plan.requests == 3
    assert set(held(any_engine, "Edith Bainbridge", "2 Church Lane", EDITH)) == {
        "Edith Bainbridge", "2 Church Lane", EDITH}

    with transaction(any_engine) as session:
        done = erase(session, _person(session, EDITH), ADMIN, NOW)

    assert done.cancelled == [request_id] and done.requests == 3
    with Session(any_engine) as session:
        request = session.get(LiftRequest, request_id)
        assert request is not None and request.status == "cancelled"
        assert {leg.status for leg in session.exec(select(Leg).where(
            Leg.request_id == request_id))} == {"cancelled"}
        to_margaret = session.exec(select(OutboxMessage).where(
            OutboxMessage.person_id == margaret.id)).all()
        stood_down = [m for m in to_margaret if m.kind == "trip_change"]
        assert len(stood_down) == 1 and stood_down[0].status == "pending"
        assert stood_down[0].body.startswith("Cancelled: trip")
        assigned = [m for m in to_margaret if m.kind == "assigned"
                    and m.request_id == request_id]
        assert assigned and all(m.status == "cancelled" for m in assigned)
        trail = session.exec(select(AuditEntry).where(
            AuditEntry.action == "privacy_erase")).one()
        after = impact(session, 1, first, last, rules)
    assert (trail.actor_name, trail.subject_person_id) == ("Dana Protection", done.person_id)
    assert "1 future lift(s) cancelled" in trail.detail and "Edith" not in trail.detail
    assert after == before and after.done == 2 and after.passengers == 1
    assert held(any_engine, "Edith Bainbridge", "2 Church Lane", EDITH) == {}
    with Session(any_engine) as session, pytest.raises(Refused, match="already been erased"):
        preview(session, session.get(Person, done.person_id), NOW)  # type: ignore[arg-type]


def test_erasing_a_driver_hands_their_trips_back_to_the_planner(any_engine: Engine) -> None:
    """A driver's accepted trip goes back to be planned (the resident told their driver can't
    come, the coordinators alerted); their car, free times and absences go with them."""
    seed(any_engine, NOW)
    request_id = _future_lift(any_engine)
    with transaction(any_engine) as session:
        margaret = _person(session, MARGARET)
        session.add(Absence(driver_id=margaret.id or 0, first_day=NOW.date(),
                            last_day=NOW.date()))
    with transaction(any_engine) as session:
        done = erase(session, _person(session, MARGARET), ADMIN, NOW)
    assert done.freed == [request_id]
    with Session(any_engine) as session:
        legs = session.exec(select(Leg).where(Leg.request_id == request_id)).all()
        request = session.get(LiftRequest, request_id)
        to_edith = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "trip_change", OutboxMessage.address == EDITH)).all()
        alerts = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "coordinator_alert")).all()
        assert not session.exec(select(Availability).where(
            Availability.driver_id == done.person_id)).all()
        assert not session.exec(select(Absence).where(
            Absence.driver_id == done.person_id)).all()
        assert session.exec(select(Vehicle).where(
            Vehicle.driver_id == done.person_id)).one().description == ""
    assert {leg.status for leg in legs} == {"open"} and {leg.driver_id for leg in legs} == {None}
    assert request is not None and request.status == "requested"
    assert len(to_edith) == 1 and "can no longer make it" in to_edith[0].body
    assert any("dropped out of request" in a.body for a in alerts)
    assert held(any_engine, "Margaret Allen", MARGARET) == {}


def test_erasure_waits_while_a_lift_is_under_way(any_engine: Engine) -> None:
    """With the passenger aboard, erasure is refused plainly and nothing changes."""
    seed(any_engine, NOW)
    request_id = _future_lift(any_engine)
    with transaction(any_engine) as session:
        leg = session.exec(select(Leg).where(Leg.request_id == request_id,
                                             Leg.direction == "out")).one()
        assert leg.pickup_at is not None
        progress.report_progress(session, _person(session, MARGARET), "picked_up",
                                 leg.pickup_at)
    with Session(any_engine) as session, pytest.raises(Refused, match="under way"):
        erase(session, _person(session, EDITH), ADMIN, NOW)
    assert "Edith Bainbridge" in held(any_engine, "Edith Bainbridge")


def test_a_number_nobody_has_loses_what_a_stranger_left(any_engine: Engine) -> None:
    """A stranger's half-finished join and HELP are deleted on request, before a week is up."""
    seed(any_engine, NOW)
    stranger = "+447911123778"
    for n, words in enumerate(("Hello, I'd like a lift please", "Mary Kettlewell")):
        env = Envelope("sms", stranger, f"SMx{n}", to_number=SCHEME_NUMBER)
        handle(any_engine, env, now=NOW + timedelta(minutes=n), decide=partial(
            _step, inbound=Inbound(text=words)))
    with transaction(any_engine) as session:
        open_help(session, 1, None, channel="sms", address=stranger, now=NOW)
    assert set(held(any_engine, stranger, "Kettlewell")) == {stranger, "Kettlewell"}
    with transaction(any_engine) as session:
        assert find(session, stranger) == []
        removed = erase_traces(session, 1, stranger)
    assert removed["conversation"] == 1 and removed["helprequest"] == 1
    assert held(any_engine, stranger, "Kettlewell") == {}


def test_only_the_persons_own_scheme_is_touched(any_engine: Engine) -> None:
    """The same number in another scheme is another person: erasing one leaves the other."""
    seed(any_engine, NOW)
    with transaction(any_engine) as session:
        from storage.tables import Scheme

        other = Scheme(slug="other", name="Other Lifts")
        session.add(other)
        session.flush()
        session.add(Person(scheme_id=other.id or 0, role="resident", name="Edith Elsewhere",
                           phone=EDITH))
    with transaction(any_engine) as session:
        assert len(find(session, EDITH)) == 2
        erase(session, find(session, EDITH, 1)[0], ADMIN, NOW)
    with Session(any_engine) as session:
        (left,) = find(session, EDITH)
        assert left.name == "Edith Elsewhere"
        assert session.exec(select(Person).where(col(Person.anonymised_at).is_not(None))
                            ).one().scheme_id == 1


def test_erasing_a_coordinator_closes_their_console_sign_in(any_engine: Engine) -> None:
    """A coordinator's console account (linked by their membership) is signed out, disabled,
    and keeps no email, name or phone; the actions they took stay in the trail, unnamed."""
    from booking.accounts import create_account, open_session, signed_in
    from lifts.seed import DEMO_COORDINATOR_PHONE
    from storage.tables import ConsoleAccount

    seed(any_engine, NOW)
    with transaction(any_engine) as session:
        create_account(session, email="pat@example.org", name="Pat Coordinator",
                       role="coordinator", password="a long enough password 123",
                       scheme_ids=[1], now=NOW, phone=DEMO_COORDINATOR_PHONE)
        account = session.exec(select(ConsoleAccount)).one()
        token = open_session(session, account.id or 0, 1, NOW)
    _future_lift(any_engine)  # assigned by Pat: an audit entry with Pat as the actor
    with transaction(any_engine) as session:
        erase(session, _person(session, DEMO_COORDINATOR_PHONE), ADMIN, NOW)
    with Session(any_engine) as session:
        account = session.exec(select(ConsoleAccount)).one()
        assert (account.email, account.name, account.phone, account.active) == (
            f"erased-{account.id}@invalid", "Anonymised", None, False)
        assert signed_in(session, token, NOW, idle=timedelta(hours=1)) is None
    assert held(any_engine, "pat@example.org", "Pat Coordinator",
                DEMO_COORDINATOR_PHONE) == {}
