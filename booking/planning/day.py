"""Planning a day: requests, drivers and accepted trips from the database -> routing.Problem
-> routing.solve -> legs with drivers and times, offers to drivers, reasons for the rest.

The solve runs outside any transaction (it takes seconds; SQLite would hold its write lock
meanwhile). Results are stored only for requests still in the state they were read in, and
accepted legs are never moved: they enter the problem as locks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

import routing
from booking.domain.shapes import DROPOFF_SERVICE_S, leg_shapes
from booking.domain.status import LEG_HELD as HELD
from booking.lifecycle.legs import ensure_legs, release_leg
from booking.offers.making import offer_planned
from booking.planning.drivers import DriverRow, free_drivers
from booking.rules import SchemeRules, local_instant
from booking.schemes import scheme_rules
from storage.db import transaction
from storage.tables import (
    Leg,
    LiftRequest,
    Offer,
    Person,
    Place,
    PlanRun,
    Scheme,
)

log = logging.getLogger(__name__)

PLANNABLE = ("requested", "needs_coordinator", "planned", "offered", "confirmed", "unserved")
METRES_PER_MILE = 1609.344
NO_DRIVERS = "no driver available that day (none free, or checks out of date)"
Point = tuple[float, float]
Matrices = Callable[[list[Point]], tuple[Any, Any]]  # points -> (seconds, metres)


@dataclass(frozen=True)
class RequestRow:
    """A request to plan, as read."""

    id: int
    status: str
    home: Point
    destination: Point
    destination_kind: str
    appointment: datetime
    return_plan: str
    mobility: str
    seats: int
    dog: bool
    declined_by: frozenset[int]
    held: dict[str, int]  # direction -> driver id, for accepted legs


@dataclass
class DayData:
    """One scheme's day, read from the database as plain values."""

    scheme_id: int
    day: date
    rules: SchemeRules
    requests: list[RequestRow] = field(default_factory=list)
    drivers: list[DriverRow] = field(default_factory=list)
    excluded: dict[int, str] = field(default_factory=dict)  # request id -> why not planned


@dataclass(frozen=True)
class PlanSummary:
    """What a planning run did."""

    run_id: int
    day: date
    requests: int
    served: int
    unserved: int
    offers: int
    miles: float
    seconds: float
    reasons: dict[int, str]


def plan_day(engine: Engine, scheme_id: int, day: date, *, now: datetime, trigger: str,
             matrices: Matrices, time_limit: float = 10.0, seed: int = 0) -> PlanSummary:
    """Plan one scheme's day, store it, and offer the new trips to their drivers."""
    with transaction(engine) as session:
        data = load_day(session, scheme_id, day, now=now)
    built, plan = solve_within_limits(data, matrices, time_limit=time_limit, seed=seed)
    with transaction(engine) as session:
        return store_plan(session, data, built, plan, now=now, trigger=trigger)


LIMIT_ROUNDS = 6  # re-solves to respect drivers' daily limits before trimming the rest
AT_LIMIT = "the drivers who could take it have reached their trips for the day"


def solve_within_limits(data: DayData, matrices: Matrices, *, time_limit: float,
                        seed: int = 0) -> tuple[Built, routing.Plan]:
    """Solve, then keep each driver to their "most trips a day": trips beyond it are barred
    from that driver and the day re-solved from the last plan, so others can take them.

    A trip is one lift request (there, back, or both), as a driver counts them.
    """
    barred: dict[int, set[int]] = {}
    built = build_problem(data, matrices)
    plan = routing.solve(built.problem, time_limit=time_limit, seed=seed)
    for _ in range(LIMIT_ROUNDS):
        over = _beyond_limits(data, built, plan)
        if not over:
            return built, plan
        for driver, request_ids in over.items():
            for request_id in request_ids:
                barred.setdefault(request_id, set()).add(driver)
        built = build_problem(data, matrices, barred)
        plan = routing.solve(built.problem, time_limit=max(0.5, time_limit / 4), seed=seed,
                             initial=plan)
    return built, _without(plan, built, _beyond_limits(data, built, plan))


