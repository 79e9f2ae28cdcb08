"""A coordinator's hand on a trip: give it to a driver they have arranged it with (taking it
from another driver if need be), or take it off a driver and back to the planner.

Assigning goes through the same accept as a driver's own (the race with open offers, the
clash check, the resident's confirmation and reminders) and is then held: re-plans keep it.
A driver the eligibility rule would not choose (the car does not suit, a check is out of
date, not free then...) is only assigned with an explicit override, and the coordinator is
told which rules it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from booking.audit import Actor
from booking.domain.eligibility import Problem
from booking.domain.outcomes import OfferAnswer, Refused
from booking.domain.status import (
    LEG_FREE,
    REQUEST_CLOSED,
    LegStatus,
    OfferStatus,
)
from booking.domain.transitions import Cause
from booking.lifecycle.legs import ensure_legs, free_all
from booking.lifecycle.offers import move_offer, tell_offer_gone
from booking.messaging import changes, notices
from booking.messaging.outbox import enqueue
from booking.offers import answers, fit
from booking.offers.urgent import time_unplanned
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, Offer, Person


@dataclass(frozen=True)
class Assigned:
    """The trip is the driver's."""

    request_id: int
    driver: str
    pickup_at: datetime | None
    overridden: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class NeedsOverride:
    """Nothing changed: assigning would break these rules."""

    request_id: int
    driver: str
    problems: tuple[Problem, ...]


def _request(session: Session, scheme_id: int, request_id: int) -> LiftRequest:
    request = session.get(LiftRequest, request_id)
    if request is None or request.scheme_id != scheme_id:
        raise Refused(f"There is no request #{request_id}.")
    if request.status in REQUEST_CLOSED:
        raise Refused(f"Request #{request_id} is {request.status.replace('_', ' ')}: "
                      "nothing to change.")
    return request


def assign(session: Session, scheme_id: int, request_id: int, driver: Person, actor: Actor,
           now: datetime, *, override: bool = False) -> Assigned | NeedsOverride:
    """Give every leg of the request to `driver`; refuses (Refused) what cannot be done."""
    request = _request(session, scheme_id, request_id)
    if driver.scheme_id != scheme_id or driver.role != "driver":
        raise Refused("That driver is not one of this scheme's drivers.")
    legs = ensure_legs(session, request, now)
    if any(leg.status not in (*LEG_FREE, LegStatus.ACCEPTED) for leg in legs):
        raise Refused(f"Request #{request_id} is already under way: please phone the driver.")
    if all(leg.status == LegStatus.ACCEPTED and leg.driver_id == driver.id for leg in legs):
        raise Refused(f"Request #{request_id} is already {driver.name}'s.")
    time_unplanned(session, request, legs)
    found = fit.judge_person(session, request, legs, driver).problems
    problems = tuple(p for p in found if p is not Problem.ALREADY_OFFERED)
    hard = [p for p in problems if not p.overridable]
    if hard:
        raise Refused(f"Not assigned: {driver.name} {hard[0].value}.")
    if problems and not override:
        return NeedsOverride(request_id, driver.name, problems)
    clash = answers.clash_with(session, driver.id or 0, None, legs)
    if clash is not None:
        tz = rules_for(session, scheme_id).tz
        raise Refused(f"Not assigned: {driver.name} has another trip at "
                      f"{clash.astimezone(tz):%H:%M}.")
    _take_from_others(session, legs, driver, actor, now)
    answer = _accept_for(session, request, driver, now)
    if not answer.accepted:  # a race lost meanwhile: the caller's savepoint undoes the move
        tz = rules_for(session, scheme_id).tz
        raise Refused(f"Not assigned: {changes.answer_text(answer, tz)}")
    enqueue(session, key=f"assigned:{answer.offer_id}", person=driver, kind="assigned",
            body=f"As arranged with {actor.first_name}: {answer.details}", due_at=now,
            urgent=True, request_id=request_id)
    return Assigned(request_id, driver.name, fit.when(legs), problems)


