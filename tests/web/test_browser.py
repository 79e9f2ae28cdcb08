"""The console in a real browser (Debian's Chromium under Playwright) against the real app:
a coordinator runs a planned day from it, and axe-core checks each page they see."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlmodel import Session, col, select

from booking.domain.status import REQUEST_WAITING
from booking.intake.residents import cancel_lift
from booking.planning.jobs import run_next
from storage.db import transaction
from storage.tables import Leg, LiftRequest, Person
from tests.support.world import TRAVEL
from tests.web.browser import axe_violations, sign_in
from tests.web.support import COORDINATOR, OTHER, Site


def _signed_in(page: Page, site: Site, email: str = COORDINATOR) -> None:
    sign_in(page, site.url, email)
    expect(page.get_by_role("button", name=re.compile("Sign out"))).to_be_visible()


def _clean(page: Page) -> None:
    """No accessibility violation and no script error or CSP report on the page."""
    assert axe_violations(page) == [], page.url
    assert page.problems == [], page.problems  # type: ignore[attr-defined]


def _waiting_request(site: Site) -> LiftRequest:
    with Session(site.engine) as session:
        return session.exec(select(LiftRequest).where(
            LiftRequest.scheme_id == 1, col(LiftRequest.status).in_(list(REQUEST_WAITING)))
            .order_by(col(LiftRequest.id))).first()  # type: ignore[return-value]


def test_sign_in_and_see_the_planned_day(console_page: Page, live_site: Site) -> None:
    """The sign-in page and the board of the planned day pass axe; each driver with a trip
    has a lane listing the passengers' first names and the waiting requests give reasons."""
    page, site = console_page, live_site
    page.goto(f"{site.url}/console/login")
    _clean(page)
    _signed_in(page, site)
    page.goto(f"{site.url}/console/day/{site.day.isoformat()}")
    expect(page.get_by_role("heading", name="Drivers")).to_be_visible()
    with Session(site.engine) as session:
        drivers = session.exec(select(Person.name).join(Leg, col(Leg.driver_id) == Person.id)
                               .distinct()).all()
    assert drivers
    for name in drivers:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.locator(".unassigned li").first).to_contain_text(":")
    _clean(page)


def test_board_refreshes_without_losing_typing(console_page: Page, live_site: Site) -> None:
    """While the coordinator types a date, the board redraws with a change made elsewhere
    (a cancellation by the resident) and the typed text stays."""
    page, site = console_page, live_site
    _signed_in(page, site)
    page.goto(f"{site.url}/console/day/{site.day.isoformat()}")
    box = page.get_by_label("Go to day")
    box.fill((site.day + timedelta(days=7)).isoformat())
    waiting = _waiting_request(site)
    with transaction(site.engine) as session:  # the resident cancels by text meanwhile
        resident = session.get(Person, waiting.resident_id)
        assert resident is not None
        cancel_lift(session, resident, waiting.id or 0, now=site.clock.now)
    # (a pattern: Playwright trims a plain string, and "#1" would also match "#12")
    expect(page.locator(".unassigned")).not_to_contain_text(re.compile(rf"#{waiting.id}\s"),
                                                            timeout=10_000)
    expect(box).to_have_value((site.day + timedelta(days=7)).isoformat())


def test_assign_by_hand_with_a_warning_and_an_override(console_page: Page,
                                                       live_site: Site) -> None:
    """Giving a trip to a driver whose DBS check is out of date shows the warning and changes
    nothing; ticking the explicit override assigns it, and the board shows it in their lane."""
    page, site = console_page, live_site
    with transaction(site.engine) as session:
        driver = session.exec(select(Person).where(Person.role == "driver",
                                                   Person.scheme_id == 1)
                              .order_by(col(Person.name))).first()
        assert driver is not None
        driver.dbs_checked_on = site.day - timedelta(days=4 * 365)
        session.add(driver)
        name, driver_id = driver.name, driver.id
    waiting = _waiting_request(site)
    _signed_in(page, site)
    page.goto(f"{site.url}/console/request/{waiting.id}")
    _clean(page)
    page.get_by_label(re.compile("Assign a driver by hand|Give it to another driver")) \
        .select_option(str(driver_id))
    page.get_by_role("button", name=re.compile("^(Assign|Move to this driver)$")).click()
    expect(page.get_by_text("DBS check out of date").first).to_be_visible()
    _clean(page)
    with Session(site.engine) as session:
        assert not session.exec(select(Leg).where(Leg.request_id == waiting.id,
                                                  Leg.driver_id == driver_id,
                                                  Leg.status == "accepted")).all()
    page.get_by_label(re.compile("assign anyway")).check()
    page.get_by_role("button", name="Assign anyway").click()
    expect(page.locator(".flash")).to_be_visible()
    page.goto(f"{site.url}/console/day/{site.day.isoformat()}")
    lane = page.locator("article.driver", has=page.get_by_role("link", name=name, exact=True))
    expect(lane).to_contain_text(re.compile(rf"#{waiting.id}\s"))