def _trips_by_driver(built: Built, plan: routing.Plan) -> dict[int, list[tuple[int, int]]]:
    """Each driver's trips in the plan: (first pickup time, LiftRequest.id), earliest first."""
    first: dict[int, dict[int, int]] = {}
    for route in plan.routes:
        driver = built.driver_of[route.vehicle]
        for visit in route.visits:
            request_id = built.leg_of[visit.request][0]
            mine = first.setdefault(driver, {})
            mine[request_id] = min(mine.get(request_id, visit.arrival), visit.arrival)
    return {d: sorted((t, r) for r, t in trips.items()) for d, trips in first.items()}


def _beyond_limits(data: DayData, built: Built, plan: routing.Plan) -> dict[int, list[int]]:
    """Per driver over their limit, the trips to take away: held ones stay, then the earliest."""
    limits = {d.id: d.max_trips for d in data.drivers if d.max_trips}
    held = {(driver, row.id) for row in data.requests for driver in row.held.values()}
    over = {}
    for driver, trips in _trips_by_driver(built, plan).items():
        limit = limits.get(driver)
        if limit is None or len(trips) <= limit:
            continue
        ranked = sorted(trips, key=lambda t: ((driver, t[1]) not in held, t[0]))
        over[driver] = [request_id for _, request_id in ranked[limit:]]
    return over


def _without(plan: routing.Plan, built: Built, over: dict[int, list[int]]) -> routing.Plan:
    """The plan with the trips beyond drivers' limits taken out (the last resort)."""
    if not over:
        return plan
    drop = {(d, r) for d, rs in over.items() for r in rs}
    routes, gone = [], []
    for route in plan.routes:
        driver = built.driver_of[route.vehicle]
        keep = [v for v in route.visits if (driver, built.leg_of[v.request][0]) not in drop]
        gone += sorted({v.request for v in route.visits} - {v.request for v in keep})
        routes.append(replace(route, visits=tuple(keep)))
    unserved = plan.unserved + tuple(
        routing.Unserved(r, routing.Reason.CAPACITY_EXHAUSTED, AT_LIMIT) for r in gone)
    return replace(plan, routes=tuple(routes), unserved=unserved)


def load_day(session: Session, scheme_id: int, day: date, *, now: datetime) -> DayData:
    """Requests with an appointment on `day`, and the drivers free that day."""
    scheme = session.get(Scheme, scheme_id)
    if scheme is None:
        raise LookupError(f"no scheme {scheme_id}")
    rules = scheme_rules(scheme)
    data = DayData(scheme_id, day, rules)
    start = local_instant(day, time(0), rules.tz)
    rows = session.exec(
        select(LiftRequest, Person, Place)
        .join(Person, col(Person.id) == LiftRequest.resident_id)
        .join(Place, col(Place.id) == LiftRequest.destination_id)
        .where(LiftRequest.scheme_id == scheme_id,
               col(LiftRequest.status).in_(PLANNABLE),
               col(LiftRequest.appointment_at) >= start,
               col(LiftRequest.appointment_at) < start + timedelta(days=1))
        .order_by(col(LiftRequest.id))
    ).all()
    for request, resident, place in rows:
        if resident.lat is None or resident.lon is None:
            data.excluded[request.id or 0] = "home location unknown: a coordinator must set it"
            continue
        data.requests.append(_request_row(session, request, resident, place))
    data.drivers = free_drivers(session, scheme_id, day)
    del now  # reserved: short-notice cut-offs are applied by the caller's trigger
    return data


def _request_row(session: Session, request: LiftRequest, resident: Person,
                 place: Place) -> RequestRow:
    declined = session.exec(select(Offer.driver_id).where(
        Offer.request_id == request.id,
        col(Offer.status).in_(("declined", "expired")))).all()
    held = {leg.direction: leg.driver_id for leg in session.exec(select(Leg).where(
        Leg.request_id == request.id, col(Leg.status).in_(HELD))).all()
        if leg.driver_id is not None}
    return RequestRow(
        id=request.id or 0, status=request.status,
        home=(resident.lat or 0.0, resident.lon or 0.0), destination=(place.lat, place.lon),
        destination_kind=place.kind, appointment=request.appointment_at,
        return_plan=request.return_plan, mobility=request.mobility,
        seats=1 + int(request.companion), dog=request.assistance_dog,
        declined_by=frozenset(declined), held=held)


