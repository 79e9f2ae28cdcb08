"""A scheme's closure dates (besides bank holidays): closing and reopening a day, and the
closures a booking or a plan must respect. The CLI uses these now, the console can later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from booking.audit import Actor, record
from booking.domain.outcomes import Refused
from booking.domain.status import REQUEST_ACTIVE
from booking.rules import Closures, local_instant
from booking.schemes import rules_for
from storage.tables import LiftRequest, SchemeClosure

REASON_LENGTH = 60


@dataclass(frozen=True)
class Closed:
    """What closing a day did: the day, and the active lifts already booked on it."""

    day: date
    reason: str
    lifts_on_day: int  # a coordinator must move or cancel these (we never do it silently)


def close_day(session: Session, scheme_id: int, day: date, reason: str, actor: Actor,
              now: datetime) -> Closed:
    """Close the scheme on `day` (again: the reason is updated). Audited."""
    reason = " ".join(reason.split())
    if len(reason) > REASON_LENGTH:
        raise Refused(f"Please keep the reason to {REASON_LENGTH} characters (it is texted "
                      "to residents).")
    rules = rules_for(session, scheme_id)
    if day < now.astimezone(rules.tz).date():
        raise Refused(f"{day:%-d %b %Y} has already passed.")
    found = session.exec(select(SchemeClosure).where(SchemeClosure.scheme_id == scheme_id,
                                                     SchemeClosure.day == day)).first()
    row = found or SchemeClosure(scheme_id=scheme_id, day=day, created_at=now,
                                 created_by=actor.name[:120])
    row.reason = reason
    session.add(row)
    record(session, actor, "close_day", scheme_id=scheme_id, now=now,
           detail=f"{day.isoformat()} {reason}".strip())
    start = local_instant(day, time(0), rules.tz)
    end = local_instant(day + timedelta(days=1), time(0), rules.tz)
    booked = session.exec(select(LiftRequest.id).where(
        LiftRequest.scheme_id == scheme_id, col(LiftRequest.appointment_at) >= start,
        col(LiftRequest.appointment_at) < end,
        col(LiftRequest.status).in_(REQUEST_ACTIVE))).all()
    return Closed(day, reason, len(booked))


def reopen_day(session: Session, scheme_id: int, day: date, actor: Actor,
               now: datetime) -> bool:
    """Remove a closure; False when the day was not closed. (A bank holiday stays one: a
    scheme that runs on them sets `open_on_bank_holidays`.)"""
    found = session.exec(select(SchemeClosure).where(SchemeClosure.scheme_id == scheme_id,
                                                     SchemeClosure.day == day)).first()
    if found is None:
        return False
    session.delete(found)
    record(session, actor, "reopen_day", scheme_id=scheme_id, now=now, detail=day.isoformat())
    return True


def closures(session: Session, scheme_id: int, first: date, last: date) -> Closures:
    """The scheme's closure dates from `first` to `last` inclusive, with their reasons."""
    rows = session.exec(select(SchemeClosure).where(
        SchemeClosure.scheme_id == scheme_id, col(SchemeClosure.day) >= first,
        col(SchemeClosure.day) <= last)).all()
    return {row.day: row.reason for row in rows}


def upcoming(session: Session, scheme_id: int, now: datetime, *, days: int = 400) -> Closures:
    """Closures from today on (a booking's horizon, a standing booking's reach)."""
    today = now.astimezone(rules_for(session, scheme_id).tz).date()
    return closures(session, scheme_id, today, today + timedelta(days=days))


def listed(session: Session, scheme_id: int, now: datetime) -> list[SchemeClosure]:
    """Every closure from today on, soonest first (for the CLI and the console)."""
    today = now.astimezone(rules_for(session, scheme_id).tz).date()
    return list(session.exec(select(SchemeClosure).where(
        SchemeClosure.scheme_id == scheme_id, col(SchemeClosure.day) >= today)
        .order_by(col(SchemeClosure.day))).all())
