"""Early warnings: no driver by the scheme's deadline, so the resident can make other plans."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from booking.domain.status import RequestStatus
from booking.lifecycle.requests import set_status
from booking.messaging import notices
from booking.messaging.alerts import alert_coordinators
from booking.messaging.outbox import enqueue
from booking.rules import warning_deadline
from booking.schemes import scheme_rules
from storage.tables import LiftRequest, Person, Scheme

log = logging.getLogger(__name__)


def warn_unserved(session: Session, now: datetime) -> int:
    """Past the early-warning deadline with no driver: tell the resident and a coordinator.

    The deadline is never before planning has had its chance (the cut-off plus the time
    drivers have to answer), so nobody is told "make other plans" and then confirmed.
    """
    count = 0
    for scheme in session.exec(select(Scheme)).all():
        rules = scheme_rules(scheme)
        horizon = now + timedelta(hours=rules.early_warning_hours)
        late = session.exec(select(LiftRequest).where(
            LiftRequest.scheme_id == scheme.id, col(LiftRequest.appointment_at) > now,
            col(LiftRequest.appointment_at) <= horizon,
            # short-notice requests went to a coordinator when they were made
            col(LiftRequest.status).in_(WARNABLE))).all()
        for request in late:
            if warning_deadline(request.appointment_at, rules) <= now:
                _warn(session, request, now, rules.tz)
                count += 1
    return count


WARNABLE = (RequestStatus.REQUESTED, RequestStatus.PLANNED, RequestStatus.OFFERED)


def _warn(session: Session, request: LiftRequest, now: datetime, tz: ZoneInfo) -> None:
    resident = session.get(Person, request.resident_id)
    reason = request.status_reason or "no driver has accepted yet"
    set_status(session, request, RequestStatus.UNSERVED, now=now, actor="system", note=reason)
    when = notices.day_time(request.appointment_at, tz)[:-6]
    if resident is not None:
        enqueue(session, key=f"unserved:{request.id}", person=resident, kind="unserved",
                body=notices.unserved_text(when, request_id=request.id),
                due_at=now, urgent=True, request_id=request.id,
                variables=notices.unserved_facts(when, request_id=request.id))
    alert_coordinators(session, request.scheme_id,
                       f"No driver yet for lift request #{request.id} on {when}: {reason}.",
                       now=now, key=f"unserved-alert:{request.id}")
    log.info("early warning sent for request %s", request.id)
