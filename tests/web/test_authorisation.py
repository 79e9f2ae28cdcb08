"""Every console route over plain HTTP: signed out, without the CSRF token, as a coordinator on
an admin page, and across schemes. The route table is checked against the app's own routes,
so a new route cannot be left out."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, col, select
from starlette.routing import Route

from booking import coordinator, help
from booking.audit import Actor
from lifts.app import build, console
from storage.db import transaction
from storage.tables import (
    AuditEntry,
    ConsoleAccount,
    HelpRequest,
    Leg,
    LiftRequest,
    OutboxMessage,
    Person,
    Place,
    PlanJob,
)
from tests.support.world import settings
from tests.web.support import ADMIN, COORDINATOR, OTHER, Client, Site, signed_in
from web.app import console_app

# (method, path) for every console route; {placeholders} are filled with scheme A's ids.
ROUTES = [
    ("GET", "/"), ("GET", "/go?day={day}"), ("GET", "/day/{day}"), ("GET", "/day/{day}/live"),
    ("GET", "/day/{day}/map"), ("GET", "/day/{day}/map.json"), ("GET", "/day/{day}/print"),
    ("GET", "/day/{day}/roster.pdf"), ("GET", "/day/{day}/driver/{driver}/print"),
    ("GET", "/day/{day}/driver/{driver}.pdf"), ("POST", "/day/{day}/plan"),
    ("GET", "/plan/{job}"), ("GET", "/request/{request}"), ("POST", "/request/{request}/assign"),
    ("POST", "/request/{request}/unassign"), ("POST", "/request/{request}/broadcast"),
    ("POST", "/request/{request}/cancel"), ("GET", "/book"), ("POST", "/book"),
    ("GET", "/help"), ("POST", "/help/{help}"), ("GET", "/message"), ("POST", "/message"),
    ("GET", "/message/{person}"), ("GET", "/audit"), ("GET", "/accounts"),
    ("POST", "/accounts"), ("POST", "/accounts/{account}/disable"), ("GET", "/reports"),
    ("GET", "/reports/{month}"), ("GET", "/reports/{month}.csv"),
    ("GET", "/reports/{month}.png"), ("POST", "/logout"), ("POST", "/scheme"),
    ("GET", "/privacy"), ("POST", "/privacy"), ("POST", "/privacy/export.json"),
    ("POST", "/privacy/erase"),
    ("GET", "/residents"), ("GET", "/residents/{person}"),
    ("POST", "/residents/{person}/approve"), ("POST", "/residents/{person}/details"),
    ("POST", "/residents/{person}/home"), ("POST", "/residents/{person}/needs"),
    ("POST", "/residents/{person}/place"),
    ("POST", "/residents/{person}/deactivate"), ("POST", "/residents/{person}/reactivate"),
    ("GET", "/drivers"), ("GET", "/drivers/{driver}"), ("POST", "/drivers/{driver}/checks"),
    ("POST", "/drivers/{driver}/car"), ("POST", "/drivers/{driver}/limits"),
    ("POST", "/drivers/{driver}/details"), ("POST", "/drivers/{driver}/deactivate"),
    ("POST", "/drivers/{driver}/reactivate"),
    ("GET", "/places"), ("POST", "/places"), ("GET", "/places/{place}"),
    ("POST", "/places/{place}"), ("POST", "/accounts/coordinators"),
    ("POST", "/accounts/coordinators/{coordinator}/deactivate"),
]
ADMIN_ONLY = {"/accounts", "/accounts/{account}/disable", "/accounts/coordinators",
              "/accounts/coordinators/{coordinator}/deactivate", "/privacy",
              "/privacy/export.json", "/privacy/erase"}
WITH_IDS = [(m, p) for m, p in ROUTES if any(k in p for k in (
    "{request}", "{driver}", "{person}", "{help}", "{job}", "{account}", "{place}",
    "{coordinator}"))]


def _ids(site: Site) -> dict[str, object]:
    """Scheme A's things, one of each kind, to put in the paths."""
    with transaction(site.engine) as session:
        request = session.exec(select(LiftRequest).where(LiftRequest.scheme_id == 1)
                               .order_by(col(LiftRequest.id))).first()
        driver = session.exec(select(Leg.driver_id).where(col(Leg.driver_id).is_not(None))
                              ).first()
        resident = session.get(Person, request.resident_id) if request else None
        call = help.open_help(session, 1, resident, channel="sms", address="", now=site.clock.now)
        job = coordinator.request_planning(session, 1, site.day, Actor("Test", "cli"),
                                           site.clock.now)
        account = session.exec(select(ConsoleAccount.id).where(
            ConsoleAccount.email == COORDINATOR)).one()
    assert request is not None and resident is not None
    with Session(site.engine) as session:
        place = session.exec(select(Place.id).where(Place.scheme_id == 1)).first()
        boss = session.exec(select(Person.id).where(Person.scheme_id == 1,
                                                    Person.role == "coordinator")).first()
    return {"place": place, "coordinator": boss,
            "day": site.day.isoformat(), "request": request.id, "driver": driver,
            "person": resident.id, "help": call.id, "job": job, "account": account,
            "month": f"{site.day:%Y-%m}"}


