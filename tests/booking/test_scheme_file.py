"""Schemes as data: a scheme file read, imported, re-imported and exported, on SQLite and
PostgreSQL (real databases; the CLI's own tests are in tests/cli/test_scheme_cli.py)."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking.audit import Actor
from booking.intake.effects import RequestLift
from booking.intake.residents import request_lift
from booking.schemes import scheme_rules
from booking.setup.exporting import export_scheme
from booking.setup.importing import import_scheme
from booking.setup.scheme_file import SchemeFileError, read_scheme_file
from lifts.demo_scheme import DEMO_FILE
from storage.db import transaction
from storage.tables import AuditEntry, Person, Place, Scheme, StandingBooking

NORFOLK = Path(__file__).parent.parent / "support" / "north_norfolk.toml"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ADMIN = Actor("Test Admin", "cli", "admin")


def _import(engine: Engine, text: str) -> list[str]:
    with transaction(engine) as session:
        return import_scheme(session, read_scheme_file(text, "test.toml"), now=NOW,
                             by=ADMIN).changes


def _export(engine: Engine, slug: str) -> str:
    with transaction(engine) as session:
        scheme = session.exec(select(Scheme).where(Scheme.slug == slug)).one()
        return export_scheme(session, scheme)


def _sorted(data: dict[str, Any]) -> dict[str, Any]:
    """A parsed file with its lists of tables in name order ('modulo order')."""
    return {k: sorted(v, key=lambda row: row["name"]) if isinstance(v, list) else v
            for k, v in data.items()}


def _rows(engine: Engine) -> list[Any]:
    with Session(engine) as session:
        return [tuple(r.model_dump().items()) for table in (Scheme, Place, Person)
                for r in session.exec(select(table).order_by(col(table.id))).all()]


def test_import_creates_the_scheme_the_file_describes(any_engine: Engine) -> None:
    """Every table lands: rules (with defaults), destinations by kind, villages with postcode
    prefixes, coordinators with their contacts."""
    changes = _import(any_engine, NORFOLK.read_text())
    assert changes[0] == "scheme north-norfolk created"
    with Session(any_engine) as session:
        scheme = session.exec(select(Scheme).where(Scheme.slug == "north-norfolk")).one()
        rules = scheme_rules(scheme)
        assert (scheme.name, scheme.sms_number, scheme.office_phone) == (
            "North Norfolk Community Cars", "+447700900555", "+441632960555")
        assert (rules.booking_notice_hours, rules.planning_cutoff.hour, rules.service_days[-1],
                rules.appointment_minutes_gp) == (24, 16, "sat", 15)  # the last: a default
        places = session.exec(select(Place).where(Place.scheme_id == scheme.id)).all()
        kinds = {p.name: p.kind for p in places}
        assert kinds["Cromer and District Hospital"] == "hospital"
        assert kinds["Aylsham Pharmacy"] == "other" and kinds["Blakeney"] == "settlement"
        holt = next(p for p in places if p.name == "Holt")
        assert holt.postcode_prefixes == ["NR25 6"]
        sam = session.exec(select(Person).where(Person.name == "Sam Rix")).one()
        assert (sam.role, sam.phone, sam.telegram_username, sam.email) == (
            "coordinator", "+447700900501", "samrix_lifts", "sam@northnorfolk.example")
        audit = session.exec(select(AuditEntry)).one()
        assert audit.action == "scheme_import" and audit.actor_name == "Test Admin"


def test_importing_twice_changes_nothing(any_engine: Engine) -> None:
    """The second import finds nothing to do, writes no audit entry, and every row is as it
    was."""
    _import(any_engine, NORFOLK.read_text())
    before = _rows(any_engine)
    assert _import(any_engine, NORFOLK.read_text()) == []
    assert _rows(any_engine) == before
    with Session(any_engine) as session:
        assert len(session.exec(select(AuditEntry)).all()) == 1


@pytest.mark.parametrize("path", [NORFOLK, DEMO_FILE], ids=["north-norfolk", "demo"])
def test_export_of_an_import_equals_the_file(any_engine: Engine, path: Path) -> None:
    """Round trip: what is exported parses to what was imported, modulo order (the demo
    file's [demo] people are not part of a scheme, so they are not exported)."""
    text = path.read_text()
    _import(any_engine, text)
    slug = tomllib.loads(text)["scheme"]["slug"]
    exported = _export(any_engine, slug)
    original = tomllib.loads(text)
    original.pop("demo", None)
    original.setdefault("rules", {})
    original["rules"] = {k: v for k, v in original["rules"].items()
                         if (k, v) not in (("booking_notice_hours", 48), ("service_days", [
                             "mon", "tue", "wed", "thu", "fri"]))}  # the demo's defaults
    again = tomllib.loads(exported)
    again.setdefault("rules", {})
    if not original["rules"]:
        original.pop("rules")
        again.pop("rules")
    assert _sorted(again) == _sorted(original)
    assert _import(any_engine, exported) == []  # and importing the export changes nothing


def test_a_removed_destination_is_retired_if_trips_refer_to_it(any_engine: Engine) -> None:
    """Taking destinations out of the file: one with a booked trip or a standing booking is
    retired (they keep it), one never used is deleted; a removed coordinator is deactivated;
    a changed value is updated in place."""
    text = NORFOLK.read_text()
    _import(any_engine, text)
    with transaction(any_engine) as session:
        scheme = session.exec(select(Scheme).where(Scheme.slug == "north-norfolk")).one()
        holt = session.exec(select(Place).where(Place.name == "Holt Medical Practice")).one()
        resident = Person(scheme_id=scheme.id or 0, role="resident", name="Ada Tester",
                          phone="+447700900600", lat=52.9, lon=1.09, consent_at=NOW)
        session.add(resident)
        session.flush()
        request_lift(session, resident, RequestLift(holt.id or 0, NOW + timedelta(days=3),
                                                    "wait", False), now=NOW, channel="sms")
        pharmacy = session.exec(select(Place).where(Place.name == "Aylsham Pharmacy")).one()
        session.add(StandingBooking(scheme_id=scheme.id or 0, resident_id=resident.id or 0,
                                    destination_id=pharmacy.id or 0, weekdays="1",
                                    local_time="10:40", first_day=NOW.date()))
    cut = _without(_without(_without(_without(
        text, "[[destinations]]", "Holt Medical Practice"), "[[destinations]]",
        "Aylsham Pharmacy"), "[[destinations]]", "Cromer and District Hospital"),
        "[[coordinators]]", "Jo Pegg")
    cut = cut.replace("lat = 52.941", "lat = 52.942")
    changes = _import(any_engine, cut)
    assert "destination 'Holt Medical Practice' retired" in changes
    assert "destination 'Aylsham Pharmacy' retired" in changes  # the standing booking's
    assert "destination 'Cromer and District Hospital' removed" in changes
    assert "coordinator 'Jo Pegg' deactivated" in changes
    assert "destination 'Sheringham Medical Practice': lat changed" in changes
    with Session(any_engine) as session:
        holt = session.exec(select(Place).where(Place.name == "Holt Medical Practice")).one()
        assert holt.active is False
        assert session.exec(select(Place).where(Place.name == "Cromer and District Hospital")
                            ).first() is None
        jo = session.exec(select(Person).where(Person.name == "Jo Pegg")).one()
        assert jo.active is False
    assert "Holt Medical Practice" not in _export(any_engine, "north-norfolk")
    assert "destination 'Holt Medical Practice' added" not in _import(any_engine, text)
    with Session(any_engine) as session:  # back in the file: active again, the same row
        holt2 = session.exec(select(Place).where(Place.name == "Holt Medical Practice")).one()
        assert holt2.active is True and holt2.id == holt.id


def _without(text: str, header: str, name: str) -> str:
    """The file without one table (tables are separated by blank lines)."""
    return "\n\n".join(b for b in text.split("\n\n")
                       if not (b.startswith(header) and f'name = "{name}"' in b))


def _bad(text: str) -> str:
    with pytest.raises(SchemeFileError) as caught:
        read_scheme_file(text, "bad.toml")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("bad.toml")
    return message


def test_every_mistake_is_one_line_naming_the_place_and_the_fix() -> None:
    """Malformed TOML, an unknown rule, a destination without coordinates, a duplicate phone
    and the rest: one line each, with the line number and what to write."""
    text = NORFOLK.read_text()
    assert "line 2" in _bad("[scheme]\nslug = north\n") and "not valid TOML" in _bad(
        "[scheme]\nslug = north\n")
    unknown = _bad(text.replace("mileage_rate_pence = 40", "milage_rate_pence = 40"))
    assert "[rules] milage_rate_pence: unknown key" in unknown
    assert "did you mean mileage_rate_pence" in unknown
    assert "line 15" in unknown
    no_lat = _bad(text.replace("lat = 52.941\n", ""))
    assert "[[destinations]] #2 'Sheringham Medical Practice' lat: missing (no coordinates)" \
        in no_lat and "add lat =" in no_lat and "line 27" in no_lat
    twice = _bad(text.replace('phone = "+447700900502"', 'phone = "07700 900501"'))
    assert "[[coordinators]] #2 'Jo Pegg' phone: the same as #1's" in twice
    assert "timezone" in _bad(text.replace('"Europe/London"', '"Europe/Norfolk"'))
    assert "out of range" in _bad(text.replace("lon = 1.207", "lon = 201.207"))
    assert "kind" in _bad(text.replace('kind = "other"', 'kind = "vet"'))
    assert "not a phone number" in _bad(text.replace('"+441632960555"', '"call us"'))
    assert "booking_notice_hours" in _bad(text.replace("booking_notice_hours = 24",
                                                       "booking_notice_hours = -3"))
    assert "unknown table" in _bad(text + "\n[[surgeries]]\nname = 'x'\n")
    assert "no destinations" in _bad(text.split("[[destinations]]")[0])


def test_an_sms_number_another_scheme_has_is_refused(any_engine: Engine) -> None:
    """Two schemes cannot share the number residents text: the second import is refused and
    nothing of it is stored."""
    _import(any_engine, NORFOLK.read_text())
    other = NORFOLK.read_text().replace('slug = "north-norfolk"', 'slug = "other"')
    with pytest.raises(SchemeFileError, match="already the number of scheme 'north-norfolk'"):
        _import(any_engine, other)
    with Session(any_engine) as session:
        assert len(session.exec(select(Scheme)).all()) == 1
