"""Fast ruin-and-recreate moves in pure Python/numpy (no OR-Tools).

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
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.problem import Problem
from routing.windows import tightened_windows

BIG = 1 << 60
EXACT_TRIES = 12  # exact tests per (unit, route) before the route is given up for it
NEAREST = 30  # a request is offered to this many cars at most: those that can reach it
# in time, nearest first (a granular neighbourhood: with 200 cars, trying all is too slow)


@dataclass
class Timing:
    """Earliest and latest feasible service times of a route (index 0: leave home,
    last: home again)."""

    early: list[int]
    late: list[int]


@dataclass
class RouteInfo:
    """Per-route arrays for insertion (node i = 0 home, 1..m stops; gaps i -> i+1)."""

    codes: list[int]
    a: np.ndarray  # node before each gap
    b: np.ndarray  # node after each gap
    base: np.ndarray  # cost of each gap's arc
    leave: np.ndarray  # earliest departure from node i
    late: np.ndarray  # latest start at node i + 1
    idx: np.ndarray
    upper: np.ndarray  # i <= j
    peak: np.ndarray  # most seats used after nodes i..j
    lists: tuple[list[int], list[int], list[int], list[int], list[int]]  # locs lo hi gap svc
    pairs: list[tuple[int, int, int]]


class Inserter:
    """Precomputed arrays of one problem, and the insertion / scheduling routines."""

    def __init__(self, problem: Problem) -> None:
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
        self.dur_np = p.durations
        self.dur = p.durations.tolist()
        self.cost_np: list[np.ndarray] = []
        by_factor: dict[float, np.ndarray] = {}
        for vehicle in p.vehicles:
            factor = vehicle.cost_per_distance
            if factor not in by_factor:
                by_factor[factor] = np.rint(p.distances * factor).astype(np.int64)
            self.cost_np.append(by_factor[factor])
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
        self.near = [self._nearest(r, able) for r, able in enumerate(self.allowed)]

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

    def _arrays(self, v: int, codes: Sequence[int]) -> tuple[list[int], list[int], list[int],
                                                              list[int]]:
        vehicle = self.vehicles[v]
        locs = [vehicle.start, *(self.loc[c] for c in codes), vehicle.end]
        lo = [vehicle.shift_start, *(self.lo[c] for c in codes), vehicle.shift_start]
        hi = [vehicle.shift_end, *(self.hi[c] for c in codes), vehicle.shift_end]
        dur = self.dur
        svc = [0, *(self.svc[c] for c in codes)]
        gap = [svc[i] + dur[locs[i]][locs[i + 1]] for i in range(len(locs) - 1)]
        return locs, lo, hi, gap

    def _pairs(self, codes: Sequence[int]) -> list[tuple[int, int, int]]:
        at: dict[int, int] = {}
        out = []
        for i, c in enumerate(codes, start=1):
            if c % 2 == 0:
                at[c // 2] = i
            elif c // 2 in at and self.ride[c // 2] < BIG:
                out.append((at[c // 2], i, self.ride[c // 2]))
        return out

    def timing(self, v: int, codes: Sequence[int]) -> Timing | None:
        """Earliest and latest feasible times of visiting `codes` in order, or None.

        Capacity is not checked here (insertion screens it)."""
        _, lo, hi, gap = self._arrays(v, codes)
        pairs = self._pairs(codes)
        cap = self.vehicles[v].max_duration
        early = _least(lo, hi, gap, pairs, cap)
        if early is None:
            return None
        late = _greatest(lo, hi, gap, pairs, cap)
        if late is None:  # cannot happen when a least solution exists
            return None
        return Timing(early, late)

    def times(self, v: int, codes: Sequence[int]) -> tuple[list[int], tuple[int, int]] | None:
        """Service start times (leave home as late as possible, then every stop as early as
        possible) and (leave, back) times, or None if infeasible."""
        _, lo, hi, gap = self._arrays(v, codes)
        pairs = self._pairs(codes)
        cap = self.vehicles[v].max_duration
        late = _greatest(lo, hi, gap, pairs, cap)
        if late is None:
            return None
        lo = [late[0], *lo[1:]]
        early = _least(lo, hi, gap, pairs, cap)
        if early is None:
            return None
        return early[1:-1], (early[0], early[-1])

    def feasible(self, v: int, codes: Sequence[int]) -> bool:
        """Exact feasibility of a visiting order (capacity included)."""
        load, seats = 0, self.vehicles[v].seats
        for c in codes:
            load += self.dem[c]
            if load > seats:
                return False
        _, lo, hi, gap = self._arrays(v, codes)
        return _least(lo, hi, gap, self._pairs(codes), self.vehicles[v].max_duration) is not None

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
        timing = self.timing(v, codes)
        if timing is None:
            return None
        vehicle = self.vehicles[v]
        m = len(codes)
        locs = np.asarray([vehicle.start, *(self.loc[c] for c in codes), vehicle.end])
        a, b = locs[:-1], locs[1:]
        svc = np.asarray([0, *(self.svc[c] for c in codes)])
        idx = np.arange(m + 1)
        upper = idx[:, None] <= idx[None, :]
        load = np.concatenate(([0], np.cumsum([self.dem[c] for c in codes], dtype=np.int64)))
        peak = np.maximum.accumulate(np.where(upper, load[None, :], -BIG), axis=1)
        locs_l, lo, hi, gap = self._arrays(v, codes)
        return RouteInfo(codes, a, b, self.cost_np[v][a, b], np.asarray(timing.early[:-1]) + svc,
                         np.asarray(timing.late[1:]), idx, upper, peak,
                         (locs_l, lo, hi, gap, [0, *(self.svc[c] for c in codes)]),
                         self._pairs(codes))

    def _inserted(self, info: RouteInfo, r: int, i: int, j: int) -> tuple[
            list[int], list[int], list[int], list[tuple[int, int, int]]]:
        """lo, hi, gap and ride pairs of the route with r's pickup after node i and its
        drop-off after node j (j == i: right after the pickup)."""
        locs, lo, hi, gap, svc = info.lists
        pc, dc = 2 * r, 2 * r + 1
        pl, dl, sp, sd = self.loc[pc], self.loc[dc], self.svc[pc], self.svc[dc]
        dur = self.dur
        new_lo = [*lo[:i + 1], self.lo[pc], *lo[i + 1:j + 1], self.lo[dc], *lo[j + 1:]]
        new_hi = [*hi[:i + 1], self.hi[pc], *hi[i + 1:j + 1], self.hi[dc], *hi[j + 1:]]
        head = [*gap[:i], svc[i] + dur[locs[i]][pl]]
        if j == i:
            new_gap = [*head, sp + dur[pl][dl], sd + dur[dl][locs[i + 1]], *gap[i + 1:]]
        else:
            new_gap = [*head, sp + dur[pl][locs[i + 1]], *gap[i + 1:j],
                       svc[j] + dur[locs[j]][dl], sd + dur[dl][locs[j + 1]], *gap[j + 1:]]
        pairs = [(p + (p > i) + (p > j), d + (d > i) + (d > j), limit)
                 for p, d, limit in info.pairs]
        if self.ride[r] < BIG:
            pairs.append((i + 1, j + 2, self.ride[r]))
        return new_lo, new_hi, new_gap, pairs

    def best(self, v: int, codes: list[int], r: int,
             info: RouteInfo | None = None) -> tuple[int, list[int]] | None:
        """Cheapest feasible insertion of request `r` into route `codes` of vehicle `v`:
        (added cost, new route), or None."""
        vehicle = self.vehicles[v]
        if info is None:
            info = self.info(v, codes)
            if info is None:
                return None
        m = len(codes)
        a, b, idx = info.a, info.b, info.idx
        pl, dl = self.loc[2 * r], self.loc[2 * r + 1]
        cost, dur = self.cost_np[v], self.dur_np
        to_p = cost[a, pl]
        from_d = cost[dl, b]
        add_p = to_p + cost[pl, b] - info.base
        add_d = cost[a, dl] + from_d - info.base
        delta = add_p[:, None] + add_d[None, :]
        delta[idx, idx] = to_p + cost[pl, dl] + from_d - info.base
        # Necessary time conditions against the current earliest/latest times.
        sp, sd = self.svc[2 * r], self.svc[2 * r + 1]
        p_hi, d_lo, d_hi = self.hi[2 * r], self.lo[2 * r + 1], self.hi[2 * r + 1]
        arr_p = info.leave + dur[a, pl]
        start_p = np.maximum(arr_p, self.lo[2 * r])
        reach_p = arr_p <= p_hi
        arr_d = info.leave + dur[a, dl]
        d_back = sd + dur[dl, b]
        ok_p = reach_p & (start_p + sp + dur[pl, b] <= info.late)
        ok_d = (arr_d <= d_hi) & (np.maximum(arr_d, d_lo) + d_back <= info.late)
        direct = start_p + sp + int(dur[pl, dl])
        ok_same = reach_p & (direct <= d_hi) & (np.maximum(direct, d_lo) + d_back <= info.late)
        ok = ok_p[:, None] & ok_d[None, :]
        ok[idx, idx] = ok_same
        ok &= info.upper
        ok &= info.peak + self.dem[2 * r] <= vehicle.seats
        flat = np.flatnonzero(ok)
        if flat.size == 0:
            return None
        order = flat[np.argsort(delta.ravel()[flat], kind="stable")][:EXACT_TRIES]
        for cell in order.tolist():
            i, j = divmod(cell, m + 1)
            lo, hi, gap, pairs = self._inserted(info, r, i, j)
            if _least(lo, hi, gap, pairs, vehicle.max_duration) is not None:
                return int(delta[i, j]), [*codes[:i], 2 * r, *codes[i:j], 2 * r + 1, *codes[j:]]
        return None

    def best_many(self, v: int, codes: list[int], rs: Sequence[int],
                  info: RouteInfo) -> list[tuple[int, list[int]] | None]:
        """`best` for several requests into one route at once: the screening runs as one
        set of numpy operations over every request (the per-call overhead dominated), then
        each request's candidates are tested exactly in the same order as `best` does, so
        the answers are the same."""
        vehicle = self.vehicles[v]
        m = len(codes)
        a, b, idx = info.a, info.b, info.idx
        ids = np.asarray(rs)
        pc, dc = 2 * ids, 2 * ids + 1
        loc, lo, hi, svc = self.loc_np, self.lo_np, self.hi_np, self.svc_np
        pl, dl = loc[pc][:, None], loc[dc][:, None]
        cost, dur = self.cost_np[v], self.dur_np
        a2, b2 = a[None, :], b[None, :]
        to_p = cost[a2, pl]
        from_d = cost[dl, b2]
        add_p = to_p + cost[pl, b2] - info.base
        add_d = cost[a2, dl] + from_d - info.base
        delta = add_p[:, :, None] + add_d[:, None, :]
        delta[:, idx, idx] = to_p + cost[pl, dl] + from_d - info.base
        sp, sd = svc[pc][:, None], svc[dc][:, None]
        p_lo, p_hi = lo[pc][:, None], hi[pc][:, None]
        d_lo, d_hi = lo[dc][:, None], hi[dc][:, None]
        arr_p = info.leave + dur[a2, pl]
        start_p = np.maximum(arr_p, p_lo)
        reach_p = arr_p <= p_hi
        arr_d = info.leave + dur[a2, dl]
        d_back = sd + dur[dl, b2]
        ok_p = reach_p & (start_p + sp + dur[pl, b2] <= info.late)
        ok_d = (arr_d <= d_hi) & (np.maximum(arr_d, d_lo) + d_back <= info.late)
        direct = start_p + sp + dur[pl, dl]
        ok_same = reach_p & (direct <= d_hi) & (np.maximum(direct, d_lo) + d_back <= info.late)
        ok = ok_p[:, :, None] & ok_d[:, None, :]
        ok[:, idx, idx] = ok_same
        ok &= info.upper
        ok &= (info.peak[None, :, :] + self.dem_np[pc][:, None, None]) <= vehicle.seats
        flat_ok = ok.reshape(len(rs), -1)
        flat_delta = delta.reshape(len(rs), -1)
        out: list[tuple[int, list[int]] | None] = []
        for k, r in enumerate(rs):
            flat = np.flatnonzero(flat_ok[k])
            found = None
            if flat.size:
                row = flat_delta[k]
                order = flat[np.argsort(row[flat], kind="stable")][:EXACT_TRIES]
                for cell in order.tolist():
                    i, j = divmod(cell, m + 1)
                    lo_, hi_, gap, pairs = self._inserted(info, r, i, j)
                    if _least(lo_, hi_, gap, pairs, vehicle.max_duration) is not None:
                        found = (int(row[cell]),
                                 [*codes[:i], 2 * r, *codes[i:j], 2 * r + 1, *codes[j:]])
                        break
            out.append(found)
        return out

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


def _arrays_of(ins: Inserter, v: int, codes: list[int]) -> tuple[
        list[int], list[int], list[int], list[tuple[int, int, int]]]:
    """lo, hi, gap and sorted ride pairs of a route built from scratch (for tests)."""
    _, lo, hi, gap = ins._arrays(v, codes)
    return lo, hi, gap, sorted(ins._pairs(codes))


def _least(lo: list[int], hi: list[int], gap: list[int], pairs: list[tuple[int, int, int]],
           cap: int | None) -> list[int] | None:
    """Least solution of the route's difference constraints, or None if inconsistent."""
    t = lo[:]
    last = len(t) - 1
    for _ in range(2 * last + 4):
        if t[0] > hi[0]:
            return None
        for i in range(1, last + 1):
            x = t[i - 1] + gap[i - 1]
            if x > t[i]:
                t[i] = x
            if t[i] > hi[i]:
                return None
        changed = False
        for p, d, limit in pairs:
            if t[d] - t[p] > limit:
                t[p] = t[d] - limit
                changed = True
        if cap is not None and t[last] - t[0] > cap:
            t[0] = t[last] - cap
            changed = True
        if not changed:
            return t
    return None


