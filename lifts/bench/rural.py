"""Realistic scheme days on the demo scheme's geography (examples/wensleydale.toml), and the
scale / re-plan report.

A day has `n` requests: n/2 appointments, each an outbound trip (home to surgery or
hospital, arriving 5-30 minutes before the appointment) and a return trip linked to it (same
driver). GP visits are wait-and-return (the driver waits: the return window opens when the
appointment ends); hospital visits are drop-and-return (longer appointment, the driver is
free in between). 10-20 % of passengers use a wheelchair (some need an adapted car, the
rest a boot for a folding chair); a few bring an assistance dog. Drivers (one per five
requests) start from home, each available in a morning, afternoon or all-day window.
"""

from __future__ import annotations

import dataclasses
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from lifts.demo_scheme import SETTLEMENTS, SITES, SPEC
from routing import Lock, Need, Plan, Problem, Request, Stop, Vehicle, check, solve
from routing.travel import Haversine, Point

DEMO_NAME = SPEC.scheme.name
HOUR, MINUTE = 3600, 60
METRES_PER_MILE = 1609.344
SHIFTS = ((8 * HOUR, 13 * HOUR), (12 * HOUR, 18 * HOUR), (8 * HOUR, 18 * HOUR))


@dataclass
class _Builder:
    rng: random.Random
    points: list[Point] = dataclasses.field(default_factory=list)

    def place(self, point: Point) -> int:
        self.points.append(point)
        return len(self.points) - 1

    def home(self) -> int:
        town = self.rng.choices(SETTLEMENTS, weights=[s.weight for s in SETTLEMENTS])[0]
        return self.place((town.lat + self.rng.uniform(-0.005, 0.005),
                           town.lon + self.rng.uniform(-0.008, 0.008)))


def _needs(rng: random.Random) -> frozenset[Need]:
    roll = rng.random()
    needs = set()
    if roll < 0.06:
        needs.add(Need.WHEELCHAIR_VEHICLE)
    elif roll < 0.15:
        needs.add(Need.FOLDING_WHEELCHAIR)
    if rng.random() < 0.04:
        needs.add(Need.DOG)
    return frozenset(needs)


def _vehicle(b: _Builder, k: int) -> Vehicle:
    rng, home = b.rng, b.home()
    shift = rng.choice(SHIFTS)
    caps = {Need.FOLDING_WHEELCHAIR} if rng.random() < 0.7 else set()
    if rng.random() < 0.15:
        caps |= {Need.WHEELCHAIR_VEHICLE, Need.FOLDING_WHEELCHAIR}
    if rng.random() < 0.6:
        caps.add(Need.DOG)
    return Vehicle(f"d{k}", home, home, shift[0], shift[1], rng.choice((3, 3, 4)),
                   frozenset(caps), max_duration=6 * HOUR)


@dataclass(frozen=True)
class Volunteer:
    """A driver of a simulated scheme, the same from day to day (the fairness month)."""

    id: str
    home: Point
    seats: int
    capabilities: frozenset[Need]


def volunteers(n: int, seed: int) -> list[Volunteer]:
    """A scheme's `n` drivers, drawn as `scheme_day` draws its own."""
    b = _Builder(random.Random(seed))
    out = []
    for k in range(n):
        v = _vehicle(b, k)
        out.append(Volunteer(v.id, b.points[v.start], v.seats, v.capabilities))
    return out