def _path(template: str, ids: dict[str, object]) -> str:
    return "/console" + template.format(**ids)


def _changes(site: Site) -> tuple[int, ...]:
    """What an action would have changed: statuses, messages, audit entries, HELPs, jobs."""
    with Session(site.engine) as session:
        return (len(session.exec(select(LiftRequest).where(
                    LiftRequest.status == "cancelled")).all()),
                len(session.exec(select(OutboxMessage)).all()),
                len(session.exec(select(AuditEntry)).all()),
                len(session.exec(select(HelpRequest).where(
                    col(HelpRequest.handled_at).is_not(None))).all()),
                len(session.exec(select(PlanJob)).all()),
                len(session.exec(select(Leg).where(Leg.status == "accepted")).all()),
                len(session.exec(select(ConsoleAccount).where(
                    ConsoleAccount.active == False)).all()))  # noqa: E712


def test_the_table_covers_every_route(site: Site) -> None:
    """The routes above are exactly the app's console routes (besides sign-in and files)."""
    lifts = build(settings(site.engine), engine=site.engine, polling=False)
    app = console_app(console(lifts)).app  # type: ignore[attr-defined]
    found = set()
    for route in app.routes:
        if isinstance(route, Route):
            for method in (route.methods or set()) - {"HEAD"}:
                found.add((method, route.path.replace(":int", "")))
    mine = {(m, p.split("?")[0]) for m, p in ROUTES}
    assert found - {("GET", "/login"), ("POST", "/login")} == mine


def test_signed_out_goes_to_sign_in(site: Site) -> None:
    """Signed out, every route sends the browser to the sign-in page and does nothing."""
    ids = _ids(site)
    before = _changes(site)
    client = Client(site.url)
    for method, template in ROUTES:
        response = client.http.request(method, _path(template, ids), data={"reason": "x"})
        assert response.status_code == 303, template
        assert response.headers["location"] == "/console/login"
    assert _changes(site) == before


def test_posts_without_the_token_are_refused(site: Site) -> None:
    """Signed in as an admin, every POST without its CSRF token is 403 and changes nothing."""
    ids = _ids(site)
    client = signed_in(site.url, ADMIN)
    before = _changes(site)
    for method, template in ROUTES:
        if method == "POST":
            response = client.post(_path(template, ids), {"reason": "x", "note": "x"},
                                   csrf=False)
            assert response.status_code == 403, template
    assert _changes(site) == before


def test_coordinators_cannot_use_admin_pages(site: Site) -> None:
    """Account pages are for admins: a coordinator gets 403 and no account changes."""
    ids = _ids(site)
    client = signed_in(site.url, COORDINATOR)
    before = _changes(site)
    for method, template in ROUTES:
        if template in ADMIN_ONLY:
            response = (client.get(_path(template, ids)) if method == "GET" else
                        client.post(_path(template, ids), {"email": "new@example.org",
                                                           "name": "New", "role": "admin",
                                                           "password": "long enough pw"}))
            assert response.status_code == 403, template
    assert _changes(site) == before


def test_another_schemes_coordinator_can_neither_see_nor_act(site: Site) -> None:
    """Scheme B's coordinator gets 404 for each of scheme A's requests, drivers, people, HELP
    calls and planning runs, whatever the route, and nothing changes."""
    ids = _ids(site)
    client = signed_in(site.url, OTHER)
    before = _changes(site)
    for method, template in WITH_IDS:
        if template in ADMIN_ONLY:
            continue
        path = _path(template, ids)
        response = (client.get(path) if method == "GET" else
                    client.post(path, {"reason": "x", "note": "x", "driver": str(ids["driver"])}))
        assert response.status_code == 404, (method, template, response.status_code)
    assert _changes(site) == before


