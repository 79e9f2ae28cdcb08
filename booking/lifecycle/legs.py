"""The one writer of legs' statuses: every move is checked against the domain's table and
carries out what it owes (offers withdrawn, drivers stood down, the resident's confirmation
and reminders cancelled or sent, mileage recorded), then the request follows its legs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from booking.audit import SYSTEM, Actor
from booking.domain.status import LEG_FREE, LegStatus, OfferStatus
from booking.domain.transitions import Cause, Owed, check_leg, owed
from booking.lifecycle import confirm, mileage
from booking.lifecycle.offers import move_offer, tell_offer_gone
from booking.lifecycle.requests import refresh_status
from booking.messaging import changes, notices
from booking.messaging.outbox import enqueue
from booking.messaging.reminders import cancel_pending
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, Offer, Person

L = LegStatus
_DRIVERLESS = (L.OPEN, L.UNSERVED, L.CANCELLED)


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


def move_leg(session: Session, leg: Leg, to: LegStatus, cause: Cause, *, now: datetime,
             driver_id: int | None = None, offer_id: int | None = None, reason: str = "",
             actor: Actor = SYSTEM, refresh: bool = True) -> None:
    """Move one leg, validated, and carry out what the move owes.

    `driver_id` is the planned driver (to planned) or the taker (to accepted); `offer_id` the
    offer (to offered or accepted). A leg without a driver (open, unserved, cancelled) keeps
    neither. `refresh=False` leaves the request's status to the caller (several legs at once).
    """
    check_leg(leg.status, to, cause, leg.id)
    due = owed(leg.status, to, cause)
    before_driver, before_offer = leg.driver_id, leg.offer_id
    leg.status, leg.reason, leg.updated_at = to, reason[:200], now
    if to in _DRIVERLESS:
        leg.driver_id, leg.offer_id = None, None
    if driver_id is not None:
        leg.driver_id = driver_id
    if offer_id is not None or to is L.PLANNED:
        leg.offer_id = offer_id
    session.add(leg)
    session.flush()
    request = session.get(LiftRequest, leg.request_id)
    assert request is not None
    _carry_out(session, request, leg, due, cause, before_driver, before_offer, now, actor)
    if refresh:
        refresh_status(session, request, now, actor=_who(cause))


def _carry_out(session: Session, request: LiftRequest, leg: Leg, due: frozenset[Owed],
               cause: Cause, driver_id: int | None, offer_id: int | None, now: datetime,
               actor: Actor) -> None:
    if Owed.LEAVE_OFFER in due and offer_id is not None:
        _leave_offer(session, offer_id, now)
    if Owed.STAND_DOWN in due and driver_id is not None:
        _stand_down(session, request, leg, driver_id, offer_id, cause, now, actor)
    if Owed.UNCONFIRM in due:
        cancel_pending(session, request.id or 0, kinds=("reminder", "confirmation"))
    if Owed.RECORD_MILEAGE in due:
        mileage.record(session, request, leg, now)
    if Owed.CONFIRM in due:
        confirm.if_complete(session, request, now)


def _leave_offer(session: Session, offer_id: int, now: datetime) -> None:
    """An open offer left with no legs is withdrawn, and its driver told."""
    offer = session.get(Offer, offer_id)
    still = session.exec(select(Leg.id).where(Leg.offer_id == offer_id)).first()
    if offer is None or offer.status != OfferStatus.OPEN or still is not None:
        return
    move_offer(session, offer, OfferStatus.WITHDRAWN, now)
    tell_offer_gone(session, offer, key=f"offer-withdrawn:{offer.id}",
                    body=changes.offer_gone(offer.id or 0), now=now)


def _stand_down(session: Session, request: LiftRequest, leg: Leg, driver_id: int,
                offer_id: int | None, cause: Cause, now: datetime, actor: Actor) -> None:
    """Tell the driver who had accepted it; one message per offer, however many legs."""
    driver = session.get(Person, driver_id)
    if driver is None:
        return
    tz = rules_for(session, request.scheme_id).tz
    trip = (f"trip {offer_id}" if offer_id else "your trip") + (
        f" on {notices.day_time(leg.pickup_at, tz)}" if leg.pickup_at else "")
    enqueue(session, key=f"stood-down:{request.id}:{driver_id}:{offer_id}:{cause}",
            person=driver, kind="trip_change", due_at=now, urgent=True, request_id=request.id,
            body=changes.stood_down(cause, trip, actor.first_name))


def _who(cause: Cause) -> str:
    """Who a request's history says made the change."""
    if cause in (Cause.CANCEL, Cause.CHANGE):
        return "resident"
    if cause in (Cause.ASSIGN, Cause.UNASSIGN, Cause.MOVE):
        return "coordinator"
    if cause in (Cause.PLAN, Cause.OFFER, Cause.EXPIRE):
        return "system"
    return "driver"


