"""Planning generated Wensleydale days from the database, every plan checked by routing.check."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

import routing
from booking import coordinator
from booking.audit import Actor
from booking.domain.eligibility import Problem
from booking.intake.effects import RequestLift
from booking.intake.residents import request_lift
from booking.lifecycle.legs import ensure_legs
from booking.offers import answers, fit
from booking.planning.day import load_day
from booking.planning.problem import build_problem
from booking.planning.run import plan_day
from booking.rules import local_instant
from storage.db import transaction
from storage.tables import Leg, LiftRequest, Person, Place, Vehicle
from tests.support.world import (
    LONDON,
    TRAVEL,
    generated_day,
    monday_morning,
    planned_thursday,
    seed,
)


def test_generated_days_plan_without_violations(engine: Engine) -> None:
    """Three generated days of 20 requests: the problem built from the database is solved
    to a plan the independent checker accepts."""
    now = monday_morning()
    seed(engine, now)
    thursday = now.astimezone(LONDON).date() + timedelta(days=3)
    for seed_ in range(3):
        with transaction(engine) as session:
            for request in session.exec(select(LiftRequest)).all():
                request.status = "cancelled"
                session.add(request)
        generated_day(engine, now, 20, seed_)
        with Session(engine) as session:
            data = load_day(session, 1, thursday, now=now)
        built = build_problem(data, TRAVEL.matrices)
        plan = routing.solve(built.problem, time_limit=2.0, seed=seed_)
        assert routing.check(built.problem, plan) == []
        assert plan.objective.served >= len(built.problem.requests) // 2


def test_stored_plan_gives_every_leg_a_driver_or_a_reason(engine: Engine) -> None:
    """After plan_day every leg is offered to a free driver or carries a reason."""
    now = monday_morning()
    seed(engine, now)
    generated_day(engine, now, 15, 7)
    thursday = now.astimezone(LONDON).date() + timedelta(days=3)
    summary = plan_day(engine, 1, thursday, now=now, trigger="test",
                       matrices=TRAVEL.matrices, time_limit=2.0)
    assert summary.requests == 15
    with Session(engine) as session:
        legs = session.exec(select(Leg)).all()
        assert legs
        for leg in legs:
            if leg.status == "offered":
                assert leg.driver_id is not None and leg.pickup_at is not None
                assert leg.offer_id is not None
            else:
                assert leg.status == "unserved" and leg.reason, leg


def test_no_accessible_car_is_the_reason_given(engine: Engine) -> None:
    """With every wheelchair-accessible car gone, a wheelchair user's lift says why."""
    now = monday_morning()
    seed(engine, now)
    with transaction(engine) as session:
        for vehicle in session.exec(select(Vehicle)).all():
            vehicle.wheelchair_accessible = False
            session.add(vehicle)
        person = session.exec(select(Person).where(Person.name == "Edith Bainbridge")).one()
        person.mobility = "wheelchair_vehicle"
        session.add(person)
        place = session.exec(select(Place).where(Place.town == "Leyburn")).first()
        thursday = now.astimezone(LONDON).date() + timedelta(days=3)
        assert place is not None
        request_lift(session, person, RequestLift(
            place.id or 0, local_instant(thursday, time(11, 0), LONDON), "wait", False),
            now=now, channel="sms")
    summary = plan_day(engine, 1, thursday, now=now, trigger="test",
                       matrices=TRAVEL.matrices, time_limit=1.0)
    assert summary.unserved == 1
    reason = next(iter(summary.reasons.values()))
    assert reason.startswith("needs a wheelchair-accessible car, and none is free that day")


def _plan_and_accept_one(engine: Engine) -> tuple[datetime, date, int, int]:
    """A planned Thursday of 8 requests where one driver accepted their first offer.
    Returns the clock, the day, that driver and the request they took."""
    now, thursday = planned_thursday(engine, 8, 3)
    with transaction(engine) as session:
        leg = session.exec(select(Leg).where(Leg.status == "offered")).first()
        assert leg is not None and leg.offer_id is not None
        driver = session.get(Person, leg.driver_id)
        assert driver is not None
        assert answers.accept(session, driver, leg.offer_id, now).accepted
        return now, thursday, driver.id or 0, leg.request_id


