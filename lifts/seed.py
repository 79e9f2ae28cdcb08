"""`lifts seed-demo`: the Wensleydale demo scheme (fictional people, real places)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from lifts.wensleydale import DEMO_DRIVERS, DEMO_RESIDENTS, SETTLEMENTS, SITES, settlement_by_name
from storage.tables import Person, Place, Scheme, Vehicle

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
                        address=driver.village, lat=home.lat, lon=home.lon, consent_at=now)
        session.add(person)
        session.flush()
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
