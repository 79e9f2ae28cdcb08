"""The trip life-cycle on a real database: each defect the implicit life-cycle let through,
now guarded, and the rule that nothing moves outside the transition tables."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from booking import coordinator
from booking.audit import Actor
from booking.domain.eligibility import Problem
from booking.domain.outcomes import HOME_UNKNOWN, Refused
from booking.domain.shapes import return_plan_for
from booking.domain.status import LegStatus, OfferStatus, RequestStatus
from booking.domain.transitions import Cause, InvalidTransition
from booking.intake.effects import RequestLift
from booking.intake.residents import ADDRESS_TO_CONFIRM, change_lift, request_lift
from booking.lifecycle import progress
from booking.lifecycle.legs import ensure_legs, move_leg
from booking.offers import answers, fit, urgent
from booking.offers.making import offer_planned
from booking.planning.day import load_day
from booking.reports.roster import unassigned_text
from booking.rules import SchemeRules, local_instant, warning_deadline
from storage.db import transaction
from storage.tables import (
    Availability,
    Leg,
    LiftRequest,
    MileageEntry,
    Offer,
    OutboxMessage,
    Person,
    Place,
    Vehicle,
)
from tests.support.world import LONDON, monday_morning, seed

NOW = monday_morning()
THURSDAY = NOW.astimezone(LONDON).date() + timedelta(days=3)
PAT = Actor("Pat Jones", "cli")


def _person(session: Session, name: str) -> Person:
    return session.exec(select(Person).where(Person.name == name)).one()


def _request(session: Session, resident: str, plan: str = "wait",
             at: time = time(10, 40)) -> LiftRequest:
    """A Thursday GP lift whose legs have times, as a plan would give them."""
    place = session.exec(select(Place).where(Place.kind == "gp")).first()
    assert place is not None
    appointment = local_instant(THURSDAY, at, LONDON)
    request = request_lift(session, _person(session, resident), RequestLift(
        place.id or 0, appointment, plan, False), now=NOW, channel="sms")
    for leg in ensure_legs(session, request, NOW):
        start = appointment - timedelta(minutes=35) if leg.direction == "out" else \
            appointment + timedelta(minutes=30)
        leg.pickup_at, leg.dropoff_at = start, start + timedelta(minutes=20)
        leg.driver_miles, leg.passenger_miles = 6.0, 4.0
        session.add(leg)
    return request


def _offer_each_leg(session: Session, request: LiftRequest, out: str, back: str) -> dict[str, int]:
    """The out leg planned for one driver, the way home for another; both offered."""
    legs = {leg.direction: leg for leg in ensure_legs(session, request, NOW)}
    for direction, name in (("out", out), ("back", back)):
        move_leg(session, legs[direction], LegStatus.PLANNED, Cause.PLAN, now=NOW,
                 driver_id=_person(session, name).id)
    offer_planned(session, request, NOW, plan_run_id=None)
    offers = session.exec(select(Offer).where(Offer.request_id == request.id)).all()
    by_driver = {o.driver_id: o.id or 0 for o in offers}
    return {name: by_driver[_person(session, name).id or 0] for name in (out, back)}


def _bodies(session: Session, person: Person, kind: str) -> list[str]:
    return [m.body for m in session.exec(select(OutboxMessage).where(
        OutboxMessage.person_id == person.id, OutboxMessage.kind == kind)
        .order_by(OutboxMessage.id)).all()]  # type: ignore[arg-type]


@pytest.fixture
def world(engine: Engine) -> Engine:
    """The demo scheme at the test's Monday morning."""
    seed(engine, NOW)
    return engine


def test_picked_up_then_dropped_off_moves_the_trip_and_records_the_miles(world: Engine) -> None:
    """PICKED UP finds the driver's accepted leg (it once looked for one already picked up),
    DROPPED OFF finishes it, and the miles are recorded once."""
    with transaction(world) as session:
        request = _request(session, "Edith Bainbridge", "one_way")
        margaret = _person(session, "Margaret Allen")
        done = coordinator.assign(session, 1, request.id or 0, margaret.id or 0, PAT, NOW,
                                  override=True)
        assert isinstance(done, coordinator.Done)
        (leg,) = ensure_legs(session, request, NOW)
        assert leg.pickup_at is not None
        assert progress.report_progress(session, margaret, "picked_up",
                                        leg.pickup_at) == "Thanks, noted."
        assert leg.status == LegStatus.PICKED_UP
        said = progress.report_progress(session, margaret, "dropped_off", leg.pickup_at)
        assert said == "Thanks, noted. Drive safely!"
        assert (leg.status, request.status) == (LegStatus.DONE, RequestStatus.DONE)
        again = progress.report_progress(session, margaret, "dropped_off", leg.pickup_at)
        assert "can't find a trip" in again
        assert [e.miles for e in session.exec(select(MileageEntry)).all()] == [6.0]


