"""A trip on the day: the driver says picked up, dropped off or no show.

"Picked up" is the driver's next accepted leg; "dropped off" the leg they have picked up (or,
if they forgot to say so, the next accepted one); "no show" ends the passenger's trips that
day, stands down any other driver, and asks a coordinator to check on them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from booking.domain.status import LEG_ON_THE_ROAD, LegStatus
from booking.domain.transitions import Cause
from booking.lifecycle.legs import cancel_all, move_leg
from booking.messaging import changes, notices
from booking.messaging.alerts import alert_coordinators
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, Person

BEFORE = timedelta(hours=2)  # a leg is "now" from two hours before its pickup...
AFTER = timedelta(hours=12)  # ...until twelve hours after it
STEPS = {"picked_up": (LegStatus.PICKED_UP, Cause.PICK_UP),
         "dropped_off": (LegStatus.DONE, Cause.DROP_OFF),
         "no_show": (LegStatus.NO_SHOW, Cause.NO_SHOW)}


def report_progress(session: Session, driver: Person, status: str, now: datetime) -> str:
    """Move the driver's current leg on; returns what to tell them."""
    legs = session.exec(select(Leg).where(
        Leg.driver_id == driver.id, col(Leg.status).in_(LEG_ON_THE_ROAD),
        col(Leg.pickup_at) <= now + BEFORE, col(Leg.pickup_at) >= now - AFTER)
        .order_by(col(Leg.pickup_at))).all()
    accepted = [leg for leg in legs if leg.status == LegStatus.ACCEPTED]
    aboard = [leg for leg in legs if leg.status == LegStatus.PICKED_UP]
    candidates = (aboard or accepted) if status == "dropped_off" else accepted
    leg = candidates[0] if candidates else None
    if leg is None:
        return changes.NO_TRIP_NOW
    wanted, cause = STEPS[status]
    move_leg(session, leg, wanted, cause, now=now)
    if status == "no_show":
        _no_show(session, driver, leg, now)
        return changes.NO_SHOW
    return changes.PICKED_UP if status == "picked_up" else changes.DROPPED_OFF


def _no_show(session: Session, driver: Person, leg: Leg, now: datetime) -> None:
    """The passenger was not there: their other legs are not needed, and a person checks."""
    request = session.get(LiftRequest, leg.request_id)
    assert request is not None
    cancel_all(session, request, now, cause=Cause.PARTNER_NO_SHOW,
               reason="the passenger was not there")
    resident = session.get(Person, request.resident_id)
    tz = rules_for(session, request.scheme_id).tz
    when = notices.day_time(leg.pickup_at or request.appointment_at, tz)
    alert_coordinators(session, request.scheme_id, changes.no_show_alert(
        driver.name, notices.short_name(resident.name) if resident else "the passenger",
        request.id or 0, when), now=now, key=f"no-show:{request.id}")
