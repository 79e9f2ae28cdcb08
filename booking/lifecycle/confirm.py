"""The confirmation a resident is owed once every leg of their lift is accepted (never
before), and the reminders that go with it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from booking.domain.status import LEG_HELD, LegStatus
from booking.messaging import notices
from booking.messaging.outbox import enqueue
from booking.messaging.reminders import schedule_reminders
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, Person, Vehicle


def if_complete(session: Session, request: LiftRequest, now: datetime) -> None:
    """Confirm to the resident when every leg has a driver; name each leg's own driver."""
    legs = {leg.direction: leg for leg in session.exec(
        select(Leg).where(Leg.request_id == request.id)).all()}
    if not legs or any(leg.status not in LEG_HELD for leg in legs.values()):
        return
    first = next((legs[d] for d in ("out", "back") if d in legs
                  and legs[d].status == LegStatus.ACCEPTED), None)
    resident = session.get(Person, request.resident_id)
    if first is None or first.pickup_at is None or resident is None or first.driver_id is None:
        return
    driver = session.get(Person, first.driver_id)
    if driver is None:
        return
    vehicle = session.exec(select(Vehicle).where(Vehicle.driver_id == driver.id)).first()
    back = legs.get("back")
    home_driver = ""
    if first.direction == "out" and back is not None and back.driver_id not in (None,
                                                                              driver.id):
        other = session.get(Person, back.driver_id)
        home_driver = other.name.split()[0] if other and other.name else ""
    facts = (driver.name, vehicle.description if vehicle else "car", first.pickup_at,
             request.return_plan if first.direction == "out" else "one_way",
             rules_for(session, request.scheme_id).tz)
    text = notices.resident_confirmation(*facts, home_driver=home_driver,
                                         request_id=request.id)
    back_driver = back.driver_id if back is not None else None
    enqueue(session, key=f"confirm:{request.id}:{first.driver_id}:{back_driver}:"
            f"{first.pickup_at.isoformat()}", person=resident, kind="confirmation", body=text,
            due_at=now, urgent=True, request_id=request.id, stale_after=first.pickup_at,
            variables=notices.confirmation_facts(*facts, home_driver=home_driver,
                                                 request_id=request.id))
    schedule_reminders(session, request, resident, driver, first.pickup_at, now)
