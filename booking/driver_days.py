"""Drivers on a day, as the eligibility rule sees them: checks, car, free times, limits.

The planner, urgent broadcasts and assigning by hand all read drivers through here and judge
them with `booking.domain.eligibility`, so the three cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

import routing
from booking.domain import eligibility
from booking.domain.eligibility import DriverFacts
from booking.domain.status import LEG_HELD
from booking.rules import local_instant
from storage.tables import Absence, Availability, Leg, LiftRequest, Person, Vehicle

Point = tuple[float, float]


@dataclass(frozen=True)
class DriverRow:
    """A driver free on the day, as the planner needs them."""

    id: int
    home: Point
    seats: int
    capabilities: frozenset[routing.Need]
    slots: tuple[tuple[int, int], ...]  # (start, end) minutes after local midnight
    max_miles: float | None
    max_trips: int | None = None  # lifts (a resident there and/or back) a day; None: no limit
    facts: DriverFacts = field(default_factory=lambda: DriverFacts(0))  # for the rule


@dataclass(frozen=True)
class DriverDay:
    """One driver on one day: the person, their car, and the facts the rule judges."""

    person: Person
    vehicle: Vehicle | None
    facts: DriverFacts

    @property
    def home(self) -> Point | None:
        """Where their trips start and end."""
        if self.person.lat is None or self.person.lon is None:
            return None
        return self.person.lat, self.person.lon


def drivers_on(session: Session, scheme_id: int, day: date, tz: ZoneInfo, *,
               exclude_request: int | None = None) -> list[DriverDay]:
    """Every driver of the scheme, active or not, with their facts for `day`."""
    people = session.exec(select(Person).where(
        Person.scheme_id == scheme_id, Person.role == "driver").order_by(col(Person.id))).all()
    return [driver_day(session, person, day, tz, exclude_request=exclude_request)
            for person in people]


def driver_day(session: Session, person: Person, day: date, tz: ZoneInfo, *,
               exclude_request: int | None = None) -> DriverDay:
    """One driver's facts for `day` (`exclude_request`: not counted in their trips)."""
    vehicle = session.exec(select(Vehicle).where(Vehicle.driver_id == person.id)).first()
    away = session.exec(select(Absence.id).where(
        Absence.driver_id == person.id, col(Absence.first_day) <= day,
        col(Absence.last_day) >= day)).first()
    slots = tuple((a.start_minute, a.end_minute) for a in session.exec(
        select(Availability).where(Availability.driver_id == person.id,
                                   Availability.weekday == day.weekday())
        .order_by(col(Availability.start_minute))).all())
    facts = DriverFacts(
        id=person.id or 0, active=person.active, approved=person.pending_since is None,
        located=person.lat is not None and person.lon is not None, has_car=vehicle is not None,
        dbs_checked_on=person.dbs_checked_on, licence_checked_on=person.licence_checked_on,
        insurance_expires_on=person.insurance_expires_on, away=away is not None, slots=slots,
        seats=vehicle.seats if vehicle else 0,
        wheelchair_accessible=bool(vehicle and vehicle.wheelchair_accessible),
        folding_wheelchair=bool(vehicle and vehicle.folding_wheelchair),
        accepts_dogs=bool(vehicle and vehicle.accepts_dogs),
        max_trips=person.max_trips_per_day,
        trips_that_day=trips_held(session, person.id or 0, day, tz, exclude=exclude_request),
        max_miles=person.max_miles_from_home)
    return DriverDay(person, vehicle, facts)


def free_drivers(session: Session, scheme_id: int, day: date, tz: ZoneInfo) -> list[DriverRow]:
    """Drivers the planner may use on `day`: nothing keeps them off, and free some time."""
    rows = []
    for driver in drivers_on(session, scheme_id, day, tz):
        if eligibility.day_problems(driver.facts, day) or not driver.facts.slots:
            continue
        assert driver.vehicle is not None and driver.home is not None
        rows.append(DriverRow(
            id=driver.facts.id, home=driver.home, seats=driver.vehicle.seats,
            capabilities=capabilities(driver.vehicle), slots=driver.facts.slots,
            max_miles=driver.facts.max_miles, max_trips=driver.facts.max_trips,
            facts=driver.facts))
    return rows


def capabilities(vehicle: Vehicle) -> frozenset[routing.Need]:
    """What the car can carry, as the solver's needs."""
    caps = set()
    if vehicle.wheelchair_accessible:
        caps |= {routing.Need.WHEELCHAIR_VEHICLE, routing.Need.FOLDING_WHEELCHAIR}
    if vehicle.folding_wheelchair:
        caps.add(routing.Need.FOLDING_WHEELCHAIR)
    if vehicle.accepts_dogs:
        caps.add(routing.Need.DOG)
    return frozenset(caps)


def trips_held(session: Session, driver_id: int, day: date, tz: ZoneInfo, *,
               exclude: int | None = None) -> int:
    """How many lift requests (there and/or back) a driver has accepted on `day`."""
    start = local_instant(day, time(0), tz)
    held = set(session.exec(
        select(Leg.request_id).join(LiftRequest, col(LiftRequest.id) == Leg.request_id)
        .where(Leg.driver_id == driver_id, col(Leg.status).in_(LEG_HELD),
               col(LiftRequest.appointment_at) >= start,
               col(LiftRequest.appointment_at) < start + timedelta(days=1))).all())
    return len(held - {exclude})
