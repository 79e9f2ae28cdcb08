"""Residents and drivers on the console, over HTTP and in Chromium: a coordinator approves a
driver after vetting (the steps in docs/console.md, the screenshot in docs/), renews checks,
edits a car, limits, a resident's home and needs, approves a waiting resident, and every bad
form is answered on the page, never with a 500."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from storage.db import transaction
from storage.tables import AuditEntry, LiftRequest, OutboxMessage, Person, PlanJob, Vehicle
from tests.web.browser import axe_violations, sign_in
from tests.web.support import COORDINATOR, Site, signed_in

# The screenshot in docs/ is refreshed only when asked (LIFTS_SCREENSHOTS=docs): a test run
# leaves the checkout as it found it.
DOCS = Path(__file__).resolve().parents[2] / "docs"


def _pending_driver(site: Site) -> Person:
    """Scheme A's first driver, as if they had just joined by code."""
    with transaction(site.engine) as session:
        driver = session.exec(select(Person).where(Person.scheme_id == 1,
                                                   Person.role == "driver")
                              .order_by(col(Person.id))).first()
        assert driver is not None
        driver.pending_since = site.clock.now
        session.add(driver)
        return driver


def _resident(site: Site, name: str = "Edith Bainbridge") -> Person:
    with Session(site.engine) as session:
        return session.exec(select(Person).where(Person.name == name)).one()


def _clean(page: Page) -> None:
    assert axe_violations(page) == [], page.url
    assert page.problems == [], page.problems  # type: ignore[attr-defined]


def test_a_coordinator_approves_a_driver_after_vetting(console_page: Page, site: Site,
                                                       tmp_path: Path) -> None:
    """Drivers, the waiting one first; their page says why they get nothing; the three
    dates recorded, they are approved and told; both pages pass axe."""
    page = console_page
    driver = _pending_driver(site)
    today = site.clock.now.date()
    sign_in(page, site.url, COORDINATOR)
    page.goto(f"{site.url}/console/day/{site.day.isoformat()}")
    expect(page.locator(".problems")).to_contain_text(f"{driver.name} is waiting for approval")
    page.get_by_role("link", name="Drivers").click()
    expect(page.get_by_role("status")).to_contain_text("1 waiting for approval")
    first_row = page.locator("tbody tr").first
    expect(first_row).to_contain_text(driver.name)
    expect(first_row).to_contain_text("waiting for approval")
    _clean(page)
    first_row.get_by_role("link", name=driver.name).click()
    expect(page.get_by_role("heading", name="Approve after vetting")).to_be_visible()
    page.get_by_label("DBS certificate seen on").fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("Driving licence seen on").fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("Insurance runs out on").fill((today + timedelta(days=200)).isoformat())
    _clean(page)
    bottom = page.get_by_role(
        "button", name=f"Record the checks and approve {driver.name}").evaluate(
        "b => b.getBoundingClientRect().bottom + window.scrollY")
    shots = DOCS if os.environ.get("LIFTS_SCREENSHOTS") == "docs" else tmp_path
    page.screenshot(path=str(shots / "console-approve-driver.png"), full_page=True,
                    clip={"x": 0, "y": 0, "width": 1280, "height": bottom + 24})
    page.get_by_role("button", name=f"Record the checks and approve {driver.name}").click()
    expect(page.get_by_role("status")).to_contain_text("approved to drive, and told so")
    expect(page.get_by_role("heading", name="Record renewed checks")).to_be_visible()
    _clean(page)
    with Session(site.engine) as session:
        fresh = session.get(Person, driver.id)
        told = session.exec(select(OutboxMessage.body).where(
            OutboxMessage.person_id == driver.id, OutboxMessage.kind == "approved")).one()
        trail = session.exec(select(AuditEntry).where(AuditEntry.action == "vet")).one()
    assert fresh is not None and fresh.pending_since is None
    assert fresh.insurance_expires_on == today + timedelta(days=200)
    assert "approved to drive" in told
    assert (trail.actor_name, trail.channel, trail.subject_person_id) == (
        "Pat Coordinator", "console", driver.id)


