"""A coordinator places a home on the map (the console's pin, or by hand): the person's
coordinates set, audited, and their lifts that waited for an address handed to the planner."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from booking import audit
from booking.audit import Actor
from booking.domain.outcomes import HOME_UNKNOWN, Refused
from booking.domain.status import RequestStatus
from booking.lifecycle.requests import set_status
from storage.tables import LiftRequest, Person

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placed:
    """What placing a home did: the person, and the lifts now waiting to be planned."""

    person_id: int
    released: tuple[int, ...]  # request ids back to 'requested'


def place_resident(session: Session, person_id: int, lat: float, lon: float, *, by: Actor,
                   now: datetime, scheme_id: int | None = None) -> Placed:
    """Set where a resident (or driver) lives. Their lifts held because their home was not
    located go back to the planner (at the next cut-off or re-plan). Raises Refused with a
    sentence to show when the person is not found (or not in `scheme_id`) or the point is not
    on the map."""
    person = session.get(Person, person_id)
    if person is None or person.anonymised_at is not None or (
            scheme_id is not None and person.scheme_id != scheme_id):
        raise Refused("I couldn't find that person.")
    if person.role not in ("resident", "driver"):
        raise Refused("Only a resident's or a driver's home can be placed.")
    if isinstance(lat, bool) or isinstance(lon, bool) or not (
            -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise Refused("That point is not on the map: latitude is -90 to 90, longitude "
                      "-180 to 180.")
    moved = (person.lat, person.lon) != (lat, lon)
    person.lat, person.lon = float(lat), float(lon)
    session.add(person)
    held = session.exec(select(LiftRequest).where(
        LiftRequest.resident_id == person.id,
        LiftRequest.status == RequestStatus.NEEDS_COORDINATOR,
        LiftRequest.status_reason == HOME_UNKNOWN).order_by(col(LiftRequest.id))).all()
    for request in held:
        set_status(session, request, RequestStatus.REQUESTED, now=now, actor="coordinator",
                   note="home placed on the map")
    if moved or held:
        # Coordinates are an address in effect: the trail says a home was placed, not where.
        audit.record(session, by, "place_home", scheme_id=person.scheme_id, now=now,
                     subject_person_id=person.id,
                     detail=f"home placed on the map; {len(held)} lift(s) back to planning")
    log.info("home of person %s placed; %s request(s) released", person.id, len(held))
    return Placed(person.id or 0, tuple(r.id or 0 for r in held))