def test_cancel_with_a_reason(console_page: Page, live_site: Site) -> None:
    """Cancelling from the request page needs a reason, and the lift then reads cancelled."""
    page, site = console_page, live_site
    waiting = _waiting_request(site)
    _signed_in(page, site)
    page.goto(f"{site.url}/console/request/{waiting.id}")
    page.get_by_label(re.compile("Cancel this lift")).fill("appointment moved")
    page.get_by_role("button", name="Cancel the lift").click()
    expect(page.locator(".flash")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("cancelled")
    with Session(site.engine) as session:
        assert session.get(LiftRequest, waiting.id).status == "cancelled"  # type: ignore[union-attr]


def test_book_for_a_resident_who_phoned(console_page: Page, live_site: Site) -> None:
    """The booking form passes axe, refuses a Sunday as the dialogue does, and books a
    weekday lift that then shows on that day's board."""
    page, site = console_page, live_site
    _signed_in(page, site)
    page.goto(f"{site.url}/console/book")
    _clean(page)
    friday = site.day + timedelta(days=8)  # a Friday, two weeks on: no short notice
    sunday = friday + timedelta(days=2)
    with Session(site.engine) as session:
        edith = session.exec(select(Person.id).where(Person.name == "Edith Bainbridge")).one()
    page.get_by_label("Resident").select_option(str(edith))
    page.get_by_label("Appointment at").select_option(index=1)
    page.get_by_label("Date of the appointment").fill(sunday.isoformat())
    page.get_by_label("Time of the appointment").fill("10:30")
    page.get_by_role("button", name="Book the lift").click()
    expect(page.locator(".error")).to_be_visible()
    _clean(page)
    page.get_by_label("Date of the appointment").fill(friday.isoformat())
    page.get_by_role("button", name="Book the lift").click()
    expect(page.locator(".flash")).to_be_visible()
    expect(page).to_have_url(re.compile(f"/console/day/{friday.isoformat()}"))
    expect(page.locator(".unassigned")).to_contain_text("Edith")


def test_map_draws_routes_and_markers_without_tiles(console_page: Page, live_site: Site) -> None:
    """With no tile server reachable the map still draws one line per route and a marker per
    unassigned pick-up, and the page passes axe."""
    page, site = console_page, live_site
    _signed_in(page, site)
    page.goto(f"{site.url}/console/day/{site.day.isoformat()}/map")
    data = page.request.get(f"{site.url}/console/day/{site.day.isoformat()}/map.json").json()
    lines = sum(1 for r in data["routes"] if len(r["stops"]) > 1)
    assert lines and data["unassigned"]
    expect(page.locator("#map")).to_have_attribute(
        "data-drawn", f"{len(data['routes'])} routes, {len(data['unassigned'])} unassigned")
    expect(page.locator("#map path.leaflet-interactive:not(.unassigned)")).to_have_count(
        lines + sum(len(r["stops"]) for r in data["routes"]))
    expect(page.locator("#map path.unassigned")).to_have_count(len(data["unassigned"]))
    _clean(page)


def test_print_a_run_sheet(console_page: Page, live_site: Site) -> None:
    """The print page puts each driver on their own page; the PDF's text holds the driver's
    stops with their times and passengers."""
    page, site = console_page, live_site
    _signed_in(page, site)
    page.goto(f"{site.url}/console/day/{site.day.isoformat()}/print")
    page.emulate_media(media="print")
    sheets = page.locator("section.sheet")
    assert sheets.count() > 1
    assert page.evaluate("() => getComputedStyle(document.querySelector('section.sheet'))"
                         ".breakAfter") == "page"
    expect(page.locator("header")).to_be_hidden()
    page.emulate_media(media="screen")
    _clean(page)
    first = sheets.first
    driver = first.locator("h2").inner_text().removeprefix("Run sheet: ")
    rows = [r.inner_text() for r in first.locator("tbody tr").all()]
    with page.expect_download() as download:
        first.get_by_role("link", name="PDF").click()
    text = "\n".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert f"Run sheet: {driver}" in text
    for row in rows:
        at, action, who = row.split("\t")[:3]
        assert at in text and action in text and who.split()[0] in text


def test_download_the_report_csv(console_page: Page, live_site: Site) -> None:
    """The report page (with its chart) passes axe and its CSV counts the month's lifts."""
    page, site = console_page, live_site
    _signed_in(page, site)
    month = site.day.replace(day=1)
    page.goto(f"{site.url}/console/reports/{month:%Y-%m}")
    expect(page.get_by_role("img")).to_be_visible()
    _clean(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[0][:2] == ["week starting", "requested"]
    total = next(r for r in rows if r and r[0] == "total")
    with Session(site.engine) as session:
        count = len(session.exec(select(LiftRequest.id).where(LiftRequest.scheme_id == 1)).all())
    assert int(total[1]) == count


def test_another_schemes_coordinator_sees_none_of_it(console_page: Page,
                                                     live_site: Site) -> None:
    """Signed in to scheme B, scheme A's request, driver sheet and day show nothing of A."""
    page, site = console_page, live_site
    waiting = _waiting_request(site)
    _signed_in(page, site, OTHER)
    page.goto(f"{site.url}/console/request/{waiting.id}")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    page.goto(f"{site.url}/console/day/{site.day.isoformat()}")
    expect(page.get_by_role("heading", name="Drivers")).to_be_visible()
    expect(page.locator("article.driver")).to_have_count(0)
    expect(page.locator(".unassigned")).to_contain_text("Mary")
    expect(page.locator("main")).not_to_contain_text("Resident")


def test_a_form_without_its_token_is_refused(console_page: Page, live_site: Site) -> None:
    """A cancel form whose CSRF token was removed is refused and the lift is not cancelled."""
    page, site = console_page, live_site
    waiting = _waiting_request(site)
    _signed_in(page, site)
    page.goto(f"{site.url}/console/request/{waiting.id}")
    page.evaluate("() => document.querySelectorAll('input[name=csrf]')"
                  ".forEach(e => e.remove())")
    page.get_by_label(re.compile("Cancel this lift")).fill("no token")
    page.get_by_role("button", name="Cancel the lift").click()
    expect(page.get_by_text("This form has expired")).to_be_visible()
    with Session(site.engine) as session:
        assert session.get(LiftRequest, waiting.id).status != "cancelled"  # type: ignore[union-attr]


def test_wrong_passwords_are_throttled(console_page: Page, live_site: Site) -> None:
    """Five wrong passwords, then even the right one is refused with a wait."""
    page, site = console_page, live_site
    for _ in range(5):
        sign_in(page, site.url, COORDINATOR, "wrong wrong wrong")
        expect(page.get_by_role("alert")).to_contain_text("match an account")
    sign_in(page, site.url, COORDINATOR)
    expect(page.get_by_role("alert")).to_contain_text("Too many tries")
    _clean(page)


def test_every_page_passes_axe(console_page: Page, live_site: Site) -> None:
    """Each page a coordinator or admin can open has no WCAG 2.2 A/AA violation."""
    page, site = console_page, live_site
    waiting = _waiting_request(site)
    day = site.day.isoformat()
    with Session(site.engine) as session:
        driver = session.exec(select(Leg.driver_id).where(col(Leg.driver_id).is_not(None))
                              ).first()
    month = f"{site.day:%Y-%m}"
    _signed_in(page, site, "alex@wensleydale.example")  # the admin sees every page
    for path in ("/console/", f"/console/day/{day}", f"/console/request/{waiting.id}",
                 "/console/book", "/console/help", "/console/message",
                 f"/console/message/{waiting.resident_id}", "/console/audit",
                 "/console/accounts", f"/console/reports/{month}", f"/console/day/{day}/print",
                 f"/console/day/{day}/driver/{driver}/print", f"/console/day/{day}/map",
                 f"/console/day/{date(2000, 1, 3).isoformat()}", "/console/residents",
                 f"/console/residents/{waiting.resident_id}", "/console/drivers",
                 f"/console/drivers/{driver}"):
        page.goto(f"{site.url}{path}")
        page.wait_for_load_state("networkidle")
        assert axe_violations(page) == [], path
    assert page.problems == [], page.problems  # type: ignore[attr-defined]


def test_plan_now_shows_its_progress(console_page: Page, live_site: Site) -> None:
    """"Plan this day now" queues a plan; the board says so, and once a worker has run it
    (here the test stands in for the scheduler) the board shows the plan's summary."""
    page, site = console_page, live_site
    _signed_in(page, site)
    page.goto(f"{site.url}/console/day/{site.day.isoformat()}")
    page.get_by_role("button", name="Plan this day now").click()
    expect(page.locator("#plan-progress")).to_contain_text("queued")
    _clean(page)
    done = run_next(site.engine, site.clock.now, matrices=TRAVEL.matrices, time_limit=1.0)
    assert done is not None and done.state == "done"
    expect(page.locator("#plan-progress")).to_contain_text(
        f"Planning finished: Planned {site.day:%a} {site.day.day}", timeout=10_000)