def test_a_waiting_resident_is_approved_and_needs_change(console_page: Page, site: Site) -> None:
    """The resident's page: approve (told by message), then a wheelchair from now on: their
    future lifts carry it and their day is queued to plan again."""
    page = console_page
    with transaction(site.engine) as session:
        person = session.exec(select(Person).where(
            Person.scheme_id == 1, Person.role == "resident",
            col(Person.id).in_(select(LiftRequest.resident_id)))).first()
        assert person is not None
        person.pending_since = site.clock.now
        session.add(person)
        name, person_id = person.name, person.id
    sign_in(page, site.url, COORDINATOR)
    page.goto(f"{site.url}/console/residents")
    expect(page.locator("tbody tr").first).to_contain_text(name)
    _clean(page)
    page.goto(f"{site.url}/console/residents/{person_id}")
    expect(page.get_by_role("heading", name="Lifts")).to_be_visible()
    expect(page.get_by_role("heading", name="Messages sent")).to_be_visible()
    _clean(page)
    page.get_by_role("button", name=re.compile(f"Approve {name}")).click()
    expect(page.get_by_role("status")).to_contain_text("approved")
    page.get_by_label("Getting about").select_option("wheelchair_vehicle")
    page.get_by_role("button", name=re.compile("Save the needs")).click()
    expect(page.get_by_role("status")).to_contain_text("planned again")
    with Session(site.engine) as session:
        lifts = session.exec(select(LiftRequest).where(
            LiftRequest.resident_id == person_id)).all()
        assert lifts and {r.mobility for r in lifts} == {"wheelchair_vehicle"}
        assert session.exec(select(PlanJob).where(PlanJob.service_day == site.day)).all()
        assert "has confirmed you" in session.exec(select(OutboxMessage.body).where(
            OutboxMessage.person_id == person_id, OutboxMessage.kind == "approved")).one()


def test_bad_forms_are_answered_on_the_page(site: Site) -> None:
    """Impossible dates, seats, limits, names, postcodes, phones and ids: 4xx with the reason,
    nothing changed, never a 500."""
    client = signed_in(site.url, COORDINATOR)
    driver = _pending_driver(site)
    resident = _resident(site)
    other = _resident(site, "Mary Other")  # scheme B's
    with Session(site.engine) as session:
        neighbour = session.exec(select(Person).where(
            Person.scheme_id == 1, Person.role == "resident",
            Person.id != resident.id)).first()
        assert neighbour is not None
        booked = session.exec(select(LiftRequest.resident_id).where(
            LiftRequest.scheme_id == 1)).first()
    d, r = f"/console/drivers/{driver.id}", f"/console/residents/{resident.id}"
    client.get(d)
    today = site.clock.now.date()
    cases = [
        (f"{d}/checks", {"dbs_seen": "yesterday", "licence_seen": "", "insurance_expires": ""},
         "as a date"),
        (f"{d}/checks", {"dbs_seen": today.isoformat(), "licence_seen": today.isoformat(),
                         "insurance_expires": (today - timedelta(days=1)).isoformat()},
         "already expired"),
        (f"{d}/checks", {"dbs_seen": "9999-12-31", "licence_seen": today.isoformat(),
                         "insurance_expires": "9999-12-31"}, "future"),
        (f"{d}/car", {"description": "red Kia", "seats": "40"}, "between 1 and 8"),
        (f"{d}/car", {"description": "red Kia", "seats": "x" * 50}, "whole number"),
        (f"{d}/car", {"description": " ", "seats": "3"}, "Describe the car"),
        (f"{d}/limits", {"max_trips": "0", "max_miles": ""}, "between 1 and 20"),
        (f"{d}/limits", {"max_trips": "", "max_miles": "nan"}, "as a number"),
        (f"{d}/details", {"name": "<script>", "phone": "", "channel": "sms"}, "letters only"),
        (f"{r}/details", {"name": "Edith B", "phone": "12", "channel": "sms"},
         "not a phone number"),
        (f"{r}/details", {"name": "Edith B", "phone": neighbour.phone or "", "channel": "sms"},
         "already has that phone"),
        (f"{r}/details", {"name": "Edith B", "phone": "", "channel": "pigeon"},
         "Messages can go by"),
        (f"{r}/home", {"address": "1 Main St", "postcode": "NOT A CODE"}, "not a UK postcode"),
        (f"{r}/home", {"address": "1 Main St", "settlement": "999999999"}, "villages"),
        (f"{r}/home", {"address": "x" * 400}, "at most 300"),
        (f"{r}/needs", {"mobility": "jetpack"}, "how they get about"),
        (f"{r}/approve", {}, "already approved"),
        (f"/console/residents/{booked}/deactivate", {}, "lifts booked"),
    ]
    with Session(site.engine) as session:
        before = len(session.exec(select(AuditEntry)).all())
    for path, form, words in cases:
        response = client.post(path, form)
        assert response.status_code in (409, 422), (path, form, response.status_code)
        assert words in response.text, (path, form, response.text[-2000:])
    for path in ("/console/drivers/0", "/console/drivers/99999999999", "/console/residents/x",
                 f"/console/drivers/{resident.id}", f"/console/residents/{driver.id}",
                 f"/console/residents/{other.id}", "/console/drivers?q=" + "%00" * 100):
        assert client.get(path).status_code in (200, 404), path
    assert client.post(f"/console/residents/{other.id}/approve").status_code == 404
    with Session(site.engine) as session:
        assert len(session.exec(select(AuditEntry)).all()) == before


