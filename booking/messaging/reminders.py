"""A resident's reminders: queued with the confirmation, re-timed or cancelled with the trip."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from booking.messaging import notices
from booking.messaging.outbox import enqueue
from booking.rules import in_quiet_hours, local_instant
from booking.schemes import rules_for
from storage.tables import LiftRequest, OutboxMessage, Person


def schedule_reminders(session: Session, request: LiftRequest, resident: Person,
                       driver: Person, pickup_at: datetime, now: datetime) -> None:
    """Cancel this request's pending reminders and queue fresh ones for `pickup_at`."""
    cancel_pending(session, request.id or 0, kinds=("reminder",))
    rules = rules_for(session, request.scheme_id)
    tz, first = rules.tz, driver.name.split()[0]
    day_before = local_instant(pickup_at.astimezone(tz).date() - timedelta(days=1),
                               rules.reminder_day_before_at, tz)
    soon = pickup_at - timedelta(minutes=rules.reminder_before_pickup_minutes)
    stamp = pickup_at.isoformat()
    if day_before > now:
        enqueue(session, key=f"reminder:{request.id}:day-before:{stamp}", person=resident,
                kind="reminder", body=notices.reminder_text(pickup_at, first, tz, soon=False,
                                                                  request_id=request.id),
                due_at=day_before, request_id=request.id, stale_after=pickup_at,
                variables=notices.reminder_facts(pickup_at, first, tz, soon=False,
                                                 request_id=request.id))
    if soon > now and not in_quiet_hours(soon, rules):  # the evening one covers early starts
        enqueue(session, key=f"reminder:{request.id}:soon:{stamp}", person=resident,
                kind="reminder", body=notices.reminder_text(pickup_at, first, tz, soon=True,
                                                                  request_id=request.id),
                due_at=soon, request_id=request.id, urgent=True, stale_after=pickup_at,
                variables=notices.reminder_facts(pickup_at, first, tz, soon=True,
                                                 request_id=request.id))


def cancel_pending(session: Session, request_id: int, *, kinds: Sequence[str]) -> int:
    """Cancel a request's unsent messages of these kinds; returns how many."""
    rows = session.exec(select(OutboxMessage).where(
        OutboxMessage.request_id == request_id, col(OutboxMessage.kind).in_(kinds),
        OutboxMessage.status == "pending")).all()
    for row in rows:
        row.status = "cancelled"
        session.add(row)
    return len(rows)
