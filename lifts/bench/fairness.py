"""A simulated month of scheme days with the fairness rule off, gentle and strong: the miles
it adds against how evenly trips (and miles) spread over the willing drivers.

The same volunteers every day (`lifts.bench.rural.volunteers`); each weekday each is willing
with a fixed chance, on a morning, afternoon or all-day shift, and the day's requests are
new. Each day is planned with the cost factors and weight `booking.planning.fairness` gives
from the last four weeks of the simulation, with a fixed iteration count (deterministic).
A trip is one appointment (its outbound and linked return, one driver).
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from dataclasses import dataclass

from booking.planning.fairness import Workload, cost_factors, longest_weight
from lifts.bench.rural import METRES_PER_MILE, SHIFTS, scheme_day, volunteers
from routing import Weights, check, solve

WINDOW_DAYS = 20  # four weeks of weekdays


@dataclass(frozen=True)
class Month:
    """What a level gave over the month."""

    level: str
    served: int
    requests: int
    miles: float
    trips: dict[str, int]  # per willing driver (willing at least once), zeros included
    driver_miles: dict[str, float]
    violations: int

    @property
    def max_over_mean(self) -> float:
        values = list(self.trips.values())
        return max(values) / (sum(values) / len(values))

    @property
    def gini(self) -> float:
        return gini(list(self.trips.values()))

    @property
    def miles_gini(self) -> float:
        return gini(list(self.driver_miles.values()))


def gini(values: list[float] | list[int]) -> float:
    """Gini coefficient (0: all equal; 1: one has everything)."""
    xs = sorted(float(v) for v in values)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0.0
    return sum((2 * (i + 1) - n - 1) * x for i, x in enumerate(xs)) / (n * total)


def simulate(level: str, *, days: int = 20, requests: int = 40, drivers: int = 20,
             willing: float = 0.6, iterations: int = 200, seed: int = 0) -> Month:
    """Plan `days` weekdays in a row with the rule at `level`."""
    pool = volunteers(drivers, seed)
    history: list[dict[str, tuple[int, float]]] = []
    trips: dict[str, int] = {}
    miles: dict[str, float] = {}
    served = total = bad = 0
    for day in range(days):
        rng = random.Random(f"{seed}-{day}")
        on_duty = [(v, rng.choice(SHIFTS)) for v in pool if rng.random() < willing]
        problem = scheme_day(requests, 0, seed * 1000 + day, on_duty)
        past: dict[str, Workload] = defaultdict(Workload)
        for earlier in history[-WINDOW_DAYS:]:
            for who, (n, m) in earlier.items():
                w = past[who]
                past[who] = Workload(w.trips + n, w.miles + m)
        ids = [v.id for v in problem.vehicles]
        factors = cost_factors(ids, past, level)
        problem = dataclasses.replace(problem, vehicles=tuple(
            dataclasses.replace(v, cost_per_distance=factors[v.id]) for v in problem.vehicles))
        plan = solve(problem, time_limit=600, iterations=iterations, seed=seed,
                     weights=Weights(fairness=longest_weight(level)))
        bad += len(check(problem, plan))
        served += plan.objective.served
        total += len(problem.requests)
        today: dict[str, tuple[int, float]] = {}
        for v in problem.vehicles:
            trips.setdefault(v.id, 0)
            miles.setdefault(v.id, 0.0)
        for route in plan.routes:
            appointments = {visit.request.split("-")[0] for visit in route.visits}
            m = route.distance / METRES_PER_MILE
            today[route.vehicle] = (len(appointments), m)
            trips[route.vehicle] += len(appointments)
            miles[route.vehicle] += m
        history.append(today)
    return Month(level, served, total, sum(miles.values()), trips, miles, bad)
