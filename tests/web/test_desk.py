"""The console's actions over plain HTTP: each goes through booking.coordinator and leaves
its trace (statuses, outbox, audit trail) where the chat commands would."""

from __future__ import annotations

from sqlmodel import Session, col, select

from booking import help
from booking.domain.status import REQUEST_WAITING
from lifts.app import asgi, build
from lifts.seed import DEMO_COORDINATOR_PHONE
from storage.db import transaction
from storage.tables import (
    AuditEntry,
    ConsoleAccount,
    HelpRequest,
    LiftRequest,
    Offer,
    OutboxMessage,
    Person,
)
from tests.support.live import live_server
from tests.support.world import settings
from tests.web.support import ADMIN, COORDINATOR, PASSWORD, Client, Site, signed_in


def _waiting(site: Site) -> LiftRequest:
    with Session(site.engine) as session:
        found = session.exec(select(LiftRequest).where(
            LiftRequest.scheme_id == 1, col(LiftRequest.status).in_(list(REQUEST_WAITING)))
            .order_by(col(LiftRequest.id))).first()
    assert found is not None
    return found


def test_cancel_is_in_the_audit_trail_as_the_coordinators_chat_identity(site: Site) -> None:
    """A cancellation from the console is recorded with the coordinator's name, role, the
    console channel, their account and their linked Person, and the trail page shows it."""
    request = _waiting(site)
    client = signed_in(site.url, COORDINATOR)
    client.get(f"/console/request/{request.id}")
    response = client.post(f"/console/request/{request.id}/cancel",
                           {"reason": "appointment moved"})
    assert response.status_code == 303
    with Session(site.engine) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "cancel")).one()
        pat = session.exec(select(Person).where(Person.phone == DEMO_COORDINATOR_PHONE)).one()
        account = session.exec(select(ConsoleAccount).where(
            ConsoleAccount.email == COORDINATOR)).one()
        assert session.get(LiftRequest, request.id).status == "cancelled"  # type: ignore[union-attr]
    assert (entry.actor_name, entry.channel, entry.actor_role) == (
        "Pat Coordinator", "console", "coordinator")
    assert entry.person_id == pat.id and entry.account_id == account.id
    assert entry.request_id == request.id and "appointment moved" in entry.detail
    page = client.get(f"/console/request/{request.id}").text
    assert "is cancelled" in page  # the core's own words, shown once
    trail = client.get("/console/audit").text
    assert "Pat Coordinator (coordinator)" in trail and f"#{request.id}" in trail
    assert "appointment moved" in trail and "is cancelled" not in trail


def test_unassign_and_broadcast(site: Site) -> None:
    """Taking a trip off its driver and broadcasting it both go through the core: the driver
    is stood down, and nearby drivers get urgent offers."""
    request = _waiting(site)
    client = signed_in(site.url, COORDINATOR)
    client.get(f"/console/request/{request.id}")
    with Session(site.engine) as session:
        driver = session.exec(select(Offer.driver_id).where(
            Offer.request_id == request.id, Offer.status == "open")).first()
    assert driver is not None
    assigned = client.post(f"/console/request/{request.id}/assign",
                           {"driver": str(driver), "override": "yes"})
    assert assigned.status_code == 303, assigned.text
    unassigned = client.post(f"/console/request/{request.id}/unassign")
    assert unassigned.status_code == 303
    assert "no longer" in client.get(f"/console/request/{request.id}").text
    broadcast = client.post(f"/console/request/{request.id}/broadcast")
    assert broadcast.status_code == 303, broadcast.text
    with Session(site.engine) as session:
        urgent = session.exec(select(Offer).where(Offer.request_id == request.id,
                                                  Offer.broadcast == True)).all()  # noqa: E712
        actions = [e.action for e in session.exec(select(AuditEntry)).all()]
    assert urgent and {"assign", "unassign", "broadcast"} <= set(actions)


def test_a_message_goes_through_the_outbox(site: Site) -> None:
    """A message to a driver is queued in the outbox signed by the coordinator; one naming a
    medical matter is refused and nothing is queued."""
    client = signed_in(site.url, COORDINATOR)
    with Session(site.engine) as session:
        driver = session.exec(select(Person).where(Person.role == "driver",
                                                   Person.scheme_id == 1)).first()
    assert driver is not None
    client.get(f"/console/message/{driver.id}")
    refused = client.post("/console/message", {"person": str(driver.id),
                                                "text": "Her chemo is at 10"})
    assert refused.status_code == 409 and "medical" in refused.text
    sent = client.post("/console/message", {"person": str(driver.id),
                                             "text": "Could you ring me about Thursday?"})
    assert sent.status_code == 303
    with Session(site.engine) as session:
        queued = session.exec(select(OutboxMessage).where(
            OutboxMessage.person_id == driver.id,
            OutboxMessage.kind == "coordinator_message")).all()
    assert len(queued) == 1 and "Could you ring me about Thursday?" in queued[0].body
    assert "chemo" not in queued[0].body


