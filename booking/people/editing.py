"""Changing a resident's or driver's details: validated as the dialogue validates them,
written to the audit trail (which fields changed, never their values), and carried through
to the trips ahead: a resident's new needs or home apply to their future lifts, which are
planned again; a driver who had accepted one and may no longer suit is a coordinator's call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel import Session, col, select

from booking import audit
from booking.audit import Actor
from booking.domain.outcomes import Refused
from booking.domain.status import LEG_FREE, REQUEST_ACTIVE, LegStatus
from booking.domain.transitions import Cause
from booking.intake.views import MOBILITY_LABELS
from booking.lifecycle.legs import free_all
from booking.messaging.alerts import alert_coordinators
from booking.people.approval import Done, person_in
from booking.people.reach import CHANNELS, set_channel
from booking.phones import to_e164
from booking.planning import jobs
from booking.rules import local_instant
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, Person, Place, Vehicle

NAME = re.compile(r"^[A-Za-z][A-Za-z .'\-]{1,79}$")  # as the dialogue asks it
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][ABD-HJLNP-UW-Z]{2})$")
MAX_NAME, MAX_ADDRESS = 80, 300


def clean_name(text: str) -> str:
    """A person's name as the dialogue accepts it (letters, spaces, . ' -; at most 80)."""
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME or not NAME.match(name):
        raise Refused(f"Please give a name of letters only, at most {MAX_NAME} characters.")
    return name


def clean_address(text: str) -> str:
    """A home address: one line, no control characters, at most 300 characters."""
    address = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text).split())
    if not address or len(address) > MAX_ADDRESS:
        raise Refused(f"Please give the address (at most {MAX_ADDRESS} characters).")
    return address


def clean_postcode(text: str) -> str:
    """A UK postcode like "DL8 5EP" ("" when none is given)."""
    raw = " ".join(text.upper().split())
    if not raw:
        return ""
    found = POSTCODE.match(raw)
    if found is None:
        raise Refused(f"{text.strip()[:12]!r} is not a UK postcode (like DL8 5EP).")
    return f"{found.group(1)} {found.group(2)}"


def clean_phone(session: Session, person: Person, text: str) -> str | None:
    """A mobile in E.164 that no one else in the scheme has (None: no phone)."""
    if not text.strip():
        return None
    phone = to_e164(text)
    if phone is None:
        raise Refused(f"{text.strip()[:20]!r} is not a phone number (like 07700 900123).")
    other = session.exec(select(Person.id).where(
        Person.scheme_id == person.scheme_id, Person.phone == phone,
        Person.id != person.id)).first()
    if other is not None:
        raise Refused("Someone else in this scheme already has that phone number.")
    return phone


@dataclass(frozen=True)
class Details:
    """Who a resident is and how to reach them."""

    name: str
    phone: str
    channel: str  # sms | telegram


@dataclass(frozen=True)
class Home:
    """Where a resident lives: the address and postcode, and a settlement of the scheme to
    place it by (None: not placed; a coordinator places it on the map)."""

    address: str
    postcode: str
    settlement_id: int | None = None


@dataclass(frozen=True)
class Needs:
    """What a resident's lifts need."""

    mobility: str
    companion: bool
    assistance_dog: bool


def set_details(session: Session, scheme_id: int, person_id: int, details: Details,
                actor: Actor, now: datetime) -> Done:
    """Name, phone and the channel we reach them on (a resident or a driver); the channel
    through the reach service, which checks it can arrive and audits it."""
    person = person_in(session, scheme_id, person_id)
    name = clean_name(details.name)
    phone = clean_phone(session, person, details.phone)
    if details.channel not in CHANNELS:
        raise Refused(f"Messages can go by {', '.join(CHANNELS.values())}.")
    changed = [field for field, old, new in (("name", person.name, name),
                                             ("phone", person.phone, phone)) if old != new]
    person.name, person.phone = name, phone
    if details.channel != person.preferred_channel:
        set_channel(session, person, details.channel, now=now, actor=actor)
        changed.append("channel")
    elif details.channel in ("sms", "whatsapp") and phone is None:
        raise Refused(f"We need a phone number to reach {name} by {CHANNELS[details.channel]}.")
    if not changed:
        return Done("Nothing changed.")
    session.add(person)
    if set(changed) - {"channel"}:
        audit.record(session, actor, "edit_person", scheme_id=scheme_id, now=now,
                     subject_person_id=person.id,
                     detail=", ".join(c for c in changed if c != "channel"))
    return Done(f"{name}'s {' and '.join(changed)} changed.")


