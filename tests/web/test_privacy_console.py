"""Access and erasure requests from the console (admins only): look a person up by phone,
read and download what is held, erase them; the same services and audit as `lifts privacy`."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from booking.domain.status import REQUEST_WAITING
from storage.tables import AuditEntry, LiftRequest, Person
from tests.web.browser import axe_violations, sign_in
from tests.web.support import ADMIN, COORDINATOR, Site, signed_in


def _resident_with_future_lift(site: Site) -> Person:
    with Session(site.engine) as session:
        request = session.exec(select(LiftRequest).where(
            LiftRequest.scheme_id == 1, col(LiftRequest.status).in_(list(REQUEST_WAITING)))
            .order_by(col(LiftRequest.id))).first()
        assert request is not None
        person = session.get(Person, request.resident_id)
        assert person is not None and person.phone
        return person


def test_an_admin_reads_and_erases_a_resident(console_page: Page, site: Site) -> None:
    """The page passes axe; the export names the person and their lifts; a wrong confirmation
    erases nothing; ERASE anonymises them, cancels their future lifts, and both steps are in
    the audit trail without the name."""
    page, person = console_page, _resident_with_future_lift(site)
    sign_in(page, site.url, ADMIN)
    page.goto(f"{site.url}/console/privacy")
    assert axe_violations(page) == []
    page.get_by_label("Their phone number").fill(person.phone or "")
    page.get_by_role("button", name="Look them up").click()
    held = page.locator("pre.export")
    expect(held).to_contain_text(person.name)
    expect(held).to_contain_text("Your lifts")
    assert axe_violations(page) == []
    page.get_by_label("Type ERASE to confirm").fill("yes")
    page.get_by_role("button", name="Erase this person").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was erased")
    with Session(site.engine) as session:
        assert session.get(Person, person.id).anonymised_at is None  # type: ignore[union-attr]
    page.go_back()
    page.get_by_label("Type ERASE to confirm").fill("ERASE")
    page.get_by_role("button", name="Erase this person").click()
    expect(page.locator(".flash")).to_contain_text("Erased")
    expect(page).to_have_url(re.compile("/console/privacy$"))
    with Session(site.engine) as session:
        erased = session.get(Person, person.id)
        assert erased is not None and erased.anonymised_at is not None
        assert erased.name != person.name and erased.phone != person.phone
        statuses = set(session.exec(select(LiftRequest.status).where(
            LiftRequest.resident_id == person.id)).all())
        assert not statuses & set(REQUEST_WAITING)
        actions = list(session.exec(select(AuditEntry).where(
            AuditEntry.subject_person_id == person.id)).all())
    assert {"privacy_export", "privacy_erase"} <= {a.action for a in actions}
    assert all(person.name not in a.detail for a in actions)
    assert page.problems == [], page.problems  # type: ignore[attr-defined]


def test_the_json_download_and_who_may_use_the_page(site: Site) -> None:
    """The JSON holds the person's profile and requests; a coordinator is refused; a bad number,
    another scheme's person and a missing confirmation change nothing and are not 500s."""
    person = _resident_with_future_lift(site)
    admin = signed_in(site.url, ADMIN)
    admin.get("/console/privacy")
    download = admin.post("/console/privacy/export.json", {"phone": person.phone or ""})
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    body = json.loads(download.text)
    assert body["people"][0]["profile"]["name"] == person.name
    assert body["people"][0]["requests"], "their lifts are in the export"
    assert admin.post("/console/privacy", {"phone": "not a number"}).status_code == 422
    assert "Nobody in this scheme" in admin.post("/console/privacy",
                                                 {"phone": "+447700900999"}).text
    other = admin.post("/console/privacy/erase", {"person": str(site.other_person),
                                                  "confirm": "ERASE"})
    assert other.status_code == 422 and "no such person" in other.text
    for junk in ("", "x", "99999999999999999999", "-1"):
        assert admin.post("/console/privacy/erase", {"person": junk,
                                                     "confirm": "ERASE"}).status_code == 422
    with Session(site.engine) as session:
        assert session.get(Person, site.other_person).anonymised_at is None  # type: ignore[union-attr]
    coordinator = signed_in(site.url, COORDINATOR)
    coordinator.get("/console/")
    assert coordinator.get("/console/privacy").status_code == 403
    assert coordinator.post("/console/privacy/export.json",
                            {"phone": person.phone or ""}).status_code == 403
    assert "Privacy" not in coordinator.get("/console/").text.split("<main")[0]
