"""Fast ruin-and-recreate moves: our own insertion (no OR-Tools), its loops compiled.

An OR-Tools repair of a route group takes 0.2-1 s on the large instances, so only a few
hundred fit in 30 s. Here a step takes milliseconds: remove related requests from the
whole plan, then re-insert them (and some unserved ones) by regret or greedy cheapest
insertion, a linked outbound/return pair always as one unit into one vehicle.

Every candidate insertion is screened by cost order and by necessary conditions (windows
against the route's earliest and latest service times, seats), then tested exactly: a
route is feasible iff its simple temporal network (travel, windows, ride limits, shift,
maximum duration: all difference constraints) is consistent, which a label-correcting
pass decides and which also gives the times. A route found feasible here is feasible.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from routing import kernels
from routing.kernels import NO_CAP
from routing.problem import Problem
from routing.windows import tightened_windows

BIG = 1 << 60
EXACT_TRIES = 12  # exact tests per (unit, route) before the route is given up for it
EXCHANGE_TRIES = 50  # exact tests per segment-exchange call, most improving first
EXCHANGE_MOVES = 20  # segment-exchange moves per descent at most
NEAREST = 30  # a request is offered to this many cars at most: those that can reach it
# in time, nearest first (a granular neighbourhood: with 200 cars, trying all is too slow)


@dataclass
class Nodes:
    """A route as node arrays: 0 leaving home, 1..m the stops, m + 1 home again."""

    locs: np.ndarray
    lo: np.ndarray  # earliest start
    hi: np.ndarray  # latest start
    svc: np.ndarray  # service time
    gap: np.ndarray  # service + travel from node i to node i + 1
    load: np.ndarray  # seats taken on leaving node i
    pp: np.ndarray  # ride limits: pickup node, drop-off node, limit
    pd: np.ndarray
    plim: np.ndarray
    cap: int  # maximum duration, or NO_CAP

    @classmethod
    def of(cls, arrays: tuple[np.ndarray, ...], cap: int) -> Nodes:
        """From what the `nodes` kernel returns."""
        locs, lo, hi, svc, gap, load, pp, pd, plim = arrays
        return cls(locs, lo, hi, svc, gap, load, pp, pd, plim, cap)

    def solve(self, kernel: Callable[..., bool]) -> np.ndarray | None:
        """The least or greatest schedule (by `kernel`), or None if there is none."""
        t = np.empty(len(self.locs), dtype=np.int64)
        ok = kernel(self.lo, self.hi, self.gap, self.pp, self.pd, self.plim, len(self.pp),
                    self.cap, len(self.locs), t)
        return t if ok else None


# A route's service start times, (leave, back) times, and (scaled cost, metres).
Settled = tuple[list[int], tuple[int, int], tuple[float, int]]


@dataclass
class RouteInfo:
    """What insertion into one route needs: its nodes, earliest starts, and the latest
    start of the node after each gap."""

    codes: list[int]
    nodes: Nodes
    early: np.ndarray
    late: np.ndarray


class Inserter:
    """Precomputed arrays of one problem, and the insertion / scheduling routines."""

    def __init__(self, problem: Problem) -> None:
        kernels.compile_all()
        self.problem = p = problem
        windows = tightened_windows(problem)
        n = len(p.requests)
        self.loc = [0] * (2 * n)
        self.lo = [0] * (2 * n)
        self.hi = [0] * (2 * n)
        self.svc = [0] * (2 * n)
        self.dem = [0] * (2 * n)
        self.ride = [BIG] * n
        for r, request in enumerate(p.requests):
            for k, stop in ((0, request.pickup), (1, request.dropoff)):
                code = 2 * r + k
                self.loc[code] = stop.location
                self.lo[code], self.hi[code] = windows[code]
                self.svc[code] = stop.service
                self.dem[code] = -request.seats if k else request.seats
            if request.max_ride is not None:
                self.ride[r] = request.max_ride + request.pickup.service
        self.loc_np = np.asarray(self.loc, dtype=np.int64)
        self.lo_np = np.asarray(self.lo, dtype=np.int64)
        self.hi_np = np.asarray(self.hi, dtype=np.int64)
        self.svc_np = np.asarray(self.svc, dtype=np.int64)
        self.dem_np = np.asarray(self.dem, dtype=np.int64)
        self.ride_np = np.asarray([x if x < BIG else -1 for x in self.ride], dtype=np.int64)
        # One row per request, as the insertion kernel reads it.
        self.req_np = np.asarray(
            [[self.loc[2 * r], self.loc[2 * r + 1], self.lo[2 * r], self.hi[2 * r],
              self.lo[2 * r + 1], self.hi[2 * r + 1], self.svc[2 * r], self.svc[2 * r + 1],
              self.dem[2 * r], self.ride_np[r]] for r in range(n)],
            dtype=np.int64).reshape(n, 10)
        self.dur_np = p.durations
        self.dist_np = p.distances
        # One rounded cost matrix per distinct cost factor; cost_np[v] is a view of car v's.
        factors = list(dict.fromkeys(vehicle.cost_per_distance for vehicle in p.vehicles))
        which = [factors.index(vehicle.cost_per_distance) for vehicle in p.vehicles]
        size = len(p.distances)
        self.costs_np = (np.stack([np.rint(p.distances * f).astype(np.int64) for f in factors])
                         if factors else np.zeros((0, size, size), dtype=np.int64))
        self.cost_np = [self.costs_np[k] for k in which]
        # One row per car, as the recreate kernel reads it.
        self.car_np = np.asarray(
            [[car.start, car.end, car.shift_start, car.shift_end,
              NO_CAP if car.max_duration is None else car.max_duration, car.seats, which[v]]
             for v, car in enumerate(p.vehicles)], dtype=np.int64).reshape(-1, 7)
        self.vehicles = p.vehicles
        self.allowed: list[list[int]] = []
        self.movable = [True] * n
        for r, request in enumerate(p.requests):
            able = [v for v, vehicle in enumerate(p.vehicles) if vehicle.can_carry(request)]
            lock = p.lock_of(request.id)
            if lock is not None:
                fixed = p.vehicle_index(lock.vehicle)
                able = [v for v in able if v == fixed]
                if lock.position is not None:
                    self.movable[r] = False  # its order among locked trips: OR-Tools' job
            self.allowed.append(able)
        self.allowed_set = [frozenset(able) for able in self.allowed]
        self.partner_np = np.full(n, -1, dtype=np.int64)  # either half of a linked pair
        for r, request in enumerate(p.requests):
            if request.linked is not None:
                other = p.request_index(request.linked)
                self.partner_np[r], self.partner_np[other] = other, r
        self.movable_np = np.asarray(self.movable, dtype=np.bool_)
        self.near = [self._nearest(r, able) for r, able in enumerate(self.allowed)]
        cars = len(p.vehicles)
        self.allowed_mask = np.zeros((n, cars), dtype=np.bool_)
        self.near_mask = np.zeros((n, cars), dtype=np.bool_)
        for r in range(n):
            self.allowed_mask[r, self.allowed[r]] = True
            self.near_mask[r, self.near[r]] = True

    def _nearest(self, r: int, able: list[int]) -> list[int]:
        """The cars able to take request r whose shift can reach it, nearest home first."""
        if len(able) <= NEAREST:
            return able
        pick, drop = 2 * r, 2 * r + 1
        dur = self.dur_np
        scored = []
        for v in able:
            car = self.vehicles[v]
            there = int(dur[car.start, self.loc[pick]])
            back = int(dur[self.loc[drop], car.end])
            if (car.shift_start + there > self.hi[pick]
                    or self.lo[drop] + self.svc[drop] + back > car.shift_end):
                continue
            scored.append((there + back, v))
        return [v for _, v in sorted(scored)[:NEAREST]]

    # ---- scheduling -------------------------------------------------------------------

    def _route(self, v: int, codes: Sequence[int]) -> tuple[tuple[object, ...], int]:
        """What the `nodes` and `timed` kernels take for this route, and its maximum
        duration (or NO_CAP)."""
        vehicle = self.vehicles[v]
        cap = NO_CAP if vehicle.max_duration is None else vehicle.max_duration
        return (np.asarray(codes, dtype=np.int64), self.loc_np, self.lo_np, self.hi_np,
                self.svc_np, self.dem_np, self.ride_np, vehicle.start, vehicle.end,
                vehicle.shift_start, vehicle.shift_end, self.dur_np), cap

    def nodes(self, v: int, codes: Sequence[int]) -> Nodes:
        """The route's node arrays (home, stops, home) and ride-limit pairs."""
        args, cap = self._route(v, codes)
        return Nodes.of(kernels.nodes(*args), cap)

    def times(self, v: int, codes: Sequence[int]) -> tuple[list[int], tuple[int, int]] | None:
        """Service start times (leave home as late as possible, then every stop as early as
        possible) and (leave, back) times, or None if infeasible."""
        args, cap = self._route(v, codes)
        t = np.empty(len(codes) + 2, dtype=np.int64)
        if not kernels.schedule(*args, cap, t):
            return None
        times = t.tolist()
        return times[1:-1], (times[0], times[-1])

    def settle(self, routes: dict[int, list[int]], vehicles: Sequence[int]
               ) -> dict[int, Settled] | None:
        """`times` and the (scaled cost, metres) of the routes of `vehicles`, in one
        compiled call; None if any of them is infeasible."""
        vs = np.asarray(vehicles, dtype=np.int64)
        lens = np.asarray([len(routes[v]) for v in vehicles], dtype=np.int64)
        width = int(lens.max(initial=0))
        table = np.zeros((len(vs), width), dtype=np.int64)
        for k, v in enumerate(vehicles):
            table[k, :lens[k]] = routes[v]
        times = np.empty((len(vs), width + 2), dtype=np.int64)
        out = np.empty((len(vs), 2), dtype=np.int64)
        if not kernels.settle(table, lens, vs, self.car_np, self.costs_np, self.dist_np,
                              self.loc_np, self.lo_np, self.hi_np, self.svc_np, self.dem_np,
                              self.ride_np, self.dur_np, times, out):
            return None
        settled: dict[int, Settled] = {}
        rows, parts = times.tolist(), out.tolist()
        for k, v in enumerate(vehicles):
            m, row, (cost, metres) = int(lens[k]), rows[k], parts[k]
            settled[v] = (row[1:m + 1], (row[0], row[m + 1]) if m else (0, 0),
                          (float(cost), metres))
        return settled

    def feasible(self, v: int, codes: Sequence[int]) -> bool:
        """Exact feasibility of a visiting order (capacity included)."""
        load, seats = 0, self.vehicles[v].seats
        for c in codes:
            load += self.dem[c]
            if load > seats:
                return False
        return self.nodes(v, codes).solve(kernels.least) is not None

    # ---- insertion --------------------------------------------------------------------

    def route_cost(self, v: int, codes: Sequence[int]) -> int:
        """Arc cost of the route as the whole-plan cost counts it."""
        if not codes:
            return 0
        vehicle = self.vehicles[v]
        locs = [vehicle.start, *(self.loc[c] for c in codes), vehicle.end]
        return int(self.cost_np[v][locs[:-1], locs[1:]].sum())

    def info(self, v: int, codes: list[int]) -> RouteInfo | None:
        """What insertion into this route needs, computed once per route; None if the
        route itself is infeasible."""
        args, cap = self._route(v, codes)
        ok, built, early, late = kernels.timed(*args, cap)
        if not ok:
            return None
        return RouteInfo(codes, Nodes.of(built, cap), early, late[1:].copy())

    def best(self, v: int, codes: list[int], r: int,
             info: RouteInfo | None = None) -> tuple[int, list[int]] | None:
        """Cheapest feasible insertion of request `r` into route `codes` of vehicle `v`:
        (added cost, new route), or None."""
        if info is None:
            info = self.info(v, codes)
            if info is None:
                return None
        return self.best_many(v, codes, [r], info)[0]

    def best_many(self, v: int, codes: list[int], rs: Sequence[int],
                  info: RouteInfo) -> list[tuple[int, list[int]] | None]:
        """`best` for several requests into one route, in one compiled call."""
        n = info.nodes
        out = np.empty((len(rs), 3), dtype=np.int64)
        kernels.insert_many(n.locs, n.lo, n.hi, n.gap, n.svc, n.load, info.early, info.late,
                    n.pp, n.pd, n.plim, n.cap, self.vehicles[v].seats, self.cost_np[v],
                    self.dur_np, self.req_np[np.asarray(rs, dtype=np.int64)], EXACT_TRIES, out)
        found: list[tuple[int, list[int]] | None] = []
        for (delta, i, j), r in zip(out.tolist(), rs, strict=True):
            found.append(None if i < 0 else
                         (delta, [*codes[:i], 2 * r, *codes[i:j], 2 * r + 1, *codes[j:]]))
        return found

    def best_unit(self, v: int, codes: list[int], unit: tuple[int, ...],
                  info: RouteInfo | None = None) -> tuple[int, list[int]] | None:
        """Cheapest insertion of a unit (a request, or a linked pair into one vehicle)."""
        total, route = 0, codes
        for k, r in enumerate(unit):
            if v not in self.allowed[r]:
                return None
            found = self.best(v, route, r, info if k == 0 else None)
            if found is None:
                return None
            total += found[0]
            route = found[1]
        return total, route


