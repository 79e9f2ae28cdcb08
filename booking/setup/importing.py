"""A checked scheme file stored: the scheme created, or brought into line with the file.

Runs in the caller's transaction, and every check against the database is made before the
first write, so a refused file changes nothing. Importing the same file again changes nothing
(and writes no audit entry). Destinations that trips refer to are retired, never deleted;
coordinators who leave the file are deactivated (the audit trail names them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from booking import audit
from booking.audit import Actor
from booking.setup.scheme_file import (
    Coordinator,
    Destination,
    SchemeFileError,
    SchemeSpec,
    Village,
)
from storage.tables import Person, Place, Scheme


@dataclass
class Imported:
    """What an import did: the scheme and one short line per change (empty: nothing)."""

    scheme: Scheme
    created: bool
    changes: list[str] = field(default_factory=list)


def import_scheme(session: Session, spec: SchemeSpec, *, now: datetime, by: Actor
                  ) -> Imported:
    """Create the scheme the file describes, or update it to match; audited."""
    scheme = session.exec(select(Scheme).where(Scheme.slug == spec.scheme.slug)).first()
    _check_against_database(session, spec, scheme)
    created = scheme is None
    result = Imported(scheme or Scheme(slug=spec.scheme.slug, name=spec.scheme.name),
                      created)
    scheme = result.scheme
    if created:
        result.changes.append(f"scheme {spec.scheme.slug} created")
    _set(result, scheme, "scheme", name=spec.scheme.name, sms_number=spec.scheme.sms_number,
         office_phone=spec.scheme.office_phone, rules=spec.rules)
    session.add(scheme)
    session.flush()
    sid = scheme.id or 0
    _destinations(session, result, sid, spec.destinations)
    _places(session, result, sid, spec.places)
    _coordinators(session, result, sid, spec.coordinators, now)
    session.flush()
    if result.changes:
        audit.record(session, by, "scheme_import", scheme_id=sid, now=now,
                     detail="; ".join(result.changes))
    return result


def _check_against_database(session: Session, spec: SchemeSpec, scheme: Scheme | None) -> None:
    number = spec.scheme.sms_number
    if number:
        other = session.exec(select(Scheme).where(Scheme.sms_number == number)).first()
        if other is not None and (scheme is None or other.id != scheme.id):
            raise SchemeFileError(f"[scheme] sms_number: {number} is already the number of "
                                  f"scheme {other.slug!r}; each scheme needs its own number")
    if scheme is None:
        return
    for coordinator in spec.coordinators:
        clash = session.exec(select(Person).where(
            Person.scheme_id == scheme.id, Person.phone == coordinator.phone,
            Person.role != "coordinator")).first()
        if clash is not None:
            raise SchemeFileError(f"[[coordinators]] {coordinator.name!r} phone: that number "
                                  f"is one of the scheme's {clash.role}s; use the "
                                  "coordinator's own number")


def _set(result: Imported, row: Any, what: str, **values: Any) -> None:
    """Set the fields that differ, noting them (a new row is noted once, by the caller)."""
    changed = [k for k, v in values.items() if getattr(row, k) != v]
    for key in changed:
        setattr(row, key, values[key])
    if changed and getattr(row, "id", None) is not None:
        result.changes.append(f"{what}: {', '.join(changed)} changed")


def _destinations(session: Session, result: Imported, sid: int,
                  wanted: tuple[Destination, ...]) -> None:
    existing = {p.name.casefold(): p for p in session.exec(select(Place).where(
        Place.scheme_id == sid, Place.kind != "settlement")).all()}
    for d in wanted:
        place = existing.pop(d.name.casefold(), None)
        if place is None:
            place = Place(scheme_id=sid, kind=d.kind, name=d.name, lat=d.lat, lon=d.lon)
            result.changes.append(f"destination {d.name!r} added")
        _set(result, place, f"destination {d.name!r}", name=d.name, kind=d.kind,
             town=d.town, postcode=d.postcode, lat=d.lat, lon=d.lon, aliases=list(d.aliases),
             notes=d.notes, active=True)
        session.add(place)
    session.flush()
    for place in existing.values():
        if not _referenced(session, place.id or 0):
            session.delete(place)
            result.changes.append(f"destination {place.name!r} removed")
        elif place.active:
            place.active = False  # its trips keep their destination
            session.add(place)
            result.changes.append(f"destination {place.name!r} retired")


def _referenced(session: Session, place_id: int) -> bool:
    """Whether any row (a lift, a standing booking, whatever comes next) points at the place:
    found from the foreign keys themselves, so a new table is never missed."""
    for table in SQLModel.metadata.tables.values():
        for column in table.columns:
            if any(fk.column.table.name == "place" for fk in column.foreign_keys):
                if session.execute(sa_select(column).where(column == place_id).limit(1)
                                   ).first() is not None:
                    return True
    return False


def _places(session: Session, result: Imported, sid: int, wanted: tuple[Village, ...]) -> None:
    existing = {p.name.casefold(): p for p in session.exec(select(Place).where(
        Place.scheme_id == sid, Place.kind == "settlement")).all()}
    for v in wanted:
        place = existing.pop(v.name.casefold(), None)
        if place is None:
            place = Place(scheme_id=sid, kind="settlement", name=v.name, lat=v.lat, lon=v.lon)
            result.changes.append(f"place {v.name!r} added")
        _set(result, place, f"place {v.name!r}", name=v.name, town=v.name, lat=v.lat,
             lon=v.lon, postcode_prefixes=list(v.postcode_prefixes), active=True)
        session.add(place)
    session.flush()
    for place in existing.values():  # homes keep their own coordinates
        if not _referenced(session, place.id or 0):
            session.delete(place)
            result.changes.append(f"place {place.name!r} removed")
        elif place.active:
            place.active = False
            session.add(place)
            result.changes.append(f"place {place.name!r} retired")


def _coordinators(session: Session, result: Imported, sid: int,
                  wanted: tuple[Coordinator, ...], now: datetime) -> None:
    existing = list(session.exec(select(Person).where(
        Person.scheme_id == sid, Person.role == "coordinator",
        col(Person.anonymised_at).is_(None)).order_by(col(Person.id))).all())
    by_phone = {p.phone: p for p in existing}
    by_name = {p.name.casefold(): p for p in existing}
    kept: set[int] = set()
    for c in wanted:
        person = by_phone.get(c.phone) or by_name.get(c.name.casefold())
        if person is not None and (person.id or 0) in kept:
            person = None
        if person is None:
            person = Person(scheme_id=sid, role="coordinator", name=c.name, phone=c.phone,
                            preferred_channel="sms", created_at=now)
            result.changes.append(f"coordinator {c.name!r} added")
        _set(result, person, f"coordinator {c.name!r}", name=c.name, phone=c.phone,
             telegram_username=c.telegram_username, email=c.email, active=True)
        session.add(person)
        session.flush()
        kept.add(person.id or 0)
    for person in existing:
        if (person.id or 0) not in kept and person.active:
            person.active = False
            session.add(person)
            result.changes.append(f"coordinator {person.name!r} deactivated")
