"""The scheme rule `fairness` leans planning towards drivers who have driven least lately."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from booking.planning.day import load_day
from booking.planning.fairness import Workload, cost_factors
from booking.planning.limits import solve_within_limits
from booking.schemes import update_rule
from storage.db import transaction
from storage.tables import Person, Scheme
from tests.support.world import LONDON, TRAVEL, driven_lift, generated_day, monday_morning, seed


def _trips_per_driver(engine: Engine, day_offset: int = 3) -> Counter[int]:
    """Plan Thursday from the database as planning does; trips (requests) per driver."""
    now = monday_morning()
    thursday = now.astimezone(LONDON).date() + timedelta(days=day_offset)
    with Session(engine) as session:
        data = load_day(session, 1, thursday, now=now)
    built, plan = solve_within_limits(data, TRAVEL.matrices, time_limit=30.0, seed=0,
                                      iterations=40)
    trips: Counter[int] = Counter()
    for route in plan.routes:
        requests = {built.leg_of[v.request][0] for v in route.visits}
        trips[built.driver_of[route.vehicle]] += len(requests)
    return trips


def _set_fairness(engine: Engine, level: str) -> None:
    with transaction(engine) as session:
        scheme = session.get(Scheme, 1)
        assert scheme is not None
        update_rule(session, scheme, "fairness", level)


def test_strong_fairness_moves_trips_off_the_busiest_driver(engine: Engine) -> None:
    """A driver who drove a lot in the last four weeks gets fewer of Thursday's trips with
    fairness "strong" than with it "off" (the same requests and drivers, planned for real)."""
    now = monday_morning()
    seed(engine, now)
    generated_day(engine, now, 12, 5)
    _set_fairness(engine, "off")
    off = _trips_per_driver(engine)
    busiest, most = off.most_common(1)[0]
    assert most >= 2
    with Session(engine) as session:
        name = session.get(Person, busiest).name  # type: ignore[union-attr]
    today = now.astimezone(LONDON).date()
    for weeks_ago in range(1, 4):
        for day in range(5):
            driven_lift(engine, today - timedelta(days=7 * weeks_ago - day),
                        driver_miles=40.0, passenger_miles=30.0, driver=name)
    assert _trips_per_driver(engine) == off  # still off: history is not looked at
    _set_fairness(engine, "strong")
    strong = _trips_per_driver(engine)
    assert strong[busiest] < most
    assert sum(strong.values()) >= sum(off.values())  # nobody left behind for it


def test_cost_factors_lean_by_load() -> None:
    """Off: everyone costs the same. Gentle and strong: above-average load costs more per
    mile, below less, strong more so; nobody drops below the floor."""
    past = {1: Workload(10, 200.0), 2: Workload(0, 0.0), 3: Workload(5, 100.0)}
    assert cost_factors([1, 2, 3], past, "off") == {1: 1.0, 2: 1.0, 3: 1.0}
    gentle = cost_factors([1, 2, 3], past, "gentle")
    strong = cost_factors([1, 2, 3], past, "strong")
    assert gentle[2] < gentle[3] < gentle[1]
    assert strong[2] < gentle[2] and strong[1] > gentle[1]
    assert min(strong.values()) >= 0.25
    assert cost_factors([1, 2], {}, "strong") == {1: 1.0, 2: 1.0}  # nobody has driven yet