def test_a_help_call_is_answered(site: Site) -> None:
    """An open HELP shows on the board's problems and the HELP page; marking it handled with
    a note closes it and records who did it."""
    with transaction(site.engine) as session:
        resident = session.exec(select(Person).where(Person.name == "Edith Bainbridge")).one()
        call = help.open_help(session, 1, resident, channel="sms", address="",
                              now=site.clock.now)
        call_id = call.id
    client = signed_in(site.url, COORDINATOR)
    assert "HELP from Edith" in client.get(f"/console/day/{site.day}").text
    page = client.get("/console/help").text
    assert "Edith Bainbridge" in page
    done = client.post(f"/console/help/{call_id}", {"note": "Rang her back; all fine"})
    assert done.status_code == 303
    assert "Nobody is waiting" in client.get("/console/help").text
    with Session(site.engine) as session:
        row = session.get(HelpRequest, call_id)
    assert row is not None and row.handled_by == "Pat Coordinator"
    assert row.note == "Rang her back; all fine"


def test_book_for_a_phoned_resident_over_http(site: Site) -> None:
    """The booking form refuses a time outside the scheme's hours with the dialogue's words,
    keeps what was typed, and books a good one."""
    client = signed_in(site.url, COORDINATOR)
    client.get("/console/book")
    with Session(site.engine) as session:
        edith = session.exec(select(Person).where(Person.name == "Edith Bainbridge")).one()
        place = session.exec(select(LiftRequest.destination_id)).first()
    day = site.day  # a Thursday three days ahead: a service day, not short notice
    form = {"resident": str(edith.id), "destination": str(place), "day": day.isoformat(),
            "time": "22:00", "return_plan": "wait"}
    late = client.post("/console/book", form)
    assert late.status_code == 409 and "outside the scheme" in late.text
    assert f'value="{day.isoformat()}"' in late.text
    good = client.post("/console/book", {**form, "time": "10:50"})
    assert good.status_code == 303 and good.headers["location"] == f"/console/day/{day}"
    with Session(site.engine) as session:
        assert session.exec(select(LiftRequest).where(
            LiftRequest.resident_id == edith.id)).first() is not None


def test_admin_adds_and_disables_an_account(site: Site) -> None:
    """An admin adds a coordinator for their scheme, who can then sign in; disabling them ends
    that; a coordinator cannot see the page at all."""
    admin = signed_in(site.url, ADMIN)
    admin.get("/console/accounts")
    added = admin.post("/console/accounts", {"email": "jo@example.org", "name": "Jo New",
                                             "role": "coordinator", "password": PASSWORD})
    assert added.status_code == 303
    assert "jo@example.org" in admin.get("/console/accounts").text
    jo = Client(site.url)
    assert jo.login("jo@example.org").status_code == 303
    with Session(site.engine) as session:
        jo_id = session.exec(select(ConsoleAccount.id).where(
            ConsoleAccount.email == "jo@example.org")).one()
    assert admin.post(f"/console/accounts/{jo_id}/disable").status_code == 303
    assert jo.get("/console/").status_code == 303  # signed out
    short = admin.post("/console/accounts", {"email": "x@example.org", "name": "X",
                                             "role": "coordinator", "password": "short"})
    assert short.status_code == 422 and "at least 10" in short.text
    assert signed_in(site.url, COORDINATOR).get("/console/accounts").status_code == 403


def test_cookies_are_secure_outside_development(site: Site) -> None:
    """In production the session cookie is marked Secure (it is only sent over HTTPS)."""
    config = settings(site.engine).model_copy(update={
        "app_env": "production", "session_secret": "s" * 20 + "0123456789abcdef"})
    lifts = build(config, clock=site.clock, engine=site.engine, polling=False)
    with live_server(asgi(lifts, run_scheduler=False)) as url:
        client = Client(url)
        form = client.get("/console/login")
        login_cookie = form.headers["set-cookie"]
        assert "Secure" in login_cookie
        # A Secure cookie is never sent over plain HTTP, so hand it back as a browser on
        # HTTPS would.
        token = login_cookie.split(";")[0].split("=", 1)[1]
        response = client.http.post("/console/login", headers={"Cookie": f"lifts_login={token}"},
                                    data={"email": COORDINATOR, "password": PASSWORD,
                                          "csrf": client.csrf})
    assert response.status_code == 303
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("lifts_console="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
