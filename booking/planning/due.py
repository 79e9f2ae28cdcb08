"""Which days are due for planning: past their cut-off, with new work for the planner.

Everything is derived from the database, so a restarted scheduler simply carries on.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from booking.closures import closures
from booking.domain.status import REQUEST_NEEDS_PLAN, LegStatus, RequestStatus
from booking.reports.roster import (
    day_bounds,
)
from booking.rules import closed_reason, local_instant
from booking.schemes import scheme_rules
from storage.tables import Leg, LiftRequest, PlanRun, Scheme

log = logging.getLogger(__name__)

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
        shut = closures(session, scheme.id or 0, today,
                        today + timedelta(days=LOOK_AHEAD_DAYS))
        for offset in range(LOOK_AHEAD_DAYS + 1):
            day = today + timedelta(days=offset)
            if closed_reason(day, rules, shut) is not None:
                continue  # no lifts run: a coordinator moves anything booked before it closed
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
        *in_day, col(LiftRequest.status).in_(REQUEST_NEEDS_PLAN),
        *(() if last is None else (col(LiftRequest.updated_at) >= last,)))).first()
    if fresh is not None:
        return True
    freed = select(Leg.id).join(LiftRequest, col(LiftRequest.id) == Leg.request_id).where(
        *in_day, Leg.status == LegStatus.OPEN, col(LiftRequest.status) != RequestStatus.CANCELLED)
    if last is not None:
        freed = freed.where(col(Leg.updated_at) >= last)
    return session.exec(freed).first() is not None


