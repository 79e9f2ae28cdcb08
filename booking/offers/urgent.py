"""Urgent trips: offered to a shortlist of the nearest suitable free drivers at once.

The first to accept gets the trip (the race is decided in `booking.offers.accept`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from booking.domain.shapes import leg_shapes, provisional_times
from booking.lifecycle.legs import ensure_legs
from booking.messaging import notices
from booking.messaging.outbox import enqueue
from booking.offers.answers import FREE
from booking.offers.making import trip_facts
from booking.planning.day import METRES_PER_MILE
from booking.planning.drivers import free_drivers, trips_held
from booking.schemes import rules_for
from routing.travel import Haversine
from storage.tables import Leg, LiftRequest, Offer, Person, Place

ESTIMATE = Haversine()  # road time from the crow-fly distance, as the planner's default


def broadcast(session: Session, request: LiftRequest, drivers: Sequence[Person],
              now: datetime) -> int:
    """Offer a trip to a shortlist at once: the first to accept gets it."""
    legs = session.exec(select(Leg).where(Leg.request_id == request.id,
                                          col(Leg.status).in_(FREE))).all()
    if not legs:
        return 0
    rules = rules_for(session, request.scheme_id)
    for driver in drivers:
        offer = Offer(scheme_id=request.scheme_id, request_id=request.id or 0,
                      driver_id=driver.id or 0, broadcast=True, created_at=now,
                      expires_at=now + timedelta(minutes=rules.offer_expiry_minutes))
        session.add(offer)
        session.flush()
        facts = trip_facts(session, request, legs, offer.id or 0)
        enqueue(session, key=f"offer:{offer.id}", person=driver, kind="offer",
                body="URGENT: " + notices.offer_text(facts, rules.tz), due_at=now,
                urgent=True, request_id=request.id,
                sms_hint=notices.offer_sms_hint(offer.id or 0),
                choices=((f"offer:yes:{offer.id}", "Accept"),
                         (f"offer:no:{offer.id}", "Decline")))
    return len(drivers)


SHORTLIST = 5


def broadcast_request(session: Session, scheme_id: int, request_id: int, now: datetime) -> str:
    """Send an urgent request to the nearest free, suitable drivers; says what was done."""
    request = session.get(LiftRequest, request_id)
    if request is None or request.scheme_id != scheme_id:
        return f"There is no request #{request_id}."
    if request.status in ("cancelled", "confirmed", "done", "no_show"):
        return f"Request #{request_id} is {request.status}: nothing to broadcast."
    resident = session.get(Person, request.resident_id)
    legs = session.exec(select(Leg).where(Leg.request_id == request.id,
                                          col(Leg.status).in_(FREE))).all()
    if not legs:
        legs = ensure_legs(session, request, now)
    time_unplanned(session, request, resident, legs)
    shortlist = _shortlist(session, request, resident)
    if not shortlist:
        return f"No suitable driver is free for request #{request_id}."
    broadcast(session, request, shortlist, now)
    names = ", ".join(d.name for d in shortlist)
    return (f"Request #{request_id} sent to {len(shortlist)} driver(s): {names}. "
            "The first to accept gets it.")


def _shortlist(session: Session, request: LiftRequest, resident: Person | None) -> list[Person]:
    """Drivers free that day whose car suits, nearest to the resident first (fewest miles)."""
    rules = rules_for(session, request.scheme_id)
    day = request.appointment_at.astimezone(rules.tz).date()
    declined = set(session.exec(select(Offer.driver_id).where(
        Offer.request_id == request.id, col(Offer.status).in_(("declined", "expired")))).all())
    suitable = []
    for row in free_drivers(session, request.scheme_id, day):
        if row.id in declined or row.seats < 1 + int(request.companion):
            continue
        if row.max_trips and trips_held(session, row.id, day, rules.tz) >= row.max_trips:
            continue  # they asked for no more than this many a day
        if request.mobility == "wheelchair_vehicle" and \
                "wheelchair_vehicle" not in {str(c) for c in row.capabilities}:
            continue
        if request.mobility == "folding_wheelchair" and \
                "folding_wheelchair" not in {str(c) for c in row.capabilities}:
            continue
        home = (resident.lat or 0.0, resident.lon or 0.0) if resident else row.home
        suitable.append((_crow_miles(row.home, home), row.id))
    suitable.sort()
    return [p for _, pid in suitable[:SHORTLIST] if (p := session.get(Person, pid))]


def _crow_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * \
        math.sin((lon2 - lon1) / 2) ** 2
    return 3958.8 * 2 * math.asin(math.sqrt(h))


def time_unplanned(session: Session, request: LiftRequest, resident: Person | None,
                    legs: Sequence[Leg]) -> None:
    """Legs no plan has timed (a request the coordinator broadcasts straight away) get
    provisional times, so the offer, the confirmation and the reminders can say when."""
    place = session.get(Place, request.destination_id)
    if resident is None or place is None or resident.lat is None or resident.lon is None:
        return
    home = (resident.lat, resident.lon)
    durations, distances = ESTIMATE.matrices([home, (place.lat, place.lon)])
    rules = rules_for(session, request.scheme_id)
    shapes = {shape.direction: shape for shape in leg_shapes(
        appointment=request.appointment_at, return_plan=request.return_plan,
        destination_kind=place.kind, direct_s=int(durations[0][1]), mobility=request.mobility,
        rules=rules)}
    for leg in legs:
        shape = shapes.get(leg.direction)
        if leg.pickup_at is None and shape is not None:
            leg.pickup_at, leg.dropoff_at = provisional_times(shape, int(durations[0][1]))
            leg.passenger_miles = round(float(distances[0][1]) / METRES_PER_MILE, 2)
            session.add(leg)
