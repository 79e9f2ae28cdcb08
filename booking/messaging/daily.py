"""Daily messages: drivers' run sheets (the evening before and the morning of) and the
coordinators' digest. Idempotency keys make each go out once a day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from booking.domain.status import LegStatus
from booking.messaging.outbox import enqueue
from booking.reports.roster import (
    day_bounds,
    problems_text,
    roster_text,
    run_sheet,
    unassigned_text,
)
from booking.rules import local_instant
from booking.schemes import scheme_rules
from storage.tables import Leg, LiftRequest, Person, Scheme


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
        LiftRequest.scheme_id == scheme.id, Leg.status == LegStatus.ACCEPTED,
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
