"""Read models for the console's forms: one request in full, and the pick lists (drivers,
residents, destinations, people to message). Everything is read within one scheme; an id
from another scheme is not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from booking.board import first_name, hm, needs_of, village, words
from booking.help import open_help_requests
from booking.rules import rules_from
from storage.tables import (
    Leg,
    LiftRequest,
    LiftRequestEvent,
    Offer,
    Person,
    Place,
    Scheme,
)

RETURN_PLANS = {"wait": "driver waits and brings them home",
                "collect_later": "collected later", "one_way": "one way only"}


@dataclass(frozen=True)
class LegLine:
    """One leg of a request."""

    direction: str
    driver: str
    pickup: str
    dropoff: str
    status: str
    reason: str


@dataclass(frozen=True)
class OfferLine:
    """One offer made for a request."""

    offer_id: int
    driver: str
    status: str
    made: str
    broadcast: bool


@dataclass(frozen=True)
class EventLine:
    """One change of the request's status."""

    at: str
    change: str
    by: str
    note: str


@dataclass(frozen=True)
class RequestDetail:
    """A request as the coordinator's request page shows it."""

    request_id: int
    resident_id: int
    resident: str  # full name: coordinators know their residents
    first_name: str
    village: str
    destination: str
    appointment: datetime
    appointment_text: str
    return_plan: str
    needs: tuple[str, ...]
    status: str
    status_words: str
    reason: str
    legs: tuple[LegLine, ...]
    offers: tuple[OfferLine, ...]
    history: tuple[EventLine, ...]
    driver_ids: tuple[int, ...]  # drivers holding or offered a leg


def request_detail(session: Session, scheme_id: int, request_id: int) -> RequestDetail:
    """A request of this scheme in full; LookupError when there is none (or it is another's)."""
    request = session.get(LiftRequest, request_id)
    if request is None or request.scheme_id != scheme_id:
        raise LookupError("no such request")
    scheme = session.get(Scheme, scheme_id)
    tz = rules_from(scheme.rules if scheme else {}).tz
    resident = session.get(Person, request.resident_id)
    place = session.get(Place, request.destination_id)
    assert resident is not None and place is not None
    names = {p.id: p.name for p in session.exec(select(Person).where(
        Person.scheme_id == scheme_id, Person.role == "driver")).all()}
    legs = session.exec(select(Leg).where(Leg.request_id == request_id)
                        .order_by(col(Leg.direction).desc())).all()
    offers = session.exec(select(Offer).where(Offer.request_id == request_id)
                          .order_by(col(Offer.created_at))).all()
    events = session.exec(select(LiftRequestEvent).where(
        LiftRequestEvent.request_id == request_id).order_by(col(LiftRequestEvent.at),
                                                            col(LiftRequestEvent.id))).all()
    local = request.appointment_at.astimezone(tz)
    return RequestDetail(
        request_id, resident.id or 0, resident.name, first_name(resident.name),
        village(resident.address), place.name, request.appointment_at,
        f"{local:%a} {local.day} {local:%b} at {local:%H:%M}",
        RETURN_PLANS.get(request.return_plan, request.return_plan), needs_of(request),
        request.status, words(request.status), request.status_reason,
        tuple(LegLine("there" if g.direction == "out" else "home",
                      names.get(g.driver_id, "") if g.driver_id else "", hm(g.pickup_at, tz),
                      hm(g.dropoff_at, tz), words(g.status), g.reason) for g in legs),
        tuple(OfferLine(o.id or 0, names.get(o.driver_id, "?"), o.status,
                        f"{o.created_at.astimezone(tz):%a %H:%M}", o.broadcast) for o in offers),
        tuple(EventLine(f"{e.at.astimezone(tz):%a %d %b %H:%M}",
                        f"{words(e.from_status) if e.from_status else 'new'} → "
                        f"{words(e.to_status)}", e.actor, e.note) for e in events),
        tuple(dict.fromkeys(g.driver_id for g in legs if g.driver_id is not None)))


@dataclass(frozen=True)
class Choice:
    """Something to pick in a form: an id and what the coordinator reads."""

    id: int
    label: str


def residents(session: Session, scheme_id: int) -> list[Choice]:
    """Active residents, by name, with their village (to tell two Marys apart)."""
    rows = session.exec(select(Person).where(
        Person.scheme_id == scheme_id, Person.role == "resident",
        Person.active == True).order_by(col(Person.name))).all()  # noqa: E712
    return [Choice(p.id or 0, f"{p.name} ({village(p.address) or 'no address'})")
            for p in rows]


def destinations(session: Session, scheme_id: int) -> list[Choice]:
    """The surgeries and hospitals the scheme drives to."""
    rows = session.exec(select(Place).where(
        Place.scheme_id == scheme_id, col(Place.kind).in_(("gp", "hospital")),
        Place.active == True).order_by(col(Place.name))).all()  # noqa: E712
    return [Choice(p.id or 0, f"{p.name}, {p.town}" if p.town and p.town not in p.name
                   else p.name) for p in rows]


def people(session: Session, scheme_id: int) -> list[Choice]:
    """Drivers and residents a coordinator may message, drivers first."""
    rows = session.exec(select(Person).where(
        Person.scheme_id == scheme_id, col(Person.role).in_(("driver", "resident")),
        Person.active == True).order_by(col(Person.role), col(Person.name))).all()  # noqa: E712
    return [Choice(p.id or 0, f"{p.name} ({p.role})") for p in rows]


def person_in_scheme(session: Session, scheme_id: int, person_id: int) -> Choice:
    """One person of this scheme; LookupError otherwise."""
    person = session.get(Person, person_id)
    if person is None or person.scheme_id != scheme_id:
        raise LookupError("no such person")
    return Choice(person.id or 0, f"{person.name} ({person.role})")


@dataclass(frozen=True)
class HelpCall:
    """A HELP not yet answered: who asked (if we know them), how to reach them, when."""

    help_id: int
    who: str
    first_name: str
    phone: str
    opened_at: datetime


def help_calls(session: Session, scheme_id: int) -> list[HelpCall]:
    """The scheme's HELP requests not yet handled, oldest first."""
    calls = []
    for call in open_help_requests(session, scheme_id):
        person = session.get(Person, call.person_id) if call.person_id else None
        calls.append(HelpCall(call.id or 0, person.name if person else "Someone not known to us",
                              first_name(person.name) if person else "someone new",
                              (person.phone if person else call.address) or "",
                              call.opened_at))
    return calls
