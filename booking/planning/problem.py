"""A day's rows turned into a routing problem: points, legs with windows, cars per free slot,
drivers the rule keeps off each trip, and the legs drivers hold as locks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

import numpy as np

import routing
from booking.domain import eligibility
from booking.domain.eligibility import Problem, TripNeeds
from booking.domain.shapes import DROPOFF_SERVICE_S, METRES_PER_MILE, leg_shapes, return_plan_for
from booking.driver_days import DriverRow
from booking.planning.day import DayData, Matrices, Point, RequestRow
from booking.planning.fairness import cost_factors, longest_weight
from booking.rules import SchemeRules, local_instant


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
    weights: routing.Weights = field(default_factory=routing.Weights)  # the fairness rule's


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
    durations, distances = matrices(points.points) if points.points else (
        np.zeros((1, 1), dtype=np.int64), np.zeros((1, 1), dtype=np.int64))
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
        refused = {v.id for d in data.drivers if d.id in barred_here
                   or _kept_off(d, row, distances[homes[d.id]][home])
                   for v in by_driver.get(d.id, [])}
        for direction, request in _legs(data.rules, row, home, dest, int(durations[home][dest]),
                                        origin, frozenset(refused)):
            requests.append(request)
            leg_of[request.id] = (row.id, direction)
            held = row.held.get(direction)
            slot = _slot_for(by_driver.get(held or -1, []), request)
            if slot is not None:
                locks.append(routing.Lock(request.id, slot.id))
    problem = routing.Problem(durations=durations, distances=distances,
                              requests=tuple(requests), vehicles=tuple(vehicles),
                              locks=tuple(locks))
    direct = {r.id: round(float(distances[stops[r.id][0]][stops[r.id][1]]) / METRES_PER_MILE, 2)
              for r in data.requests}
    weights = routing.Weights(fairness=longest_weight(data.rules.fairness))
    return Built(problem, origin, leg_of, driver_of, direct, dict(barred or {}), weights)


def _kept_off(driver: DriverRow, row: RequestRow, metres: float) -> bool:
    """The eligibility rule keeps this driver off the trip (declined it, too far from home,
    the car does not suit). Free times and daily limits are the solver's and
    `booking.planning.limits`'s to keep."""
    needs = TripNeeds(seats=row.seats, mobility=row.mobility, dog=row.dog,
                      miles_from_home=float(metres) / METRES_PER_MILE,
                      declined_by=row.declined_by)
    problems = set(eligibility.trip_problems(driver.facts, needs)) - SOLVER_KEEPS
    return bool(problems)


SOLVER_KEEPS = {Problem.NOT_FREE, Problem.AT_DAILY_LIMIT}


def _vehicles(data: DayData, homes: dict[int, int]) -> tuple[list[routing.Vehicle],
                                                             dict[str, int]]:
    """One routing vehicle per driver and free slot of the day (slots do not overlap), its
    cost per mile set by the fairness rule from the driver's last four weeks."""
    vehicles, driver_of = [], {}
    factors = cost_factors([d.id for d in data.drivers], data.past, data.rules.fairness)
    for driver in data.drivers:
        for n, (start, end) in enumerate(driver.slots):
            vid = f"d{driver.id}s{n}"
            vehicles.append(routing.Vehicle(
                id=vid, start=homes[driver.id], end=homes[driver.id], shift_start=start * 60,
                shift_end=end * 60, seats=driver.seats, capabilities=driver.capabilities,
                cost_per_distance=factors[driver.id]))
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
    waits = return_plan_for(row.return_plan, row.destination_kind, rules) == "wait"
    linked = {ids[0]: ids[1]} if waits and len(ids) == 2 else {}
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