def scheme_day(n_requests: int, n_drivers: int, seed: int,
               on_duty: list[tuple[Volunteer, tuple[int, int]]] | None = None) -> Problem:
    """A generated day: n_requests trips (linked outbound/return pairs), n_drivers drivers
    (or, with `on_duty`, those volunteers on those shifts)."""
    b = _Builder(random.Random(seed))
    rng = b.rng
    sites = [b.place((s.lat, s.lon)) for s in SITES]
    if on_duty is None:
        vehicles = [_vehicle(b, k) for k in range(n_drivers)]
    else:
        vehicles = []
        for who, (start, end) in on_duty:
            home = b.place(who.home)
            vehicles.append(Vehicle(who.id, home, home, start, end, who.seats,
                                    who.capabilities, max_duration=6 * HOUR))
    specs = []
    for a in range(n_requests // 2):
        home, hospital = b.home(), rng.random() < 0.2
        site = sites[-1] if hospital else rng.choice(sites[:-1])
        appointment = rng.randrange(9 * HOUR, 16 * HOUR + 1, 10 * MINUTE)
        length = (90 if hospital else 20) * MINUTE
        specs.append((a, home, site, appointment, length, hospital, _needs(rng)))
    durations, distances = Haversine().matrices(b.points)
    requests: list[Request] = []
    for a, home, site, appointment, length, hospital, needs in specs:
        board = (10 if needs else 5) * MINUTE
        direct = int(durations[home, site])
        ride = max(45 * MINUTE, direct * 3 // 2 + 15 * MINUTE)
        early = appointment - 3 * HOUR
        requests.append(Request(
            f"a{a}-out", Stop(home, early, appointment - 5 * MINUTE, board),
            Stop(site, appointment - 30 * MINUTE, appointment - 5 * MINUTE, 2 * MINUTE),
            needs=needs, max_ride=ride, linked=f"a{a}-back"))
        ready = appointment + length
        wait = 60 if hospital else 20  # minutes the passenger may wait to be collected
        requests.append(Request(
            f"a{a}-back", Stop(site, ready, ready + wait * MINUTE, board),
            Stop(home, ready, ready + 3 * HOUR, 2 * MINUTE), needs=needs, max_ride=ride))
    return Problem(durations, distances, tuple(requests), tuple(vehicles))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def replans(problem: Problem, plan: Plan, seed: int, budget: float) -> list[tuple[str, Plan,
                                                                                  float, Problem]]:
    """One cancellation, one declined offer, one new request, with served trips locked."""
    locks = tuple(Lock(r.id, plan.vehicle_of(r.id) or "") for r in problem.requests
                  if plan.vehicle_of(r.id) is not None)
    locked = dataclasses.replace(problem, locks=locks)
    served = [lock.request for lock in locks if lock.request.endswith("-out")]
    rng = random.Random(seed)
    gone = rng.choice(served).removesuffix("-out")
    cancel = dataclasses.replace(
        locked, requests=tuple(r for r in locked.requests if not r.id.startswith(gone + "-")),
        locks=tuple(k for k in locks if not k.request.startswith(gone + "-")))
    declined = rng.choice([s for s in served if not s.startswith(gone + "-")])
    base = declined.removesuffix("-out")
    driver = plan.vehicle_of(declined) or ""
    decline = dataclasses.replace(
        locked,
        requests=tuple(dataclasses.replace(r, declined_by=frozenset({driver}))
                       if r.id.startswith(base + "-") else r for r in locked.requests),
        locks=tuple(k for k in locks if not k.request.startswith(base + "-")))
    extra = scheme_day(2, 1, seed + 1).requests  # one more appointment, re-homed below
    new = tuple(dataclasses.replace(
        r, id="new-" + r.id, linked=None if r.linked is None else "new-" + r.linked,
        pickup=dataclasses.replace(r.pickup, location=req.pickup.location),
        dropoff=dataclasses.replace(r.dropoff, location=req.dropoff.location))
        for r, req in zip(extra, locked.requests[:2], strict=True))
    added = dataclasses.replace(locked, requests=locked.requests + new)
    out = []
    for name, changed in (("cancellation", cancel), ("declined offer", decline),
                          ("new request", added)):
        started = time.monotonic()
        again = solve(changed, time_limit=budget, seed=seed, initial=plan)
        out.append((name, again, time.monotonic() - started, changed))
    return out


def report(console: Console, sizes: list[int], time_limit: float, seed: int,
           replan_size: int = 200, replan_budget: float = 2.0) -> None:
    """Print the scale table and the re-plan table."""
    table = Table(title=f"Rural scheme days ({DEMO_NAME}), {time_limit:g} s limit, seed {seed}")
    for name in ("requests", "drivers", "first plan s", "served", "miles", "violations",
                 "peak MB"):
        table.add_column(name, justify="right")
    replan_input: tuple[Problem, Plan] | None = None
    for n in sizes:
        problem = scheme_day(n, max(2, n // 5), seed)
        plan = solve(problem, time_limit=time_limit, seed=seed)
        bad = check(problem, plan)
        served = plan.objective.served
        table.add_row(str(n), str(len(problem.vehicles)),
                      f"{plan.stats.first_solution_seconds:.2f}",
                      f"{served}/{n} ({100 * served / n:.0f} %)",
                      f"{plan.objective.distance / METRES_PER_MILE:.0f}", str(len(bad)),
                      f"{_peak_mb():.0f}")
        reasons = Counter(u.reason.name for u in plan.unserved)
        console.print(f"{n} requests planned in {plan.stats.seconds:.1f} s; unserved: "
                      + (", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "none"))
        if n == replan_size:
            replan_input = (problem, plan)
    console.print(table)
    if replan_input is None:
        return
    again = Table(title=f"Re-plan after one change, {replan_size} requests, served trips locked")
    for name in ("change", "seconds", "served", "violations", "locked trips moved"):
        again.add_column(name, justify="right")
    for name, plan, seconds, changed in replans(*replan_input, seed, replan_budget):
        moved = sum(plan.vehicle_of(lock.request) != lock.vehicle for lock in changed.locks)
        again.add_row(name, f"{seconds:.2f}", str(plan.objective.served),
                      str(len(check(changed, plan))), str(moved))
    console.print(again)
