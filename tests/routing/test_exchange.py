"""Segment exchange between routes: its moves are the best an exhaustive search finds, and
they keep every rule of a scheme's day (linked pairs, cars able to take a trip, locks)."""

from __future__ import annotations

import random
from dataclasses import replace
from itertools import combinations, combinations_with_replacement

from routing import Lock, Problem, StopKind
from routing.check import sequence_feasible
from routing.cordeau import read
from routing.insert import Inserter, exchange, recreate
from tests.routing.conftest import CORDEAU_A


def _stops(problem: Problem, codes: list[int]) -> list[tuple[str, StopKind]]:
    return [(problem.requests[c // 2].id, StopKind.DROPOFF if c % 2 else StopKind.PICKUP)
            for c in codes]


def _feasible(problem: Problem, v: int, codes: list[int]) -> bool:
    return not codes or sequence_feasible(problem, problem.vehicles[v].id, _stops(problem, codes))


def _first_plan(ins: Inserter, seed: int) -> dict[int, list[int]]:
    """Greedy insertion in a random order (linked pairs together): a poor plan, with
    moves left to find."""
    routes: dict[int, list[int]] = {v: [] for v in range(len(ins.vehicles))}
    units: list[tuple[int, ...]] = []
    for r in range(len(ins.problem.requests)):
        other = int(ins.partner_np[r])
        if other < 0:
            units.append((r,))
        elif other > r:
            units.append((r, other))
    routes, _ = recreate(ins, routes, units, random.Random(seed), regret=False)
    return routes


def _empty_points(ins: Inserter, codes: list[int]) -> list[int]:
    points, load = [0], 0
    for k, c in enumerate(codes):
        load += ins.dem[c]
        if load == 0:
            points.append(k + 1)
    return points


def _best_by_hand(problem: Problem, ins: Inserter, routes: dict[int, list[int]]) -> int:
    """The largest saving of one segment swap or move, by trying them all with the checker."""
    best = 0
    for a, b in combinations(sorted(routes), 2):
        ra, rb = routes[a], routes[b]
        base = ins.route_cost(a, ra) + ins.route_cost(b, rb)
        for i1, i2 in combinations_with_replacement(_empty_points(ins, ra), 2):
            for j1, j2 in combinations_with_replacement(_empty_points(ins, rb), 2):
                new_a = ra[:i1] + rb[j1:j2] + ra[i2:]
                new_b = rb[:j1] + ra[i1:i2] + rb[j2:]
                gain = base - ins.route_cost(a, new_a) - ins.route_cost(b, new_b)
                if gain > best and _feasible(problem, a, new_a) and _feasible(problem, b, new_b):
                    best = gain
    return best


def test_exchange_finds_the_best_move_and_descends() -> None:
    """On published days, the first move is the best single swap or move of segments that an
    exhaustive search with the independent checker finds; the descent then lowers the
    cost, keeps every stop once and leaves every route feasible."""
    for name, seed in (("a4-24", 1), ("a5-40", 2), ("a6-48", 3)):
        problem = read(CORDEAU_A / f"{name}.txt").problem
        ins = Inserter(problem)
        routes = _first_plan(ins, seed)
        before = sum(ins.route_cost(v, c) for v, c in routes.items())
        stops = sorted(c for codes in routes.values() for c in codes)
        expected = _best_by_hand(problem, ins, routes)
        assert expected > 0, name  # a greedy plan leaves such moves
        one = {v: list(c) for v, c in routes.items()}
        exchange(ins, one, sorted(one), moves=1, tries=10**6)
        assert before - sum(ins.route_cost(v, c) for v, c in one.items()) == expected, name
        changed = exchange(ins, routes, sorted(routes))
        after = sum(ins.route_cost(v, c) for v, c in routes.items())
        assert changed and after <= before - expected, name
        assert sorted(c for codes in routes.values() for c in codes) == stops
        assert all(_feasible(problem, v, codes) for v, codes in routes.items())


def test_exchange_keeps_a_scheme_days_rules() -> None:
    """On a scheme day (linked outbound/return pairs, wheelchairs, cars of different sizes
    from home) with some trips locked to their car, and some to their place in it, the
    descent keeps each linked pair in one car, every trip in a car able to take it, the
    locked trips where they were, and every route feasible for the checker."""
    from lifts.bench.rural import scheme_day

    base = scheme_day(40, 8, seed=5)
    ins0 = Inserter(base)
    routes = _first_plan(ins0, 5)
    where = {c // 2: v for v, codes in routes.items() for c in codes}
    served = sorted(where)
    pairs = [(r, int(ins0.partner_np[r])) for r in where if ins0.partner_np[r] >= 0]
    assert len(pairs) >= 10 and all(where[r] == where[o] for r, o in pairs)
    placed = set(served[1::12])
    locked = [r for r in served[::10] if r not in placed]
    locks = tuple(Lock(base.requests[r].id, base.vehicles[where[r]].id,
                       position=0 if r in placed else None) for r in locked + sorted(placed))
    problem = replace(base, locks=locks)
    ins = Inserter(problem)
    before = sum(ins.route_cost(v, c) for v, c in routes.items())
    changed = exchange(ins, routes, sorted(routes))
    assert changed and sum(ins.route_cost(v, c) for v, c in routes.items()) < before
    after = {c // 2: v for v, codes in routes.items() for c in codes}
    assert sorted(after) == served
    for r in locked + sorted(placed):
        assert after[r] == where[r]
    for r, other in pairs:
        assert after[r] == after[other]
    for v, codes in routes.items():
        assert all(v in ins.allowed_set[c // 2] for c in codes)
        assert _feasible(problem, v, codes)
