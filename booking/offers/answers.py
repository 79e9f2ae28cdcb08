"""A driver's answer to an offer: accepted, declined, dropped out of; and offers expiring.

Who wins is decided on the legs by one conditional UPDATE (`booking.lifecycle.legs.take`),
so two drivers answering a broadcast at the same moment cannot both get the trip, on SQLite
or PostgreSQL. Every answer is a typed `OfferAnswer`; the words come from
`booking.messaging.changes`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from booking.domain.outcomes import Answer, OfferAnswer
from booking.domain.status import (
    LEG_FREE,
    LEG_ON_THE_ROAD,
    OFFER_FAILED,
    REQUEST_CLOSED,
    LegStatus,
    OfferStatus,
    RequestStatus,
)
from booking.domain.transitions import Cause
from booking.lifecycle.legs import free_all, take
from booking.lifecycle.offers import move_offer, tell_offer_gone
from booking.messaging import changes, notices
from booking.messaging.alerts import alert_coordinators
from booking.messaging.outbox import enqueue
from booking.offers.making import trip_facts
from booking.schemes import rules_for
from storage.db import is_sqlite
from storage.tables import Leg, LiftRequest, Offer, Person

log = logging.getLogger(__name__)

FAILURES_BEFORE_ALERT = 2  # declines or expiries before a person looks at it


def lock(session: Session, driver_id: int, request_id: int) -> None:
    """Serialise answers per driver, then per request, always in that order.

    Without the request lock two accepts update the same legs in different orders and
    PostgreSQL reports a deadlock (seen in the broadcast race test). SQLite transactions
    are serial already (BEGIN IMMEDIATE).
    """
    if is_sqlite(session.get_bind()):
        return
    # NO KEY UPDATE: rows pointing at these (offers, legs) take KEY SHARE locks, which a
    # plain FOR UPDATE would block; that was a second deadlock between rival drivers.
    session.exec(select(Person).where(Person.id == driver_id)
                 .with_for_update(key_share=True)).one()
    session.exec(select(LiftRequest).where(LiftRequest.id == request_id)
                 .with_for_update(key_share=True)).first()


def accept(session: Session, driver: Person, offer_id: int, now: datetime, *,
           cause: Cause = Cause.ACCEPT) -> OfferAnswer:
    """A driver says yes; only a real win changes anything."""
    offer = session.get(Offer, offer_id)
    if offer is None or offer.driver_id != driver.id:
        return OfferAnswer(Answer.NOT_FOUND, offer_id)
    lock(session, driver.id or 0, offer.request_id)
    session.refresh(offer)  # another answer may have changed it while we waited
    request = session.get(LiftRequest, offer.request_id)
    if request is not None:
        session.refresh(request)
    refusal = _why_not(offer, request, now)
    if refusal is not None:
        return OfferAnswer(refusal, offer_id)
    assert request is not None
    legs = _legs_to_take(session, offer)
    clash = clash_with(session, offer.driver_id, offer, legs)
    if clash is not None:
        return OfferAnswer(Answer.CLASH, offer_id, clash_at=clash)
    if not take(session, offer, legs, cause, now):
        move_offer(session, offer, OfferStatus.TAKEN, now)
        return OfferAnswer(Answer.TAKEN, offer_id)
    move_offer(session, offer, OfferStatus.ACCEPTED, now)
    _close_rivals(session, offer, now)
    log.info("offer %s accepted by driver %s", offer_id, driver.id)
    return OfferAnswer(Answer.ACCEPTED, offer_id, details=details(session, request, legs,
                                                                   offer_id))


def _why_not(offer: Offer, request: LiftRequest | None, now: datetime) -> Answer | None:
    if offer.status == OfferStatus.ACCEPTED:
        return Answer.ALREADY_YOURS
    if request is None or request.status in REQUEST_CLOSED \
            or offer.status == OfferStatus.WITHDRAWN:
        return Answer.NOT_NEEDED
    if offer.status == OfferStatus.TAKEN:
        return Answer.TAKEN
    if offer.status != OfferStatus.OPEN or now >= offer.expires_at:
        return Answer.EXPIRED
    return None


def details(session: Session, request: LiftRequest, legs: list[Leg], offer_id: int) -> str:
    """What the driver needs once the trip is theirs: address, phone, needs, notes."""
    resident = session.get(Person, request.resident_id)
    assert resident is not None
    facts = trip_facts(session, request, legs, offer_id)
    return notices.driver_details(facts, f"{resident.address} {resident.postcode}".strip(),
                                  resident.phone, rules_for(session, request.scheme_id).tz)


def _legs_to_take(session: Session, offer: Offer) -> list[Leg]:
    if offer.broadcast:
        return list(session.exec(select(Leg).where(Leg.request_id == offer.request_id,
                                                   col(Leg.status).in_(LEG_FREE))).all())
    return list(session.exec(select(Leg).where(Leg.offer_id == offer.id)).all())


def clash_with(session: Session, driver_id: int, offer: Offer | None,
               legs: list[Leg]) -> datetime | None:
    """The pickup of a trip the driver holds that these legs overlap and were not planned
    with (None: no clash).

    A plan's offers to one driver form one feasible route with the trips they had already
    accepted (those were locked into the plan), so they may overlap in time (two passengers
    aboard). Anything else that overlaps, a broadcast or a trip from another plan, clashes.
    """
    times = [(leg.pickup_at, leg.dropoff_at) for leg in legs if leg.pickup_at and leg.dropoff_at]
    if not times:
        return None
    start, end = min(t[0] for t in times), max(t[1] for t in times)
    request_ids = {leg.request_id for leg in legs}
    others = session.exec(select(Leg, Offer).join(Offer, col(Offer.id) == Leg.offer_id).where(
        Leg.driver_id == driver_id, col(Leg.request_id).not_in(request_ids),
        col(Leg.status).in_(LEG_ON_THE_ROAD))).all()
    for other, other_offer in others:
        if not (other.pickup_at and other.dropoff_at and other.pickup_at < end
                and start < other.dropoff_at):
            continue
        together = offer is not None and offer.plan_run_id is not None and (
            other_offer.plan_run_id == offer.plan_run_id  # offered by the same plan
            or (other_offer.answered_at or other.updated_at) <= offer.created_at)
        if not together:
            return other.pickup_at
    return None


def _close_rivals(session: Session, winner: Offer, now: datetime) -> None:
    """Other open offers for the same legs lose; their drivers are told politely."""
    rivals = session.exec(select(Offer).where(
        Offer.request_id == winner.request_id, Offer.id != winner.id,
        Offer.status == OfferStatus.OPEN)).all()
    for rival in rivals:
        if not rival.broadcast and session.exec(select(Leg).where(
                Leg.offer_id == rival.id, col(Leg.status).in_(LEG_FREE))).first() is not None:
            continue  # an offer for another leg of the same request (collect later)
        move_offer(session, rival, OfferStatus.TAKEN, now)
        tell_offer_gone(session, rival, key=f"offer-taken:{rival.id}",
                        body=changes.offer_taken(rival.id or 0), now=now)


def decline(session: Session, driver: Person, offer_id: int, now: datetime) -> OfferAnswer:
    """A driver says no: free the legs for a re-plan without them."""
    offer = session.get(Offer, offer_id)
    if offer is None or offer.driver_id != driver.id:
        return OfferAnswer(Answer.NOT_FOUND, offer_id)
    if offer.status == OfferStatus.ACCEPTED:
        return drop_out(session, driver, offer, now)
    if offer.status != OfferStatus.OPEN:
        return OfferAnswer(Answer.NO_ANSWER_NEEDED, offer_id)
    move_offer(session, offer, OfferStatus.DECLINED, now)
    free_all(session, _offered_legs(session, offer), Cause.DECLINE, now, reason="declined")
    _after_failure(session, offer, now)
    return OfferAnswer(Answer.DECLINED, offer_id)


def _offered_legs(session: Session, offer: Offer) -> list[Leg]:
    return list(session.exec(select(Leg).where(Leg.offer_id == offer.id,
                                               Leg.status == LegStatus.OFFERED)).all())


def drop_out(session: Session, driver: Person, offer: Offer, now: datetime) -> OfferAnswer:
    """A driver can no longer do a trip they accepted: both sides are told, and it re-plans."""
    request = session.get(LiftRequest, offer.request_id)
    if request is None or request.status in REQUEST_CLOSED:
        return OfferAnswer(Answer.NO_ANSWER_NEEDED, offer.id or 0)
    lock(session, driver.id or 0, offer.request_id)
    legs = session.exec(select(Leg).where(Leg.offer_id == offer.id,
                                          Leg.status == LegStatus.ACCEPTED)).all()
    if not legs:
        return OfferAnswer(Answer.UNDER_WAY, offer.id or 0)
    move_offer(session, offer, OfferStatus.DECLINED, now)  # the planner leaves them out
    free_all(session, legs, Cause.DROP_OUT, now, reason="driver dropped out")
    tz = rules_for(session, request.scheme_id).tz
    when = notices.day_time(request.appointment_at, tz)[:-6]
    resident = session.get(Person, request.resident_id)
    if resident is not None:
        enqueue(session, key=f"dropped:{offer.id}", person=resident, kind="trip_change",
                due_at=now, urgent=True, request_id=request.id,
                stale_after=request.appointment_at, body=changes.driver_lost(when))
    alert_coordinators(session, request.scheme_id, f"{driver.name} dropped out of request "
                       f"#{request.id} on {when}. Re-planning now.", now=now,
                       key=f"dropped:{offer.id}")
    return OfferAnswer(Answer.DROPPED_OUT, offer.id or 0)


def expire_due(session: Session, now: datetime) -> int:
    """Offers past their expiry: expired, legs freed, driver told; returns how many."""
    due = session.exec(select(Offer).where(Offer.status == OfferStatus.OPEN,
                                           col(Offer.expires_at) <= now)).all()
    for offer in due:
        move_offer(session, offer, OfferStatus.EXPIRED, now)
        free_all(session, _offered_legs(session, offer), Cause.EXPIRE, now,
                 reason="offer expired")
        driver = session.get(Person, offer.driver_id)
        if driver is not None and not offer.broadcast:
            enqueue(session, key=f"offer-expired:{offer.id}", person=driver, kind="offer",
                    body=changes.offer_expired(offer.id or 0), due_at=now)
        _after_failure(session, offer, now)
    return len(due)


def _after_failure(session: Session, offer: Offer, now: datetime) -> None:
    """After repeated declines or expiries, a person looks at it and the resident is told."""
    request = session.get(LiftRequest, offer.request_id)
    if request is None or request.status in REQUEST_CLOSED | {RequestStatus.CONFIRMED}:
        return
    failures = len(session.exec(select(Offer).where(
        Offer.request_id == request.id, col(Offer.status).in_(OFFER_FAILED),
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
                body=notices.still_looking_text(when))
