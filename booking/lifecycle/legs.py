"""The one writer of legs: created with their request, given and taken from drivers."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from booking.messaging import notices
from booking.messaging.alerts import alert_coordinators
from booking.messaging.outbox import enqueue
from booking.messaging.reminders import cancel_pending
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, Offer, Person


def ensure_legs(session: Session, request: LiftRequest, now: datetime) -> list[Leg]:
    """The request's legs (out, and back unless one way), created if missing."""
    directions = ["out"] if request.return_plan == "one_way" else ["out", "back"]
    legs = {leg.direction: leg for leg in session.exec(
        select(Leg).where(Leg.request_id == request.id)).all()}
    for direction in directions:
        if direction not in legs:
            legs[direction] = Leg(request_id=request.id or 0, direction=direction,
                                  updated_at=now)
            session.add(legs[direction])
    session.flush()
    return [legs[d] for d in sorted(legs, key=lambda d: d != "out") if d in directions]


def release_leg(session: Session, leg: Leg, now: datetime, *, status: str, reason: str) -> None:
    """Take a leg off its driver; an open offer left with no legs is withdrawn and said so."""
    offer_id = leg.offer_id
    leg.status, leg.reason, leg.driver_id, leg.offer_id = status, reason[:200], None, None
    leg.updated_at = now
    session.add(leg)
    session.flush()
    if offer_id is None:
        return
    offer = session.get(Offer, offer_id)
    still = session.exec(select(Leg).where(Leg.offer_id == offer_id)).first()
    if offer is not None and offer.status == "open" and still is None:
        offer.status, offer.answered_at = "withdrawn", now
        session.add(offer)
        driver = session.get(Person, offer.driver_id)
        if driver is not None:
            enqueue(session, key=f"offer-withdrawn:{offer.id}", person=driver, kind="offer",
                    body=f"Trip {offer.id} is no longer needed. No need to reply, thank you.",
                    due_at=now, urgent=True)


def withdraw_for_request(session: Session, request: LiftRequest, now: datetime) -> None:
    """A request was cancelled: its legs are cancelled, drivers told, reminders cancelled."""
    for leg in session.exec(select(Leg).where(Leg.request_id == request.id)).all():
        driver = session.get(Person, leg.driver_id) if leg.driver_id else None
        held = leg.status in ("accepted", "picked_up")
        release_leg(session, leg, now, status="cancelled", reason="cancelled by the resident")
        if held and driver is not None and leg.pickup_at is not None:
            tz = rules_for(session, request.scheme_id).tz
            enqueue(session, key=f"leg-cancelled:{leg.id}", person=driver, kind="trip_change",
                    body=f"Cancelled: your trip on {notices.day_time(leg.pickup_at, tz)} is no "
                    "longer needed. Thank you!", due_at=now, urgent=True)
    for offer in session.exec(select(Offer).where(Offer.request_id == request.id,
                                                  Offer.status == "open")).all():
        offer.status, offer.answered_at = "withdrawn", now
        session.add(offer)
    cancel_pending(session, request.id or 0, kinds=("reminder", "confirmation", "offer"))


def release_absent(session: Session, driver: Person, first: date, last: date,
                   now: datetime) -> None:
    """A driver will be away: their offers and planned trips in those days go back to plan.

    Accepted trips are not silently dropped: the coordinator is asked to sort them out.
    """
    rules_tz = None
    legs = session.exec(select(Leg).where(
        Leg.driver_id == driver.id,
        col(Leg.status).in_(("planned", "offered", "accepted")))).all()
    for leg in legs:
        request = session.get(LiftRequest, leg.request_id)
        if request is None or leg.pickup_at is None:
            continue
        rules_tz = rules_tz or rules_for(session, request.scheme_id).tz
        if not first <= leg.pickup_at.astimezone(rules_tz).date() <= last:
            continue
        if leg.status == "accepted":
            alert_coordinators(session, driver.scheme_id,
                               f"{driver.name} will be away but has accepted a trip for "
                               f"request #{request.id}. Please re-arrange it.", now=now,
                               key=f"away-accepted:{leg.id}:{first}")
            continue
        release_leg(session, leg, now, status="open", reason="driver away")