def test_car_and_limits_are_saved_and_audited(site: Site) -> None:
    client = signed_in(site.url, COORDINATOR)
    driver = _pending_driver(site)
    client.get(f"/console/drivers/{driver.id}")
    assert client.post(f"/console/drivers/{driver.id}/car", {
        "description": "white Ford Tourneo", "seats": "4", "wheelchair_accessible": "yes"}
    ).status_code == 303
    assert client.post(f"/console/drivers/{driver.id}/limits", {
        "max_trips": "2", "max_miles": "12.5"}).status_code == 303
    page = client.get(f"/console/drivers/{driver.id}").text
    assert "white Ford Tourneo, 4 passenger seats, wheelchair accessible" in page
    assert "2 trips a day; 12.5 miles from home" in page
    with Session(site.engine) as session:
        car = session.exec(select(Vehicle).where(Vehicle.driver_id == driver.id)).one()
        actions = session.exec(select(AuditEntry.action).where(
            AuditEntry.subject_person_id == driver.id)).all()
    assert car.wheelchair_accessible and car.folding_wheelchair and car.seats == 4
    assert actions == ["edit_car", "edit_limits"]


def test_a_coordinator_places_an_unlocated_home_with_the_map_pin(console_page: Page,
                                                                 site: Site) -> None:
    """A resident whose home is not on the map, their lift held for it: a click on the map
    fills the fields, saving places the home and hands the lift to the planner."""
    from booking.domain.outcomes import HOME_UNKNOWN
    from booking.domain.status import RequestStatus
    from booking.lifecycle.requests import set_status

    page = console_page
    with transaction(site.engine) as session:
        request = session.exec(select(LiftRequest).where(LiftRequest.scheme_id == 1)
                               .order_by(col(LiftRequest.id))).first()
        assert request is not None
        person = session.get(Person, request.resident_id)
        assert person is not None
        person.lat = person.lon = None
        session.add(person)
        set_status(session, request, RequestStatus.NEEDS_COORDINATOR, now=site.clock.now,
                   actor="system", note=HOME_UNKNOWN)
        person_id, request_id = person.id, request.id
    sign_in(page, site.url, COORDINATOR)
    page.goto(f"{site.url}/console/residents/{person_id}")
    expect(page.get_by_text("not placed on the map")).to_be_visible()
    expect(page.locator("#pin-map")).to_have_attribute("data-ready", "yes")
    _clean(page)
    page.locator("#pin-map").click()
    expect(page.get_by_label("Latitude")).not_to_have_value("")
    lat = float(page.get_by_label("Latitude").input_value())
    page.get_by_role("button", name="Save where the home is").click()
    expect(page.get_by_role("status")).to_contain_text("will now be planned")
    with Session(site.engine) as session:
        placed = session.get(Person, person_id)
        held = session.get(LiftRequest, request_id)
        trail = session.exec(select(AuditEntry).where(AuditEntry.action == "place_home")).one()
    assert placed is not None and placed.lat == pytest.approx(lat, abs=1e-4)
    assert held is not None and held.status == "requested"
    assert trail.actor_name == "Pat Coordinator"
    client = signed_in(site.url, COORDINATOR)
    client.get(f"/console/residents/{person_id}")
    for form, words in (({"lat": "north", "lon": "1"}, "as a number"),
                        ({"lat": "91", "lon": "0"}, "not on the map"),
                        ({"lat": "nan", "lon": "0"}, "as a number")):
        response = client.post(f"/console/residents/{person_id}/place", form)
        assert response.status_code == 409 and words in response.text, form


