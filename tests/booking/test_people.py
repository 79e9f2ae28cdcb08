"""Approval and vetting: a driver who joins by code is kept off every trip (so no resident's
details reach them) until a coordinator records their checks; an expired driver is planned
again once the renewal is recorded; with `approve_new_residents` on, a newcomer waits for a
coordinator before booking. Through the real inbox, planner and outbox."""

from __future__ import annotations

from datetime import time, timedelta
from itertools import count

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking import coordinator
from booking.audit import Actor
from booking.domain.outcomes import Refused
from booking.driver_days import free_drivers
from booking.intake import drivers, effects
from booking.intake.effects import RequestLift
from booking.intake.inbox import Envelope, Handled, handle
from booking.intake.residents import request_lift
from booking.offers import fit
from booking.offers.urgent import broadcast_request
from booking.people import approval
from booking.people.approval import Checks
from booking.rules import local_instant
from booking.schemes import update_rule
from bot.dialogue.flow import step
from bot.messages import Inbound
from storage.db import transaction
from storage.tables import (
    AuditEntry,
    Leg,
    LiftRequest,
    Offer,
    OutboxMessage,
    Person,
    Place,
    PlanJob,
    Scheme,
)
from tests.support.world import LONDON, SCHEME_NUMBER, TRAVEL, monday_morning, seed

NOW = monday_morning()
TODAY = NOW.astimezone(LONDON).date()
THURSDAY = TODAY + timedelta(days=3)
ACTOR = Actor("Pat Coordinator", "cli")
NEW_DRIVER_PHONE = "+447911555001"
_sids = count(1)


def _text(engine: Engine, sender: str, text: str) -> Handled:
    handled = handle(engine, Envelope("sms", sender, f"SMppl{next(_sids):05d}",
                                      to_number=SCHEME_NUMBER), now=NOW,
                     decide=lambda snap: step(snap, Inbound(text=text)))
    assert handled is not None
    return handled


def _new_driver_only(engine: Engine) -> int:
    """The demo's drivers stood down and a newcomer joined by code, free every weekday."""
    with transaction(engine) as session:
        for driver in session.exec(select(Person).where(Person.role == "driver")).all():
            driver.active = False
            session.add(driver)
        scheme = session.exec(select(Scheme)).one()
        code = drivers.new_invitation(session, scheme, name="Nina New", now=NOW).code
        leyburn = session.exec(select(Place).where(Place.name == "Leyburn")).one()
        person = drivers.join_driver(session, effects.JoinDriver(
            code, "Nina Newcomer", "Leyburn", leyburn.id, "red Kia", 3, False, False, True,
            TODAY, TODAY, TODAY + timedelta(days=300)), now=NOW, channel="sms",
            address=NEW_DRIVER_PHONE, telegram_user_id=None)
        drivers.set_availability(session, person, effects.SetAvailability(
            tuple((day, 8 * 60, 18 * 60) for day in range(5))))
        return person.id or 0


def _request(engine: Engine, resident: str = "Edith Bainbridge") -> int:
    with transaction(engine) as session:
        person = session.exec(select(Person).where(Person.name == resident)).one()
        place = session.exec(select(Place).where(Place.kind == "gp")).first()
        assert place is not None
        request = request_lift(session, person, RequestLift(
            place.id or 0, local_instant(THURSDAY, time(10, 40), LONDON), "wait", False),
            now=NOW, channel="sms")
        return request.id or 0


def _plan(engine: Engine) -> None:
    from booking.planning.run import plan_day

    plan_day(engine, 1, THURSDAY, now=NOW, trigger="test", matrices=TRAVEL.matrices,
             time_limit=1.0)


def _to(engine: Engine, person_id: int) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage.body).where(
            OutboxMessage.person_id == person_id).order_by(col(OutboxMessage.id))).all())


def _residents_details(engine: Engine) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(select(Person).where(Person.role == "resident")).all()
        return [d for p in rows for d in (p.name, p.address, p.phone or "") if d]


def test_a_driver_who_joins_by_code_waits_and_is_told_why(any_engine: Engine) -> None:
    """The chat's join ends with what happens next; the driver is pending and the
    coordinators are asked to see the checks."""
    seed(any_engine, NOW)
    with transaction(any_engine) as session:
        scheme = session.exec(select(Scheme)).one()
        code = drivers.new_invitation(session, scheme, name="Nina", now=NOW).code
    replies: list[str] = []
    for text in (f"JOIN {code}", "Nina Newcomer", "Leyburn", "red Kia Picanto", "3", "no",
                 "no", "yes", "3/2026", "6/2026", "1/9/2027",
                 "Mondays and Tuesdays 9 till 5", "yes", "yes"):
        handled = _text(any_engine, NEW_DRIVER_PHONE, text)
        replies = [t for t, _c, _r in handled.texts]
    with Session(any_engine) as session:
        driver = session.exec(select(Person).where(Person.phone == NEW_DRIVER_PHONE)).one()
        alerts = session.exec(select(OutboxMessage.body).where(
            OutboxMessage.kind == "coordinator_alert")).all()
    assert driver.role == "driver" and driver.pending_since == NOW, replies
    assert "DBS, licence and insurance" in replies[0]
    assert any("New driver Nina Newcomer" in a and "approve" in a for a in alerts)


