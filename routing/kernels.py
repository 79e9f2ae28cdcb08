"""The insertion search's inner loops, compiled with numba.

A ruin-and-recreate step evaluates thousands of (request, route, position) insertions; in
Python each exact route test cost about 30 µs and the numpy screening about 0.4 ms per route,
so a step took 35 ms on a 100-request day. Compiled, the same work is a few microseconds, and
the search makes several times more steps in the same time.

A route of m stops is m + 2 *nodes*: 0 is leaving home, 1..m the stops, m + 1 home again.
Arrays per node: location, earliest and latest start (`lo`, `hi`), service time and seat
change. Ride limits are pairs (pickup node, drop-off node, limit); `cap` is the maximum
duration of the route, or NO_CAP.

`exchange` is a second neighbourhood, for a polish of good plans: it swaps or moves
segments between two routes, cut where nobody is on board.

The semantics are those of the Python versions they replaced (same screening, same order of
exact tests, same least schedule), so a fixed iteration count still gives the same plan.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

NO_CAP = -1
BIG = 1 << 60
Kernel = Callable[..., Any]


def _least_py(lo: np.ndarray, hi: np.ndarray, gap: np.ndarray, pp: np.ndarray,
              pd: np.ndarray, plim: np.ndarray, npairs: int, cap: int, n: int,
              t: np.ndarray) -> bool:
    """Least solution of a route's difference constraints into t[:n]; False if none.

    Forward passes push each start after its predecessor's; a ride limit or the maximum
    duration that is broken pulls the earlier node later; repeat until nothing moves."""
    last = n - 1
    for k in range(n):
        t[k] = lo[k]
    for _ in range(2 * last + 4):
        if t[0] > hi[0]:
            return False
        for i in range(1, n):
            x = t[i - 1] + gap[i - 1]
            if x > t[i]:
                t[i] = x
            if t[i] > hi[i]:
                return False
        changed = False
        for k in range(npairs):
            p, d = pp[k], pd[k]
            if t[d] - t[p] > plim[k]:
                t[p] = t[d] - plim[k]
                changed = True
        if cap != NO_CAP and t[last] - t[0] > cap:
            t[0] = t[last] - cap
            changed = True
        if not changed:
            return True
    return False


def _greatest_py(lo: np.ndarray, hi: np.ndarray, gap: np.ndarray, pp: np.ndarray,
                 pd: np.ndarray, plim: np.ndarray, npairs: int, cap: int, n: int,
                 t: np.ndarray) -> bool:
    """Greatest solution of the same constraints into t[:n]; False if none."""
    last = n - 1
    for k in range(n):
        t[k] = hi[k]
    for _ in range(2 * last + 4):
        if t[last] < lo[last]:
            return False
        for i in range(last - 1, -1, -1):
            x = t[i + 1] - gap[i]
            if x < t[i]:
                t[i] = x
            if t[i] < lo[i]:
                return False
        changed = False
        for k in range(npairs):
            p, d = pp[k], pd[k]
            if t[d] - t[p] > plim[k]:
                t[d] = t[p] + plim[k]
                changed = True
        if cap != NO_CAP and t[last] - t[0] > cap:
            t[last] = t[0] + cap
            changed = True
        if not changed:
            return True
    return False




def _nodes_py(codes: np.ndarray, loc: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              svc: np.ndarray, dem: np.ndarray, ride: np.ndarray, start: int, end: int,
              shift_start: int, shift_end: int, dur: np.ndarray) -> tuple[
                  np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                  np.ndarray, np.ndarray, np.ndarray]:
    """Node arrays of a route given by stop codes (2 * request + 0 pickup / 1 drop-off):
    locs, lo, hi, svc, gap, load, and the ride-limit pairs (pickup node, drop-off node,
    limit) in drop-off order. `ride` per request, -1 for none."""
    m = codes.shape[0]
    n = m + 2
    locs = np.empty(n, dtype=np.int64)
    nlo = np.empty(n, dtype=np.int64)
    nhi = np.empty(n, dtype=np.int64)
    nsvc = np.zeros(n, dtype=np.int64)
    load = np.zeros(n, dtype=np.int64)
    locs[0], nlo[0], nhi[0] = start, shift_start, shift_end
    locs[n - 1], nlo[n - 1], nhi[n - 1] = end, shift_start, shift_end
    pp = np.empty(m, dtype=np.int64)
    pd = np.empty(m, dtype=np.int64)
    plim = np.empty(m, dtype=np.int64)
    npairs = 0
    for x in range(m):
        c = codes[x]
        locs[x + 1], nlo[x + 1], nhi[x + 1], nsvc[x + 1] = loc[c], lo[c], hi[c], svc[c]
        load[x + 1] = load[x] + dem[c]
        if c % 2 == 1 and ride[c // 2] >= 0:
            for y in range(x):
                if codes[y] == c - 1:
                    pp[npairs], pd[npairs], plim[npairs] = y + 1, x + 1, ride[c // 2]
                    npairs += 1
                    break
    load[n - 1] = 0
    gap = np.empty(n - 1, dtype=np.int64)
    for x in range(n - 1):
        gap[x] = nsvc[x] + dur[locs[x], locs[x + 1]]
    return (locs, nlo, nhi, nsvc, gap, load, pp[:npairs].copy(), pd[:npairs].copy(),
            plim[:npairs].copy())


def _timed_py(codes: np.ndarray, loc: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              svc: np.ndarray, dem: np.ndarray, ride: np.ndarray, start: int, end: int,
              shift_start: int, shift_end: int, dur: np.ndarray, cap: int) -> tuple[
                  bool, tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """`nodes`, then the least and greatest schedules, in one call (insertion needs all
    three for every route it looks at): (feasible, node arrays, early, late)."""
    built = nodes(codes, loc, lo, hi, svc, dem, ride, start, end, shift_start, shift_end, dur)
    n = codes.shape[0] + 2
    early = np.empty(n, dtype=np.int64)
    late = np.empty(n, dtype=np.int64)
    npairs = built[6].shape[0]
    ok = (least(built[1], built[2], built[4], built[6], built[7], built[8], npairs, cap, n,
                early)
          and greatest(built[1], built[2], built[4], built[6], built[7], built[8], npairs,
                       cap, n, late))
    return ok, built, early, late




def _insert_many_py(locs: np.ndarray, lo: np.ndarray, hi: np.ndarray, gap: np.ndarray,
                    svc: np.ndarray, load: np.ndarray, early: np.ndarray, late: np.ndarray,
                    pp: np.ndarray, pd: np.ndarray, plim: np.ndarray, cap: int, seats: int,
                    cost: np.ndarray, dur: np.ndarray, req: np.ndarray, tries: int,
                    out: np.ndarray) -> None:
    """Cheapest feasible insertion of each request into one route.

    Per node: `early` its earliest start and `late[i]` the latest start of node i + 1 (the
    end of gap i); `load` the seats taken on leaving it. `req` rows: pickup loc, drop-off
    loc, pickup lo, hi, drop-off lo, hi, pickup service, drop-off service, seats, ride
    limit (or -1). `out` rows get (added cost, i, j): pickup after node i, drop-off after
    node j (j == i: straight after the pickup), or i = -1 if none is feasible.

    Candidates pass necessary conditions against the route's earliest departures and
    latest starts, and seats; the `tries` cheapest are then tested exactly."""
    n = locs.shape[0]  # nodes: home, m stops, home
    m1 = n - 1  # gaps
    cand_delta = np.empty(m1 * m1, dtype=np.int64)
    cand_cell = np.empty(m1 * m1, dtype=np.int64)
    n2 = n + 2
    lo2 = np.empty(n2, dtype=np.int64)
    hi2 = np.empty(n2, dtype=np.int64)
    gap2 = np.empty(n2 - 1, dtype=np.int64)
    t2 = np.empty(n2, dtype=np.int64)
    npairs = pp.shape[0]
    pp2 = np.empty(npairs + 1, dtype=np.int64)
    pd2 = np.empty(npairs + 1, dtype=np.int64)
    pl2 = np.empty(npairs + 1, dtype=np.int64)
    for k in range(req.shape[0]):
        pl, dl = req[k, 0], req[k, 1]
        p_lo, p_hi, d_lo, d_hi = req[k, 2], req[k, 3], req[k, 4], req[k, 5]
        sp, sd, dem, ride = req[k, 6], req[k, 7], req[k, 8], req[k, 9]
        out[k, 0], out[k, 1], out[k, 2] = 0, -1, -1
        count = 0
        for i in range(m1):
            a, b = locs[i], locs[i + 1]
            leave = early[i] + svc[i]
            arr_p = leave + dur[a, pl]
            if arr_p > p_hi:
                continue
            start_p = max(arr_p, p_lo)
            base_i = cost[a, b]
            to_p = cost[a, pl]
            # Drop-off straight after the pickup, in the same gap.
            direct = start_p + sp + dur[pl, dl]
            if (direct <= d_hi and max(direct, d_lo) + sd + dur[dl, b] <= late[i]
                    and load[i] + dem <= seats):
                cand_delta[count] = to_p + cost[pl, dl] + cost[dl, b] - base_i
                cand_cell[count] = i * m1 + i
                count += 1
            if start_p + sp + dur[pl, b] > late[i]:
                continue
            add_p = to_p + cost[pl, b] - base_i
            peak = load[i]
            for j in range(i + 1, m1):
                if load[j] > peak:
                    peak = load[j]
                if peak + dem > seats:
                    break  # the car is full from here on: no later drop-off helps
                aj, bj = locs[j], locs[j + 1]
                arr_d = early[j] + svc[j] + dur[aj, dl]
                if arr_d > d_hi or max(arr_d, d_lo) + sd + dur[dl, bj] > late[j]:
                    continue
                cand_delta[count] = add_p + cost[aj, dl] + cost[dl, bj] - cost[aj, bj]
                cand_cell[count] = i * m1 + j
                count += 1
        if count == 0:
            continue
        # Stable by added cost, ties in (i, j) order: the order the numpy version tested.
        order = np.argsort(cand_delta[:count], kind="mergesort")
        for q in range(min(tries, count)):
            cell = cand_cell[order[q]]
            i, j = cell // m1, cell % m1
            # Nodes of the new route: 0..i, pickup, i+1..j, drop-off, j+1..n-1.
            for x in range(i + 1):
                lo2[x], hi2[x] = lo[x], hi[x]
            lo2[i + 1], hi2[i + 1] = p_lo, p_hi
            for x in range(i + 1, j + 1):
                lo2[x + 1], hi2[x + 1] = lo[x], hi[x]
            lo2[j + 2], hi2[j + 2] = d_lo, d_hi
            for x in range(j + 1, n):
                lo2[x + 2], hi2[x + 2] = lo[x], hi[x]
            for x in range(i):
                gap2[x] = gap[x]
            gap2[i] = svc[i] + dur[locs[i], pl]
            if j == i:
                gap2[i + 1] = sp + dur[pl, dl]
                gap2[i + 2] = sd + dur[dl, locs[i + 1]]
            else:
                gap2[i + 1] = sp + dur[pl, locs[i + 1]]
                for x in range(i + 1, j):
                    gap2[x + 1] = gap[x]
                gap2[j + 1] = svc[j] + dur[locs[j], dl]
                gap2[j + 2] = sd + dur[dl, locs[j + 1]]
            for x in range(j + 1, n - 1):
                gap2[x + 2] = gap[x]
            for x in range(npairs):
                p, d = pp[x], pd[x]
                pp2[x] = p + (1 if p > i else 0) + (1 if p > j else 0)
                pd2[x] = d + (1 if d > i else 0) + (1 if d > j else 0)
                pl2[x] = plim[x]
            np2 = npairs
            if ride >= 0:
                pp2[np2], pd2[np2], pl2[np2] = i + 1, j + 2, ride
                np2 += 1
            if least(lo2, hi2, gap2, pp2, pd2, pl2, np2, cap, n2, t2):
                out[k, 0], out[k, 1], out[k, 2] = cand_delta[order[q]], i, j
                break


def _schedule_py(codes: np.ndarray, loc: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 svc: np.ndarray, dem: np.ndarray, ride: np.ndarray, start: int, end: int,
                 shift_start: int, shift_end: int, dur: np.ndarray, cap: int,
                 t: np.ndarray) -> bool:
    """The route's service start times into t (home, stops, home): leave home as late as
    possible, then every stop as early as possible. False if the route is infeasible."""
    built = nodes(codes, loc, lo, hi, svc, dem, ride, start, end, shift_start, shift_end, dur)
    locs, nlo, nhi, nsvc, gap, load, pp, pd, plim = built
    n = codes.shape[0] + 2
    if not greatest(nlo, nhi, gap, pp, pd, plim, pp.shape[0], cap, n, t):
        return False
    nlo[0] = t[0]
    return bool(least(nlo, nhi, gap, pp, pd, plim, pp.shape[0], cap, n, t))


def _insert_codes_py(codes: np.ndarray, r: int, i: int, j: int) -> np.ndarray:
    """The stop codes with request r's pickup after stop i and its drop-off after stop j
    (positions as `insert_many` reports them)."""
    m = codes.shape[0]
    new = np.empty(m + 2, dtype=np.int64)
    new[:i] = codes[:i]
    new[i] = 2 * r
    new[i + 1:j + 1] = codes[i:j]
    new[j + 1] = 2 * r + 1
    new[j + 2:] = codes[j:]
    return new


def _refresh_py(v: int, routes: np.ndarray, lens: np.ndarray, car: np.ndarray,
                costs: np.ndarray, loc: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                svc: np.ndarray, dem: np.ndarray, ride: np.ndarray, dur: np.ndarray,
                req: np.ndarray, first: np.ndarray, second: np.ndarray, elig: np.ndarray,
                alive: np.ndarray, tries: int, cost: np.ndarray, pos: np.ndarray) -> None:
    """Cheapest insertion of every pending unit eligible for car v into its route, into
    cost[:, v] and pos[:, v] (i, j of the first request, then of the second)."""
    units = first.shape[0]
    for u in range(units):
        cost[u, v] = BIG
    codes = routes[v, :lens[v]].copy()
    start, end, shift_start, shift_end = car[v, 0], car[v, 1], car[v, 2], car[v, 3]
    cap, seats, which = car[v, 4], car[v, 5], car[v, 6]
    ok, built, early, late = timed(codes, loc, lo, hi, svc, dem, ride, start, end,
                                   shift_start, shift_end, dur, cap)
    if not ok:
        return
    locs, nlo, nhi, nsvc, gap, load, pp, pd, plim = built
    late1 = late[1:].copy()
    matrix = costs[which]
    rows = np.empty(units, dtype=np.int64)
    count = 0
    for u in range(units):
        if alive[u] and elig[u, v]:
            rows[count] = u
            count += 1
    out = np.empty((count, 3), dtype=np.int64)
    insert_many(locs, nlo, nhi, gap, nsvc, load, early, late1, pp, pd, plim, cap, seats,
                matrix, dur, req[first[rows[:count]]], tries, out)
    for k in range(count):
        u = rows[k]
        if out[k, 1] < 0:
            continue
        if second[u] < 0:
            cost[u, v] = out[k, 0]
            pos[u, v, 0], pos[u, v, 1] = out[k, 1], out[k, 2]
            continue
        # A linked pair: the second into the route that has the first.
        codes2 = insert_codes(codes, first[u], out[k, 1], out[k, 2])
        ok2, built2, early2, late2 = timed(codes2, loc, lo, hi, svc, dem, ride, start, end,
                                           shift_start, shift_end, dur, cap)
        if not ok2:
            continue
        out2 = np.empty((1, 3), dtype=np.int64)
        insert_many(built2[0], built2[1], built2[2], built2[4], built2[3], built2[5],
                    early2, late2[1:].copy(), built2[6], built2[7], built2[8], cap, seats,
                    matrix, dur, req[second[u:u + 1]], tries, out2)
        if out2[0, 1] < 0:
            continue
        cost[u, v] = out[k, 0] + out2[0, 0]
        pos[u, v, 0], pos[u, v, 1] = out[k, 1], out[k, 2]
        pos[u, v, 2], pos[u, v, 3] = out2[0, 1], out2[0, 2]


def _recreate_py(routes: np.ndarray, lens: np.ndarray, car: np.ndarray, costs: np.ndarray,
                 loc: np.ndarray, lo: np.ndarray, hi: np.ndarray, svc: np.ndarray,
                 dem: np.ndarray, ride: np.ndarray, dur: np.ndarray, req: np.ndarray,
                 first: np.ndarray, second: np.ndarray, elig: np.ndarray, regret: bool,
                 tries: int, changed: np.ndarray) -> None:
    """Insert units (request `first[u]`, then `second[u]` into the same car, or -1) into
    the routes (rows of `routes`, `lens` stops long; changed in place), each into a car
    where elig[u, car]: regret-2, or greedy cheapest. The best insertion of each unit into
    each car is kept and redone only for the car that changed.
    Ties go to the earlier unit and the lower car. `car` rows: start, end, shift start,
    shift end, maximum duration (or NO_CAP), seats, row of `costs`."""
    units, cars = elig.shape
    cost = np.empty((units, cars), dtype=np.int64)
    pos = np.zeros((units, cars, 4), dtype=np.int64)
    alive = np.ones(units, dtype=np.bool_)
    for v in range(cars):
        refresh(v, routes, lens, car, costs, loc, lo, hi, svc, dem, ride, dur, req, first,
                second, elig, alive, tries, cost, pos)
    for _ in range(units):
        pick, pick_car = -1, -1
        key0, key1 = 0.0, 0.0
        for u in range(units):
            if not alive[u]:
                continue
            best, runner, best_car = BIG, BIG, -1
            for v in range(cars):
                c = cost[u, v]
                if c < best:
                    runner, best, best_car = best, c, v
                elif c < runner:
                    runner = c
            if best_car < 0:
                continue
            if regret:
                k0 = -float(runner - best if runner < BIG else 10**9)
                k1 = float(best)
            else:
                k0, k1 = float(best), 0.0
            if pick < 0 or k0 < key0 or (k0 == key0 and k1 < key1):
                pick, pick_car, key0, key1 = u, best_car, k0, k1
        if pick < 0:
            return
        v = pick_car
        codes = insert_codes(routes[v, :lens[v]], first[pick], pos[pick, v, 0],
                              pos[pick, v, 1])
        if second[pick] >= 0:
            codes = insert_codes(codes, second[pick], pos[pick, v, 2], pos[pick, v, 3])
        lens[v] = codes.shape[0]
        routes[v, :lens[v]] = codes
        changed[v] = True
        alive[pick] = False
        refresh(v, routes, lens, car, costs, loc, lo, hi, svc, dem, ride, dur, req, first,
                second, elig, alive, tries, cost, pos)


def _settle_py(table: np.ndarray, lens: np.ndarray, vs: np.ndarray, car: np.ndarray,
               costs: np.ndarray, dist: np.ndarray, loc: np.ndarray, lo: np.ndarray,
               hi: np.ndarray, svc: np.ndarray, dem: np.ndarray, ride: np.ndarray,
               dur: np.ndarray, times: np.ndarray, out: np.ndarray) -> bool:
    """Schedule (as `schedule`) and cost the routes in the rows of `table` (`lens` stops
    long), row k being car vs[k]'s: times into times[k, :lens[k] + 2], (scaled cost,
    metres) into out[k]. An empty route costs nothing. False if any route is infeasible.
    One call per search step, where a call per route cost more than the search itself."""
    for k in range(vs.shape[0]):
        m, v = lens[k], vs[k]
        out[k, 0], out[k, 1] = 0, 0
        if m == 0:
            continue
        codes = table[k, :m].copy()
        if not schedule(codes, loc, lo, hi, svc, dem, ride, car[v, 0], car[v, 1], car[v, 2],
                        car[v, 3], dur, car[v, 4], times[k, :m + 2]):
            return False
        matrix = costs[car[v, 6]]
        here = car[v, 0]
        for x in range(m + 1):
            there = loc[codes[x]] if x < m else car[v, 1]
            out[k, 0] += matrix[here, there]
            out[k, 1] += dist[here, there]
            here = there
    return True


def _ends_py(matrix: np.ndarray, start: int, end: int, locs: np.ndarray) -> tuple[
        np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For a route's stops (locations `locs`) under `matrix`: head[i], the cost from home
    through stops 0..i-1; tail[i], from stop i on to home again; before[i], the place
    before stop i (home first); after[i], the place of stop i (home last)."""
    m = locs.shape[0]
    head = np.zeros(m + 1, dtype=np.int64)
    tail = np.zeros(m + 1, dtype=np.int64)
    here = start
    for x in range(m):
        head[x + 1] = head[x] + matrix[here, locs[x]]
        here = locs[x]
    there = end
    for x in range(m - 1, -1, -1):
        tail[x] = tail[x + 1] + matrix[locs[x], there]
        there = locs[x]
    before, after = np.empty(m + 1, dtype=np.int64), np.empty(m + 1, dtype=np.int64)
    before[0], after[m] = start, end
    before[1:], after[:m] = locs, locs
    return head, tail, before, after