def test_no_show_alerts_a_coordinator_and_ends_the_other_drivers_offer(world: Engine) -> None:
    """NO SHOW tells a coordinator (it once alerted nobody), withdraws the way home offered to
    another driver, and that offer expiring later changes nothing (it once reopened the leg
    and told the driver the trip had gone to someone else)."""
    with transaction(world) as session:
        request = _request(session, "Edith Bainbridge", "collect_later")
        offers = _offer_each_leg(session, request, "Margaret Allen", "David Brown")
        margaret, david = _person(session, "Margaret Allen"), _person(session, "David Brown")
        assert answers.accept(session, margaret, offers["Margaret Allen"], NOW).accepted
        for row in session.exec(select(OutboxMessage)).all():
            row.status = "sent"  # David has seen his offer: its end must be said
        out = session.exec(select(Leg).where(Leg.request_id == request.id,
                                             Leg.direction == "out")).one()
        said = progress.report_progress(session, margaret, "no_show", out.pickup_at or NOW)
        assert "told the coordinator" in said
    with transaction(world) as session:
        answers.expire_due(session, NOW + timedelta(days=1))
    with Session(world) as session:
        legs = {leg.direction: leg.status for leg in session.exec(select(Leg)).all()}
        assert legs == {"out": LegStatus.NO_SHOW, "back": LegStatus.CANCELLED}
        assert session.get(LiftRequest, request.id).status == RequestStatus.NO_SHOW  # type: ignore[union-attr]
        assert session.get(Offer, offers["David Brown"]).status == OfferStatus.WITHDRAWN  # type: ignore[union-attr]
        coordinator_alerts = _bodies(session, _person(session, "Pat Coordinator"),
                                     "coordinator_alert")
        assert any("was not there" in body for body in coordinator_alerts)
        told_david = [m.body for m in session.exec(select(OutboxMessage).where(
            OutboxMessage.person_id == david.id)).all()]
        assert any("no longer needed" in body for body in told_david)
        assert not any("gone to someone else" in body for body in told_david)
        assert session.exec(select(MileageEntry)).one().leg_id == out.id


def test_confirmation_names_the_driver_who_collects_first(world: Engine) -> None:
    """Two drivers for one lift: the confirmation and reminders name the driver and car of the
    pickup, and the other driver for the way home (they once named whoever accepted last)."""
    with transaction(world) as session:
        request = _request(session, "Edith Bainbridge", "collect_later")
        offers = _offer_each_leg(session, request, "Margaret Allen", "David Brown")
        david, margaret = _person(session, "David Brown"), _person(session, "Margaret Allen")
        assert answers.accept(session, margaret, offers["Margaret Allen"], NOW).accepted
        assert answers.accept(session, david, offers["David Brown"], NOW).accepted
        edith = _person(session, "Edith Bainbridge")
        (confirmation,) = _bodies(session, edith, "confirmation")
        reminders = _bodies(session, edith, "reminder")
    car = "silver Honda Jazz"
    assert "Margaret will collect you" in confirmation and car in confirmation
    assert "David takes you home" in confirmation
    assert reminders and all("Margaret" in r and "David" not in r for r in reminders)


def test_the_early_warning_never_comes_before_the_offers_could_be_answered() -> None:
    """Default rules: 24 hours before a 10:40 appointment is 10:40 the day before, before the
    17:00 cut-off; the warning waits for the cut-off plus the offer expiry (19:00)."""
    rules = SchemeRules()
    appointment = local_instant(THURSDAY, time(10, 40), LONDON)
    deadline = warning_deadline(appointment, rules).astimezone(LONDON)
    assert (deadline.date(), deadline.time()) == (THURSDAY - timedelta(days=1), time(19, 0))
    early_cutoff = SchemeRules(planning_cutoff=time(9, 0))  # offers answered by 11:00
    evening = local_instant(THURSDAY, time(18, 0), LONDON)
    assert warning_deadline(evening, early_cutoff) == evening - timedelta(hours=24)


def test_assigning_a_driver_the_rules_would_not_choose_needs_an_override(world: Engine) -> None:
    """A wheelchair passenger and a car that cannot take the chair, a driver whose DBS has
    run out: /assign says which rules break and changes nothing until overridden."""
    with transaction(world) as session:
        harold = _person(session, "Harold Metcalfe")
        harold.mobility = "wheelchair_vehicle"
        request = _request(session, "Harold Metcalfe")
        request.mobility = "wheelchair_vehicle"
        susan = _person(session, "Susan Clark")
        susan.dbs_checked_on = NOW.date() - timedelta(days=4 * 365)
        result = coordinator.assign(session, 1, request.id or 0, susan.id or 0, PAT, NOW)
        assert isinstance(result, coordinator.NeedsOverride)
        assert {Problem.WHEELCHAIR_VEHICLE.value, Problem.DBS.value} <= set(result.problems)
        assert {leg.status for leg in ensure_legs(session, request, NOW)} == {LegStatus.OPEN}
        forced = coordinator.assign(session, 1, request.id or 0, susan.id or 0, PAT, NOW,
                                    override=True)
        assert isinstance(forced, coordinator.Done) and "Overriding" in forced.message
        assert request.status == RequestStatus.CONFIRMED


