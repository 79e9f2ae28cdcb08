"""`lifts seed-demo`: the Wensleydale demo scheme (fictional people, real places)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from lifts.wensleydale import DEMO_DRIVERS, DEMO_RESIDENTS, SETTLEMENTS, SITES, settlement_by_name
from storage.tables import Availability, Person, Place, Scheme, Vehicle

DEMO_SLUG = "wensleydale"
DEMO_NAME = "Wensleydale Lifts"
DEMO_COORDINATOR_PHONE = "+447911123499"


def seed_demo(session: Session, *, now: datetime, sms_number: str = "") -> Scheme:
    """Create the demo scheme once; running it again changes nothing."""
    existing = session.exec(select(Scheme).where(Scheme.slug == DEMO_SLUG)).first()
    if existing is not None:
        return existing
    scheme = Scheme(slug=DEMO_SLUG, name=DEMO_NAME, sms_number=sms_number or None, rules={})
    session.add(scheme)
    session.flush()
    sid = scheme.id or 0
    today = now.date()
    for site in SITES:
        session.add(Place(scheme_id=sid, kind=site.kind, name=site.name, town=site.town,
                          postcode=site.postcode, lat=site.lat, lon=site.lon,
                          aliases=list(site.aliases), notes=site.notes))
    for village in SETTLEMENTS:
        session.add(Place(scheme_id=sid, kind="settlement", name=village.name,
                          town=village.name, lat=village.lat, lon=village.lon))
    session.add(Person(scheme_id=sid, role="coordinator", name="Pat Coordinator",
                       phone=DEMO_COORDINATOR_PHONE, preferred_channel="sms", consent_at=now))
    for n, driver in enumerate(DEMO_DRIVERS, start=1):
        home = settlement_by_name(driver.village)
        person = Person(scheme_id=sid, role="driver", name=driver.name,
                        phone=f"+4479111236{n:02d}", preferred_channel="telegram",
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
