"""Our search layer on top of OR-Tools: route-group decomposition (a ruin-and-recreate LNS).

OR-Tools' guided local search is strong on small instances (about 0.1 % from the best known
with 48 requests or fewer) but on large ones it is still in its first descent when time runs
out (ecosystem.md §9). So after a short whole-problem phase we repeatedly ruin a group of
related routes (a seed route and the routes closest to it in space and time, plus an idle
vehicle and unserved requests), and recreate them with OR-Tools on that sub-problem alone,
starting from the current routes. Routes of different vehicles interact only through the
fairness term, so a sub-problem improvement is a whole-plan improvement; it is accepted
when the whole-plan cost does not get worse. Every tenth of the search, CP-SAT recombines
the routes of the plans accepted lately (`routing.pool`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from routing.engine import Limits, Solution, node_penalty, optimise
from routing.insert import Inserter, RouteInfo, exchange, recreate
from routing.pool import Pool
from routing.problem import Problem, Weights

GROUP_REQUESTS = 30  # requests per ruined route group: OR-Tools repairs that in ~0.1 s
RUIN_SHARE = 0.4  # at most this share of the group's requests is removed
WHOLE_SHARE = 0.2  # share of the time given to OR-Tools alone on the whole problem
TEMPERATURE = 0.01  # threshold accepting: initial tolerated relative worsening
ORTOOLS_SHARE = 0.05  # share of the search time given to OR-Tools route-group repairs
SMALL_FLEET = 4  # ... but on days of at most this many cars
ORTOOLS_SMALL = 0.5  # ... this share
ORTOOLS_EVERY = 8  # with an iteration budget: one OR-Tools repair per this many steps
FAST_RUIN = 0.3  # a fast step removes at most this share of the served requests
FAST_RUIN_MAX = 20  # ... and at most this many, or one in FAST_RUIN_SPAN served if more:
FAST_RUIN_SPAN = 25  # on G10a/G10b (144 requests) 20 gave 2.6 % at 30 s against 3.6 % with
# 40 and the a-set did not move, but a county's day (1,000) lost 1.7 % with 20 (benchmarks.md)
STRING_SHARE = 0.3  # share of fast steps ruining strings of stops (SISR) rather than Shaw
STRING_MAX = 10  # stops in one removed string at most
LARGE = 100  # above this many requests, the first plan is built by our own insertion:
# OR-Tools' first phase left requests of G10a (144) unserved after 6 s (docs/benchmarks.md)
REPLAN_STALL = 300  # a re-plan stops after this many steps without a better plan
POOL_EVERY = 0.1  # share of the search time between route-pool recombinations (0: none)
POOL_TIME = 0.5  # seconds (deterministic seconds with an iteration budget) at most for each:
# with 2 s and the 1 % threshold, some 30-s runs made a fifth of their usual steps
POOL_STEPS = 400  # with an iteration budget: one recombination per this many steps
EXCHANGE = 1  # polish by segment exchange (insert.exchange) 0: never, 1: each candidate
# better than the current plan, 2: each candidate the threshold accepts


@dataclass
class State:
    """The incumbent: routes (codes), service start times and leave/return times per vehicle."""

    routes: dict[int, list[int]]
    times: dict[int, list[int]]
    spans: dict[int, tuple[int, int]]
    # (scaled cost, metres) of the routes costed so far: a step changes a few routes, and
    # its candidate plan keeps the costs of the others.
    parts: dict[int, tuple[float, int]] = field(default_factory=dict)
    # Views of the routes, made once per plan (most candidates are rejected, so the current
    # plan serves many steps): request -> vehicle, service start time by stop code.
    _on: dict[int, int] | None = field(default=None, repr=False, compare=False)
    _when: np.ndarray | None = field(default=None, repr=False, compare=False)
    _flat: tuple[np.ndarray, np.ndarray, list[int]] | None = field(
        default=None, repr=False, compare=False)
    # Which served requests a step may move and which candidates are unserved (`Search`
    # knows the rules, so it fills these).
    _movable: list[int] | None = field(default=None, repr=False, compare=False)
    _unserved: list[int] | None = field(default=None, repr=False, compare=False)

    def on(self) -> dict[int, int]:
        """The vehicle of every served request."""
        if self._on is None:
            self._on = {c // 2: v for v, codes in self.routes.items() for c in codes}
        return self._on

    def when(self, stops: int) -> np.ndarray:
        """Service start time by stop code (0 for a stop not served), `stops` codes."""
        if self._when is None:
            when = np.zeros(stops, dtype=np.int64)
            for v, codes in self.routes.items():
                if codes:
                    when[codes] = self.times[v]
            self._when = when
        return self._when

    def flat(self) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """The non-empty routes end to end: (stop codes, where each route starts, its car)."""
        if self._flat is None:
            used = [v for v, codes in self.routes.items() if codes]
            sizes = [len(self.routes[v]) for v in used]
            starts = np.zeros(len(used), dtype=np.int64)
            np.cumsum(sizes[:-1], out=starts[1:])
            codes = np.fromiter(chain.from_iterable(self.routes[v] for v in used),
                                dtype=np.int64, count=sum(sizes))
            self._flat = (codes, starts, used)
        return self._flat

    def merge(self, solution: Solution) -> State:
        """A copy with the vehicles of `solution` replaced by its routes."""
        return State({**self.routes, **solution.routes}, {**self.times, **solution.times},
                     {**self.spans, **solution.spans}, self.parts_except(solution.routes))

    def parts_except(self, vehicles: Iterable[int]) -> dict[int, tuple[float, int]]:
        """The known route costs, less those of `vehicles` (routes about to change)."""
        parts = dict(self.parts)
        for v in vehicles:
            parts.pop(v, None)
        return parts


@dataclass
class Progress:
    """Counters reported in the plan's solver statistics."""

    started: float = field(default_factory=time.monotonic)
    first_solution: float | None = None
    iterations: int = 0
    improvements: int = 0


