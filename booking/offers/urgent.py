"""Urgent trips: offered to a shortlist of the nearest suitable free drivers at once.

The shortlist keeps to the same eligibility rule as the planner (checks in date, car and
needs, free times, daily limits, distance, declined or already offered); the first driver to
accept gets the trip (the race is decided in `booking.lifecycle.legs.take`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from booking.domain.outcomes import Refused
from booking.domain.shapes import ESTIMATE, METRES_PER_MILE, leg_shapes, provisional_times
from booking.domain.status import LEG_FREE, REQUEST_CLOSED, RequestStatus
from booking.lifecycle.legs import ensure_legs
from booking.messaging import notices
from booking.messaging.outbox import enqueue
from booking.offers import fit
from booking.offers.making import trip_facts
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, Offer, Person, Place

SHORTLIST = 5


def broadcast_request(session: Session, scheme_id: int, request_id: int,
                      now: datetime) -> list[Person]:
    """Send an urgent request to the nearest free, suitable drivers; returns who got it."""
    request = session.get(LiftRequest, request_id)
    if request is None or request.scheme_id != scheme_id:
        raise Refused(f"There is no request #{request_id}.")
    if request.status in REQUEST_CLOSED | {RequestStatus.CONFIRMED}:
        raise Refused(f"Request #{request_id} is {request.status}: nothing to broadcast.")
    legs = [leg for leg in ensure_legs(session, request, now) if leg.status in LEG_FREE]
    if not legs:
        raise Refused(f"Request #{request_id} already has its drivers.")
    time_unplanned(session, request, legs)
    shortlist = [f.driver.person for f in fit.suitable(session, request, legs)][:SHORTLIST]
    if not shortlist:
        raise Refused(f"No suitable driver is free for request #{request_id}.")
    offer_to(session, request, shortlist, now, legs=legs)
    return shortlist


def offer_to(session: Session, request: LiftRequest, drivers: Sequence[Person], now: datetime,
             *, legs: Sequence[Leg] | None = None) -> None:
    """Offer the request's free legs to each of `drivers` at once (the shortlist is the
    caller's: `broadcast_request` makes it with the eligibility rule)."""
    if legs is None:
        legs = [leg for leg in ensure_legs(session, request, now) if leg.status in LEG_FREE]
    rules = rules_for(session, request.scheme_id)
    for driver in drivers:
        offer = Offer(scheme_id=request.scheme_id, request_id=request.id or 0,
                      driver_id=driver.id or 0, broadcast=True, created_at=now,
                      expires_at=now + timedelta(minutes=rules.offer_expiry_minutes))
        session.add(offer)
        session.flush()
        facts = trip_facts(session, request, legs, offer.id or 0)
        text = "URGENT: " + notices.offer_text(facts, rules.tz)
        enqueue(session, key=f"offer:{offer.id}", person=driver, kind="offer",
                body=text, due_at=now, variables=notices.offer_facts(offer.id or 0, text),
                urgent=True, request_id=request.id, stale_after=offer.expires_at,
                sms_hint=notices.offer_sms_hint(offer.id or 0),
                choices=((f"offer:yes:{offer.id}", "Accept"),
                         (f"offer:no:{offer.id}", "Decline")))


def time_unplanned(session: Session, request: LiftRequest, legs: Sequence[Leg]) -> None:
    """Legs no plan has timed (a request the coordinator broadcasts straight away) get
    provisional times, so the offer, the confirmation and the reminders can say when."""
    resident = session.get(Person, request.resident_id)
    place = session.get(Place, request.destination_id)
    if resident is None or place is None or resident.lat is None or resident.lon is None:
        return
    durations, distances = ESTIMATE.matrices([(resident.lat, resident.lon),
                                                  (place.lat, place.lon)])
    direct = int(durations[0][1])
    rules = rules_for(session, request.scheme_id)
    shapes = {shape.direction: shape for shape in leg_shapes(
        appointment=request.appointment_at, return_plan=request.return_plan,
        destination_kind=place.kind, direct_s=direct, mobility=request.mobility, rules=rules)}
    for leg in legs:
        shape = shapes.get(leg.direction)
        if leg.pickup_at is None and shape is not None:
            leg.pickup_at, leg.dropoff_at = provisional_times(shape, direct)
            leg.passenger_miles = leg.passenger_miles or round(
                float(distances[0][1]) / METRES_PER_MILE, 2)
            session.add(leg)

