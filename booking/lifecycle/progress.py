"""A trip on the day: the driver reports picked up, dropped off or no show."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from booking.lifecycle.requests import set_status
from storage.tables import Leg, LiftRequest, Person


def report_progress(session: Session, driver: Person, status: str, now: datetime) -> str:
    """'picked up', 'dropped off' or 'no show' for the driver's current leg."""
    legs = session.exec(select(Leg).where(
        Leg.driver_id == driver.id, col(Leg.status).in_(("accepted", "picked_up")),
        col(Leg.pickup_at) <= now + timedelta(hours=2),
        col(Leg.pickup_at) >= now - timedelta(hours=12))
        .order_by(col(Leg.pickup_at))).all()
    wanted = "picked_up" if status == "picked_up" else "accepted"
    leg = next((x for x in legs if status == "dropped_off" and x.status == "picked_up"), None) \
        or next((x for x in legs if x.status == wanted), None)
    if leg is None:
        return "I can't find a trip of yours happening now. Send TODAY to see your trips."
    request = session.get(LiftRequest, leg.request_id)
    assert request is not None
    if status == "no_show":
        for other in session.exec(select(Leg).where(Leg.request_id == leg.request_id)).all():
            if other.status in ("accepted", "picked_up", "offered", "planned", "open"):
                other.status, other.updated_at = "no_show", now
                session.add(other)
        set_status(session, request, "no_show", now=now, actor="driver")
        return "Thanks, I've noted the no-show and told the coordinator."
    leg.status = "picked_up" if status == "picked_up" else "done"
    leg.updated_at = now
    session.add(leg)
    remaining = session.exec(select(Leg).where(Leg.request_id == leg.request_id,
                                               col(Leg.status).in_(("accepted", "picked_up"))
                                               )).all()
    if not remaining and leg.status == "done":
        set_status(session, request, "done", now=now, actor="driver")
    return "Thanks, noted." if leg.status == "picked_up" else "Thanks, noted. Drive safely!"