def _needs(row: RequestRow) -> frozenset[routing.Need]:
    needs = set()
    if row.mobility == "wheelchair_vehicle":
        needs.add(routing.Need.WHEELCHAIR_VEHICLE)
    elif row.mobility == "folding_wheelchair":
        needs.add(routing.Need.FOLDING_WHEELCHAIR)
    if row.dog:
        needs.add(routing.Need.DOG)
    return frozenset(needs)


@dataclass
class Built:
    """The routing problem and how its ids map back to ours."""

    problem: routing.Problem
    origin: datetime
    leg_of: dict[str, tuple[int, str]]  # routing request id -> (LiftRequest.id, direction)
    driver_of: dict[str, int]  # vehicle id -> Person.id
    direct_miles: dict[int, float] = field(default_factory=dict)  # LiftRequest.id -> miles
    barred: dict[int, set[int]] = field(default_factory=dict)  # drivers at their daily limit


class _Points:
    """Distinct map points, numbered in order of first use (the matrices' rows)."""

    def __init__(self) -> None:
        self.points: list[Point] = []
        self._index: dict[Point, int] = {}

    def at(self, point: Point) -> int:
        if point not in self._index:
            self._index[point] = len(self.points)
            self.points.append(point)
        return self._index[point]


def build_problem(data: DayData, matrices: Matrices,
                  barred: dict[int, set[int]] | None = None) -> Built:
    """Turn the day's rows into a routing problem (times in seconds after local midnight).

    `barred`: LiftRequest.id -> drivers who must not take it (at their daily limit).
    """
    origin = local_instant(data.day, time(0), data.rules.tz)
    points = _Points()
    homes = {d.id: points.at(d.home) for d in data.drivers}
    stops = {r.id: (points.at(r.home), points.at(r.destination)) for r in data.requests}
    durations, distances = matrices(points.points) if points.points else ([[0]], [[0]])
    vehicles, driver_of = _vehicles(data, homes)
    by_driver: dict[int, list[routing.Vehicle]] = {}
    for vehicle in vehicles:
        by_driver.setdefault(driver_of[vehicle.id], []).append(vehicle)
    requests: list[routing.Request] = []
    locks: list[routing.Lock] = []
    leg_of: dict[str, tuple[int, str]] = {}
    for row in data.requests:
        home, dest = stops[row.id]
        barred_here = (barred or {}).get(row.id, set())
        refused = {v.id for d in data.drivers if d.id in row.declined_by or d.id in barred_here
                   or _too_far(d, distances[homes[d.id]][home]) for v in by_driver.get(d.id, [])}
        for direction, request in _legs(data.rules, row, home, dest, int(durations[home][dest]),
                                        origin, frozenset(refused)):
            requests.append(request)
            leg_of[request.id] = (row.id, direction)
            held = row.held.get(direction)
            vehicle = _slot_for(by_driver.get(held or -1, []), request)
            if vehicle is not None:
                locks.append(routing.Lock(request.id, vehicle.id))
    problem = routing.Problem(durations=durations, distances=distances,
                              requests=tuple(requests), vehicles=tuple(vehicles),
                              locks=tuple(locks))
    direct = {r.id: round(float(distances[stops[r.id][0]][stops[r.id][1]]) / METRES_PER_MILE, 2)
              for r in data.requests}
    return Built(problem, origin, leg_of, driver_of, direct, dict(barred or {}))


def _too_far(driver: DriverRow, metres: float) -> bool:
    """The resident lives further from the driver's home than the driver will go."""
    return bool(driver.max_miles) and metres > (driver.max_miles or 0) * METRES_PER_MILE


def _vehicles(data: DayData, homes: dict[int, int]) -> tuple[list[routing.Vehicle],
                                                             dict[str, int]]:
    """One routing vehicle per driver and free slot of the day (slots do not overlap)."""
    vehicles, driver_of = [], {}
    for driver in data.drivers:
        for n, (start, end) in enumerate(driver.slots):
            vid = f"d{driver.id}s{n}"
            vehicles.append(routing.Vehicle(
                id=vid, start=homes[driver.id], end=homes[driver.id], shift_start=start * 60,
                shift_end=end * 60, seats=driver.seats, capabilities=driver.capabilities))
            driver_of[vid] = driver.id
    return vehicles, driver_of