def test_a_pending_driver_gets_no_offers_and_no_residents_details(any_engine: Engine) -> None:
    """Planned, broadcast or assigned by hand (even with the override), nothing reaches the
    pending driver; once the checks are recorded the same day plans onto them."""
    seed(any_engine, NOW)
    driver_id = _new_driver_only(any_engine)
    request_id = _request(any_engine)
    _plan(any_engine)
    with transaction(any_engine) as session:
        request = session.get(LiftRequest, request_id)
        assert request is not None
        legs = session.exec(select(Leg).where(Leg.request_id == request_id)).all()
        assert not fit.suitable(session, request, legs)
        with pytest.raises(Refused, match="No suitable driver"):
            broadcast_request(session, 1, request_id, NOW)
    with transaction(any_engine) as session:
        with pytest.raises(Refused, match="not yet approved"):
            coordinator.assign(session, 1, request_id, driver_id, ACTOR, NOW, override=True)
    with Session(any_engine) as session:
        assert not session.exec(select(Offer).where(Offer.driver_id == driver_id)).all()
        assert not session.exec(select(Leg).where(Leg.driver_id == driver_id)).all()
    told = " ".join(_to(any_engine, driver_id))
    assert not [d for d in _residents_details(any_engine) if d in told]

    with transaction(any_engine) as session:
        done = approval.vet_driver(session, 1, driver_id, Checks(
            TODAY - timedelta(days=2), TODAY - timedelta(days=2), TODAY + timedelta(days=200)),
            ACTOR, NOW)
    assert "approved" in done.message
    assert "approved to drive" in _to(any_engine, driver_id)[-1]
    _plan(any_engine)
    with Session(any_engine) as session:
        offers = session.exec(select(Offer).where(Offer.driver_id == driver_id)).all()
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "vet")).one()
    assert [o.request_id for o in offers] == [request_id]
    assert entry.subject_person_id == driver_id and "insurance to" in entry.detail


def test_an_expired_driver_is_planned_again_after_a_renewal(any_engine: Engine) -> None:
    """Insurance ran out yesterday: left out of the day; the renewal recorded, back in."""
    seed(any_engine, NOW)
    with transaction(any_engine) as session:
        driver = session.exec(select(Person).where(Person.role == "driver")
                              .order_by(col(Person.id))).first()
        assert driver is not None
        driver.insurance_expires_on = TODAY - timedelta(days=1)
        session.add(driver)
        driver_id = driver.id or 0
    with Session(any_engine) as session:
        assert driver_id not in {d.id for d in free_drivers(session, 1, THURSDAY, LONDON)}
    with transaction(any_engine) as session:
        done = approval.vet_driver(session, 1, driver_id, Checks(
            TODAY - timedelta(days=30), TODAY, TODAY + timedelta(days=365)), ACTOR, NOW)
    assert "renewed" in done.message
    with Session(any_engine) as session:
        assert driver_id in {d.id for d in free_drivers(session, 1, THURSDAY, LONDON)}
        assert session.exec(select(AuditEntry.action).where(
            AuditEntry.subject_person_id == driver_id)).all() == ["renew_checks"]


@pytest.mark.parametrize(("checks", "problem"), [
    (Checks(TODAY + timedelta(days=1), TODAY, TODAY + timedelta(days=9)), "future"),
    (Checks(TODAY, TODAY - timedelta(days=400), TODAY + timedelta(days=9)), "out of date"),
    (Checks(TODAY, TODAY, TODAY - timedelta(days=1)), "already expired"),
])
def test_impossible_check_dates_are_refused_and_nothing_changes(
        engine: Engine, checks: Checks, problem: str) -> None:
    seed(engine, NOW)
    driver_id = _new_driver_only(engine)
    with transaction(engine) as session, pytest.raises(Refused, match=problem):
        approval.vet_driver(session, 1, driver_id, checks, ACTOR, NOW)
    with Session(engine) as session:
        driver = session.get(Person, driver_id)
        assert driver is not None and driver.pending_since is not None


JOIN = ("hello", "Mary Kettlewell", "4 Chapel Row, Middleham", "dl8 4pu", "2", "no", "no",
        "yes")


