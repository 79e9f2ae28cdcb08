"""Route-pool recombination: CP-SAT combines pooled routes into a plan no worse than any
plan whose routes it holds, each request served at most once, every route feasible."""

from __future__ import annotations

import random

from routing import StopKind, check, solve
from routing.check import sequence_feasible
from routing.cordeau import read
from routing.insert import Inserter, recreate
from routing.pool import Pool
from routing.problem import Problem
from tests.routing.conftest import CORDEAU_A

PENALTY = 10**6  # per unserved request: far above any route's cost


def _plan(problem: Problem, ins: Inserter, seed: int) -> dict[int, list[int]]:
    rng = random.Random(seed)
    order = list(range(len(problem.requests)))
    rng.shuffle(order)
    empty: dict[int, list[int]] = {v: [] for v in range(len(problem.vehicles))}
    routes, _ = recreate(ins, empty, [(r,) for r in order], rng, regret=seed % 2 == 0)
    return dict(routes)


def _cost(ins: Inserter, routes: dict[int, list[int]]) -> float:
    served = {c // 2 for codes in routes.values() for c in codes}
    arcs = sum(ins.route_cost(v, codes) for v, codes in routes.items() if codes)
    return arcs + PENALTY * (len(ins.movable) - len(served))


def test_recombination_is_no_worse_than_any_pooled_plan_and_feasible() -> None:
    problem = read(CORDEAU_A / "a4-24.txt").problem
    ins = Inserter(problem)
    plans = [_plan(problem, ins, seed) for seed in range(6)]
    pool = Pool(problem, partner={})
    for plan in plans:
        for v, codes in plan.items():
            pool.add(v, codes, ins.route_cost(v, codes))
    # Cordeau's cars are all alike: one class, so a route can go to any car.
    assert len(pool.cars) == 1 and len(pool.cars[0]) == len(problem.vehicles)
    worst = max(plans, key=lambda p: _cost(ins, p))
    found = pool.recombine(worst, PENALTY, 10.0, False,
                           lambda v, codes: ins.route_cost(v, codes))
    assert found is not None, "the worst of six plans was the best combination"
    assert _cost(ins, found) <= min(_cost(ins, p) for p in plans)
    assert _cost(ins, found) < _cost(ins, worst)
    seen: list[int] = [c // 2 for codes in found.values() for c in codes]
    assert len(seen) == 2 * len(set(seen))  # each request once: pickup and drop-off
    for v, codes in found.items():
        stops = [(problem.requests[c // 2].id, StopKind.DROPOFF if c % 2 else StopKind.PICKUP)
                 for c in codes]
        assert not codes or sequence_feasible(problem, problem.vehicles[v].id, stops)


def test_half_of_a_linked_pair_is_not_pooled() -> None:
    problem = read(CORDEAU_A / "a4-24.txt").problem
    pool = Pool(problem, partner={0: 1, 1: 0})
    pool.add(0, [0, 1], 100.0)  # request 0 without its partner 1
    pool.add(0, [0, 2, 1, 3], 200.0)  # both together
    pool.add(1, [4, 5], 50.0)
    assert sorted(codes for _, codes in pool.routes) == [(0, 2, 1, 3), (4, 5)]


def test_a_search_with_recombinations_is_repeatable() -> None:
    """With an iteration budget the search recombines its pool every 400 steps under
    CP-SAT's deterministic time limit (once here, at step 400): the same seed gives the
    same plan, and it checks."""
    problem = read(CORDEAU_A / "a2-16.txt").problem
    first = solve(problem, time_limit=60.0, seed=5, iterations=450)
    second = solve(problem, time_limit=60.0, seed=5, iterations=450)
    assert first.routes == second.routes
    assert check(problem, first) == []
    assert first.objective.served == len(problem.requests)