def _slot_for(vehicles: list[routing.Vehicle], request: routing.Request) -> routing.Vehicle | None:
    """The slot of a held leg's driver that covers its pickup (None: driver not free now)."""
    return next((v for v in vehicles if v.shift_start <= request.pickup.latest
                 and request.dropoff.earliest <= v.shift_end), None)


def _legs(rules: SchemeRules, row: RequestRow, home: int, dest: int, direct: int,
          origin: datetime, refused: frozenset[str]) -> list[tuple[str, routing.Request]]:
    shapes = leg_shapes(appointment=row.appointment, return_plan=row.return_plan,
                        destination_kind=row.destination_kind, direct_s=direct,
                        mobility=row.mobility, rules=rules)
    ids = [f"r{row.id}:{shape.direction}" for shape in shapes]
    linked = {ids[0]: ids[1]} if row.return_plan == "wait" and len(ids) == 2 else {}
    legs = []
    for shape, leg_id in zip(shapes, ids, strict=True):
        start, end = (home, dest) if shape.direction == "out" else (dest, home)
        legs.append((shape.direction, routing.Request(
            id=leg_id,
            pickup=routing.Stop(start, _s(shape.pickup.earliest, origin),
                                _s(shape.pickup.latest, origin), shape.pickup_service_s),
            dropoff=routing.Stop(end, _s(shape.dropoff.earliest, origin),
                                 _s(shape.dropoff.latest, origin), DROPOFF_SERVICE_S),
            seats=row.seats, needs=_needs(row), max_ride=shape.max_ride_s,
            linked=linked.get(leg_id), declined_by=refused)))
    return legs


def _s(instant: datetime, origin: datetime) -> int:
    """Seconds after the day's local midnight (negative clamps to 0)."""
    return max(0, int((instant - origin).total_seconds()))


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
    reasons = {u.request: f"{u.reason.value}{': ' + u.detail if u.detail else ''}"
               for u in plan.unserved}
    if not data.drivers:  # say it plainly: no driver at all, not a capability problem
        reasons = dict.fromkeys(reasons, NO_DRIVERS)
    for leg_id, given in reasons.items():  # barred by limits, the solver blames the car
        if built.leg_of[leg_id][0] in built.barred and \
                given.startswith(routing.Reason.NO_CAPABLE_VEHICLE.value):
            reasons[leg_id] = AT_LIMIT
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
            if leg.status in HELD:
                if found is not None and leg.pickup_at is None:  # untimed: take the plan's
                    leg.pickup_at, leg.dropoff_at = found.pickup_at, found.dropoff_at
                if found is not None and not leg.driver_miles:  # taken by broadcast
                    leg.driver_miles = round(found.route_miles / max(1, found.legs_on_route), 2)
                session.add(leg)
                continue
            if found is None:
                missing.append(reasons.get(key, "not planned"))
                release_leg(session, leg, now, status="unserved",
                                   reason=reasons.get(key, "not planned"))
            else:
                _place_leg(session, leg, found, now)
                leg.passenger_miles = built.direct_miles.get(row.id, 0.0)
        if missing:
            unserved_requests += 1
            why[row.id] = missing[0]
            request.status_reason = missing[0][:200]
            session.add(request)
        made += offer_planned(session, request, now)
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
    """Give a leg its planned driver and times; a change of driver withdraws the old offer."""
    if leg.driver_id is not None and leg.driver_id != found.driver_id:
        release_leg(session, leg, now, status="open", reason="")
    if leg.status not in ("offered",) or leg.driver_id != found.driver_id:
        leg.status = "planned"
    leg.driver_id = found.driver_id
    leg.pickup_at, leg.dropoff_at = found.pickup_at, found.dropoff_at
    leg.sequence = found.sequence
    leg.driver_miles = round(found.route_miles / max(1, found.legs_on_route), 2)
    leg.reason, leg.updated_at = "", now
    session.add(leg)


def _to_minute(found: _Assignment) -> _Assignment:
    """Tell people whole minutes: pickups round down (be ready early), drop-offs up."""
    pickup = found.pickup_at.replace(second=0, microsecond=0)
    dropoff = found.dropoff_at
    if dropoff.second or dropoff.microsecond:
        dropoff = dropoff.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return _Assignment(found.driver_id, pickup, dropoff, found.sequence, found.route_miles,
                       found.legs_on_route)