def exchange(ins: Inserter, routes: dict[int, list[int]], focus: Sequence[int],
             moves: int = EXCHANGE_MOVES, tries: int = EXCHANGE_TRIES) -> set[int]:
    """Improve `routes` (changed in place) by swapping or moving segments cut where nobody
    is on board, between a route of `focus` and any other (`kernels.exchange`), the best
    move first, until none improves or `moves` are made. Returns the vehicles changed."""
    cars = len(ins.vehicles)
    if len(routes) < cars:
        return set()
    lens = np.asarray([len(routes[v]) for v in range(cars)], dtype=np.int64)
    table = np.zeros((cars, max(1, int(lens.sum()))), dtype=np.int64)
    for v in range(cars):
        table[v, :lens[v]] = routes[v]
    look = sorted(set(focus))
    changed: set[int] = set()
    best = np.zeros(7, dtype=np.int64)
    for _ in range(moves):
        pairs = np.asarray([(a, b) for a in look for b in range(cars) if b != a
                            and (b not in look or a < b)], dtype=np.int64).reshape(-1, 2)
        if not len(pairs):
            break
        kernels.exchange(table, lens, pairs, ins.car_np, ins.costs_np, ins.loc_np,
                         ins.lo_np, ins.hi_np, ins.svc_np, ins.dem_np, ins.ride_np,
                         ins.dur_np, ins.allowed_mask, ins.movable_np, ins.partner_np,
                         tries, best)
        if best[0] <= 0:
            break
        a, b, i1, i2, j1, j2 = (int(x) for x in best[1:])
        ra, rb = table[a, :lens[a]].tolist(), table[b, :lens[b]].tolist()
        new_a, new_b = ra[:i1] + rb[j1:j2] + ra[i2:], rb[:j1] + ra[i1:i2] + rb[j2:]
        for v, codes in ((a, new_a), (b, new_b)):
            lens[v] = len(codes)
            table[v, :len(codes)] = codes
            routes[v] = codes
            changed.add(v)
        look = sorted(set(look) | {a, b})
    return changed


