"""Planning in the background: a coordinator's "plan now" is queued, picked up by a worker,
run with the day locked (two plans of one day never run at once), and reported back.

A webhook therefore never waits for the solver; the coordinator is answered at once and
hears the result by message (chat) or sees it on the console.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from booking.audit import Actor
from booking.messaging.outbox import enqueue
from booking.planning.day import Matrices, PlanSummary
from booking.planning.run import plan_day
from storage.db import is_sqlite, transaction
from storage.tables import Person, PlanJob

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
_local_locks: dict[tuple[str, int, date], threading.Lock] = {}
_guard = threading.Lock()


@dataclass(frozen=True)
class PlanJobView:
    """Where a queued plan stands, for the console."""

    id: int
    scheme_id: int
    day: date
    state: str
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    summary: str


def queue(session: Session, scheme_id: int, day: date, actor: Actor, now: datetime) -> int:
    """Ask for `day` to be planned; a plan already waiting for that day is reused."""
    waiting = session.exec(select(PlanJob).where(
        PlanJob.scheme_id == scheme_id, PlanJob.service_day == day,
        PlanJob.state == QUEUED)).first()
    if waiting is not None:
        return waiting.id or 0
    job = PlanJob(scheme_id=scheme_id, service_day=day, requested_by=actor.name[:120],
                  person_id=actor.person_id, created_at=now)
    session.add(job)
    session.flush()
    return job.id or 0


def status(session: Session, job_id: int) -> PlanJobView | None:
    """One job as the console shows it (None: no such job)."""
    job = session.get(PlanJob, job_id)
    if job is None:
        return None
    return PlanJobView(job.id or 0, job.scheme_id, job.service_day, job.state, job.requested_by,
                       job.created_at, job.started_at, job.finished_at, job.summary)


def claim(engine: Engine, now: datetime) -> PlanJob | None:
    """Take the oldest queued job (SKIP LOCKED: each job goes to one worker)."""
    with transaction(engine) as session:
        query = select(PlanJob).where(PlanJob.state == QUEUED).order_by(col(PlanJob.id))
        if not is_sqlite(engine):
            query = query.with_for_update(skip_locked=True)
        job = session.exec(query).first()
        if job is None:
            return None
        job.state, job.started_at = RUNNING, now
        session.add(job)
        session.flush()
        session.expunge(job)
        return job


def run_next(engine: Engine, now: datetime, *, matrices: Matrices,
             time_limit: float) -> PlanJobView | None:
    """Run one queued job, if any, and tell whoever asked."""
    job = claim(engine, now)
    if job is None:
        return None
    try:
        summary = plan_locked(engine, job.scheme_id, job.service_day, now=now,
                              trigger="coordinator", matrices=matrices, time_limit=time_limit)
        said = result_text(summary) if summary is not None else (
            f"{job.service_day:%a %-d %b} was being planned already; that plan covers it.")
        state, run_id = DONE, summary.run_id if summary else None
    except Exception:  # a failed plan must still be reported, never left 'running'
        log.exception("planning job %s failed", job.id)
        said, state, run_id = "Sorry, planning failed. Please try again or plan by hand.", \
            FAILED, None
    with transaction(engine) as session:
        row = session.get(PlanJob, job.id)
        assert row is not None
        row.state, row.finished_at, row.summary, row.plan_run_id = state, now, said, run_id
        session.add(row)
        person = session.get(Person, row.person_id) if row.person_id else None
        if person is not None:
            enqueue(session, key=f"planjob:{row.id}", person=person, kind="plan_result",
                    body=said[:1500], due_at=now, urgent=True)
        return status(session, row.id or 0)


def plan_locked(engine: Engine, scheme_id: int, day: date, **kwargs: object
                ) -> PlanSummary | None:
    """`plan_day`, unless another process or thread is planning that day (then None)."""
    with day_lock(engine, scheme_id, day) as got:
        if not got:
            return None
        return plan_day(engine, scheme_id, day, **kwargs)  # type: ignore[arg-type]


@contextlib.contextmanager
def day_lock(engine: Engine, scheme_id: int, day: date) -> Iterator[bool]:
    """Hold the day for planning: a PostgreSQL advisory lock (across workers), and a lock
    in this process (SQLite has one process)."""
    key = (str(engine.url), scheme_id, day)
    with _guard:
        local = _local_locks.setdefault(key, threading.Lock())
    if not local.acquire(blocking=False):
        yield False
        return
    try:
        if is_sqlite(engine):
            yield True
            return
        number = int.from_bytes(hashlib.sha256(f"plan:{scheme_id}:{day}".encode()).digest()[:8],
                                "big", signed=True)
        with engine.connect() as conn:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": number})
                       .scalar())
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": number})
                conn.commit()
    finally:
        local.release()


def result_text(summary: PlanSummary) -> str:
    """What a coordinator is told when a plan is done."""
    reasons = "; ".join(f"#{rid}: {why}" for rid, why in sorted(summary.reasons.items()))
    return (f"Planned {summary.day:%a} {summary.day.day} {summary.day:%b}: {summary.served} of "
            f"{summary.requests} served, {summary.offers} offer(s) sent, "
            f"{summary.miles:.0f} miles." + (f" Unserved: {reasons}" if reasons else ""))
