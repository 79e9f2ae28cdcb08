"""The timed jobs' bodies: each reads what is due from the database and acts on it.

Nothing is remembered between runs except in the database, so a restart (or another
process taking over) simply picks up where things stand.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine

from booking.messaging.daily import queue_daily_messages
from booking.offers.answers import expire_due
from booking.planning.day import Matrices, PlanSummary
from booking.planning.due import days_due
from booking.planning.jobs import PlanJobView, plan_locked, run_next
from booking.planning.warnings import warn_unserved
from booking.privacy.retention import Purge, run_due
from booking.standing import extend_all
from storage.db import transaction

log = logging.getLogger(__name__)


@dataclass
class Ticks:
    """The planner, offer expiry, early warnings, daily messages and retention, bound to one
    database and clock."""

    engine: Engine
    clock: Callable[[], datetime]
    matrices: Matrices
    time_limit: float = 10.0

    async def plan_due_days(self) -> list[PlanSummary]:
        """Plan every (scheme, day) past its cut-off with new work (debounced by the tick)."""
        now = self.clock()
        due = await asyncio.to_thread(self._due, now)
        summaries = []
        for scheme_id, day in due:
            summary = await asyncio.to_thread(
                plan_locked, self.engine, scheme_id, day, now=now, trigger="schedule",
                matrices=self.matrices, time_limit=self.time_limit)
            if summary is not None:  # None: a coordinator's plan of that day is running
                summaries.append(summary)
        return summaries

    async def planning_requests(self) -> PlanJobView | None:
        """Run one plan a coordinator asked for (any worker may; each job runs once)."""
        return await asyncio.to_thread(run_next, self.engine, self.clock(),
                                       matrices=self.matrices, time_limit=self.time_limit)

    def _due(self, now: datetime) -> list[tuple[int, date]]:
        with transaction(self.engine) as session:
            return days_due(session, now)

    async def expire_offers(self) -> int:
        """Expire unanswered offers (the next planning tick re-plans their trips)."""
        return await asyncio.to_thread(self._expire, self.clock())

    def _expire(self, now: datetime) -> int:
        with transaction(self.engine) as session:
            return expire_due(session, now)

    async def early_warnings(self) -> int:
        """Tell residents early when no driver has been found by the deadline."""
        return await asyncio.to_thread(self._warn, self.clock())

    def _warn(self, now: datetime) -> int:
        with transaction(self.engine) as session:
            return warn_unserved(session, now)

    async def daily_messages(self) -> int:
        """Run sheets the evening before and the morning of, and the coordinators' digest."""
        return await asyncio.to_thread(self._daily, self.clock())

    def _daily(self, now: datetime) -> int:
        with transaction(self.engine) as session:
            return queue_daily_messages(session, now)

    async def standing_bookings(self) -> int:
        """Make standing bookings' occurrences as they come within reach (idempotent)."""
        return await asyncio.to_thread(self._standing, self.clock())

    def _standing(self, now: datetime) -> int:
        with transaction(self.engine) as session:
            return extend_all(session, now)

    async def retention(self) -> list[Purge]:
        """Message words deleted once done with; each scheme's daily purge when it is due."""
        return await asyncio.to_thread(self._retention, self.clock())

    def _retention(self, now: datetime) -> list[Purge]:
        with transaction(self.engine) as session:
            return run_due(session, now)