def test_unassign_puts_a_trip_back_and_the_planner_leaves_that_driver_out(world: Engine) -> None:
    """/unassign: the driver is stood down, the resident told, and the next plan will not
    choose the same driver for it."""
    with transaction(world) as session:
        request = _request(session, "Edith Bainbridge")
        john = _person(session, "John Fletcher")
        coordinator.assign(session, 1, request.id or 0, john.id or 0, PAT, NOW, override=True)
        done = coordinator.unassign(session, 1, request.id or 0, PAT, NOW)
        assert "no longer John Fletcher's" in done.message
        assert request.status == RequestStatus.REQUESTED
        assert {leg.status for leg in ensure_legs(session, request, NOW)} == {LegStatus.OPEN}
        assert any("Pat has taken" in b for b in _bodies(session, john, "trip_change"))
        edith = _person(session, "Edith Bainbridge")
        assert any("can no longer make it" in b for b in _bodies(session, edith, "trip_change"))
    with Session(world) as session:
        day = load_day(session, 1, THURSDAY, now=NOW)
        (row,) = [r for r in day.requests if r.id == request.id]
        assert john.id in row.declined_by
    with transaction(world) as session:
        with pytest.raises(coordinator.Refused, match="no driver to take it off"):
            coordinator.unassign(session, 1, request.id or 0, PAT, NOW)


def test_urgent_broadcasts_keep_to_the_same_rule_as_the_planner(world: Engine) -> None:
    """The shortlist leaves out cars that do not take dogs, drivers who will not go that far,
    drivers not free then, and the driver the plan has already offered it to."""
    with transaction(world) as session:
        joan = _person(session, "Joan Thwaite")
        joan.assistance_dog = True
        request = _request(session, "Joan Thwaite")
        request.assistance_dog = True
        legs = ensure_legs(session, request, NOW)
        suitable = {f.driver.person.name for f in fit.suitable(session, request, legs)}
        no_dogs = {d.name for d in session.exec(select(Person).join(
            Vehicle, Vehicle.driver_id == Person.id).where(  # type: ignore[arg-type]
            Vehicle.accepts_dogs == False)).all()}  # noqa: E712
        assert suitable and not suitable & no_dogs
        nearest = fit.suitable(session, request, legs)[0].driver.person
        nearest.max_miles_from_home = 0.1
        assert nearest.name not in {f.driver.person.name
                                    for f in fit.suitable(session, request, legs)}
        nearest.max_miles_from_home = None
        session.exec(select(Availability)).all()
        for slot in session.exec(select(Availability).where(
                Availability.driver_id == nearest.id)).all():
            slot.start_minute, slot.end_minute = 14 * 60, 18 * 60  # afternoons only
        judged = fit.judge_person(session, request, legs, nearest).problems
        assert Problem.NOT_FREE in judged
        sent = urgent.broadcast_request(session, 1, request.id or 0, NOW)
        again = fit.suitable(session, request, legs)
        assert not {p.id for p in sent} & {f.driver.facts.id for f in again}


def test_a_resident_we_cannot_place_goes_to_a_coordinator(world: Engine) -> None:
    """An address no village matches: the request waits for a coordinator (it was once told
    "request received" and never planned), who is alerted and sees why."""
    with transaction(world) as session:
        edith = _person(session, "Edith Bainbridge")
        edith.lat = edith.lon = None
        request = _request(session, "Edith Bainbridge")
        assert (request.status, request.status_reason) == (RequestStatus.NEEDS_COORDINATOR,
                                                           HOME_UNKNOWN)
        alerts = _bodies(session, _person(session, "Pat Coordinator"), "coordinator_alert")
        assert any("don't know where Edith Bainbridge lives" in a for a in alerts)
        assert HOME_UNKNOWN in unassigned_text(session, 1, THURSDAY, LONDON)
        day = load_day(session, 1, THURSDAY, now=NOW)
        assert day.excluded == {request.id: HOME_UNKNOWN}
    assert "coordinator will confirm it" in ADDRESS_TO_CONFIRM