def _barred_py(codes: np.ndarray, dem: np.ndarray, allowed: np.ndarray,
               movable: np.ndarray, to: int, seats: int) -> np.ndarray:
    """By prefix, how many stops of the route may not go to car `to`: a trip it may not
    take or that may not move, or a stretch where more are on board than it has seats."""
    barred = np.zeros(codes.shape[0] + 1, dtype=np.int64)
    load = 0
    for x in range(codes.shape[0]):
        r, load = codes[x] // 2, load + dem[codes[x]]
        ok = allowed[r, to] and movable[r] and load <= seats
        barred[x + 1] = barred[x] + (0 if ok else 1)
    return barred


def _inner_py(matrix: np.ndarray, locs: np.ndarray) -> np.ndarray:
    """The arcs between stops 0..x of a stop sequence under `matrix`, by x."""
    c = np.zeros(max(1, locs.shape[0]), dtype=np.int64)
    for x in range(1, locs.shape[0]):
        c[x] = c[x - 1] + matrix[locs[x - 1], locs[x]]
    return c


def _empties_py(codes: np.ndarray, dem: np.ndarray, partner: np.ndarray,
                seg: np.ndarray) -> np.ndarray:
    """The route's empty points: positions 0..m after which no one is on board, with
    1 if a segment may start or end there (no linked pair of this route spans it), else
    0. `seg` (one entry per request) is scratch, left as found (-1)."""
    m = codes.shape[0]
    flags = np.zeros(m + 1, dtype=np.int64) - 1
    flags[0], load, k = 1, 0, 0
    for x in range(m):
        load += dem[codes[x]]
        seg[codes[x] // 2] = k
        if load == 0:
            flags[x + 1] = 1
            k += 1
    # Which empty points lie between the two halves of a linked pair.
    closed = np.zeros(k + 1, dtype=np.int64)
    for x in range(m):
        r = codes[x] // 2
        p = partner[r]
        if codes[x] % 2 == 0 and p >= 0 and seg[p] >= 0 and seg[p] != seg[r]:
            lo, hi = min(seg[p], seg[r]), max(seg[p], seg[r])
            for z in range(lo + 1, hi + 1):
                closed[z] = 1
    k = 0
    for x in range(m + 1):
        if flags[x] >= 0:
            if closed[k]:
                flags[x] = 0
            k += 1
    for x in range(m):
        seg[codes[x] // 2] = -1
    return flags


def _reach_py(t: int, here: int, wait: int, codes: np.ndarray, s: int, e: int,
              loc: np.ndarray, lo: np.ndarray, hi: np.ndarray, svc: np.ndarray,
              dur: np.ndarray, there: int, latest: int) -> bool:
    """Whether, leaving `here` no earlier than t + wait, stops s..e-1 of `codes` can each
    be served within its window and `there` then reached by `latest` (ride limits left out:
    a necessary condition, which spares most exact tests)."""
    for x in range(s, e):
        c = codes[x]
        t = max(lo[c], t + wait + dur[here, loc[c]])
        if t > hi[c]:
            return False
        here, wait = loc[c], svc[c]
    return bool(t + wait + dur[here, there] <= latest)


def _joins_py(a: int, ra: np.ndarray, i1: int, i2: int, rb: np.ndarray, j1: int, j2: int,
              early: np.ndarray, late: np.ndarray, car: np.ndarray, loc: np.ndarray,
              lo: np.ndarray, hi: np.ndarray, svc: np.ndarray, dur: np.ndarray) -> bool:
    """`reach` for car a's route ra[:i1] + rb[j1:j2] + ra[i2:] (a necessary condition)."""
    if i1 > 0:
        t, here, wait = early[a, i1], loc[ra[i1 - 1]], svc[ra[i1 - 1]]
    else:
        t, here, wait = car[a, 2], car[a, 0], 0
    m = ra.shape[0]
    if i2 < m:
        there, latest = loc[ra[i2]], late[a, i2 + 1]
    else:
        there, latest = car[a, 1], car[a, 3]
    return bool(_reach(t, here, wait, rb, j1, j2, loc, lo, hi, svc, dur, there, latest))


def _exchange_py(table: np.ndarray, lens: np.ndarray, pairs: np.ndarray, car: np.ndarray,
                 costs: np.ndarray, loc: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 svc: np.ndarray, dem: np.ndarray, ride: np.ndarray, dur: np.ndarray,
                 allowed: np.ndarray, movable: np.ndarray, partner: np.ndarray,
                 tries: int, best: np.ndarray) -> None:
    """The best feasible move over the car pairs `pairs` that swaps (or moves) segments
    between two routes, cut where nobody is on board: route a = A1 S A3 and route
    b = B1 T B3 become A1 T A3 and B1 S B3 (S or T may be empty; S = A's tail and T =
    B's is the 2-opt* move). Such segments hold whole trips, so seats and ride limits
    inside them are unchanged and only the times need testing. Only improving moves
    are tested, cheapest first, at most `tries` of them. best: (gain, a, b, i1, i2, j1,
    j2), gain 0 if none (S = A[i1:i2], T = B[j1:j2])."""
    best[0] = 0
    n_req = allowed.shape[0]
    seg = np.zeros(n_req, dtype=np.int64) - 1
    # Each route's least and greatest schedules, made when a pair first needs them: a
    # stop's least time bounds it from below in any route that keeps what comes before it
    # (and the greatest from above, what comes after), the maximum duration aside.
    cars, width = table.shape[0], table.shape[1] + 2
    early = np.zeros((cars, width), dtype=np.int64)
    late = np.zeros((cars, width), dtype=np.int64)
    ready = np.zeros(cars, dtype=np.int64)  # 0 not yet, 1 timed, -1 infeasible
    found = np.zeros((0, 6), dtype=np.int64)
    gains = np.zeros(0, dtype=np.int64)
    total = 0
    # Pass 1 counts the improving moves, pass 2 keeps them.
    for rnd in range(2):
        if rnd == 1:
            found = np.zeros((total, 6), dtype=np.int64)
            gains = np.zeros(total, dtype=np.int64)
            total = 0
        for q in range(pairs.shape[0]):
            a, b = pairs[q, 0], pairs[q, 1]
            ma, mb = lens[a], lens[b]
            if ma == 0 and mb == 0:
                continue
            ra, rb = table[a, :ma], table[b, :mb]
            for v in (a, b):
                if ready[v] == 0:
                    m = lens[v]
                    ok, _, e, lt = timed(table[v, :m].copy(), loc, lo, hi, svc, dem, ride,
                                         car[v, 0], car[v, 1], car[v, 2], car[v, 3], dur,
                                         car[v, 4])
                    ready[v] = 1 if ok else -1
                    early[v, :m + 2], late[v, :m + 2] = e, lt
            if ready[a] < 0 or ready[b] < 0:
                continue
            la, lb = loc[ra], loc[rb]
            fa, fb = _empties(ra, dem, partner, seg), _empties(rb, dem, partner, seg)
            bad_a = _barred(ra, dem, allowed, movable, b, car[b, 5])
            bad_b = _barred(rb, dem, allowed, movable, a, car[a, 5])
            xa, xb = costs[car[a, 6]], costs[car[b, 6]]
            sa, ea, sb, eb = car[a, 0], car[a, 1], car[b, 0], car[b, 1]
            head_a, tail_a, before_a, after_a = _ends(xa, sa, ea, la)
            head_b, tail_b, before_b, after_b = _ends(xb, sb, eb, lb)
            inner_ba, inner_ab = _inner(xa, lb), _inner(xb, la)  # b's stops in car a ...
            base = (head_a[ma] if ma else 0) + (head_b[mb] if mb else 0)
            base += (xa[la[ma - 1], ea] if ma else 0) + (xb[lb[mb - 1], eb] if mb else 0)
            za, zb = np.flatnonzero(fa >= 0), np.flatnonzero(fb >= 0)
            for p1 in range(za.shape[0]):
                i1 = za[p1]
                for p2 in range(p1, za.shape[0]):
                    i2 = za[p2]
                    if i2 > i1 and (fa[i1] == 0 or fa[i2] == 0 or bad_a[i2] > bad_a[i1]):
                        continue
                    for q1 in range(zb.shape[0]):
                        j1 = zb[q1]
                        for q2 in range(q1, zb.shape[0]):
                            j2 = zb[q2]
                            if i1 == i2 and j1 == j2:
                                continue
                            if j2 > j1 and (fb[j1] == 0 or fb[j2] == 0
                                            or bad_b[j2] > bad_b[j1]):
                                continue
                            new = 0
                            if i1 == 0 and i2 == ma and j1 == j2:
                                pass
                            elif j1 == j2:
                                new += head_a[i1] + tail_a[i2] + xa[before_a[i1], after_a[i2]]
                            else:
                                new += (head_a[i1] + tail_a[i2] + xa[before_a[i1], lb[j1]]
                                        + inner_ba[j2 - 1] - inner_ba[j1]
                                        + xa[lb[j2 - 1], after_a[i2]])
                            if j1 == 0 and j2 == mb and i1 == i2:
                                pass
                            elif i1 == i2:
                                new += head_b[j1] + tail_b[j2] + xb[before_b[j1], after_b[j2]]
                            else:
                                new += (head_b[j1] + tail_b[j2] + xb[before_b[j1], la[i1]]
                                        + inner_ab[i2 - 1] - inner_ab[i1]
                                        + xb[la[i2 - 1], after_b[j2]])
                            if new >= base or not (
                                    _joins(a, ra, i1, i2, rb, j1, j2, early, late, car, loc,
                                           lo, hi, svc, dur)
                                    and _joins(b, rb, j1, j2, ra, i1, i2, early, late, car,
                                               loc, lo, hi, svc, dur)):
                                continue
                            if rnd == 1:
                                gains[total] = base - new
                                found[total, 0], found[total, 1] = a, b
                                found[total, 2], found[total, 3] = i1, i2
                                found[total, 4], found[total, 5] = j1, j2
                            total += 1
    order = np.argsort(-gains, kind="mergesort")
    t = np.empty(table.shape[1] * 2 + 2, dtype=np.int64)
    for k in range(min(tries, total)):
        row = found[order[k]]
        a, b, i1, i2, j1, j2 = row[0], row[1], row[2], row[3], row[4], row[5]
        ra, rb = table[a, :lens[a]], table[b, :lens[b]]
        na = np.concatenate((ra[:i1], rb[j1:j2], ra[i2:]))
        nb = np.concatenate((rb[:j1], ra[i1:i2], rb[j2:]))
        if na.shape[0] > 0 and not schedule(na, loc, lo, hi, svc, dem, ride, car[a, 0],
                                            car[a, 1], car[a, 2], car[a, 3], dur, car[a, 4],
                                            t[:na.shape[0] + 2]):
            continue
        if nb.shape[0] > 0 and not schedule(nb, loc, lo, hi, svc, dem, ride, car[b, 0],
                                            car[b, 1], car[b, 2], car[b, 3], dur, car[b, 4],
                                            t[:nb.shape[0] + 2]):
            continue
        best[0] = gains[order[k]]
        best[1:] = row
        return


# Until `compile_all()`, the plain Python versions (same results, far slower).
least: Kernel = _least_py
greatest: Kernel = _greatest_py
nodes: Kernel = _nodes_py
timed: Kernel = _timed_py
insert_many: Kernel = _insert_many_py
insert_codes: Kernel = _insert_codes_py
schedule: Kernel = _schedule_py
refresh: Kernel = _refresh_py
recreate: Kernel = _recreate_py
settle: Kernel = _settle_py
_ends: Kernel = _ends_py
_barred: Kernel = _barred_py
_inner: Kernel = _inner_py
_empties: Kernel = _empties_py
_reach: Kernel = _reach_py
_joins: Kernel = _joins_py
exchange: Kernel = _exchange_py
_lock = threading.Lock()
_compiled = False


def compile_all() -> None:
    """Swap in the numba versions (a solver calls this first). Importing numba takes about
    half a second, so it happens only in a process that solves, not in every command."""
    global least, greatest, nodes, timed, insert_many, insert_codes, schedule, refresh
    global recreate, settle, _ends, _barred, _inner, _empties, _reach, _joins, exchange
    global _compiled
    with _lock:
        if _compiled:
            return
        import numba

        jit = numba.njit(cache=True)
        # All swapped before any is compiled: compiled code calls the compiled ones.
        least, greatest, nodes = jit(_least_py), jit(_greatest_py), jit(_nodes_py)
        timed, insert_many = jit(_timed_py), jit(_insert_many_py)
        insert_codes, refresh = jit(_insert_codes_py), jit(_refresh_py)
        recreate, schedule = jit(_recreate_py), jit(_schedule_py)
        settle = jit(_settle_py)
        _ends, _barred, _inner = jit(_ends_py), jit(_barred_py), jit(_inner_py)
        _empties = jit(_empties_py)
        _reach, _joins, exchange = jit(_reach_py), jit(_joins_py), jit(_exchange_py)
        _compiled = True


def warm() -> None:
    """Compile every kernel now (setup runs this once; numba caches the machine code beside
    this file, or under NUMBA_CACHE_DIR), so a first plan does not wait ~10 s for it.
    The travel matrices are read-only, as `Problem` makes them: numba compiles a separate
    version for read-only arrays, and warming the writable one left that to the first plan."""
    compile_all()
    codes = np.asarray([0, 1], dtype=np.int64)
    zeros = np.zeros(2, dtype=np.int64)
    wide = np.asarray([0, 100], dtype=np.int64)
    ride = np.asarray([50], dtype=np.int64)
    matrix = np.ones((1, 1), dtype=np.int64)
    travel = matrix.copy()
    travel.setflags(write=False)
    dem = np.asarray([1, -1], dtype=np.int64)
    built = nodes(codes, zeros, zeros, wide, zeros, dem, ride, 0, 0, 0, 100, travel)
    timed(codes, zeros, zeros, wide, zeros, dem, ride, 0, 0, 0, 100, travel, NO_CAP)
    schedule(codes, zeros, zeros, wide, zeros, dem, ride, 0, 0, 0, 100, travel, NO_CAP,
             np.empty(4, dtype=np.int64))
    locs, lo, hi, svc, gap, load, pp, pd, plim = built
    early, late = np.empty(4, dtype=np.int64), np.empty(4, dtype=np.int64)
    least(lo, hi, gap, pp, pd, plim, len(pp), NO_CAP, 4, early)
    greatest(lo, hi, gap, pp, pd, plim, len(pp), NO_CAP, 4, late)
    req = np.asarray([[0, 0, 0, 100, 0, 100, 0, 0, 1, 50]], dtype=np.int64)
    out = np.empty((1, 3), dtype=np.int64)
    insert_many(locs, lo, hi, gap, svc, load, early, late[1:].copy(), pp, pd, plim, NO_CAP,
                3, matrix, travel, req, 12, out)
    table = np.zeros((1, 8), dtype=np.int64)
    car = np.asarray([[0, 0, 0, 100, NO_CAP, 3, 0]], dtype=np.int64)
    units = np.zeros(1, dtype=np.int64)
    recreate(table, np.zeros(1, dtype=np.int64), car, matrix.reshape(1, 1, 1), zeros, zeros,
             wide, zeros, dem, ride, travel, req, units, units - 1,
             np.ones((1, 1), dtype=np.bool_), True, 12, np.zeros(1, dtype=np.bool_))
    table[0, :2] = codes
    settle(table, np.asarray([2], dtype=np.int64), units, car, matrix.reshape(1, 1, 1),
           travel, zeros, zeros, wide, zeros, dem, ride, travel,
           np.empty((1, 4), dtype=np.int64), np.empty((1, 2), dtype=np.int64))
    cars = np.repeat(car, 2, axis=0)
    exchange(np.vstack([table, table]), np.asarray([2, 0], dtype=np.int64),
             np.asarray([[0, 1]], dtype=np.int64), cars, matrix.reshape(1, 1, 1), zeros,
             zeros, wide, zeros, dem, ride, travel, np.ones((1, 2), dtype=np.bool_),
             np.ones(1, dtype=np.bool_), units - 1, 12, np.zeros(7, dtype=np.int64))
