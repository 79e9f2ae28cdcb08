"""A coordinator's override: give a request to a named driver they have arranged it with,
taking it from another driver if need be.

The trip is taken through the same accept as a driver's own (the race with open offers, the
clash check, the resident's confirmation and reminders), and is then held: re-plans keep it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from booking.domain.outcomes import Refused
from booking.lifecycle.legs import ensure_legs, release_leg
from booking.messaging.outbox import enqueue
from booking.messaging.reminders import cancel_pending
from booking.offers import answers
from booking.offers.answers import FREE
from booking.offers.urgent import time_unplanned
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, Offer, Person


def assign_by_hand(session: Session, scheme_id: int, request_id: int, who: str,
                   coordinator: Person, now: datetime) -> str:
    """Assign request `request_id` to the driver called `who`; says what was done."""
    request = session.get(LiftRequest, request_id)
    if request is None or request.scheme_id != scheme_id:
        return f"There is no request #{request_id}."
    if request.status in ("cancelled", "done", "no_show"):
        return f"Request #{request_id} is {request.status}: nothing to assign."
    found = find_drivers(session, scheme_id, who)
    if not found:
        return f"No driver called {who!r}. /roster shows the drivers' names."
    if len(found) > 1:
        return f"Which one: {', '.join(d.name for d in found)}? Please give the full name."
    driver = found[0]
    legs = ensure_legs(session, request, now)
    if any(leg.status not in (*FREE, "accepted") for leg in legs):
        return f"Request #{request_id} is already under way: please phone the driver."
    if all(leg.status == "accepted" and leg.driver_id == driver.id for leg in legs):
        return f"Request #{request_id} is already {driver.name}'s."
    _take_from_others(session, request, legs, driver, coordinator, now)
    resident = session.get(Person, request.resident_id)
    time_unplanned(session, request, resident, legs)
    offer = Offer(scheme_id=scheme_id, request_id=request_id, driver_id=driver.id or 0,
                  broadcast=True, created_at=now, expires_at=now + timedelta(hours=1))
    session.add(offer)
    session.flush()
    answer = answers.accept(session, driver, offer.id or 0, now)
    if not answer.startswith("Thank you!"):  # undo everything, a moved trip included
        clash = re.search(r"overlaps your trip at (\S+?),", answer)
        why = (f"{driver.name} has another trip at {clash.group(1)}" if clash
               else answer.split(". ")[0])
        raise Refused(f"Not assigned: {why}.")
    enqueue(session, key=f"assigned:{offer.id}", person=driver, kind="assigned",
            body=f"As arranged with {_first(coordinator)}: {answer}",
            due_at=now, urgent=True, request_id=request_id)
    taken = session.exec(select(Leg).where(Leg.request_id == request_id,
                                           col(Leg.driver_id) == driver.id)).all()
    when = min(leg.pickup_at for leg in taken if leg.pickup_at is not None)
    local = when.astimezone(rules_for(session, scheme_id).tz)
    who_for = _first(resident) if resident else "The resident"
    return (f"Request #{request_id} is now {driver.name}'s (pickup {local:%H:%M}), and kept in "
            f"every re-plan. {who_for} gets the confirmation; {_first(driver)} gets the "
            "details.")


def _first(person: Person) -> str:
    return person.name.split()[0] if person.name else "The coordinator"


def _take_from_others(session: Session, request: LiftRequest, legs: list[Leg], driver: Person,
                      coordinator: Person, now: datetime) -> None:
    """Legs another driver had accepted are freed, and that driver is told they are not
    needed; the new driver's accept then sends the resident a fresh confirmation."""
    moved = [leg for leg in legs if leg.status == "accepted" and leg.driver_id != driver.id]
    for previous_id in {leg.driver_id for leg in moved}:
        offer_ids = {leg.offer_id for leg in moved if leg.driver_id == previous_id}
        for leg in moved:
            if leg.driver_id == previous_id:
                release_leg(session, leg, now, status="open",
                                   reason="moved by the coordinator")
        for offer in session.exec(select(Offer).where(col(Offer.id).in_(offer_ids))).all():
            offer.status, offer.answered_at = "withdrawn", now
            session.add(offer)
            previous = session.get(Person, previous_id)
            if previous is not None:
                enqueue(session, key=f"moved:{offer.id}", person=previous, kind="trip_change",
                        due_at=now, urgent=True, request_id=request.id,
                        body=f"{_first(coordinator)} has given trip {offer.id} to another "
                             "driver, so you're no longer needed for it. Thank you!")
    if moved:
        cancel_pending(session, request.id or 0, kinds=("reminder", "confirmation"))


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