class Search:
    """State and cost bookkeeping for one solve."""

    def __init__(self, problem: Problem, weights: Weights, candidates: Sequence[int],
                 seed: int) -> None:
        self.problem, self.weights = problem, weights
        self.candidates = list(candidates)
        self.rng = random.Random(seed)
        self.noise = np.random.default_rng(seed)  # vectorised draws (Shaw removal)
        self.penalty = 2 * node_penalty(problem, weights)
        self.progress = Progress()
        self.factor = [vehicle.cost_per_distance for vehicle in problem.vehicles]
        self.partner: dict[int, int] = {}
        for r, request in enumerate(problem.requests):
            if request.linked is not None:
                other = problem.request_index(request.linked)
                self.partner[r], self.partner[other] = other, r
        self.inserter = Inserter(problem)
        self.candidate_set = set(self.candidates)
        # Candidates and their partners (themselves if none), to count the unserved at once.
        self._cand_np = np.asarray(self.candidates, dtype=np.int64)
        self._mate_np = np.asarray([self.partner.get(r, r) for r in self.candidates],
                                   dtype=np.int64)

    def _route_cost(self, vehicle: int, codes: Sequence[int]) -> tuple[float, int]:
        """(scaled cost, metres) of a route; a plan keeps these in `State.parts`."""
        if not codes:
            return 0.0, 0
        p = self.problem
        v = p.vehicles[vehicle]
        locs = [v.start] + [self._loc(c) for c in codes] + [v.end]
        arcs = p.distances[locs[:-1], locs[1:]]
        return float(np.rint(arcs * self.factor[vehicle]).sum()), int(arcs.sum())

    def route_cost(self, vehicle: int, codes: Sequence[int]) -> float:
        """A route's scaled cost (as in `cost`)."""
        return self._route_cost(vehicle, codes)[0]

    def pool(self) -> Pool | None:
        """A route pool for recombination, if POOL_EVERY asks for one."""
        return Pool(self.problem, self.partner) if POOL_EVERY > 0 else None

    def recombine(self, pool: Pool, state: State, deterministic: bool, seconds: float
                  ) -> State | None:
        """The best plan made of pooled routes, timed; None if none is better."""
        pool.trim()
        routes = pool.recombine(state.routes, self.penalty, seconds, deterministic,
                                self.route_cost)
        if routes is None:
            return None
        changed = [v for v, codes in routes.items() if codes != state.routes.get(v)]
        new = State(routes, dict(state.times), dict(state.spans), state.parts_except(changed))
        for v in changed:
            codes = routes[v]
            timed = self.inserter.times(v, codes) if codes else ([], (0, 0))
            if timed is None:
                return None
            new.times[v], new.spans[v] = timed
        return new

    def _loc(self, code: int) -> int:
        request = self.problem.requests[code // 2]
        return (request.dropoff if code % 2 else request.pickup).location

    def cost(self, state: State) -> float:
        """Whole-plan objective as OR-Tools sees it: arcs, drop penalties, fairness."""
        served = np.zeros(len(self.problem.requests), dtype=np.bool_)
        served[np.fromiter(chain.from_iterable(state.routes.values()), dtype=np.int64) // 2] = True
        known = state.parts
        for v, codes in state.routes.items():
            if v not in known:
                known[v] = self._route_cost(v, codes)
        parts = [known[v] for v in state.routes]
        longest = max((metres for _, metres in parts), default=0)
        # A lone half of a linked pair counts as unserved: it is removed at the end.
        unserved = int(np.count_nonzero(~(served[self._cand_np] & served[self._mate_np])))
        return sum(c for c, _ in parts) + self.penalty * unserved + self.weights.fairness * longest

    def whole(self, initial: State | None, seconds: float, greedy: bool = False) -> State | None:
        """OR-Tools alone on the whole problem (first solution, or polishing `initial`)."""
        vehicles = range(len(self.problem.vehicles))
        routes = None if initial is None else initial.routes
        solution = optimise(self.problem, self.weights, self.candidates, vehicles, routes,
                            Limits(seconds, greedy=greedy), self._first)
        if solution is None and initial is not None:  # e.g. a changed problem broke a route
            solution = optimise(self.problem, self.weights, self.candidates, vehicles, None,
                                Limits(seconds, greedy=greedy))
        if solution is None:
            return None
        return State(solution.routes, solution.times, solution.spans)

    def construct(self, initial: State | None) -> State | None:
        """A first plan by our own insertion (OR-Tools' first solution is too slow on a
        county's day): keep the routes of `initial` (a re-plan), then insert every
        unserved request (linked pairs together) in order of pickup time, each into its
        cheapest car among the nearest able ones. None if a kept route no longer times."""
        ins = self.inserter
        routes: dict[int, list[int]] = {v: [] for v in range(len(self.problem.vehicles))}
        if initial is not None:
            for v, codes in initial.routes.items():
                keep = [c for c in codes if c // 2 in self.candidate_set]
                if keep and ins.times(v, keep) is None:
                    return None
                routes[v] = keep
        on = {c // 2: v for v, codes in routes.items() for c in codes}
        units, only = self._units({r for r in self.candidates if r not in on}, on, (),
                                  extra=0)
        units.sort(key=lambda u: self._pickup_time(u[0]))
        infos: dict[int, RouteInfo | None] = {}
        for unit in units:
            best: tuple[int, int, list[int]] | None = None
            for v in [only[unit]] if unit in only else ins.near[unit[0]]:
                if v not in infos:
                    infos[v] = ins.info(v, routes[v])
                info = infos[v]
                found = None if info is None else ins.best_unit(v, routes[v], unit, info)
                if found is not None and (best is None or found[0] < best[0]):
                    best = (found[0], v, found[1])
            if best is not None:
                routes[best[1]] = best[2]
                infos.pop(best[1], None)
        state = State(routes, {}, {})
        for v, codes in routes.items():
            timed = ins.times(v, codes) if codes else ([], (0, 0))
            if timed is None:
                return None
            state.times[v], state.spans[v] = timed
        self._first()
        return state

    def _first(self) -> None:
        if self.progress.first_solution is None:
            self.progress.first_solution = time.monotonic() - self.progress.started

    def group(self, state: State) -> list[int]:
        """A seed route and the routes most related to it, until about GROUP_REQUESTS."""
        used = [v for v, codes in state.routes.items() if codes]
        idle = [v for v, codes in state.routes.items() if not codes]
        if not used:
            return idle[:1]
        seed = self.rng.choice(used)
        scores = sorted((self._relatedness(state, seed, v) * self.rng.uniform(1.0, 1.5), v)
                        for v in used if v != seed)
        chosen, size = [seed], len(state.routes[seed]) // 2
        for _, v in scores:
            if size >= GROUP_REQUESTS and len(chosen) >= 2:
                break
            chosen.append(v)
            size += len(state.routes[v]) // 2
        if idle and self.rng.random() < 0.5:
            chosen.append(self.rng.choice(idle))
        return chosen

    def _relatedness(self, state: State, a: int, b: int) -> float:
        """Mean over a's stops of the nearest stop of b in travel time plus time apart."""
        la = np.asarray([self._loc(c) for c in state.routes[a]])
        lb = np.asarray([self._loc(c) for c in state.routes[b]])
        ta, tb = np.asarray(state.times[a]), np.asarray(state.times[b])
        gap = self.problem.durations[np.ix_(la, lb)] + np.abs(ta[:, None] - tb[None, :])
        return float(gap.min(axis=1).mean())

    def ruin(self, state: State, vehicles: Sequence[int]) -> tuple[list[int], set[int]]:
        """Shaw removal: a random request and those closest to it in place and time."""
        requests = sorted({c // 2 for v in vehicles for c in state.routes[v]})
        if not requests:
            return requests, set()
        when = {c: t for v in vehicles for c, t in zip(state.routes[v], state.times[v],
                                                        strict=True)}
        seed = self.rng.choice(requests)
        dur, reqs = self.problem.durations, self.problem.requests
        a = reqs[seed]

        def related(r: int) -> float:
            b = reqs[r]
            gap = (dur[a.pickup.location, b.pickup.location]
                   + dur[a.dropoff.location, b.dropoff.location]
                   + abs(when[2 * seed] - when[2 * r]) + abs(when[2 * seed + 1] - when[2 * r + 1]))
            return float(gap) * self.rng.uniform(1.0, 1.5)

        count = self.rng.randint(2, max(3, int(RUIN_SHARE * len(requests))))
        return requests, set(sorted(requests, key=related)[:count])

    def _insertable(self, state: State, vehicles: Sequence[int]) -> list[int]:
        """Up to 10 unserved requests to offer the group; a linked trip only comes along
        with its partner or into the group holding its partner (same driver)."""
        on = state.on()
        unserved = self._unserved(state)
        picked: list[int] = []
        for r in self.rng.sample(unserved, len(unserved)):
            partner = self.partner.get(r)
            if partner is not None and partner in on and on[partner] not in vehicles:
                continue
            if r not in picked:
                picked.append(r)
            if partner is not None and partner not in on and partner not in picked:
                picked.append(partner)
            if len(picked) >= 10:
                break
        return picked

    def step(self, state: State, seconds: float) -> State | None:
        """Ruin a route group and recreate it with OR-Tools; None if OR-Tools found nothing."""
        vehicles = self.group(state)
        requests, removed = self.ruin(state, vehicles)
        requests += self._insertable(state, vehicles)
        initial = {v: [c for c in state.routes[v] if c // 2 not in removed] for v in vehicles}
        limits = Limits(seconds, greedy=True)
        solution = optimise(self.problem, self.weights, requests, vehicles, initial, limits)
        self.progress.iterations += 1
        return None if solution is None else state.merge(solution)

    def fast_step(self, state: State) -> State | None:
        """Ruin related (or random) requests of the whole plan and re-insert them, with up
        to 10 unserved ones, by our own insertion; None if nothing changed."""
        self.progress.iterations += 1
        ins, rng = self.inserter, self.rng
        on = state.on()
        movable = self._movable(state)
        removed: set[int] = set()
        if movable:
            most = max(FAST_RUIN_MAX, len(movable) // FAST_RUIN_SPAN)
            count = rng.randint(2, max(2, min(most, int(FAST_RUIN * len(movable)))))
            how = rng.random()
            chosen = (self._strings(state, movable, count) if how < STRING_SHARE
                      else self._shaw(state, movable, count) if how < 0.7
                      else rng.sample(movable, min(count, len(movable))))
            for r in chosen:
                removed.add(r)
                if r in self.partner:
                    removed.add(self.partner[r])
        touched = {on[r] for r in removed if r in on}
        routes = dict(state.routes)
        for v in touched:
            routes[v] = [c for c in routes[v] if c // 2 not in removed]
        units, only = self._units(removed, on, self._unserved(state))
        if not units:
            return None
        routes, changed = recreate(ins, routes, units, rng, regret=rng.random() < 0.5,
                                   only=only)
        touched |= changed
        return self._settled(state, routes, touched)

    def _settled(self, state: State, routes: dict[int, list[int]], changed: Iterable[int]
                 ) -> State | None:
        """`state` with `routes`, the routes of `changed` timed and costed anew; None if
        one of them is infeasible."""
        settled = self.inserter.settle(routes, sorted(changed))
        if settled is None:
            return None
        new = State(dict(routes), dict(state.times), dict(state.spans),
                    state.parts_except(settled))
        for v, (times, span, part) in settled.items():
            new.times[v], new.spans[v], new.parts[v] = times, span, part
        return new

    def polish(self, state: State, before: State) -> State:
        """`state` with segments swapped or moved between its routes where that makes it
        cheaper (`insert.exchange`), starting from the routes that differ from `before`."""
        touched = [v for v, codes in state.routes.items() if codes is not before.routes.get(v)]
        routes = dict(state.routes)
        changed = exchange(self.inserter, routes, touched)
        return (self._settled(state, routes, changed) or state) if changed else state

    def _shaw(self, state: State, served: list[int], count: int) -> list[int]:
        """`count` requests related to a random one in pickup/drop-off place and time."""
        when = state.when(2 * len(self.problem.requests))
        ins = self.inserter
        arr = np.asarray(served, dtype=np.int64)
        pick, drop = ins.req_np[arr, 0], ins.req_np[arr, 1]
        tp, td = when[2 * arr], when[2 * arr + 1]
        k = self.rng.randrange(len(served))
        dur = self.problem.durations
        gap = (dur[pick[k], pick] + dur[drop[k], drop] + np.abs(tp - tp[k]) + np.abs(td - td[k]))
        noise = self.noise.uniform(1.0, 1.5, len(served))
        return list(arr[np.argsort(gap * noise, kind="stable")[:count]].tolist())

    def _strings(self, state: State, served: list[int], count: int) -> list[int]:
        """About `count` requests with a stop in strings of consecutive stops cut from the
        routes nearest a random request, each string around the stop nearest it in place
        and time (Christiaens & Vanden Berghe's SISR, the requests of a cut stop going too)."""
        rng, ins, dur = self.rng, self.inserter, self.problem.durations
        seed = rng.choice(served)
        where, when = ins.loc_np[2 * seed], state.when(2 * len(self.problem.requests))
        at = when[2 * seed]
        # Per route, its stop nearest the seed's (the first of equals): (closeness, car, index).
        flat, starts, used = state.flat()
        gap = dur[where, ins.loc_np[flat]] + np.abs(when[flat] - at)
        least = np.minimum.reduceat(gap, starts)
        sizes = np.diff(starts, append=len(flat))
        hits = np.flatnonzero(gap == np.repeat(least, sizes))
        nearest = hits[np.searchsorted(hits, starts)] - starts
        near = sorted(zip(least.tolist(), used, nearest.tolist(), strict=True))
        movable = set(served)
        chosen: list[int] = []
        for _, v, k in near:
            codes = state.routes[v]
            size = rng.randint(1, min(len(codes), STRING_MAX))
            start = max(0, min(k - rng.randrange(size), len(codes) - size))
            for c in codes[start:start + size]:
                if c // 2 in movable and c // 2 not in chosen:
                    chosen.append(c // 2)
            if len(chosen) >= count:
                break
        return chosen

    def _units(self, removed: set[int], on: dict[int, int], unserved: Sequence[int],
               extra: int = 10) -> tuple[list[tuple[int, ...]], dict[tuple[int, ...], int]]:
        """Insertion units: removed requests, linked pairs together, plus up to `extra` of
        the `unserved` candidates (a half whose partner is served goes to the partner's
        car). `on` places the served requests; those in `removed` count as unserved."""
        rest = [r for r in unserved if r not in removed]
        more = self.rng.sample(rest, min(extra, len(rest)))
        units: list[tuple[int, ...]] = []
        only: dict[tuple[int, ...], int] = {}
        seen: set[int] = set()
        for r in sorted(removed) + more:
            if r in seen or r not in self.candidate_set or not self.inserter.movable[r]:
                continue
            partner = self.partner.get(r)
            if partner is None:
                units.append((r,))
            elif partner in on and partner not in removed:
                units.append((r,))
                only[(r,)] = on[partner]
            elif partner in self.candidate_set:
                first, second = sorted((r, partner), key=self._pickup_time)
                units.append((first, second))
                seen.add(partner)
            seen.add(r)
        return units, only

    def _movable(self, state: State) -> list[int]:
        """Served requests a step may move (a linked pair only if both halves may)."""
        if state._movable is None:
            movable, on = self.inserter.movable, state.on()
            state._movable = [r for r in on if movable[r] and (
                r not in self.partner or movable[self.partner[r]])]
        return state._movable

    def _unserved(self, state: State) -> list[int]:
        """Candidates `state` does not serve."""
        if state._unserved is None:
            on = state.on()
            state._unserved = [r for r in self.candidates if r not in on]
        return state._unserved

    def _pickup_time(self, r: int) -> int:
        return self.problem.requests[r].pickup.earliest


def run(problem: Problem, weights: Weights, candidates: Sequence[int], seed: int,
        time_limit: float, iterations: int | None, initial: State | None,
        ortools_only: bool = False) -> tuple[State, Progress]:
    """Whole-problem phase (or our own first plan), then ruin-and-recreate until the time or
    iteration budget ends, with a route-pool recombination every POOL_EVERY of it.

    Acceptance is threshold accepting: a candidate up to `temperature` worse than the
    current plan is taken, the threshold falling linearly to zero; the best plan is kept.
    With `iterations` set, every step runs to its local optimum (no clock involved), so the
    same seed gives the same plan.
    """
    search = Search(problem, weights, candidates, seed)
    clock = search.progress
    deadline = clock.started + time_limit
    empty = State({v: [] for v in range(len(problem.vehicles))}, {}, {})
    if not candidates:
        return empty, clock
    # One or two cars: OR-Tools alone. Small days no longer: on G1a (24 requests, 3 cars)
    # OR-Tools alone stopped 5 % above what our search finds in 30 s (docs/benchmarks.md).
    small = len(problem.vehicles) <= 2
    alone = ortools_only or (small and iterations is None)
    whole = time_limit * (1.0 if alone else WHOLE_SHARE)
    state = None
    if not ortools_only and (len(candidates) > LARGE or (initial is not None and not alone)):
        state = search.construct(initial)
    if state is None:
        state = search.whole(initial, max(0.05, whole), greedy=iterations is not None)
    if state is None:
        return empty, clock
    if ortools_only:
        return state, clock
    current = best_cost = search.cost(state)
    best = state
    loop_start, ortools_time, last_best = time.monotonic(), 0.0, 0
    pool = search.pool() if initial is None else None
    # With few cars a route group is most of the plan, so a repair is OR-Tools' guided local
    # search on nearly the whole day, which is what finds the best known there (G1a, G7a).
    share = ORTOOLS_SMALL if len(problem.vehicles) <= SMALL_FLEET else ORTOOLS_SHARE
    next_pool, next_pool_step = POOL_EVERY, POOL_STEPS
    while True:
        if iterations is None:
            remaining = deadline - time.monotonic()
            if remaining < 0.05:
                break
            progress = 1 - remaining / max(deadline - loop_start, 1e-9)
            use_ortools = ortools_time < share * (time.monotonic() - loop_start)
        else:
            if clock.iterations >= iterations:
                break
            progress = clock.iterations / max(iterations, 1)
            use_ortools = clock.iterations % ORTOOLS_EVERY == ORTOOLS_EVERY - 1
        if initial is not None and clock.iterations - last_best > REPLAN_STALL:
            break
        if pool is not None and (progress >= next_pool if iterations is None
                                 else clock.iterations >= next_pool_step):
            next_pool += POOL_EVERY
            next_pool_step += POOL_STEPS
            candidate = search.recombine(pool, best, iterations is not None,
                                         POOL_TIME if iterations else min(POOL_TIME, remaining))
            if candidate is not None and (cost := search.cost(candidate)) < best_cost:
                state = best = candidate
                current = best_cost = cost
                clock.improvements += 1
                last_best = clock.iterations
            continue
        if use_ortools:
            began = time.monotonic()
            candidate = search.step(state,
                                    60.0 if iterations else max(0.05, min(remaining, 1.0)))
            ortools_time += time.monotonic() - began
        else:
            candidate = search.fast_step(state)
        if candidate is None:
            continue
        cost = search.cost(candidate)
        limit = current * (1 + TEMPERATURE * max(0.0, 1 - progress))
        if EXCHANGE and cost < (current if EXCHANGE == 1 else limit):
            # The exchange sees arcs only: kept if the whole objective (fairness too) gains.
            polished = search.polish(candidate, state)
            if polished is not candidate and (better := search.cost(polished)) < cost:
                candidate, cost = polished, better
        if cost <= limit:
            state, current = candidate, cost
            if pool is not None:
                for v, codes in state.routes.items():
                    pool.add(v, codes, state.parts[v][0])  # costed by search.cost
            if cost < best_cost:
                best, best_cost = candidate, cost
                clock.improvements += 1
                last_best = clock.iterations
    return best, clock
