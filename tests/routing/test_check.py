"""The independent checker: silent on a good plan, one broken plan per constraint."""

from __future__ import annotations

import dataclasses

import pytest

from routing import (
    Lock,
    Objective,
    Plan,
    Problem,
    Reason,
    Route,
    SolverStats,
    StopKind,
    Unserved,
    Vehicle,
    Visit,
    check,
    solve,
)
from routing.check import sequence_feasible
from tests.routing.conftest import make, trip


@pytest.fixture
def solved(two_drivers_three_trips: Problem) -> Plan:
    """A checked plan of the named instance."""
    return solve(two_drivers_three_trips, time_limit=0.5, seed=0)


def _edit_visit(plan: Plan, request: str, kind: StopKind, **changes: int) -> Plan:
    routes = []
    for route in plan.routes:
        visits = tuple(dataclasses.replace(v, **changes)
                       if v.request == request and v.kind == kind else v for v in route.visits)
        routes.append(dataclasses.replace(route, visits=visits))
    return dataclasses.replace(plan, routes=tuple(routes))


def _kinds(problem: Problem, plan: Plan) -> set[str]:
    return {v.kind for v in check(problem, plan)}


def test_good_plan_has_no_violation(two_drivers_three_trips: Problem, solved: Plan) -> None:
    """The solver's plan passes the checker."""
    assert check(two_drivers_three_trips, solved) == []


def test_time_window_violation(two_drivers_three_trips: Problem, solved: Plan) -> None:
    """A pickup written after its window closes is reported."""
    bad = _edit_visit(solved, "r3", StopKind.DROPOFF, start=10**6, departure=10**6 + 60)
    assert "time_window" in _kinds(two_drivers_three_trips, bad)


def test_ride_time_violation(two_drivers_three_trips: Problem) -> None:
    """Waiting with r1 on board beyond its ride limit is reported."""
    plan = solve(two_drivers_three_trips, time_limit=0.5)
    route = next(r for r in plan.routes if any(v.request == "r1" for v in r.visits))
    drop = next(v for v in route.visits if v.request == "r1" and v.kind == StopKind.DROPOFF)
    pick = next(v for v in route.visits if v.request == "r1" and v.kind == StopKind.PICKUP)
    bad = _edit_visit(plan, "r1", StopKind.PICKUP, start=pick.start - 2000,
                      departure=pick.start - 1940, arrival=pick.start - 2000)
    kinds = _kinds(two_drivers_three_trips, bad)
    assert "ride_time" in kinds or "time_window" in kinds
    assert drop.start - pick.departure <= 1500


def _hand_plan(problem: Problem, routes: dict[str, list[tuple[str, StopKind]]]) -> Plan:
    """A plan written by hand: visits in the given order, each as early as travel allows."""
    requests = {r.id: r for r in problem.requests}
    vehicles = {v.id: v for v in problem.vehicles}
    built, served = [], set()
    for vehicle_id, stops in routes.items():
        vehicle = vehicles[vehicle_id]
        here, clock, load, visits = vehicle.start, vehicle.shift_start, 0, []
        for request_id, kind in stops:
            request = requests[request_id]
            stop = request.pickup if kind == StopKind.PICKUP else request.dropoff
            arrival = clock + int(problem.durations[here, stop.location])
            start = max(arrival, stop.earliest)
            load += request.seats if kind == StopKind.PICKUP else -request.seats
            visits.append(Visit(request_id, kind, stop.location, arrival, start,
                                start + stop.service, load))
            here, clock = stop.location, start + stop.service
            served.add(request_id)
        end = clock + int(problem.durations[here, vehicle.end])
        built.append(Route(vehicle_id, tuple(visits), vehicle.shift_start, end, 0))
    unserved = tuple(Unserved(r.id, Reason.CAPACITY_EXHAUSTED) for r in problem.requests
                     if r.id not in served)
    objective = Objective(len(served), len(unserved), 0, 0.0, 0)
    return Plan(tuple(built), unserved, objective, SolverStats(0.0, 0.0, 0, 0, 0))


P, D = StopKind.PICKUP, StopKind.DROPOFF


