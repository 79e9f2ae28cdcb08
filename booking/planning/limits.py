"""Keeping drivers to their "most trips a day": solve, bar the trips beyond a driver's limit
from them, and re-solve from the last plan so others can take them."""

from __future__ import annotations

from dataclasses import replace

import routing
from booking.planning.day import DayData, Matrices
from booking.planning.problem import Built, build_problem

LIMIT_ROUNDS = 6  # re-solves to respect drivers' daily limits before trimming the rest
AT_LIMIT = "the drivers who could take it have reached their trips for the day"


def solve_within_limits(data: DayData, matrices: Matrices, *, time_limit: float,
                        seed: int = 0, iterations: int | None = None,
                        ) -> tuple[Built, routing.Plan]:
    """Solve, then keep each driver to their "most trips a day": trips beyond it are barred
    from that driver and the day re-solved from the last plan, so others can take them.

    A trip is one lift request (there, back, or both), as a driver counts them.
    """
    barred: dict[int, set[int]] = {}
    built = build_problem(data, matrices)
    plan = routing.solve(built.problem, time_limit=time_limit, seed=seed,
                         weights=built.weights, iterations=iterations)
    for _ in range(LIMIT_ROUNDS):
        over = _beyond_limits(data, built, plan)
        if not over:
            return built, plan
        for driver, request_ids in over.items():
            for request_id in request_ids:
                barred.setdefault(request_id, set()).add(driver)
        built = build_problem(data, matrices, barred)
        plan = routing.solve(built.problem, time_limit=max(0.5, time_limit / 4), seed=seed,
                             initial=plan, weights=built.weights, iterations=iterations)
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