def _accept_for(session: Session, request: LiftRequest, driver: Person,
                now: datetime) -> OfferAnswer:
    """An offer made and accepted on the driver's behalf (they agreed with the coordinator)."""
    offer = Offer(scheme_id=request.scheme_id, request_id=request.id or 0,
                  driver_id=driver.id or 0, broadcast=True, created_at=now,
                  expires_at=now + timedelta(hours=1))
    session.add(offer)
    session.flush()
    return answers.accept(session, driver, offer.id or 0, now, cause=Cause.ASSIGN)


def _take_from_others(session: Session, legs: list[Leg], driver: Person, actor: Actor,
                      now: datetime) -> None:
    """Legs another driver had accepted are freed (that driver is told they are not needed);
    the new driver's accept then sends the resident a fresh confirmation."""
    moved = [leg for leg in legs if leg.status == LegStatus.ACCEPTED
             and leg.driver_id != driver.id]
    offers = {leg.offer_id for leg in moved if leg.offer_id is not None}
    free_all(session, moved, Cause.MOVE, now, reason="moved by the coordinator", actor=actor)
    for offer in session.exec(select(Offer).where(col(Offer.id).in_(offers))).all():
        move_offer(session, offer, OfferStatus.WITHDRAWN, now)


def unassign(session: Session, scheme_id: int, request_id: int, actor: Actor,
             now: datetime) -> list[str]:
    """Take the request off its drivers and back to the planner, which will not choose them
    for it again; returns the drivers' names. Drivers and the resident are told."""
    request = _request(session, scheme_id, request_id)
    legs = session.exec(select(Leg).where(Leg.request_id == request.id)).all()
    if any(leg.status in (LegStatus.PICKED_UP, LegStatus.DONE, LegStatus.NO_SHOW)
           for leg in legs):
        raise Refused(f"Request #{request_id} is already under way: please phone the driver.")
    held = [leg for leg in legs if leg.status in (LegStatus.ACCEPTED, LegStatus.OFFERED,
                                                  LegStatus.PLANNED)]
    if not held:
        raise Refused(f"Request #{request_id} has no driver to take it off.")
    names = sorted({p.name for leg in held if leg.driver_id
                    and (p := session.get(Person, leg.driver_id)) is not None})
    offers = {leg.offer_id for leg in held if leg.offer_id is not None}
    was_confirmed = any(leg.status == LegStatus.ACCEPTED for leg in held)
    for offer in session.exec(select(Offer).where(col(Offer.id).in_(offers))).all():
        was_open = offer.status == OfferStatus.OPEN
        move_offer(session, offer, OfferStatus.DECLINED, now)  # the planner leaves them out
        if was_open:
            tell_offer_gone(session, offer, key=f"offer-withdrawn:{offer.id}",
                            body=changes.offer_gone(offer.id or 0), now=now)
    free_all(session, held, Cause.UNASSIGN, now, reason="taken off the driver by the "
             "coordinator", actor=actor)
    resident = session.get(Person, request.resident_id)
    if was_confirmed and resident is not None:
        tz = rules_for(session, scheme_id).tz
        enqueue(session, key=f"unassigned:{request_id}:{now.isoformat()}", person=resident,
                kind="trip_change", due_at=now, urgent=True, request_id=request_id,
                stale_after=request.appointment_at,
                body=changes.driver_lost(notices.day_time(request.appointment_at, tz)[:-6]))
    return names


def find_drivers(session: Session, scheme_id: int, who: str) -> list[Person]:
    """Active drivers matching a typed name: the exact full name, else every driver whose
    name has each typed word as the start of one of its words."""
    wanted = who.lower().split()
    drivers = session.exec(select(Person).where(
        Person.scheme_id == scheme_id, Person.role == "driver",
        Person.active == True)).all()  # noqa: E712
    exact = [d for d in drivers if d.name.lower().split() == wanted]
    if exact:
        return exact
    return [d for d in drivers if wanted and all(
        any(part.startswith(w) for part in d.name.lower().split()) for w in wanted)]