def test_drivers_wait_only_as_long_as_the_scheme_allows() -> None:
    """driver_wait_free_minutes is read: a hospital appointment longer than the free wait
    becomes a separate way home."""
    rules = SchemeRules(driver_wait_free_minutes=60)
    assert return_plan_for("wait", "gp", rules) == "wait"  # 20 early + 15 = 35 minutes
    assert return_plan_for("wait", "hospital", rules) == "collect_later"  # 20 + 60 = 80
    assert return_plan_for("wait", "hospital", SchemeRules()) == "wait"  # 80 <= 90


def test_a_move_outside_the_table_is_refused_and_nothing_changes(world: Engine) -> None:
    """A finished leg cannot be freed, an open one cannot be picked up: InvalidTransition,
    and the leg is as it was."""
    with transaction(world) as session:
        request = _request(session, "Edith Bainbridge", "one_way")
        (leg,) = ensure_legs(session, request, NOW)
        with pytest.raises(InvalidTransition):
            move_leg(session, leg, LegStatus.PICKED_UP, Cause.PICK_UP, now=NOW)
        assert (leg.status, leg.driver_id) == (LegStatus.OPEN, None)
        with pytest.raises(InvalidTransition):
            move_leg(session, leg, LegStatus.OPEN, Cause.DECLINE, now=NOW)


def test_an_offer_never_sent_is_dropped_not_withdrawn_aloud(world: Engine) -> None:
    """A driver is not told "trip 12 is no longer needed" about a trip 12 they never saw:
    the unsent offer is simply not sent."""
    with transaction(world) as session:
        request = _request(session, "Edith Bainbridge", "collect_later")
        offers = _offer_each_leg(session, request, "Margaret Allen", "David Brown")
        coordinator.cancel(session, 1, request.id or 0, "", PAT, NOW)
        david = _person(session, "David Brown")
        rows = session.exec(select(OutboxMessage).where(
            OutboxMessage.person_id == david.id)).all()
        assert [(m.kind, m.status) for m in rows] == [("offer", "cancelled")]
        assert session.get(Offer, offers["David Brown"]).status == OfferStatus.WITHDRAWN  # type: ignore[union-attr]


def test_cancelling_tells_the_driver_and_the_one_offered(world: Engine) -> None:
    """A resident cancels: the driver who accepted the way there is stood down, the driver
    offered the way home is told it is off, and no reminder is left to go out."""
    with transaction(world) as session:
        request = _request(session, "Edith Bainbridge", "collect_later")
        offers = _offer_each_leg(session, request, "Margaret Allen", "David Brown")
        margaret, david = _person(session, "Margaret Allen"), _person(session, "David Brown")
        assert answers.accept(session, margaret, offers["Margaret Allen"], NOW).accepted
        for row in session.exec(select(OutboxMessage)).all():
            row.status = "sent"  # the offers went out: withdrawing them must be said
        coordinator.cancel(session, 1, request.id or 0, "resident in hospital", PAT, NOW)
        assert any("no longer needed" in b for b in _bodies(session, margaret, "trip_change"))
        assert any("no longer needed" in b for b in _bodies(session, david, "trip_change"))
        pending = session.exec(select(OutboxMessage).where(
            OutboxMessage.request_id == request.id, OutboxMessage.kind == "reminder",
            OutboxMessage.status == "pending")).all()
        assert pending == []
        edith = _person(session, "Edith Bainbridge")
        assert any("is cancelled" in b for b in _bodies(session, edith, "trip_change"))



def test_changing_the_appointment_replans_and_tells_the_driver(world: Engine) -> None:
    """"It's moved to 11": the accepted driver is told it is no longer theirs, the lift goes
    back to be planned at the new time, and its old reminders are dropped."""
    with transaction(world) as session:
        request = _request(session, "Edith Bainbridge")
        john = _person(session, "John Fletcher")
        coordinator.assign(session, 1, request.id or 0, john.id or 0, PAT, NOW, override=True)
        edith = _person(session, "Edith Bainbridge")
        later = local_instant(THURSDAY, time(11, 0), LONDON)
        change_lift(session, edith, request.id or 0, later, now=NOW)
        assert (request.status, request.appointment_at) == (RequestStatus.REQUESTED, later)
        legs = ensure_legs(session, request, NOW)
        assert {(leg.status, leg.driver_id, leg.pickup_at) for leg in legs} == {
            (LegStatus.OPEN, None, None)}
        assert any("appointment has changed" in b for b in _bodies(session, john, "trip_change"))
        waiting = session.exec(select(OutboxMessage).where(
            OutboxMessage.request_id == request.id, OutboxMessage.kind == "reminder",
            OutboxMessage.status == "pending")).all()
        assert waiting == []
        with pytest.raises(Refused, match="outside the hours"):
            change_lift(session, edith, request.id or 0,
                        local_instant(THURSDAY, time(21, 0), LONDON), now=NOW)