def _greatest(lo: list[int], hi: list[int], gap: list[int], pairs: list[tuple[int, int, int]],
              cap: int | None) -> list[int] | None:
    """Greatest solution of the route's difference constraints, or None."""
    t = hi[:]
    last = len(t) - 1
    for _ in range(2 * last + 4):
        if t[last] < lo[last]:
            return None
        for i in range(last - 1, -1, -1):
            x = t[i + 1] - gap[i]
            if x < t[i]:
                t[i] = x
            if t[i] < lo[i]:
                return None
        changed = False
        for p, d, limit in pairs:
            if t[d] - t[p] > limit:
                t[d] = t[p] + limit
                changed = True
        if cap is not None and t[last] - t[0] > cap:
            t[last] = t[0] + cap
            changed = True
        if not changed:
            return t
    return None


def recreate(ins: Inserter, routes: dict[int, list[int]], units: list[tuple[int, ...]],
             rng: random.Random, regret: bool, only: dict[tuple[int, ...], int] | None = None,
             ) -> tuple[dict[int, list[int]], set[int]]:
    """Insert `units` into `routes` (changed in place): regret-2 or greedy cheapest, with
    best insertions cached per route; `only` restricts a unit to one vehicle (a return
    whose outbound is already served). Returns the routes and the vehicles changed."""
    only = only or {}
    infos: dict[int, RouteInfo | None] = {}

    def info(v: int) -> RouteInfo | None:
        if v not in infos:
            infos[v] = ins.info(v, routes[v])
        return infos[v]

    cache: dict[tuple[int, ...], dict[int, tuple[int, list[int]] | None]] = {
        unit: {} for unit in units}

    def eligible(unit: tuple[int, ...]) -> list[int]:
        return [only[unit]] if unit in only else ins.near[unit[0]]

    def refresh(stale: set[int]) -> None:
        """Best insertions of every pending unit into the routes in `stale`."""
        wanted: dict[int, list[tuple[int, ...]]] = {}
        for unit in pending:
            for v in eligible(unit):
                if v in stale and v in routes:
                    wanted.setdefault(v, []).append(unit)
        for v in sorted(wanted):
            t = info(v)
            singles = [u for u in wanted[v] if len(u) == 1 and v in ins.allowed_set[u[0]]]
            for unit in wanted[v]:
                if t is None or (len(unit) == 1 and v not in ins.allowed_set[unit[0]]):
                    cache[unit][v] = None
                elif len(unit) > 1:
                    cache[unit][v] = ins.best_unit(v, routes[v], unit, t)
            if t is not None and singles:
                found = ins.best_many(v, routes[v], [u[0] for u in singles], t)
                for unit, f in zip(singles, found, strict=True):
                    cache[unit][v] = f

    pending = list(units)
    rng.shuffle(pending)
    changed: set[int] = set()
    refresh(set(routes))
    while pending:
        pick, pick_key, pick_route = None, None, None
        for unit in pending:
            found = sorted((f[0], v) for v, f in cache[unit].items() if f is not None)
            if not found:
                continue
            first = found[0][0]
            if regret:
                second = found[1][0] if len(found) > 1 else first + 10**9
                key = (-(second - first), first)
            else:
                key = (first, 0)
            if pick_key is None or key < pick_key:
                pick, pick_key, pick_route = unit, key, found[0][1]
        if pick is None or pick_route is None:
            break
        v = pick_route
        found_route = cache[pick][v]
        assert found_route is not None
        routes[v] = found_route[1]
        changed.add(v)
        infos.pop(v, None)
        pending.remove(pick)
        for unit in pending:
            cache[unit].pop(v, None)
        refresh({v})
    return routes, changed