def set_home(session: Session, scheme_id: int, person_id: int, home: Home, actor: Actor,
             now: datetime) -> Done:
    """A resident's new address: placed by its settlement (if named), future lifts planned
    again from there; unplaced, their lifts wait for a coordinator to place it."""
    person = person_in(session, scheme_id, person_id, "resident")
    address, postcode = clean_address(home.address), clean_postcode(home.postcode)
    place = session.get(Place, home.settlement_id) if home.settlement_id else None
    if home.settlement_id and (place is None or place.scheme_id != scheme_id
                               or place.kind != "settlement"):
        raise Refused("Choose one of the scheme's villages or towns.")
    person.address, person.postcode = address, postcode
    person.lat, person.lon = (place.lat, place.lon) if place else (None, None)
    session.add(person)
    audit.record(session, actor, "edit_home", scheme_id=scheme_id, now=now,
                 subject_person_id=person.id,
                 detail="address changed" + ("" if place else "; not yet placed on the map"))
    replanned = replan_future(session, person, actor, now, why="moved house")
    if place is None:
        alert_coordinators(session, scheme_id, f"{person.name} has a new address we could "
                           "not place on the map. Please place it (console: Residents).",
                           now=now, key=f"unplaced:{person.id}:{now.isoformat()}")
    return Done(f"{person.name}'s address changed" + (
        "" if place else "; please place it on the map") + _replanned(replanned))


def set_needs(session: Session, scheme_id: int, person_id: int, needs: Needs, actor: Actor,
              now: datetime) -> Done:
    """A resident's mobility, companion and assistance dog: their future lifts get the new
    needs and are planned again."""
    person = person_in(session, scheme_id, person_id, "resident")
    if needs.mobility not in MOBILITY_LABELS:
        raise Refused("Choose how they get about.")
    changed = [field for field, old, new in (
        ("mobility", person.mobility, needs.mobility),
        ("companion", person.companion, needs.companion),
        ("assistance dog", person.assistance_dog, needs.assistance_dog)) if old != new]
    if not changed:
        return Done("Nothing changed.")
    person.mobility, person.companion = needs.mobility, needs.companion
    person.assistance_dog = needs.assistance_dog
    session.add(person)
    audit.record(session, actor, "edit_needs", scheme_id=scheme_id, now=now,
                 subject_person_id=person.id, detail=", ".join(changed))
    replanned = replan_future(session, person, actor, now, why="needs changed")
    return Done(f"{person.name}'s {' and '.join(changed)} changed" + _replanned(replanned))


def _replanned(count: int) -> str:
    if not count:
        return "."
    return f"; {count} future lift{'s' if count > 1 else ''} will be planned again."


def replan_future(session: Session, person: Person, actor: Actor, now: datetime, *,
                  why: str) -> int:
    """Carry the resident's record into their lifts still to come: needs copied, legs not
    yet accepted back to the planner, each day queued to plan again; a driver who accepted
    one keeps it and the coordinators are asked to check it still suits."""
    requests = session.exec(select(LiftRequest).where(
        LiftRequest.resident_id == person.id, col(LiftRequest.status).in_(REQUEST_ACTIVE),
        col(LiftRequest.appointment_at) > now)).all()
    tz = rules_for(session, person.scheme_id).tz
    days = set()
    for request in requests:
        request.mobility, request.companion = person.mobility, person.companion
        request.assistance_dog = person.assistance_dog
        session.add(request)
        legs = session.exec(select(Leg).where(Leg.request_id == request.id)).all()
        free_all(session, [leg for leg in legs if leg.status in LEG_FREE
                           and leg.status not in (LegStatus.OPEN, LegStatus.UNSERVED)],
                 Cause.CHANGE, now, reason=why, actor=actor)
        if any(leg.status == LegStatus.ACCEPTED for leg in legs):
            alert_coordinators(session, person.scheme_id, f"Lift request #{request.id}: "
                               f"{person.name} {why}. Its driver has accepted it: please "
                               "check it still suits them.", now=now,
                               key=f"{why}:{request.id}:{now.isoformat()}")
        days.add(request.appointment_at.astimezone(tz).date())
    for day in sorted(days):
        if local_instant(day, time(23, 59), tz) > now:
            jobs.queue(session, person.scheme_id, day, actor, now)
    return len(requests)


