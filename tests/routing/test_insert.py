"""Our fast insertion: its exact route test agrees with the independent checker."""

from __future__ import annotations

import random
from itertools import pairwise

import numpy as np

from routing import StopKind, kernels
from routing.check import sequence_feasible
from routing.cordeau import read
from routing.insert import Inserter, recreate
from tests.routing.conftest import CORDEAU_A

A4_24 = CORDEAU_A / "a4-24.txt"


def _stops(problem, codes):  # noqa: ANN001, ANN202
    return [(problem.requests[c // 2].id, StopKind.DROPOFF if c % 2 else StopKind.PICKUP)
            for c in codes]


def test_insertion_feasibility_matches_checker() -> None:
    """Random routes built by our insertion are feasible for the checker, every insertion
    the compiled search finds is, and every order we call feasible is."""
    problem = read(A4_24).problem
    ins = Inserter(problem)
    rng = random.Random(1)
    routes: dict[int, list[int]] = {v: [] for v in range(len(problem.vehicles))}
    units = [(r,) for r in range(len(problem.requests))]
    routes, _ = recreate(ins, routes, units, rng, regret=True)
    served = {c // 2 for codes in routes.values() for c in codes}
    assert len(served) >= len(problem.requests) // 2
    for v, codes in routes.items():
        if codes:
            assert sequence_feasible(problem, problem.vehicles[v].id, _stops(problem, codes))
    # The best insertion of a request into a route against the checker, and its cost.
    inserted = 0
    for _ in range(300):
        v = rng.randrange(len(problem.vehicles))
        r = rng.randrange(len(problem.requests))
        codes = [c for c in routes[v] if c // 2 != r]
        found = ins.best(v, codes, r)
        if found is not None:
            added, new = found
            assert sequence_feasible(problem, problem.vehicles[v].id, _stops(problem, new))
            assert added == ins.route_cost(v, new) - ins.route_cost(v, codes) or not codes
            inserted += 1
    assert inserted >= 30
    # The exact test of random orders against the checker.
    agree = 0
    for _ in range(300):
        v = rng.randrange(len(problem.vehicles))
        r = rng.randrange(len(problem.requests))
        codes = [c for c in routes[v] if c // 2 != r]
        i = rng.randrange(len(codes) + 1)
        j = rng.randrange(i, len(codes) + 1)
        new = [*codes[:i], 2 * r, *codes[i:j], 2 * r + 1, *codes[j:]]
        ours = ins.feasible(v, new)
        theirs = sequence_feasible(problem, problem.vehicles[v].id, _stops(problem, new))
        if ours:
            assert theirs
        agree += ours == theirs
    assert agree >= 290


def least_schedule(lo: list[int], hi: list[int], gap: list[int],
                   pairs: list[tuple[int, int, int]], cap: int | None) -> list[int] | None:
    """The compiled least-schedule kernel on plain lists, or None if infeasible."""
    kernels.compile_all()
    t = np.empty(len(lo), dtype=np.int64)
    arrays = [np.asarray(x, dtype=np.int64) for x in (lo, hi, gap)]
    pp, pd, plim = (np.asarray([p[k] for p in pairs], dtype=np.int64) for k in range(3))
    limit = kernels.NO_CAP if cap is None else cap
    ok = kernels.least(*arrays, pp, pd, plim, len(pairs), limit, len(lo), t)
    return [int(x) for x in t] if ok else None


def test_least_schedule_respects_ride_limit() -> None:
    """Waiting for a late drop-off window delays the pickup instead of the passenger."""
    # home 0 -> pickup (window 0..100) -> drop-off (window 50..60), travel 10, ride <= 15.
    t = least_schedule([0, 0, 50, 0], [100, 100, 60, 100], [10, 10, 10], [(1, 2, 15)], None)
    assert t is not None and t[2] - t[1] <= 15 and t[1] >= 35
    late = least_schedule([0, 0, 50, 0], [100, 30, 60, 100], [10, 10, 10], [(1, 2, 15)], None)
    assert late is None


def test_lone_half_is_repaired_not_dropped() -> None:
    """An outbound served without its return gets the return added to the same car."""
    from routing import Vehicle, Weights, check
    from routing.search import State
    from routing.solve import SolverStats, _drop_lone_halves, _plan
    from tests.routing.conftest import make, trip

    vehicles = [Vehicle("ann", 0, 0, 0, 20_000, 3), Vehicle("bob", 0, 0, 0, 20_000, 3)]
    problem = make([trip("out", 1, 3, 1000, linked="back"), trip("back", 3, 1, 4000)],
                   vehicles)
    ins = Inserter(problem)
    timed = ins.times(1, [0, 1])
    assert timed is not None
    state = State({0: [], 1: [0, 1]}, {0: [], 1: timed[0]}, {0: (0, 0), 1: timed[1]})
    repaired = _drop_lone_halves(problem, Weights(), state)
    assert sorted(repaired.routes[1]) == [0, 1, 2, 3]
    plan = _plan(problem, repaired, SolverStats(0.0, 0.0, 0, 0, 0))
    assert check(problem, plan) == []


def test_recreate_keeps_pairs_together_and_cars_as_asked() -> None:
    """On a scheme day (linked outbound/return pairs, wheelchairs, cars from home), the
    compiled re-insertion, by regret and by greedy choice, puts each linked pair in
    one car, a unit given one car into that car, nothing twice, and every route it builds
    is feasible for the independent checker."""
    from lifts.bench.rural import scheme_day

    problem = scheme_day(40, 8, seed=3)
    ins = Inserter(problem)
    index = {r.id: k for k, r in enumerate(problem.requests)}
    pairs = sorted({tuple(sorted((k, index[r.linked])))
                    for k, r in enumerate(problem.requests) if r.linked is not None})
    assert len(pairs) >= 10
    for regret in (True, False):
        rng = random.Random(7)
        routes: dict[int, list[int]] = {v: [] for v in range(len(problem.vehicles))}
        units: list[tuple[int, ...]] = [(a, b) for a, b in pairs[2:]]
        # The first pair's halves one at a time, the return told which car to go to.
        a, b = pairs[0]
        car = next(v for v in ins.near[a] if v in ins.allowed_set[b])
        units.append((a,))
        only = {(b,): car}
        units.append((b,))
        routes, changed = recreate(ins, routes, units, rng, regret=regret, only=only)
        where = {c // 2: v for v, codes in routes.items() for c in codes}
        seen = [c for codes in routes.values() for c in codes]
        assert len(seen) == len(set(seen)) == 2 * len(where)
        assert len(where) >= len(problem.requests) // 2, regret
        assert changed == {v for v, codes in routes.items() if codes}
        for x, y in pairs[2:]:
            assert (x in where) == (y in where) and where.get(x) == where.get(y)
        if b in where:
            assert where[b] == car
        for v, codes in routes.items():
            assert all(v in ins.allowed_set[c // 2] for c in codes)
            if codes:
                assert sequence_feasible(problem, problem.vehicles[v].id, _stops(problem, codes))


def test_string_removal_cuts_consecutive_stops() -> None:
    """SISR removal takes served requests whose stops, in each route it cuts, lie within
    one string of at most STRING_MAX consecutive stops (apart from their other halves)."""
    from routing import Weights
    from routing.search import STRING_MAX, Search, State

    problem = read(A4_24).problem
    search = Search(problem, Weights(), range(len(problem.requests)), seed=2)
    ins = search.inserter
    routes: dict[int, list[int]] = {v: [] for v in range(len(problem.vehicles))}
    routes, _ = recreate(ins, routes, [(r,) for r in range(len(problem.requests))],
                         random.Random(3), regret=True)
    state = State(routes, {}, {})
    for v, codes in routes.items():
        timed = ins.times(v, codes) if codes else ([], (0, 0))
        assert timed is not None
        state.times[v], state.spans[v] = timed
    served = sorted({c // 2 for codes in routes.values() for c in codes})
    for _ in range(50):
        chosen = search._strings(state, served, 6)
        assert chosen and len(chosen) == len(set(chosen)) and set(chosen) <= set(served)
        for codes in routes.values():
            at = [k for k, c in enumerate(codes) if c // 2 in chosen]
            if not at:
                continue
            # Some window of STRING_MAX stops holds a stop of every chosen request here.
            assert any(all(any(s <= k < s + STRING_MAX for k, c in enumerate(codes)
                                if c // 2 == r) for r in {codes[k] // 2 for k in at})
                       for s in range(len(codes)))


def test_settle_agrees_with_times_and_route_cost() -> None:
    """One compiled call for a step's changed routes gives each route's `times` and its
    arc cost and metres as summed arc by arc, and None once any route is infeasible."""
    problem = read(A4_24).problem
    ins = Inserter(problem)
    rng = random.Random(5)
    routes: dict[int, list[int]] = {v: [] for v in range(len(problem.vehicles))}
    routes, _ = recreate(ins, routes, [(r,) for r in range(len(problem.requests))], rng,
                         regret=False)
    vehicles = sorted(routes)
    routes[vehicles[-1]] = []  # an empty route costs nothing and has no times
    settled = ins.settle(routes, vehicles)
    assert settled is not None and sorted(settled) == vehicles
    for v in vehicles:
        times, span, (cost, metres) = settled[v]
        codes = routes[v]
        if not codes:
            assert (times, span, cost, metres) == ([], (0, 0), 0.0, 0)
            continue
        assert (times, span) == ins.times(v, codes)
        car = problem.vehicles[v]
        locs = [car.start, *(ins.loc[c] for c in codes), car.end]
        assert cost == ins.route_cost(v, codes) > 0
        assert metres == sum(int(problem.distances[a, b]) for a, b in pairwise(locs))
    # A visiting order that cannot be timed (reversed stops, found by `times`) makes the
    # whole call say None.
    busy = max(vehicles, key=lambda v: len(routes[v]))
    reversed_order = routes[busy][::-1]
    assert ins.times(busy, reversed_order) is None
    assert ins.settle({**routes, busy: reversed_order}, vehicles) is None
