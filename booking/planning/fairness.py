"""Spreading trips and miles across willing drivers (the scheme rule `fairness`).

Over a rolling four weeks, a driver who has done more than the day's drivers on average
costs the planner more per mile, and one who has done less costs less, so the plan leans
towards whoever has driven least (the same passenger is still served: serving comes first).
"strong" also charges the day's longest route, so no one driver gets a long day.
The figures behind the levels (miles added against the spread of trips) are in
docs/benchmarks.md ("Fairness across volunteers").
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import TypeVar

from sqlmodel import Session, col, func, select

from booking.domain.status import LEG_HELD
from booking.rules import SchemeRules, local_instant
from storage.tables import Leg, LiftRequest

WINDOW = timedelta(days=28)
STEP = 0.125  # cost factors are rounded to this, so the solver keeps few cost matrices
LOWEST = 0.25  # a driver who has done nothing still costs something per mile


@dataclass(frozen=True)
class Level:
    """How hard a level leans: `lean` scales a driver's cost per mile by their load
    against the average (1 + lean × (load − 1)); `longest` is the solver's fairness
    weight (per metre of the day's longest route)."""

    lean: float
    longest: int


K = TypeVar("K", bound=Hashable)
LEVELS = {"off": Level(0.0, 0), "gentle": Level(0.3, 0), "strong": Level(1.0, 1)}


@dataclass(frozen=True)
class Workload:
    """A driver's trips and miles in the four weeks before the day."""

    trips: int = 0
    miles: float = 0.0


def past_workload(session: Session, scheme_id: int, day: date,
                  rules: SchemeRules) -> dict[int, Workload]:
    """Per driver, the lifts (requests) they held or drove and their miles, over the four
    weeks before `day`."""
    end = local_instant(day, time(0), rules.tz)
    rows = session.exec(
        select(Leg.driver_id, func.count(func.distinct(Leg.request_id)),
               func.sum(Leg.passenger_miles + Leg.driver_miles))
        .join(LiftRequest, col(LiftRequest.id) == Leg.request_id)
        .where(LiftRequest.scheme_id == scheme_id, col(Leg.driver_id).is_not(None),
               col(Leg.status).in_(LEG_HELD),
               col(LiftRequest.appointment_at) >= end - WINDOW,
               col(LiftRequest.appointment_at) < end)
        .group_by(col(Leg.driver_id))).all()
    return {int(d): Workload(int(n), float(m or 0.0)) for d, n, m in rows if d is not None}


def cost_factors(drivers: list[K], past: Mapping[K, Workload], level: str) -> dict[K, float]:
    """Each driver's cost per mile: 1 for all when off (or nobody has driven yet)."""
    lean = LEVELS[level].lean
    if not drivers or lean == 0:
        return dict.fromkeys(drivers, 1.0)
    work = [past.get(d, Workload()) for d in drivers]
    mean_trips = sum(w.trips for w in work) / len(work)
    mean_miles = sum(w.miles for w in work) / len(work)
    factors = {}
    for d, w in zip(drivers, work, strict=True):
        parts = [x / mean for x, mean in ((w.trips, mean_trips), (w.miles, mean_miles))
                 if mean > 0]
        load = sum(parts) / len(parts) if parts else 1.0
        factor = max(LOWEST, 1.0 + lean * (load - 1.0))
        factors[d] = round(factor / STEP) * STEP
    return factors


def longest_weight(level: str) -> int:
    """The solver's fairness weight (routing.Weights.fairness) for a level."""
    return LEVELS[level].longest

