"""Offers: a planned trip offered to its driver, accepted, declined, expired or withdrawn.

Who wins is decided on the legs by one conditional UPDATE, so two drivers answering a
broadcast at the same moment cannot both get the trip, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from booking.lifecycle.legs import release_leg
from booking.lifecycle.requests import refresh_status, set_status
from booking.messaging import notices
from booking.messaging.alerts import alert_coordinators
from booking.messaging.outbox import enqueue
from booking.messaging.reminders import cancel_pending, schedule_reminders
from booking.offers.making import trip_facts
from booking.schemes import rules_for
from storage.db import is_sqlite
from storage.tables import Leg, LiftRequest, Offer, Person, Vehicle

log = logging.getLogger(__name__)

FREE = ("open", "planned", "offered", "unserved")  # legs nobody has accepted
FAILURES_BEFORE_ALERT = 2  # declines or expiries before a person looks at it


def _lock(session: Session, driver_id: int, request_id: int) -> None:
    """Serialise answers per driver, then per request, always in that order.

    Without the request lock two accepts update the same legs in different orders and
    PostgreSQL reports a deadlock (seen in the broadcast race test). SQLite transactions
    are serial already (BEGIN IMMEDIATE).
    """
    if is_sqlite(session.get_bind()):  # type: ignore[arg-type]
        return
    # NO KEY UPDATE: rows pointing at these (offers, legs) take KEY SHARE locks, which a
    # plain FOR UPDATE would block; that was a second deadlock between rival drivers.
    session.exec(select(Person).where(Person.id == driver_id)
                 .with_for_update(key_share=True)).one()
    session.exec(select(LiftRequest).where(LiftRequest.id == request_id)
                 .with_for_update(key_share=True)).first()


def accept(session: Session, driver: Person, offer_id: int, now: datetime) -> str:
    """A driver says yes. Returns what to tell them; only a real win changes anything."""
    offer = session.get(Offer, offer_id)
    if offer is None or offer.driver_id != driver.id:
        return f"I can't find trip {offer_id} for you. Please check the number."
    _lock(session, driver.id or 0, offer.request_id)
    session.refresh(offer)  # another answer may have changed it while we waited
    request = session.get(LiftRequest, offer.request_id)
    if request is not None:
        session.refresh(request)
    if offer.status == "accepted":
        return f"You've already accepted trip {offer_id}. Thank you!"
    if request is None or request.status == "cancelled" or offer.status == "withdrawn":
        return f"Trip {offer_id} isn't needed any more, so there's nothing to do. Thank you!"
    if offer.status == "taken":
        return f"Sorry, another driver has already taken trip {offer_id}. Thank you anyway!"
    if offer.status != "open" or now >= offer.expires_at:
        return (f"Sorry, the offer of trip {offer_id} has expired and may have gone to "
                "someone else. Thank you anyway!")
    legs = _legs_to_take(session, offer)
    clash = _clash(session, offer, legs)
    if clash is not None:
        return (f"Trip {offer_id} overlaps your trip at {clash}, so I haven't booked it. "
                "Reply NO to let us find someone else.")
    if not _take(session, offer, legs, now):
        offer.status, offer.answered_at = "taken", now
        session.add(offer)
        return f"Sorry, another driver has just taken trip {offer_id}. Thank you anyway!"
    offer.status, offer.answered_at = "accepted", now
    session.add(offer)
    _close_rivals(session, offer, now)
    refresh_status(session, request, now)
    _tell_resident(session, request, driver, now)
    facts = trip_facts(session, request, legs, offer_id)
    resident = session.get(Person, request.resident_id)
    assert resident is not None
    log.info("offer %s accepted by driver %s", offer_id, driver.id)
    return notices.driver_details(facts, f"{resident.address} {resident.postcode}".strip(),
                                  resident.phone, rules_for(session, request.scheme_id).tz)


def _legs_to_take(session: Session, offer: Offer) -> list[Leg]:
    if offer.broadcast:
        return list(session.exec(select(Leg).where(Leg.request_id == offer.request_id,
                                                   col(Leg.status).in_(FREE))).all())
    return list(session.exec(select(Leg).where(Leg.offer_id == offer.id)).all())


class _Lost(Exception):
    """Another answer got there first."""


def _take(session: Session, offer: Offer, legs: list[Leg], now: datetime) -> bool:
    """The race: one conditional UPDATE in a savepoint; a partial win is undone."""
    if not legs:
        return False
    ids = [leg.id for leg in legs]
    condition = col(Leg.status).in_(FREE) if offer.broadcast else (
        (col(Leg.status) == "offered") & (col(Leg.offer_id) == offer.id))
    try:
        with session.begin_nested():
            result = session.execute(
                update(Leg).where(col(Leg.id).in_(ids), condition)
                .values(status="accepted", driver_id=offer.driver_id, offer_id=offer.id,
                        updated_at=now).execution_options(synchronize_session=False))
            if result.rowcount != len(ids):  # type: ignore[attr-defined]
                raise _Lost
    except _Lost:
        return False
    for leg in legs:
        session.refresh(leg)
    return True


def _clash(session: Session, offer: Offer, legs: list[Leg]) -> str | None:
    """The time of an accepted trip of this driver that these legs were not planned with.

    A planner's offers to one driver form one feasible route with the trips they had
    already accepted (those were locked into the plan), so they may overlap in time (two
    passengers on board). Anything else that overlaps, a broadcast or a trip accepted from
    a different plan since, is a clash.
    """
    times = [(leg.pickup_at, leg.dropoff_at) for leg in legs if leg.pickup_at and leg.dropoff_at]
    if not times:
        return None
    start, end = min(t[0] for t in times), max(t[1] for t in times)
    others = session.exec(select(Leg, Offer).join(Offer, col(Offer.id) == Leg.offer_id).where(
        Leg.driver_id == offer.driver_id, Leg.request_id != offer.request_id,
        col(Leg.status).in_(("accepted", "picked_up")))).all()
    for other, other_offer in others:
        if not (other.pickup_at and other.dropoff_at and other.pickup_at < end
                and start < other.dropoff_at):
            continue
        planned_together = not offer.broadcast and not other_offer.broadcast and (
            other_offer.created_at == offer.created_at  # offered by the same plan
            or (other_offer.answered_at or other.updated_at) <= offer.created_at)
        if not planned_together:
            return f"{other.pickup_at.astimezone(_tz(session, other)):%H:%M}"
    return None


def _tz(session: Session, leg: Leg) -> ZoneInfo:
    request = session.get(LiftRequest, leg.request_id)
    assert request is not None
    return rules_for(session, request.scheme_id).tz


def _close_rivals(session: Session, winner: Offer, now: datetime) -> None:
    """Other open offers for the same legs lose; broadcast recipients are told politely."""
    rivals = session.exec(select(Offer).where(
        Offer.request_id == winner.request_id, Offer.id != winner.id,
        Offer.status == "open")).all()
    for rival in rivals:
        if not rival.broadcast and session.exec(select(Leg).where(
                Leg.offer_id == rival.id, col(Leg.status).in_(FREE))).first() is not None:
            continue  # an offer for another leg of the same request (collect later)
        rival.status, rival.answered_at = "taken", now
        session.add(rival)
        driver = session.get(Person, rival.driver_id)
        if driver is not None:
            enqueue(session, key=f"offer-taken:{rival.id}", person=driver, kind="offer",
                    body=f"Trip {rival.id} has been taken by another driver. Thank you!",
                    due_at=now, urgent=True)


def _tell_resident(session: Session, request: LiftRequest, driver: Person,
                   now: datetime) -> None:
    """Once every leg is accepted: the confirmation, and reminders (never before)."""
    if request.status != "confirmed":
        return
    resident = session.get(Person, request.resident_id)
    vehicle = session.exec(select(Vehicle).where(Vehicle.driver_id == driver.id)).first()
    out = session.exec(select(Leg).where(Leg.request_id == request.id,
                                         Leg.direction == "out")).first()
    if resident is None or out is None or out.pickup_at is None:
        return
    rules = rules_for(session, request.scheme_id)
    car = vehicle.description if vehicle else "car"
    text = notices.resident_confirmation(driver.name, car, out.pickup_at,
                                         request.return_plan, rules.tz)
    enqueue(session, key=f"confirm:{request.id}:{out.driver_id}:{out.pickup_at.isoformat()}",
            person=resident, kind="confirmation", body=text, due_at=now, urgent=True,
            request_id=request.id, stale_after=out.pickup_at)
    schedule_reminders(session, request, resident, driver, out.pickup_at, now)


def decline(session: Session, driver: Person, offer_id: int, now: datetime) -> str:
    """A driver says no: free the legs for a re-plan without them."""
    offer = session.get(Offer, offer_id)
    if offer is None or offer.driver_id != driver.id:
        return f"I can't find trip {offer_id} for you. Please check the number."
    if offer.status == "accepted":
        return drop_out(session, driver, offer, now)
    if offer.status != "open":
        return f"Trip {offer_id} doesn't need an answer any more. Thank you!"
    offer.status, offer.answered_at = "declined", now
    session.add(offer)
    for leg in session.exec(select(Leg).where(Leg.offer_id == offer.id)).all():
        release_leg(session, leg, now, status="open", reason="declined")
    _after_failure(session, offer, now)
    return ("No problem, thank you for letting us know. We'll find someone else for trip "
            f"{offer_id}.")


def drop_out(session: Session, driver: Person, offer: Offer, now: datetime) -> str:
    """A driver can no longer do a trip they accepted: both sides are told, and it re-plans."""
    request = session.get(LiftRequest, offer.request_id)
    if request is None or request.status in ("cancelled", "done", "no_show"):
        return f"Trip {offer.id} doesn't need anything more. Thank you!"
    _lock(session, driver.id or 0, offer.request_id)
    legs = session.exec(select(Leg).where(Leg.offer_id == offer.id,
                                          Leg.status == "accepted")).all()
    if not legs:
        return f"Trip {offer.id} is already under way or finished: please phone the coordinator."
    offer.status, offer.answered_at = "declined", now  # the planner leaves this driver out
    session.add(offer)
    for leg in legs:
        release_leg(session, leg, now, status="open", reason="driver dropped out")
    cancel_pending(session, request.id or 0, kinds=("reminder", "confirmation"))
    set_status(session, request, "requested", now=now, actor="driver",
               note="driver dropped out")
    resident = session.get(Person, request.resident_id)
    tz = rules_for(session, request.scheme_id).tz
    when = notices.day_time(request.appointment_at, tz)[:-6]
    if resident is not None:
        enqueue(session, key=f"dropped:{offer.id}", person=resident, kind="trip_change",
                due_at=now, urgent=True, request_id=request.id,
                stale_after=request.appointment_at,
                body=f"Sorry, your driver for {when} can no longer make it. We're finding "
                "someone else and will let you know.")
    alert_coordinators(session, request.scheme_id, f"{driver.name} dropped out of request "
                       f"#{request.id} on {when}. Re-planning now.", now=now,
                       key=f"dropped:{offer.id}")
    return (f"Thanks for letting us know. We'll find someone else for trip {offer.id} and "
            "tell the passenger.")


def expire_due(session: Session, now: datetime) -> int:
    """Offers past their expiry: expired, legs freed, driver told; returns how many."""
    due = session.exec(select(Offer).where(Offer.status == "open",
                                           col(Offer.expires_at) <= now)).all()
    for offer in due:
        offer.status, offer.answered_at = "expired", now
        session.add(offer)
        for leg in session.exec(select(Leg).where(Leg.offer_id == offer.id)).all():
            release_leg(session, leg, now, status="open", reason="offer expired")
        driver = session.get(Person, offer.driver_id)
        if driver is not None and not offer.broadcast:
            enqueue(session, key=f"offer-expired:{offer.id}", person=driver, kind="offer",
                    body=f"Trip {offer.id} has gone to someone else as we didn't hear back. "
                    "No need to reply.", due_at=now)
        _after_failure(session, offer, now)
    return len(due)


def _after_failure(session: Session, offer: Offer, now: datetime) -> None:
    """After repeated declines or expiries, a person looks at it and the resident is told."""
    request = session.get(LiftRequest, offer.request_id)
    if request is None or request.status in ("cancelled", "confirmed"):
        return
    refresh_status(session, request, now)
    failures = len(session.exec(select(Offer).where(
        Offer.request_id == request.id, col(Offer.status).in_(("declined", "expired")),
        Offer.broadcast == False)).all())  # noqa: E712
    if failures < FAILURES_BEFORE_ALERT:
        return
    alert_coordinators(session, request.scheme_id, f"Lift request #{request.id}: "
                       f"{failures} drivers have declined or not answered. Please help.",
                       now=now, key=f"failures:{request.id}")
    resident = session.get(Person, request.resident_id)
    if resident is not None:  # honest, early, and only once
        tz = rules_for(session, request.scheme_id).tz
        when = notices.day_time(request.appointment_at, tz)[:-6]
        enqueue(session, key=f"still-looking:{request.id}", person=resident,
                kind="still_looking", due_at=now, request_id=request.id,
                stale_after=request.appointment_at,
                body=f"We're still looking for a driver for your lift on {when}. Our "
                "coordinator is helping and we'll tell you as soon as someone is found.")