def recreate(ins: Inserter, routes: dict[int, list[int]], units: list[tuple[int, ...]],
             rng: random.Random, regret: bool, only: dict[tuple[int, ...], int] | None = None,
             ) -> tuple[dict[int, list[int]], set[int]]:
    """Insert `units` into `routes` (changed in place): regret-2 or greedy cheapest, with
    best insertions cached per route; `only` restricts a unit to one vehicle (a return
    whose outbound is already served). A unit goes to the cars nearest its first request
    (`Inserter.near`) that can carry all of it. Returns the routes and the vehicles
    changed. The loop runs compiled (`kernels.recreate`)."""
    only = only or {}
    pending = list(units)
    rng.shuffle(pending)
    if not pending:
        return routes, set()
    cars = len(ins.vehicles)
    first = np.asarray([unit[0] for unit in pending], dtype=np.int64)
    second = np.asarray([unit[1] if len(unit) > 1 else -1 for unit in pending],
                        dtype=np.int64)
    elig = ins.near_mask[first]
    pairs = second >= 0
    if pairs.any():
        elig[pairs] &= ins.allowed_mask[second[pairs]]
    if only:
        for k, unit in enumerate(pending):
            if unit in only:
                elig[k] = False
                car = only[unit]
                elig[k, car] = all(car in ins.allowed_set[r] for r in unit)
    if len(routes) < cars:
        elig[:, [v for v in range(cars) if v not in routes]] = False
    lens = np.zeros(cars, dtype=np.int64)
    lens[list(routes)] = [len(codes) for codes in routes.values()]
    # Room for all the units' stops (a pair has four) in any one car.
    table = np.zeros((cars, int(lens.max()) + 4 * len(pending) + 2), dtype=np.int64)
    for v, codes in routes.items():
        table[v, :len(codes)] = codes
    changed = np.zeros(cars, dtype=np.bool_)
    kernels.recreate(table, lens, ins.car_np, ins.costs_np, ins.loc_np, ins.lo_np,
                     ins.hi_np, ins.svc_np, ins.dem_np, ins.ride_np, ins.dur_np, ins.req_np,
                     first, second, elig, regret, EXACT_TRIES, changed)
    done = set(np.flatnonzero(changed).tolist())
    for v in done:
        routes[v] = table[v, :lens[v]].tolist()
    return routes, done
