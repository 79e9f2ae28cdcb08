"""`lifts seed-demo`: the demo scheme from `examples/wensleydale.toml` (real places, fictional
people), imported like any scheme file, plus the file's demo-only drivers and residents."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session, select

from booking.audit import Actor
from booking.setup.importing import import_scheme
from lifts.demo_scheme import (
    DEMO_COORDINATOR_PHONE,
    DEMO_DRIVERS,
    DEMO_RESIDENTS,
    DEMO_SLUG,
    demo_spec,
    settlement_by_name,
)
from storage.tables import Availability, Person, Scheme, Vehicle

__all__ = ["DEMO_COORDINATOR_PHONE", "DEMO_SLUG", "demo_availability", "seed_demo"]
SEEDER = Actor("lifts seed-demo", "cli", "admin")


def seed_demo(session: Session, *, now: datetime, sms_number: str = "") -> Scheme:
    """Create the demo scheme once; running it again changes nothing. (Imported from the
    file already? Then only its demo people are added, once.)"""
    scheme = session.exec(select(Scheme).where(Scheme.slug == DEMO_SLUG)).first()
    if scheme is None:
        spec = demo_spec()
        if sms_number:
            spec = replace(spec, scheme=replace(spec.scheme, sms_number=sms_number))
        scheme = import_scheme(session, spec, now=now, by=SEEDER).scheme
    sid = scheme.id or 0
    if session.exec(select(Person.id).where(Person.scheme_id == sid,
                                            Person.role != "coordinator")).first():
        return scheme
    for coordinator in session.exec(select(Person).where(Person.scheme_id == sid)).all():
        coordinator.consent_at = now  # the demo's coordinator has agreed to the notice
        session.add(coordinator)
    today = now.date()
    for n, driver in enumerate(DEMO_DRIVERS, start=1):
        home = settlement_by_name(driver.village)
        person = Person(scheme_id=sid, role="driver", name=driver.name,
                        phone=driver.phone, preferred_channel="telegram",
                        address=driver.village, lat=home.lat, lon=home.lon, consent_at=now,
                        dbs_checked_on=today - timedelta(days=200 + 30 * n),
                        licence_checked_on=today - timedelta(days=40 + 7 * n),
                        insurance_expires_on=today + timedelta(days=90 + 20 * n),
                        max_trips_per_day=3)
        session.add(person)
        session.flush()
        for weekday, start, end in demo_availability(n):
            session.add(Availability(driver_id=person.id or 0, weekday=weekday,
                                     start_minute=start, end_minute=end))
        session.add(Vehicle(driver_id=person.id or 0, description=driver.car, seats=driver.seats,
                            folding_wheelchair=driver.folding_wheelchair,
                            wheelchair_accessible=driver.wheelchair_accessible,
                            accepts_dogs=driver.accepts_dogs))
    for resident in DEMO_RESIDENTS:
        home = settlement_by_name(resident.village)
        session.add(Person(scheme_id=sid, role="resident", name=resident.name,
                           phone=resident.phone, address=resident.address,
                           postcode=resident.postcode, lat=home.lat, lon=home.lon,
                           mobility=resident.mobility, consent_at=now))
    session.flush()
    return scheme


def demo_availability(n: int) -> list[tuple[int, int, int]]:
    """A plausible weekly pattern for the n-th demo driver: (weekday, start, end minutes).

    Most volunteers give two or three half-days a week; a few give whole days.
    """
    morning, afternoon, day = (8 * 60 + 30, 13 * 60), (12 * 60 + 30, 18 * 60), (8 * 60, 18 * 60)
    slots = []
    for weekday in range(5):
        if (n + weekday) % 3 == 0:
            continue
        start, end = day if n % 4 == 0 else (morning if (n + weekday) % 2 else afternoon)
        slots.append((weekday, start, end))
    return slots