def test_a_destination_note_reaches_the_run_sheet(console_page: Page, site: Site) -> None:
    """Places: edit a surgery's notes in the browser; the printed run sheet of a driver going
    there shows them; a bad place form is refused with the reason; axe on both pages."""
    from storage.tables import Leg, Place

    page = console_page
    with Session(site.engine) as session:
        leg, request = session.exec(select(Leg, LiftRequest).join(
            LiftRequest, col(LiftRequest.id) == Leg.request_id).where(
            LiftRequest.scheme_id == 1, col(Leg.driver_id).is_not(None),
            Leg.direction == "out")).first()  # type: ignore[misc]
        place = session.get(Place, request.destination_id)
        assert place is not None
    sign_in(page, site.url, COORDINATOR)
    page.get_by_role("link", name="Places").click()
    _clean(page)
    page.get_by_role("link", name=place.name, exact=True).click()
    page.get_by_label("Notes for drivers").fill("Drop at the side door, by the pharmacy.")
    _clean(page)
    page.get_by_role("button", name=f"Save {place.name}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Saved {place.name}")
    page.goto(f"{site.url}/console/day/{site.day.isoformat()}/driver/{leg.driver_id}/print")
    expect(page.locator("main")).to_contain_text("Drop at the side door, by the pharmacy.")
    client = signed_in(site.url, COORDINATOR)
    client.get("/console/places")
    for form, words in (({"kind": "gp", "name": "New Surgery", "lat": "x", "lon": "1"},
                         "as a number"),
                        ({"kind": "spa", "name": "Spa", "lat": "54", "lon": "-2"}, "kind"),
                        ({"kind": "gp", "name": place.name, "lat": "54", "lon": "-2"},
                         "already"),
                        ({"kind": "gp", "name": "New", "lat": "54", "lon": "-2",
                          "postcode": "ZZZ"}, "not a UK postcode"),
                        ({"kind": "gp", "name": "New", "lat": "54", "lon": "-2",
                          "notes": "x" * 600}, "at most 500")):
        response = client.post("/console/places", form)
        assert response.status_code == 409 and words in response.text, form
    added = client.post("/console/places", {"kind": "hospital", "name": "Darlington Memorial",
                                            "town": "Darlington", "postcode": "dl3 6hx",
                                            "lat": "54.53", "lon": "-1.57",
                                            "aliases": "DMH, the Memorial", "notes": ""})
    assert added.status_code == 303
    with Session(site.engine) as session:
        new = session.exec(select(Place).where(Place.name == "Darlington Memorial")).one()
        assert (new.postcode, new.aliases, new.scheme_id) == ("DL3 6HX", ["DMH",
                                                                          "the Memorial"], 1)
        assert session.exec(select(AuditEntry.action).where(
            col(AuditEntry.action).in_(["edit_place", "add_place"]))).all() == [
            "edit_place", "add_place"]


