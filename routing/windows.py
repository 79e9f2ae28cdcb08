"""Implied time windows and single-trip feasibility (solver side; the checker has its own).

Tightening a window never removes a feasible schedule: a pickup cannot start later than
the drop-off's latest minus the direct trip, a drop-off cannot start later than the
pickup's latest plus the ride limit, and so on. Narrow windows make OR-Tools' filters
reject bad moves early, which is much of what the "careful model" gains.
"""

from __future__ import annotations

from functools import lru_cache

from routing.problem import Problem, Request, Vehicle


def pair_windows(problem: Problem, request: Request) -> tuple[tuple[int, int], tuple[int, int]]:
    p, d = request.pickup, request.dropoff
    direct = int(problem.durations[p.location, d.location])
    ride = request.max_ride if request.max_ride is not None else 10**12
    p_lo = max(p.earliest, d.earliest - p.service - ride)
    p_hi = min(p.latest, d.latest - p.service - direct)
    d_lo = max(d.earliest, p.earliest + p.service + direct)
    d_hi = min(d.latest, p.latest + p.service + ride)
    return (p_lo, p_hi), (d_lo, d_hi)


@lru_cache(maxsize=8)
def tightened_windows(problem: Problem) -> dict[int, tuple[int, int]]:
    """Window per stop code (2*request + 0 pickup / 1 drop-off), tightened where valid."""
    windows: dict[int, tuple[int, int]] = {}
    dur = problem.durations
    for r, request in enumerate(problem.requests):
        pick, drop = pair_windows(problem, request)
        able = [v for v in problem.vehicles if v.can_carry(request)]
        for code, (lo, hi), stop in ((2 * r, pick, request.pickup),
                                     (2 * r + 1, drop, request.dropoff)):
            if able:
                lo = max(lo, min(v.shift_start + int(dur[v.start, stop.location]) for v in able))
                hi = min(hi, max(v.shift_end - stop.service - int(dur[stop.location, v.end])
                                 for v in able))
            if lo > hi:  # unservable: keep the raw window; the request is filtered out anyway
                lo, hi = stop.earliest, stop.latest
            windows[code] = (lo, hi)
    return windows


def solo_feasible(problem: Problem, request: Request, vehicle: Vehicle) -> bool:
    """Can `vehicle` serve `request` alone: home, pickup, drop-off, home, all limits kept."""
    if not vehicle.can_carry(request):
        return False
    dur = problem.durations
    p, d = request.pickup, request.dropoff
    to_p = int(dur[vehicle.start, p.location])
    direct = int(dur[p.location, d.location])
    home = int(dur[d.location, vehicle.end])
    (p_lo, p_hi), (d_lo, d_hi) = pair_windows(problem, request)
    start_p = max(p_lo, vehicle.shift_start + to_p)
    # Start the pickup as late as the drop-off window needs, to keep the ride short.
    start_p = max(start_p, d_lo - direct - p.service)
    if start_p > p_hi:
        return False
    start_d = max(d_lo, start_p + p.service + direct)
    if start_d > d_hi:
        return False
    if request.max_ride is not None and start_d - start_p - p.service > request.max_ride:
        return False
    back = start_d + d.service + home
    if back > vehicle.shift_end:
        return False
    duration = back - (start_p - to_p)
    return vehicle.max_duration is None or duration <= vehicle.max_duration
