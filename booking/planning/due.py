"""What the clock decides: which days are due for planning, and early warnings.

Everything is derived from the database, so a restarted scheduler simply carries on.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from booking import notices
from booking.driving import day_bounds, problems_text, roster_text, run_sheet, unassigned_text
from booking.outbox import enqueue
from booking.rules import local_instant
from booking.schemes import scheme_rules
from booking.services import alert_coordinators, set_status
from storage.tables import Leg, LiftRequest, Person, PlanRun, Scheme

log = logging.getLogger(__name__)

NEEDS_PLAN = ("requested", "needs_coordinator", "unserved")
LOOK_AHEAD_DAYS = 3


def days_due(session: Session, now: datetime) -> list[tuple[int, date]]:
    """(scheme, day) pairs past their planning cut-off that have work for the planner.

    Work means a request nobody has planned, or a leg freed by a decline, an expiry or a
    cancellation since the last run: so a burst of changes makes one re-plan, not many.
    """
    due = []
    for scheme in session.exec(select(Scheme)).all():
        rules = scheme_rules(scheme)
        today = now.astimezone(rules.tz).date()
        for offset in range(LOOK_AHEAD_DAYS + 1):
            day = today + timedelta(days=offset)
            cutoff = local_instant(day - timedelta(days=1), rules.planning_cutoff, rules.tz)
            if now >= cutoff and _has_work(session, scheme.id or 0, day, rules.tz):
                due.append((scheme.id or 0, day))
    return due


def _has_work(session: Session, scheme_id: int, day: date, tz: ZoneInfo) -> bool:
    start, end = day_bounds(day, tz)
    in_day = (LiftRequest.scheme_id == scheme_id, col(LiftRequest.appointment_at) >= start,
              col(LiftRequest.appointment_at) < end)
    last = session.exec(select(PlanRun.started_at).where(
        PlanRun.scheme_id == scheme_id, PlanRun.service_day == day)
        .order_by(col(PlanRun.started_at).desc())).first()
    fresh = session.exec(select(LiftRequest.id).where(
        *in_day, col(LiftRequest.status).in_(NEEDS_PLAN),
        *(() if last is None else (col(LiftRequest.updated_at) >= last,)))).first()
    if fresh is not None:
        return True
    freed = select(Leg.id).join(LiftRequest, col(LiftRequest.id) == Leg.request_id).where(
        *in_day, Leg.status == "open", col(LiftRequest.status) != "cancelled")
    if last is not None:
        freed = freed.where(col(Leg.updated_at) >= last)
    return session.exec(freed).first() is not None


def warn_unserved(session: Session, now: datetime) -> int:
    """Past the early-warning deadline with no driver: tell the resident and a coordinator."""
    count = 0
    for scheme in session.exec(select(Scheme)).all():
        rules = scheme_rules(scheme)
        horizon = now + timedelta(hours=rules.early_warning_hours)
        late = session.exec(select(LiftRequest).where(
            LiftRequest.scheme_id == scheme.id, col(LiftRequest.appointment_at) > now,
            col(LiftRequest.appointment_at) <= horizon,
            # short-notice requests went to a coordinator when they were made
            col(LiftRequest.status).in_(("requested", "planned", "offered")))).all()
        for request in late:
            _warn(session, request, now, rules.tz)
            count += 1
    return count


def _warn(session: Session, request: LiftRequest, now: datetime, tz: ZoneInfo) -> None:
    resident = session.get(Person, request.resident_id)
    reason = request.status_reason or "no driver has accepted yet"
    set_status(session, request, "unserved", now=now, actor="system", note=reason)
    when = notices.day_time(request.appointment_at, tz)[:-6]
    if resident is not None:
        enqueue(session, key=f"unserved:{request.id}", person=resident, kind="unserved",
                body=f"Sorry, we haven't found a driver yet for your lift on {when}. Our "
                "coordinator is still trying and will be in touch, but you may want to make "
                "other plans. Reply CANCEL if you no longer need it.",
                due_at=now, urgent=True, request_id=request.id)
    alert_coordinators(session, request.scheme_id,
                       f"No driver yet for lift request #{request.id} on {when}: {reason}.",
                       now=now, key=f"unserved-alert:{request.id}")
    log.info("early warning sent for request %s", request.id)


def queue_daily_messages(session: Session, now: datetime) -> int:
    """Run sheets (the evening before and the morning of) and the coordinators' digest.

    Called every few minutes; idempotency keys make each message go out once per day, and
    a restart after the hour still sends what is owed.
    """
    queued = 0
    for scheme in session.exec(select(Scheme)).all():
        rules = scheme_rules(scheme)
        today = now.astimezone(rules.tz).date()
        tomorrow = today + timedelta(days=1)
        evening = local_instant(today, rules.reminder_day_before_at, rules.tz)
        morning = local_instant(today, rules.quiet_hours_end, rules.tz)
        if now >= evening:
            queued += _run_sheets(session, scheme, tomorrow, now, "evening")
            queued += _digest(session, scheme, tomorrow, now)
        if now >= morning:
            queued += _run_sheets(session, scheme, today, now, "morning")
    return queued


def _run_sheets(session: Session, scheme: Scheme, day: date, now: datetime, when: str) -> int:
    rules = scheme_rules(scheme)
    start, end = day_bounds(day, rules.tz)
    drivers = session.exec(select(Person).join(Leg, col(Leg.driver_id) == Person.id).join(
        LiftRequest, col(LiftRequest.id) == Leg.request_id).where(
        LiftRequest.scheme_id == scheme.id, col(Leg.status).in_(("accepted",)),
        col(LiftRequest.appointment_at) >= start, col(LiftRequest.appointment_at) < end)
        .distinct()).all()
    for driver in drivers:
        enqueue(session, key=f"runsheet:{driver.id}:{day}:{when}", person=driver,
                kind="run_sheet", body=run_sheet(session, driver, day, rules.tz), due_at=now,
                stale_after=end)
    return len(drivers)


def _digest(session: Session, scheme: Scheme, day: date, now: datetime) -> int:
    rules = scheme_rules(scheme)
    coordinators = session.exec(select(Person).where(
        Person.scheme_id == scheme.id, Person.role == "coordinator",
        Person.active == True)).all()  # noqa: E712
    if not coordinators:
        return 0
    parts = [roster_text(session, scheme.id or 0, day, rules.tz),
             unassigned_text(session, scheme.id or 0, day, rules.tz),
             problems_text(session, scheme.id or 0, day)]
    body = "\n".join(part for part in parts if part)
    for coordinator in coordinators:
        enqueue(session, key=f"digest:{coordinator.id}:{day}", person=coordinator,
                kind="digest", body=body[:3900], due_at=now,
                stale_after=day_bounds(day, rules.tz)[1])
    return len(coordinators)