def test_an_admin_adds_a_coordinator_who_gets_alerts(site: Site) -> None:
    """The accounts page adds a coordinator (a chat identity alerts go to), linked to the
    account with the same phone; a duplicate or missing phone is refused; the last active
    coordinator cannot be stood down; coordinators may not do it."""
    from booking.messaging.alerts import alert_coordinators
    from tests.web.support import ADMIN

    admin = signed_in(site.url, ADMIN)
    admin.get("/console/accounts")
    with Session(site.engine) as session:
        boss = session.exec(select(Person).where(Person.scheme_id == 1,
                                                 Person.role == "coordinator")).one()
    for form, words in (({"coordinator_name": "Jo Bloggs", "coordinator_phone": ""},
                         "needs a mobile"),
                        ({"coordinator_name": "Jo Bloggs", "coordinator_phone": boss.phone or ""},
                         "already has that phone"),
                        ({"coordinator_name": "J0", "coordinator_phone": "07700 900555"},
                         "letters only")):
        response = admin.post("/console/accounts/coordinators", form)
        assert response.status_code == 409 and words in response.text, form
    assert admin.post("/console/accounts/coordinators", {
        "coordinator_name": "Jo Bloggs", "coordinator_phone": "07700 900555"}).status_code == 303
    assert "Jo Bloggs" in admin.get("/console/accounts").text
    with transaction(site.engine) as session:
        assert alert_coordinators(session, 1, "Test alert", now=site.clock.now,
                                  key="test-alert") == 2
        jo = session.exec(select(Person).where(Person.name == "Jo Bloggs")).one()
    assert admin.post(f"/console/accounts/coordinators/{boss.id}/deactivate").status_code == 303
    admin.get("/console/accounts")
    last = admin.post(f"/console/accounts/coordinators/{jo.id}/deactivate")
    assert last.status_code == 409 and "at least one active coordinator" in last.text
    coordinator = signed_in(site.url, COORDINATOR)
    assert coordinator.post("/console/accounts/coordinators", {
        "coordinator_name": "Sneaky", "coordinator_phone": "07700 900556"}).status_code == 403


def test_name_phone_and_home_are_saved_and_audited_without_values(site: Site) -> None:
    """A resident's new name, phone and home (a village the scheme knows) are saved; the
    trail says which fields changed, never the address or number."""
    from storage.tables import Place

    client = signed_in(site.url, COORDINATOR)
    resident = _resident(site)
    with Session(site.engine) as session:
        hawes = session.exec(select(Place).where(Place.name == "Hawes",
                                                 Place.kind == "settlement")).one()
    client.get(f"/console/residents/{resident.id}")
    assert client.post(f"/console/residents/{resident.id}/details", {
        "name": "Edith Bainbridge-Hall", "phone": "07700 900777", "channel": "sms"}
    ).status_code == 303
    assert client.post(f"/console/residents/{resident.id}/home", {
        "address": "3 Market Place, Hawes", "postcode": "dl8 3qx",
        "settlement": str(hawes.id)}).status_code == 303
    with Session(site.engine) as session:
        fresh = session.get(Person, resident.id)
        trail = session.exec(select(AuditEntry).where(
            AuditEntry.subject_person_id == resident.id).order_by(col(AuditEntry.id))).all()
    assert fresh is not None and (fresh.name, fresh.phone, fresh.postcode) == (
        "Edith Bainbridge-Hall", "+447700900777", "DL8 3QX")
    assert (fresh.lat, fresh.lon) == (hawes.lat, hawes.lon)
    assert [(e.action, e.detail) for e in trail] == [("edit_person", "name, phone"),
                                                      ("edit_home", "address changed")]
    assert not [e for e in trail if "Market" in e.detail or "900777" in e.detail]
