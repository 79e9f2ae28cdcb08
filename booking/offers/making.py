"""Making offers: a planned trip offered to its driver, and the facts the texts are made of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, select

from booking.domain.status import LegStatus
from booking.domain.transitions import Cause
from booking.lifecycle.legs import move_leg
from booking.lifecycle.requests import refresh_status
from booking.messaging import notices
from booking.messaging.outbox import enqueue
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, Offer, Person, Place


def offer_planned(session: Session, request: LiftRequest, now: datetime, *,
                  plan_run_id: int | None = None) -> int:
    """Offer the request's planned legs to their drivers; returns how many offers were made."""
    legs = session.exec(select(Leg).where(Leg.request_id == request.id)).all()
    by_driver: dict[int, list[Leg]] = {}
    for leg in legs:
        if leg.status == LegStatus.PLANNED and leg.driver_id is not None:
            by_driver.setdefault(leg.driver_id, []).append(leg)
    rules = rules_for(session, request.scheme_id)
    for driver_id, mine in by_driver.items():
        offer = Offer(scheme_id=request.scheme_id, request_id=request.id or 0,
                      driver_id=driver_id, created_at=now, plan_run_id=plan_run_id,
                      expires_at=now + timedelta(minutes=rules.offer_expiry_minutes))
        session.add(offer)
        session.flush()
        for leg in mine:
            move_leg(session, leg, LegStatus.OFFERED, Cause.OFFER, now=now, offer_id=offer.id,
                     refresh=False)
        _send_offer(session, request, offer, mine, now)
    refresh_status(session, request, now)
    return len(by_driver)


def _send_offer(session: Session, request: LiftRequest, offer: Offer, legs: Sequence[Leg],
                now: datetime) -> None:
    driver = session.get(Person, offer.driver_id)
    if driver is None:
        return
    facts = trip_facts(session, request, legs, offer.id or 0)
    tz = rules_for(session, request.scheme_id).tz
    text = notices.offer_text(facts, tz)
    enqueue(session, key=f"offer:{offer.id}", person=driver, kind="offer",
            body=text, due_at=now, urgent=True,
            variables=notices.offer_facts(offer.id or 0, text),
            request_id=request.id, sms_hint=notices.offer_sms_hint(offer.id or 0),
            stale_after=offer.expires_at,
            choices=((f"offer:yes:{offer.id}", "Accept"), (f"offer:no:{offer.id}", "Decline")))


def trip_facts(session: Session, request: LiftRequest, legs: Sequence[Leg],
               offer_id: int) -> notices.TripFacts:
    """The facts of a driver's part of a request, for offers and confirmations."""
    resident = session.get(Person, request.resident_id)
    place = session.get(Place, request.destination_id)
    out = next((leg for leg in legs if leg.direction == "out"), None)
    back = next((leg for leg in legs if leg.direction == "back"), None)
    first = out or back
    assert resident is not None and place is not None and first is not None
    return notices.TripFacts(
        offer_id=offer_id, passenger=resident.name, village=_village(resident.address),
        destination=place.name, destination_notes=place.notes,
        pickup_at=first.pickup_at or request.appointment_at,
        back_pickup_at=back.pickup_at if back else None,
        home_at=back.dropoff_at if back else None, return_plan=request.return_plan,
        mobility=request.mobility, companion=request.companion, dog=request.assistance_dog,
        miles=sum(leg.driver_miles for leg in legs))


def _village(address: str) -> str:
    parts = [p.strip() for p in address.split(",") if p.strip()]
    return parts[-1] if parts else "home"