def test_with_the_rule_on_a_newcomer_waits_to_book(any_engine: Engine) -> None:
    """Joined, told kindly in one text; a coordinator is alerted; a booking is answered with
    the wait and stores nothing; approved, they are told and can book."""
    seed(any_engine, NOW)
    with transaction(any_engine) as session:
        update_rule(session, session.exec(select(Scheme)).one(), "approve_new_residents", "on")
    phone = "+447911555002"
    for text in JOIN:
        handled = _text(any_engine, phone, text)
    (welcome,) = [t for t, _c, _r in handled.texts]
    assert "coordinator will confirm your details" in welcome and len(welcome) <= 160
    asked = [t for t, _c, _r in _text(any_engine, phone, "lift to leyburn thursday 10.40").texts]
    assert "confirm your details" in asked[0]
    with Session(any_engine) as session:
        person = session.exec(select(Person).where(Person.phone == phone)).one()
        assert person.pending_since == NOW
        assert not session.exec(select(LiftRequest).where(
            LiftRequest.resident_id == person.id)).all()
        alerts = session.exec(select(OutboxMessage.body).where(
            OutboxMessage.kind == "coordinator_alert")).all()
    assert any("Mary Kettlewell is waiting for your approval" in a for a in alerts)
    with transaction(any_engine) as session, pytest.raises(Refused, match="confirmed"):
        request_lift(session, session.get(Person, person.id), RequestLift(  # type: ignore[arg-type]
            1, local_instant(THURSDAY, time(10, 40), LONDON), "wait", False), now=NOW,
            channel="sms")

    with transaction(any_engine) as session:
        approval.approve_resident(session, 1, person.id or 0, ACTOR, NOW)
    assert "has confirmed you" in _to(any_engine, person.id or 0)[-1]
    readback = [t for t, _c, _r in _text(any_engine, phone, "lift to leyburn thursday 10.40")
                .texts]
    assert "Leyburn" in readback[-1] and "10:40" in readback[-1]


def test_with_the_rule_off_a_newcomer_books_at_once(engine: Engine) -> None:
    seed(engine, NOW)
    for text in JOIN:
        handled = _text(engine, "+447911555003", text)
    assert "you're all set" in handled.texts[0][0]
    with Session(engine) as session:
        assert session.exec(select(Person).where(
            Person.phone == "+447911555003")).one().pending_since is None


def test_deactivating_a_driver_frees_their_planned_trips(engine: Engine) -> None:
    """Offers made to them go back to the planner; a driver with an accepted trip is refused
    until the trip is moved; an inactive resident cannot book."""
    seed(engine, NOW)
    _request(engine)
    _plan(engine)
    with Session(engine) as session:
        leg = session.exec(select(Leg).where(col(Leg.driver_id).is_not(None))).first()
        assert leg is not None and leg.driver_id is not None
        driver_id = leg.driver_id
    with transaction(engine) as session:
        done = approval.deactivate(session, 1, driver_id, ACTOR, NOW)
    assert "no longer active" in done.message
    with Session(engine) as session:
        assert not session.exec(select(Leg).where(Leg.driver_id == driver_id,
                                                  Leg.status == "offered")).all()
        assert driver_id not in {d.id for d in free_drivers(session, 1, THURSDAY, LONDON)}
        edith = session.exec(select(Person).where(Person.name == "Edith Bainbridge")).one()
    with transaction(engine) as session, pytest.raises(Refused, match="lifts booked"):
        approval.deactivate(session, 1, edith.id or 0, ACTOR, NOW)
    with transaction(engine) as session:
        approval.reactivate(session, 1, driver_id, ACTOR, NOW)
        with pytest.raises(Refused, match="already active"):
            approval.reactivate(session, 1, driver_id, ACTOR, NOW)


def test_another_schemes_person_is_not_found(engine: Engine) -> None:
    seed(engine, NOW)
    with transaction(engine) as session, pytest.raises(Refused, match="no such person"):
        approval.approve_resident(session, 99, 1, ACTOR, NOW)


def test_a_resident_changes_their_needs_and_home_by_text(any_engine: Engine) -> None:
    """'I use a wheelchair now', yes: the record and the lift ahead change, the day is queued
    to plan again, a coordinator is told, the trail says the resident did it. Then a move to
    a village the scheme knows places the home there."""
    seed(any_engine, NOW)
    request_id = _request(any_engine)
    edith = "+447911123401"
    asked = _text(any_engine, edith, "I use a wheelchair now").texts[0][0]
    assert "Is that right?" in asked
    done = _text(any_engine, edith, "yes").texts[0][0]
    assert "coordinator has been told" in done
    with Session(any_engine) as session:
        person = session.exec(select(Person).where(Person.phone == edith)).one()
        request = session.get(LiftRequest, request_id)
        jobs = session.exec(select(PlanJob).where(PlanJob.service_day == THURSDAY)).all()
        alerts = session.exec(select(OutboxMessage.body).where(
            OutboxMessage.kind == "coordinator_alert")).all()
        trail = session.exec(select(AuditEntry).where(AuditEntry.action == "edit_needs")).one()
    assert person.mobility == "folding_wheelchair"
    assert request is not None and request.mobility == "folding_wheelchair"
    assert len(jobs) == 1
    assert any("Edith Bainbridge told us by message" in a and "planned again" in a
               for a in alerts)
    assert (trail.actor_role, trail.subject_person_id) == ("resident", person.id)

    _text(any_engine, edith, "I've moved to 3 Market Place, Hawes")
    _text(any_engine, edith, "yes")
    with Session(any_engine) as session:
        person = session.exec(select(Person).where(Person.phone == edith)).one()
        hawes = session.exec(select(Place).where(Place.name == "Hawes",
                                                 Place.kind == "settlement")).one()
    assert person.address == "3 Market Place, Hawes"
    assert (person.lat, person.lon) == (hawes.lat, hawes.lon)