def test_replan_keeps_accepted_trips_where_they_are(engine: Engine) -> None:
    """A re-plan after a new request never moves a trip a driver has accepted."""
    now, thursday, _, _ = _plan_and_accept_one(engine)
    with Session(engine) as session:
        kept = {(x.id, x.driver_id, x.pickup_at) for x in session.exec(
            select(Leg).where(Leg.status == "accepted")).all()}
    generated_day(engine, now, 3, 99)
    later = now + timedelta(minutes=5)
    plan_day(engine, 1, thursday, now=later, trigger="test", matrices=TRAVEL.matrices,
             time_limit=1.0)
    with Session(engine) as session:
        after = {(x.id, x.driver_id, x.pickup_at) for x in session.exec(
            select(Leg).where(Leg.status == "accepted")).all()}
    assert kept and kept == after


def _trips_per_driver(engine: Engine) -> dict[int, set[int]]:
    """Each driver's offered or accepted lift requests."""
    with Session(engine) as session:
        trips: dict[int, set[int]] = {}
        for leg in session.exec(select(Leg).where(col(Leg.status).in_(
                ("offered", "accepted")))).all():
            if leg.driver_id is not None:
                trips.setdefault(leg.driver_id, set()).add(leg.request_id)
        return trips


def _limit_everyone(engine: Engine, limit: int) -> None:
    with transaction(engine) as session:
        for driver in session.exec(select(Person).where(Person.role == "driver")).all():
            driver.max_trips_per_day = limit
            session.add(driver)


def test_drivers_are_kept_to_their_trips_a_day(engine: Engine) -> None:
    """A day where the unlimited plan gives some driver several lifts: with everyone at
    "1 trip a day", each driver gets at most one lift and the rest still go to others."""
    now = monday_morning()
    seed(engine, now)
    generated_day(engine, now, 14, 5)
    thursday = now.astimezone(LONDON).date() + timedelta(days=3)
    with Session(engine) as session:
        data = load_day(session, 1, thursday, now=now)
    unlimited = routing.solve(build_problem(data, TRAVEL.matrices).problem, time_limit=1.0)
    assert max(sum(1 for v in r.visits if v.kind == "pickup") for r in unlimited.routes) > 2

    _limit_everyone(engine, 1)
    summary = plan_day(engine, 1, thursday, now=now, trigger="test", matrices=TRAVEL.matrices,
                       time_limit=2.0)
    trips = _trips_per_driver(engine)
    assert trips and all(len(requests) == 1 for requests in trips.values())
    assert len(trips) >= 5  # the lifts spread over several drivers instead
    assert summary.served >= len(trips)


def test_an_accepted_trip_counts_towards_the_limit(engine: Engine) -> None:
    """A driver who accepted one lift and said "1 a day" is offered nothing more that day."""
    now, thursday, driver_id, accepted_request = _plan_and_accept_one(engine)
    with transaction(engine) as session:
        driver = session.get(Person, driver_id)
        assert driver is not None
        driver.max_trips_per_day = 1
        session.add(driver)
    generated_day(engine, now, 6, 42)
    plan_day(engine, 1, thursday, now=now + timedelta(minutes=5), trigger="test",
             matrices=TRAVEL.matrices, time_limit=1.0)
    assert _trips_per_driver(engine)[driver_id] == {accepted_request}


def test_urgent_broadcast_skips_drivers_at_their_limit(engine: Engine) -> None:
    """The broadcast shortlist leaves out a driver whose day is already full."""
    now = monday_morning()
    seed(engine, now)
    generated_day(engine, now, 2, 11)
    thursday = now.astimezone(LONDON).date() + timedelta(days=3)
    plan_day(engine, 1, thursday, now=now, trigger="test", matrices=TRAVEL.matrices,
             time_limit=1.0)
    with transaction(engine) as session:
        first, second = sorted({leg.request_id for leg in session.exec(select(Leg)).all()})
        request = session.get(LiftRequest, second)
        assert request is not None
        legs = ensure_legs(session, request, now)
        before = [f.driver.person for f in fit.suitable(session, request, legs)]
        nearest = before[0]
        nearest.max_trips_per_day = 1
        session.add(nearest)
        given = coordinator.assign(session, 1, first, nearest.id or 0,
                                   Actor("Test", "cli"), now, override=True)
        assert isinstance(given, coordinator.Done), given
        after = [f.driver.person.name for f in fit.suitable(session, request, legs)]
        full = fit.judge_person(session, request, legs, nearest).problems
    assert after and nearest.name not in after
    assert Problem.AT_DAILY_LIMIT in full
