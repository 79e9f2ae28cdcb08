"""The scheduler: APScheduler running the timed jobs (for now, the outbox dispatcher)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

DISPATCH_JOB_ID = "outbox:dispatch"


def build_scheduler(tz: ZoneInfo) -> AsyncIOScheduler:
    """A scheduler with explicit misfire handling: late runs coalesce into one."""
    return AsyncIOScheduler(timezone=tz, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 60})


def add_interval(scheduler: AsyncIOScheduler, job_id: str,
                 job: Callable[[], Awaitable[Any]], *, every_seconds: float) -> None:
    """Run `job` every few seconds under a stable id (re-adding replaces, never duplicates)."""
    scheduler.add_job(job, "interval", seconds=every_seconds, id=job_id, replace_existing=True)


def add_dispatcher(scheduler: AsyncIOScheduler, dispatch: Callable[[], Awaitable[Any]],
                   *, every_seconds: float) -> None:
    """Run the outbox dispatcher every few seconds (stable id: never duplicated)."""
    scheduler.add_job(dispatch, "interval", seconds=every_seconds, id=DISPATCH_JOB_ID,
                      replace_existing=True)
