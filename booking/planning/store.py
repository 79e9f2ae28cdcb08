"""Storing a plan: legs get their drivers and times, new trips are offered, and the rest get
the reason they could not be served. Only requests still as they were read are touched;
legs drivers hold are never moved."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

import routing
from booking.domain.shapes import METRES_PER_MILE
from booking.domain.status import LEG_HELD, LegStatus
from booking.domain.transitions import Cause
from booking.lifecycle.legs import ensure_legs, move_leg
from booking.offers.making import offer_planned
from booking.planning.day import DayData, PlanSummary
from booking.planning.explain import explain
from booking.planning.limits import AT_LIMIT
from booking.planning.problem import Built
from storage.tables import Leg, LiftRequest, PlanRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Assignment:
    driver_id: int
    pickup_at: datetime
    dropoff_at: datetime
    sequence: int
    route_miles: float
    legs_on_route: int


def store_plan(session: Session, data: DayData, built: Built, plan: routing.Plan, *,
               now: datetime, trigger: str) -> PlanSummary:
    """Write the plan: legs get drivers and times, new trips are offered, the rest get reasons."""
    assigned = _assignments(built, plan)
    rows = {row.id: row for row in data.requests}
    reasons = {}
    for unserved in plan.unserved:
        request_id = built.leg_of[unserved.request][0]
        barred = request_id in built.barred and (  # the solver blames the car, or says busy
            unserved.reason in (routing.Reason.NO_CAPABLE_VEHICLE,
                                routing.Reason.CAPACITY_EXHAUSTED)
            or unserved.detail == AT_LIMIT)
        reasons[unserved.request] = explain(unserved.reason, rows[request_id], data,
                                            at_limit=barred)
    run = PlanRun(scheme_id=data.scheme_id, service_day=data.day, trigger=trigger,
                  started_at=now, finished_at=now)
    session.add(run)
    session.flush()
    made, unserved_requests, why = 0, 0, dict(data.excluded)
    for row in data.requests:
        request = session.get(LiftRequest, row.id)
        if request is None or request.status != row.status:
            continue  # cancelled or changed while we were solving: the next run sees it
        legs = ensure_legs(session, request, now)
        missing = []
        for leg in legs:
            key = f"r{row.id}:{leg.direction}"
            found = assigned.get(key)
            if found is not None:
                found = _to_minute(found)
            if leg.status in LEG_HELD:
                if found is not None and leg.pickup_at is None:  # untimed: take the plan's
                    leg.pickup_at, leg.dropoff_at = found.pickup_at, found.dropoff_at
                if found is not None and not leg.driver_miles:  # taken by broadcast
                    leg.driver_miles = round(found.route_miles / max(1, found.legs_on_route), 2)
                session.add(leg)
                continue
            if found is None:
                missing.append(reasons.get(key, "not planned"))
                move_leg(session, leg, LegStatus.UNSERVED, Cause.PLAN, now=now, refresh=False,
                         reason=reasons.get(key, "not planned"))
            else:
                _place_leg(session, leg, found, now)
                leg.passenger_miles = built.direct_miles.get(row.id, 0.0)
        if missing:
            unserved_requests += 1
            why[row.id] = missing[0]
            request.status_reason = missing[0][:200]
            session.add(request)
        made += offer_planned(session, request, now, plan_run_id=run.id)
    miles = plan.objective.distance / METRES_PER_MILE
    run.served = len(data.requests) - unserved_requests
    run.unserved = unserved_requests + len(data.excluded)
    run.miles = round(miles, 1)
    run.stats = {"seconds": plan.stats.seconds, "offers": made, "seed": plan.stats.seed,
                 "first_solution_seconds": plan.stats.first_solution_seconds}
    session.add(run)
    log.info("planned scheme %s day %s: %s served, %s unserved, %s offers, %.1f miles",
             data.scheme_id, data.day, run.served, run.unserved, made, miles)
    return PlanSummary(run.id or 0, data.day, len(data.requests) + len(data.excluded),
                       run.served, run.unserved, made, run.miles, plan.stats.seconds, why)


def _assignments(built: Built, plan: routing.Plan) -> dict[str, _Assignment]:
    out: dict[str, _Assignment] = {}
    for route in plan.routes:
        driver = built.driver_of[route.vehicle]
        starts: dict[str, list[int]] = {}
        for visit in route.visits:
            starts.setdefault(visit.request, []).append(visit.start)
        count = len(starts)
        for sequence, (leg_id, (pickup, dropoff)) in enumerate(starts.items()):
            out[leg_id] = _Assignment(
                driver, built.origin + timedelta(seconds=pickup),
                built.origin + timedelta(seconds=dropoff), sequence,
                route.distance / METRES_PER_MILE, count)
    return out


def _place_leg(session: Session, leg: Leg, found: _Assignment, now: datetime) -> None:
    """Give a leg its planned driver and times; a change of driver withdraws the old offer
    (the same driver keeps their open offer, re-timed)."""
    same = leg.status == LegStatus.OFFERED and leg.driver_id == found.driver_id
    move_leg(session, leg, LegStatus.OFFERED if same else LegStatus.PLANNED, Cause.PLAN,
             now=now, driver_id=found.driver_id, offer_id=leg.offer_id if same else None,
             refresh=False)
    leg.pickup_at, leg.dropoff_at = found.pickup_at, found.dropoff_at
    leg.sequence = found.sequence
    leg.driver_miles = round(found.route_miles / max(1, found.legs_on_route), 2)
    session.add(leg)


def _to_minute(found: _Assignment) -> _Assignment:
    """Tell people whole minutes: pickups round down (be ready early), drop-offs up."""
    pickup = found.pickup_at.replace(second=0, microsecond=0)
    dropoff = found.dropoff_at
    if dropoff.second or dropoff.microsecond:
        dropoff = dropoff.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return _Assignment(found.driver_id, pickup, dropoff, found.sequence, found.route_miles,
                       found.legs_on_route)