def test_capacity_violation_by_hand() -> None:
    """Three passengers on board a two-seat car is reported; two on board is not."""
    vehicles = [Vehicle("ann", 0, 0, 0, 20_000, 2)]
    problem = make([trip("a", 1, 3, 1000), trip("b", 1, 3, 1000), trip("c", 2, 3, 1000)],
                   vehicles)
    full = _hand_plan(problem, {"ann": [("a", P), ("b", P), ("c", P),
                                        ("a", D), ("b", D), ("c", D)]})
    assert "capacity" in _kinds(problem, full)
    fits = _hand_plan(problem, {"ann": [("a", P), ("b", P), ("a", D), ("b", D),
                                        ("c", P), ("c", D)]})
    assert "capacity" not in _kinds(problem, fits)


def test_capability_violation(two_drivers_three_trips: Problem, solved: Plan) -> None:
    """A car without the wheelchair adaptation carrying the wheelchair trip is caught."""
    plain = [dataclasses.replace(v, capabilities=frozenset())
             for v in two_drivers_three_trips.vehicles]
    problem = dataclasses.replace(two_drivers_three_trips, vehicles=tuple(plain))
    assert "capability" in _kinds(problem, solved)


def test_missing_and_precedence_violations(two_drivers_three_trips: Problem,
                                           solved: Plan) -> None:
    """A request dropped from the plan silently, or visited drop-off first, is reported."""
    route = solved.routes[0]
    visits = tuple(reversed(route.visits))
    reordered = dataclasses.replace(solved, routes=(dataclasses.replace(route, visits=visits),
                                                    *solved.routes[1:]))
    assert "precedence" in _kinds(two_drivers_three_trips, reordered)
    emptied = dataclasses.replace(solved, routes=solved.routes[1:])
    assert "missing" in _kinds(two_drivers_three_trips, emptied)


def test_shift_duration_and_lock_violations(two_drivers_three_trips: Problem,
                                            solved: Plan) -> None:
    """A shift that ends early, a short duration cap and a broken lock are reported."""
    vehicles = [dataclasses.replace(v, shift_end=1000, max_duration=100)
                for v in two_drivers_three_trips.vehicles]
    other = {"ann": "bob", "bob": "ann"}[solved.vehicle_of("r1") or "ann"]
    problem = dataclasses.replace(two_drivers_three_trips, vehicles=tuple(vehicles),
                                  locks=(Lock("r1", other),))
    kinds = _kinds(problem, solved)
    assert {"shift", "duration", "lock"} <= kinds


def test_link_violation() -> None:
    """Linked trips written on different drivers, or one half served alone, are reported."""
    vehicles = [Vehicle("ann", 0, 0, 0, 20_000, 3), Vehicle("bob", 0, 0, 0, 20_000, 3)]
    problem = make([trip("out", 1, 3, 1000, linked="back"), trip("back", 3, 1, 4000)],
                   vehicles)
    split = _hand_plan(problem, {"ann": [("out", P), ("out", D)],
                                 "bob": [("back", P), ("back", D)]})
    assert "link" in _kinds(problem, split)
    lone = _hand_plan(problem, {"ann": [("out", P), ("out", D)]})
    assert "link" in _kinds(problem, lone)
    together = _hand_plan(problem, {"ann": [("out", P), ("out", D), ("back", P), ("back", D)]})
    assert check(problem, together) == []


def test_forward_time_slack_delays_pickup() -> None:
    """An order feasible only by leaving late (short ride limit, late drop-off) is accepted."""
    vehicles = [Vehicle("ann", 0, 0, 0, 20_000, 3)]
    request = trip("r", 1, 3, 0, max_ride=1300)
    request = dataclasses.replace(request, dropoff=dataclasses.replace(
        request.dropoff, earliest=3000, latest=3100))
    problem = make([request], vehicles)
    stops = [("r", StopKind.PICKUP), ("r", StopKind.DROPOFF)]
    assert sequence_feasible(problem, "ann", stops)
    tight = dataclasses.replace(request, max_ride=1100)
    assert not sequence_feasible(make([tight], vehicles), "ann", stops)
