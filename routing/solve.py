"""`solve(problem, ...) -> Plan`: the public entry point."""

from __future__ import annotations

import time

from routing import search
from routing.engine import Limits, optimise
from routing.insert import Inserter
from routing.plan import Objective, Plan, Route, SolverStats, StopKind, Visit
from routing.problem import Problem, Weights
from routing.reasons import explain, servable_alone


def solve(problem: Problem, *, time_limit: float = 10.0, seed: int = 0,
          weights: Weights | None = None, initial: Plan | None = None,
          iterations: int | None = None, ortools_only: bool = False) -> Plan:
    """Plan the day: serve as many requests as possible, then minimise cost and unfairness.

    Parameters
    ----------
    problem
        The requests, vehicles, matrices and locks.
    time_limit
        Wall-clock budget in seconds (one core).
    seed
        Seed of our search layer's random choices.
    weights
        Objective weights; default: automatic unserved penalty, no fairness term.
    initial
        A previous plan to start from (re-planning); requests or vehicles no longer in the
        problem are ignored, new requests start unserved.
    iterations
        If set, the search stops after this many ruin-and-recreate steps, each run to its
        local optimum without a clock, so the same seed gives the same plan (as long as
        `time_limit` is not what stops it).
    ortools_only
        Give the whole budget to OR-Tools' own search on the whole problem (parallel cheapest
        insertion, then guided local search) and skip our ruin-and-recreate: the "careful
        OR-Tools-only model" the benchmarks compare with.

    Returns
    -------
    Plan
        Timed routes, unserved requests with reasons, objective parts and statistics.
    """
    weights = weights or Weights()
    started = time.monotonic()
    candidates = _candidates(problem)
    start_state = None if initial is None else _state_from(problem, initial)
    state, progress = search.run(problem, weights, candidates, seed, time_limit, iterations,
                                 start_state, ortools_only)
    state = _drop_lone_halves(problem, weights, state)
    stats = SolverStats(time.monotonic() - started, progress.first_solution or 0.0,
                        progress.iterations, progress.improvements, seed)
    return _plan(problem, state, stats)


def _candidates(problem: Problem) -> list[int]:
    alone = [servable_alone(problem, r) for r in problem.requests]
    keep = []
    for r, request in enumerate(problem.requests):
        partner = None if request.linked is None else problem.request_index(request.linked)
        if alone[r] and (partner is None or alone[partner]):
            keep.append(r)
    return keep


def _state_from(problem: Problem, plan: Plan) -> search.State:
    routes: dict[int, list[int]] = {v: [] for v in range(len(problem.vehicles))}
    for route in plan.routes:
        try:
            v = problem.vehicle_index(route.vehicle)
        except KeyError:
            continue
        vehicle = problem.vehicles[v]
        for visit in route.visits:
            if not _known(problem, visit.request):
                continue
            r = problem.request_index(visit.request)
            request = problem.requests[r]
            lock = problem.lock_of(request.id)
            # A trip this car may no longer take (declined, locked elsewhere) starts unserved.
            if not vehicle.can_carry(request) or (lock is not None and lock.vehicle != vehicle.id):
                continue
            routes[v].append(2 * r + (visit.kind == StopKind.DROPOFF))
    return search.State(routes, {}, {})


def _known(problem: Problem, request_id: str) -> bool:
    try:
        problem.request_index(request_id)
    except KeyError:
        return False
    return True


def _partner_of(problem: Problem) -> dict[int, int]:
    partner: dict[int, int] = {}
    for r, request in enumerate(problem.requests):
        if request.linked is not None:
            other = problem.request_index(request.linked)
            partner[r], partner[other] = other, r
    return partner


def _drop_lone_halves(problem: Problem, weights: Weights, state: search.State) -> search.State:
    """Remove an outbound served without its return (or vice versa) and re-time its route."""
    partner = _partner_of(problem)
    served = {c // 2 for codes in state.routes.values() for c in codes}
    lone = {r for r in served if r in partner and partner[r] not in served}
    if not lone:
        return state
    # Repair first: put the missing leg into the same car if it fits there.
    inserter = Inserter(problem)
    on = {c // 2: v for v, codes in state.routes.items() for c in codes}
    for r in sorted(lone):
        v, other = on[r], partner[r]
        if v not in inserter.allowed[other]:
            continue
        found = inserter.best(v, state.routes[v], other)
        timed = None if found is None else inserter.times(v, found[1])
        if found is not None and timed is not None:
            state = search.State({**state.routes, v: found[1]}, {**state.times, v: timed[0]},
                                 {**state.spans, v: timed[1]})
            lone.discard(r)
    if not lone:
        return state
    for v, codes in list(state.routes.items()):
        if not any(c // 2 in lone for c in codes):
            continue
        kept = [c for c in codes if c // 2 not in lone]
        requests = sorted({c // 2 for c in kept})
        solution = optimise(problem, weights, requests, [v], {v: kept},
                            Limits(1.0, solutions=1, greedy=True))
        if solution is not None:
            state = state.merge(solution)
    return state


def _plan(problem: Problem, state: search.State, stats: SolverStats) -> Plan:
    routes, distance, cost, longest = [], 0, 0.0, 0
    for v, codes in sorted(state.routes.items()):
        if not codes:
            continue
        route = _route(problem, v, codes, state.times[v], state.spans[v])
        routes.append(route)
        distance += route.distance
        cost += route.distance * problem.vehicles[v].cost_per_distance
        longest = max(longest, route.distance)
    served = {c // 2 for codes in state.routes.values() for c in codes}
    partner = _partner_of(problem)
    unserved = tuple(explain(problem, request, r not in partner or partner[r] in served)
                     for r, request in enumerate(problem.requests) if r not in served)
    objective = Objective(len(served), len(unserved), distance, cost, longest)
    return Plan(tuple(routes), unserved, objective, stats)


def _route(problem: Problem, v: int, codes: list[int], times: list[int],
           span: tuple[int, int]) -> Route:
    vehicle = problem.vehicles[v]
    here, clock, load, visits, metres = vehicle.start, span[0], 0, [], 0
    for code, start in zip(codes, times, strict=True):
        request = problem.requests[code // 2]
        stop = request.dropoff if code % 2 else request.pickup
        arrival = clock + int(problem.durations[here, stop.location])
        metres += int(problem.distances[here, stop.location])
        load += -request.seats if code % 2 else request.seats
        kind = StopKind.DROPOFF if code % 2 else StopKind.PICKUP
        visits.append(Visit(request.id, kind, stop.location, arrival, start,
                            start + stop.service, load))
        here, clock = stop.location, start + stop.service
    metres += int(problem.distances[here, vehicle.end])
    return Route(vehicle.id, tuple(visits), span[0], span[1], metres)