def test_another_schemes_things_are_not_named_on_day_pages(site: Site) -> None:
    """Scheme B's board, map data, print pages and PDF hold nothing of scheme A's day."""
    ids = _ids(site)
    with Session(site.engine) as session:
        names = [p.name for p in session.exec(select(Person).where(Person.scheme_id == 1))]
    client = signed_in(site.url, OTHER)
    for template in ("/day/{day}", "/day/{day}/live", "/day/{day}/map.json",
                     "/day/{day}/print", "/audit", "/help", "/message"):
        text = client.get(_path(template, ids)).text
        assert not [n for n in names if n in text], template
    assert "Mary" in client.get(_path("/day/{day}", ids)).text


def test_a_coordinator_cannot_reach_another_scheme_by_id(site: Site) -> None:
    """Scheme A's coordinator asking for scheme B's request, resident or driver gets 404."""
    client = signed_in(site.url, COORDINATOR)
    day = site.day.isoformat()
    for path in (f"/console/request/{site.other_request}",
                 f"/console/message/{site.other_person}",
                 f"/console/day/{day}/driver/{site.other_driver}/print",
                 f"/console/day/{day}/driver/{site.other_driver}.pdf"):
        assert client.get(path).status_code == 404, path
    before = _changes(site)
    cancel = client.post(f"/console/request/{site.other_request}/cancel", {"reason": "x"})
    message = client.post("/console/message", {"person": str(site.other_person), "text": "hi"})
    assert cancel.status_code == 404 and message.status_code == 404
    assert _changes(site) == before


def test_nonsense_never_gets_a_500(site: Site) -> None:
    """Impossible dates, huge ids, wrong months, odd forms: 4xx answers, never 500."""
    client = signed_in(site.url, COORDINATOR)
    paths = ["/console/day/2026-02-30", "/console/day/0001-01-01", "/console/day/9999-12-31",
             "/console/day/x", "/console/go?day=", "/console/go?day=31/12/2026",
             "/console/request/99999999999999999999", "/console/request/0",
             "/console/reports/2026-13", "/console/reports/26-1.csv", "/console/plan/0",
             "/console/audit?before=x", "/console/audit?before=99999999999999999",
             "/console/message/99999999999", "/console/day/2026-01-01/driver/0.pdf",
             f"/console/day/{site.day}?job=abc", f"/console/day/{site.day}?job=999999"]
    for path in paths:
        assert client.get(path).status_code < 500, path
    forms = [("/console/book", {"resident": "x"}),
             ("/console/book", {"resident": "1", "destination": "1", "day": "9999-12-31",
                                "time": "25:00"}),
             ("/console/book", {"resident": "99999999999", "destination": "1",
                                "day": (site.day + timedelta(days=8)).isoformat(),
                                "time": "10:00"}),
             ("/console/message", {"person": "1", "text": "x" * 5000}),
             ("/console/request/1/assign", {"driver": "not a number"}),
             ("/console/request/1/assign", {"driver": "99999999"}),
             ("/console/request/1/cancel", {"reason": "   "}),
             ("/console/help/99999", {"note": "x"}),
             ("/console/scheme", {"scheme": "\x00"})]
    for path, form in forms:
        assert client.post(path, form).status_code < 500, (path, form)


def test_a_viewer_reads_every_page_and_changes_nothing(site: Site) -> None:
    """A viewer account (a trustee, an auditor) gets every coordinator page and a 403 for
    every change, even with a good token; signing out and switching scheme still work."""
    from booking.accounts import create_account
    from tests.web.support import PASSWORD

    with transaction(site.engine) as session:
        create_account(session, email="viv@wensleydale.example", name="Viv Viewer",
                       role="viewer", password=PASSWORD, scheme_ids=[1], now=site.clock.now)
    ids = _ids(site)
    client = signed_in(site.url, "viv@wensleydale.example")
    before = _changes(site)
    for method, template in ROUTES:
        path = _path(template, ids)
        if template in ADMIN_ONLY or template in ("/logout", "/scheme"):
            continue
        if method == "GET":
            assert client.get(path).status_code in (200, 303), template
        else:
            client.get("/console/")
            response = client.post(path, {"reason": "x", "note": "x", "text": "hi",
                                          "driver": str(ids["driver"])})
            assert response.status_code == 403, template
            assert "look but not change" in response.text
    assert _changes(site) == before
    page = client.get(f"/console/drivers/{ids['driver']}").text
    assert "Record the" not in page and "Deactivate" not in page
    for path in ("/console/", f"/console/day/{ids['day']}", f"/console/request/{ids['request']}",
                 "/console/book", "/console/help", "/console/message"):
        forms = re.findall(r'<form method="post" action="([^"]+)"', client.get(path).text)
        assert [f for f in forms if not f.endswith(("/logout", "/scheme"))] == [], path
    client.get("/console/")
    assert client.post("/console/logout").status_code == 303