class _Lost(Exception):
    """Another answer got there first."""


def take(session: Session, offer: Offer, legs: Sequence[Leg], cause: Cause,
         now: datetime) -> bool:
    """The race for a trip: one conditional UPDATE gives every leg to the offer's driver, or
    none (another answer got there first). Then the moves owe what any acceptance owes."""
    if not legs:
        return False
    for leg in legs:
        check_leg(leg.status, L.ACCEPTED, cause, leg.id)
    ids = [leg.id for leg in legs]
    free = col(Leg.status).in_(LEG_FREE) if offer.broadcast else (
        (col(Leg.status) == L.OFFERED) & (col(Leg.offer_id) == offer.id))
    try:
        with session.begin_nested():
            result = session.execute(
                update(Leg).where(col(Leg.id).in_(ids), free)
                .values(status=L.ACCEPTED, driver_id=offer.driver_id, offer_id=offer.id,
                        reason="", updated_at=now).execution_options(synchronize_session=False))
            if result.rowcount != len(ids):  # type: ignore[attr-defined]
                raise _Lost  # a partial win is undone with the savepoint
    except _Lost:
        return False
    for leg in legs:
        session.refresh(leg)
    request = session.get(LiftRequest, offer.request_id)
    assert request is not None
    mileage.estimate_if_unplanned(session, request, legs, offer.driver_id)
    refresh_status(session, request, now, actor=_who(cause))
    confirm.if_complete(session, request, now)
    return True


def cancel_all(session: Session, request: LiftRequest, now: datetime, *,
               cause: Cause = Cause.CANCEL, actor: Actor = SYSTEM, reason: str = "") -> None:
    """Every unfinished leg of a request is cancelled (drivers told), its open offers
    withdrawn, and its unsent offers, confirmation and reminders dropped."""
    legs = session.exec(select(Leg).where(Leg.request_id == request.id)).all()
    for leg in legs:
        if leg.status not in (L.DONE, L.NO_SHOW, L.CANCELLED, L.PICKED_UP):
            move_leg(session, leg, L.CANCELLED, cause, now=now, actor=actor, refresh=False,
                     reason=reason)
    withdraw_open_offers(session, request, now)
    cancel_pending(session, request.id or 0, kinds=("reminder", "confirmation", "offer"))


def withdraw_open_offers(session: Session, request: LiftRequest, now: datetime,
                         *, except_offer: int | None = None) -> None:
    """Open offers of a request (broadcasts hold no legs) are withdrawn; drivers told."""
    for offer in session.exec(select(Offer).where(
            Offer.request_id == request.id, Offer.status == OfferStatus.OPEN)).all():
        if offer.id == except_offer:
            continue
        move_offer(session, offer, OfferStatus.WITHDRAWN, now)
        tell_offer_gone(session, offer, key=f"offer-withdrawn:{offer.id}",
                        body=changes.offer_gone(offer.id or 0), now=now)


def free_all(session: Session, legs: Iterable[Leg], cause: Cause, now: datetime, *,
             reason: str, actor: Actor = SYSTEM) -> None:
    """Legs back to the planner (open) for `cause`; the request follows once, at the end."""
    request_ids = set()
    for leg in legs:
        move_leg(session, leg, L.OPEN, cause, now=now, reason=reason, actor=actor,
                 refresh=False)
        request_ids.add(leg.request_id)
    for request_id in request_ids:
        request = session.get(LiftRequest, request_id)
        if request is not None:
            refresh_status(session, request, now, actor=_who(cause))
