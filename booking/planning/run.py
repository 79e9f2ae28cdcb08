"""Planning a day: requests, drivers and accepted trips from the database -> routing.Problem
-> routing.solve -> legs with drivers and times, offers to drivers, reasons for the rest.

The solve runs outside any transaction (it takes seconds; SQLite would hold its write lock
meanwhile). Results are stored only for requests still in the state they were read in, and
accepted legs are never moved: they enter the problem as locks.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine

from booking.planning.day import Matrices, PlanSummary, load_day
from booking.planning.limits import solve_within_limits
from booking.planning.store import store_plan
from storage.db import transaction


def plan_day(engine: Engine, scheme_id: int, day: date, *, now: datetime, trigger: str,
             matrices: Matrices, time_limit: float = 10.0, seed: int = 0) -> PlanSummary:
    """Plan one scheme's day, store it, and offer the new trips to their drivers."""
    with transaction(engine) as session:
        data = load_day(session, scheme_id, day, now=now)
    built, plan = solve_within_limits(data, matrices, time_limit=time_limit, seed=seed)
    with transaction(engine) as session:
        return store_plan(session, data, built, plan, now=now, trigger=trigger)
