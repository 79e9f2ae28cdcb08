"""Mileage, recorded once per driven leg (done, or a no-show: the driver still drove).

Planned legs carry the planner's share of the route's miles; a trip taken outside a plan (a
broadcast, or assigned by hand) gets an estimate when it is taken, so no claim pays nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, select

from booking.domain.shapes import ESTIMATE, METRES_PER_MILE
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, MileageEntry, Person, Place


def record(session: Session, request: LiftRequest, leg: Leg, now: datetime) -> None:
    """The driver's miles for this leg, written once (a second call changes nothing)."""
    if leg.driver_id is None or session.exec(select(MileageEntry.id).where(
            MileageEntry.leg_id == leg.id)).first() is not None:
        return
    tz = rules_for(session, request.scheme_id).tz
    session.add(MileageEntry(
        leg_id=leg.id or 0, scheme_id=request.scheme_id, driver_id=leg.driver_id,
        service_day=request.appointment_at.astimezone(tz).date(), miles=leg.driver_miles,
        passenger_miles=leg.passenger_miles,
        # the extra-passenger rate is paid only on miles the companion is aboard
        companion_miles=leg.passenger_miles if request.companion else 0.0, recorded_at=now))


def estimate_if_unplanned(session: Session, request: LiftRequest, legs: Sequence[Leg],
                          driver_id: int) -> None:
    """Legs no plan has measured get miles from the driver's home: there and home again,
    or, when the driver waits, there and back with the passenger."""
    todo = [leg for leg in legs if not leg.driver_miles]
    driver = session.get(Person, driver_id)
    resident = session.get(Person, request.resident_id)
    place = session.get(Place, request.destination_id)
    if not todo or driver is None or resident is None or place is None \
            or None in (driver.lat, driver.lon, resident.lat, resident.lon):
        return
    points = [(driver.lat or 0.0, driver.lon or 0.0), (resident.lat or 0.0, resident.lon or 0.0),
              (place.lat, place.lon)]
    metres = ESTIMATE.matrices(points).distances
    home, res, dest = 0, 1, 2
    both = {leg.direction for leg in legs} == {"out", "back"}
    waits = request.return_plan == "wait" and both  # the driver stays for the way home
    miles = {
        "out": metres[home][res] + metres[res][dest] + (0 if waits else metres[dest][home]),
        "back": (0 if waits else metres[home][dest]) + metres[dest][res] + metres[res][home],
    }
    for leg in todo:
        leg.driver_miles = round(float(miles[leg.direction]) / METRES_PER_MILE, 2)
        if not leg.passenger_miles:
            leg.passenger_miles = round(float(metres[res][dest]) / METRES_PER_MILE, 2)
        session.add(leg)