@dataclass(frozen=True)
class Car:
    """A driver's car as passengers and the planner need it."""

    description: str
    seats: int
    wheelchair_accessible: bool
    folding_wheelchair: bool
    accepts_dogs: bool


@dataclass(frozen=True)
class Limits:
    """A driver's own limits (None: no limit)."""

    max_trips_per_day: int | None
    max_miles_from_home: float | None


def set_car(session: Session, scheme_id: int, person_id: int, car: Car, actor: Actor,
            now: datetime) -> Done:
    """The driver's car (one per driver); planned from the next plan on."""
    person = person_in(session, scheme_id, person_id, "driver")
    description = " ".join(car.description.split())
    if not description or len(description) > 120:
        raise Refused("Describe the car (colour and make, at most 120 characters).")
    if not 1 <= car.seats <= 8:
        raise Refused("Passenger seats must be between 1 and 8.")
    vehicle = session.exec(select(Vehicle).where(Vehicle.driver_id == person.id)).first()
    vehicle = vehicle or Vehicle(driver_id=person.id or 0, description=description, seats=1)
    vehicle.description, vehicle.seats = description, car.seats
    vehicle.wheelchair_accessible = car.wheelchair_accessible
    vehicle.folding_wheelchair = car.folding_wheelchair or car.wheelchair_accessible
    vehicle.accepts_dogs = car.accepts_dogs
    session.add(vehicle)
    audit.record(session, actor, "edit_car", scheme_id=scheme_id, now=now,
                 subject_person_id=person.id, detail=f"{car.seats} seats")
    return Done(f"{person.name}'s car is recorded.")


def set_limits(session: Session, scheme_id: int, person_id: int, limits: Limits, actor: Actor,
               now: datetime) -> Done:
    """How many trips a day and how far from home a driver will go."""
    person = person_in(session, scheme_id, person_id, "driver")
    if limits.max_trips_per_day is not None and not 1 <= limits.max_trips_per_day <= 20:
        raise Refused("Trips a day must be between 1 and 20 (or blank for no limit).")
    if limits.max_miles_from_home is not None and not 1 <= limits.max_miles_from_home <= 200:
        raise Refused("Miles from home must be between 1 and 200 (or blank for no limit).")
    person.max_trips_per_day = limits.max_trips_per_day
    person.max_miles_from_home = limits.max_miles_from_home
    session.add(person)
    audit.record(session, actor, "edit_limits", scheme_id=scheme_id, now=now,
                 subject_person_id=person.id, detail="limits changed")
    return Done(f"{person.name}'s limits are recorded.")


def _themselves(person: Person, channel: str) -> Actor:
    """The resident, as the audit trail records a change they made by message."""
    return Actor(person.name, channel, "resident", person_id=person.id)


def home_by_message(session: Session, person: Person, home: Home, *, channel: str,
                    now: datetime) -> Done:
    """A resident told us by message they have moved (and said yes to the read-back)."""
    done = set_home(session, person.scheme_id, person.id or 0, home,
                    _themselves(person, channel), now)
    alert_coordinators(session, person.scheme_id, f"{person.name} has moved (told us by "
                       f"message): the new address is on their console page. {done.message}",
                       now=now, key=f"moved:{person.id}:{now.isoformat()}")
    return done


def needs_by_message(session: Session, person: Person, *, mobility: str | None,
                     companion: bool | None, assistance_dog: bool | None, channel: str,
                     now: datetime) -> Done:
    """A resident told us by message their needs changed (and said yes to the read-back)."""
    needs = Needs(mobility or person.mobility,
                  person.companion if companion is None else companion,
                  person.assistance_dog if assistance_dog is None else assistance_dog)
    done = set_needs(session, person.scheme_id, person.id or 0, needs,
                     _themselves(person, channel), now)
    if done.message != "Nothing changed.":
        alert_coordinators(session, person.scheme_id, f"{person.name} told us by message: "
                           f"{done.message}", now=now,
                           key=f"needs:{person.id}:{now.isoformat()}")
    return done
