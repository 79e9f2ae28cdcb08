"""The scheduler: APScheduler with a SQLAlchemy job store in our database, and leader election.

Jobs are module-level functions whose only arguments are plain strings (the database they
belong to and the task's name), so they pickle into the job store; the work itself is looked
up in a per-process registry filled by the wiring (lifts/app.py).

Two kinds of job:
- per process ("local" memory store): the outbox dispatcher. Every process may dispatch; row
  claims (FOR UPDATE SKIP LOCKED) keep them from sending a message twice.
- timed jobs ("shared" SQLAlchemy store in our database): planning, offer expiry, early
  warnings. Only the elected leader adds the shared store, so exactly one scheduler runs them.
  All are interval triggers (no wall-clock cron job, so nothing can land in the 01:00–02:00
  DST gap); one-off timers should use DateTrigger with a UTC instant.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

log = logging.getLogger(__name__)

DISPATCH_JOB_ID = "outbox:dispatch"
LOCAL, SHARED = "local", "shared"
JOBS_TABLE = "apscheduler_jobs"
MISFIRE_GRACE_SECONDS = 30  # a timed job more than 30 s late is skipped; the next run catches up

Task = Callable[[], Awaitable[Any]]
_tasks: dict[tuple[str, str], Task] = {}


def register(owner: str, name: str, task: Task) -> None:
    """Make `task` runnable as (owner, name) in this process."""
    _tasks[(owner, name)] = task


def unregister(owner: str) -> None:
    """Forget every task of one owner (an app shutting down)."""
    for key in [k for k in _tasks if k[0] == owner]:
        del _tasks[key]


async def run_task(owner: str, name: str) -> None:
    """The one job function: run a registered task by plain ids (so jobs pickle)."""
    task = _tasks.get((owner, name))
    if task is None:
        log.warning("scheduled task %s has no implementation in this process", name)
        return
    await task()


def build_scheduler(tz: ZoneInfo) -> AsyncIOScheduler:
    """A scheduler with explicit misfire handling: late runs coalesce into one, never overlap."""
    return AsyncIOScheduler(
        timezone=tz, jobstores={LOCAL: MemoryJobStore()},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": MISFIRE_GRACE_SECONDS})


def add_interval(scheduler: AsyncIOScheduler, owner: str, name: str, *, every_seconds: float,
                 jobstore: str = LOCAL) -> None:
    """Run task `name` every few seconds under a stable id (re-adding replaces it)."""
    scheduler.add_job(run_task, "interval", args=[owner, name], seconds=every_seconds, id=name,
                      name=name, replace_existing=True, jobstore=jobstore, coalesce=True,
                      max_instances=1, misfire_grace_time=MISFIRE_GRACE_SECONDS)


def add_shared_store(scheduler: AsyncIOScheduler, engine: Engine) -> None:
    """The leader's job store: a table in our own database (created on first use)."""
    scheduler.add_jobstore(SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE), SHARED)


def remove_shared_store(scheduler: AsyncIOScheduler) -> None:
    """Stop running the timed jobs here (the rows stay for the next leader)."""
    try:
        scheduler.remove_jobstore(SHARED, shutdown=False)  # keep our engine
    except KeyError:
        pass


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` or until `stop` is set; True when stopping."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
