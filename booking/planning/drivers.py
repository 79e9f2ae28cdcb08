"""Who can drive on a day: the drivers free, their cars, slots and limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

import routing
from booking.domain.eligibility import checks_in_date
from booking.domain.status import LEG_HELD
from booking.rules import local_instant
from storage.tables import Absence, Availability, Leg, LiftRequest, Person, Vehicle

Point = tuple[float, float]


@dataclass(frozen=True)
class DriverRow:
    """A driver free on the day, as read."""

    id: int
    home: Point
    seats: int
    capabilities: frozenset[routing.Need]
    slots: tuple[tuple[int, int], ...]  # (start, end) minutes after local midnight
    max_miles: float | None
    max_trips: int | None = None  # lifts (a resident there and/or back) a day; None: no limit


def free_drivers(session: Session, scheme_id: int, day: date) -> list[DriverRow]:
    """Drivers free on `day`: active, checks in date, a slot that weekday, not away."""
    weekday = day.weekday()
    rows = session.exec(
        select(Person, Vehicle).join(Vehicle, col(Vehicle.driver_id) == Person.id)
        .where(Person.scheme_id == scheme_id, Person.role == "driver",
               Person.active == True)  # noqa: E712
        .order_by(col(Person.id))
    ).all()
    drivers = []
    for person, vehicle in rows:
        if person.lat is None or person.lon is None:
            continue
        if checks_in_date(dbs_checked_on=person.dbs_checked_on,
                          licence_checked_on=person.licence_checked_on,
                          insurance_expires_on=person.insurance_expires_on, on=day):
            continue
        away = session.exec(select(Absence).where(
            Absence.driver_id == person.id, col(Absence.first_day) <= day,
            col(Absence.last_day) >= day)).first()
        slots = tuple((a.start_minute, a.end_minute) for a in session.exec(
            select(Availability).where(Availability.driver_id == person.id,
                                       Availability.weekday == weekday)
            .order_by(col(Availability.start_minute))).all())
        if away is not None or not slots:
            continue
        drivers.append(DriverRow(
            id=person.id or 0, home=(person.lat, person.lon), seats=vehicle.seats,
            capabilities=_capabilities(vehicle), slots=slots,
            max_miles=person.max_miles_from_home, max_trips=person.max_trips_per_day))
    return drivers


def _capabilities(vehicle: Vehicle) -> frozenset[routing.Need]:
    caps = set()
    if vehicle.wheelchair_accessible:
        caps |= {routing.Need.WHEELCHAIR_VEHICLE, routing.Need.FOLDING_WHEELCHAIR}
    if vehicle.folding_wheelchair:
        caps.add(routing.Need.FOLDING_WHEELCHAIR)
    if vehicle.accepts_dogs:
        caps.add(routing.Need.DOG)
    return frozenset(caps)


def trips_held(session: Session, driver_id: int, day: date, tz: ZoneInfo) -> int:
    """How many lift requests (there and/or back) a driver has accepted on `day`."""
    start = local_instant(day, time(0), tz)
    return len(set(session.exec(
        select(Leg.request_id).join(LiftRequest, col(LiftRequest.id) == Leg.request_id)
        .where(Leg.driver_id == driver_id, col(Leg.status).in_(LEG_HELD),
               col(LiftRequest.appointment_at) >= start,
               col(LiftRequest.appointment_at) < start + timedelta(days=1))).all()))
