"""Signing in to the console over plain HTTP: cookies, throttling, idle time-out, revocation."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import Session, select

from booking.accounts import ACCOUNT_FAILURES, disable_account
from storage.db import transaction
from storage.tables import ConsoleSession, LoginAttempt
from tests.web.support import COORDINATOR, OTHER, PASSWORD, Client, Site, later, signed_in
from web.app import SecurityHeaders


def test_sign_in_sets_an_opaque_httponly_lax_cookie(site: Site) -> None:
    """A right password gives a signed, HttpOnly, SameSite=Lax cookie holding no account data,
    and the board shows who is signed in."""
    client = Client(site.url)
    response = client.login(COORDINATOR)
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("lifts_console="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert "pat" not in value.lower() and COORDINATOR not in value
    board = client.get("/console/")
    assert board.status_code == 200 and "Sign out Pat Coordinator" in board.text
    assert "no-store" in board.headers["cache-control"]
    assert "script-src 'self'" in board.headers["content-security-policy"]


def test_pages_need_a_session(site: Site) -> None:
    """Without a session the board sends the browser to sign in; htmx gets HX-Redirect."""
    client = Client(site.url)
    assert client.get("/console/").headers["location"] == "/console/login"
    polled = client.get("/console/", headers={"HX-Request": "true"})
    assert polled.status_code == 204 and polled.headers["hx-redirect"] == "/console/login"


def test_a_forged_cookie_is_refused(site: Site) -> None:
    """A cookie whose signature does not match is no session at all."""
    client = signed_in(site.url, COORDINATOR)
    value = client.http.cookies["lifts_console"]
    client.http.cookies.clear()
    client.http.cookies.set("lifts_console", value[:-3] + "AAA", path="/console")
    assert client.get("/console/").status_code == 303


def test_wrong_password_is_refused_and_logged_without_it(
        site: Site, caplog: pytest.LogCaptureFixture) -> None:
    """A wrong password gets 401 and a log line with neither the email nor the password."""
    caplog.set_level(logging.INFO)
    client = Client(site.url)
    response = client.login(COORDINATOR, "not the password")
    assert response.status_code == 401 and "match an account" in response.text
    assert "lifts_console" not in response.headers.get("set-cookie", "")
    logged = caplog.text
    assert "sign-in failed" in logged
    assert COORDINATOR not in logged and "not the password" not in logged


def test_wrong_passwords_lock_the_account(site: Site) -> None:
    """After five wrong passwords even the right one is refused for a while (429), then
    works again once the window has passed."""
    client = Client(site.url)
    for _ in range(ACCOUNT_FAILURES):
        assert client.login(COORDINATOR, "guess guess guess").status_code == 401
    locked = client.login(COORDINATOR, PASSWORD)
    assert locked.status_code == 429 and "Too many tries" in locked.text
    assert client.login(OTHER).status_code == 303  # another account is not locked
    later(site, 16)
    assert Client(site.url).login(COORDINATOR).status_code == 303


def test_many_failures_from_one_client_are_throttled(site: Site) -> None:
    """Guessing across many emails from one address is throttled too; attempts keep no email."""
    client = Client(site.url)
    for n in range(20):
        assert client.login(f"nobody{n}@example.org", "guess guess").status_code == 401
    assert client.login(OTHER).status_code == 429
    with Session(site.engine) as session:
        attempts = session.exec(select(LoginAttempt)).all()
    assert len(attempts) == 20 and all(a.account_id is None for a in attempts)
    assert all(len(a.client_hash) == 64 and "127.0.0.1" not in a.client_hash
               for a in attempts)


def test_login_form_needs_its_token(site: Site) -> None:
    """A sign-in posted without the form's token (e.g. from another site) is refused."""
    client = Client(site.url)
    client.get("/console/login")
    response = client.post("/console/login", {"email": COORDINATOR, "password": PASSWORD},
                           csrf=False)
    assert response.status_code == 403 and "expired" in response.text


def test_idle_sessions_end(site: Site) -> None:
    """After the idle time-out (30 minutes without a visit) the session is over."""
    client = signed_in(site.url, COORDINATOR)
    later(site, 20)
    assert client.get("/console/").status_code == 200  # a real visit counts as activity
    later(site, 25)
    assert client.get("/console/").status_code == 200
    later(site, 31)
    assert client.get("/console/").status_code == 303


def test_sign_out_revokes_the_session(site: Site) -> None:
    """After signing out the old cookie is worthless, even if a copy was kept."""
    client = signed_in(site.url, COORDINATOR)
    kept = client.http.cookies["lifts_console"]
    assert client.post("/console/logout").status_code == 303
    thief = Client(site.url)
    thief.http.cookies.set("lifts_console", kept, path="/console")
    assert thief.get("/console/").status_code == 303
    with Session(site.engine) as session:
        assert session.exec(select(ConsoleSession)).one().revoked_at is not None


def test_disabling_an_account_signs_it_out(site: Site) -> None:
    """`disable` ends the account's open sessions at once and stops new sign-ins."""
    client = signed_in(site.url, COORDINATOR)
    with transaction(site.engine) as session:
        disable_account(session, COORDINATOR, site.clock.now)
    assert client.get("/console/").status_code == 303
    assert Client(site.url).login(COORDINATOR).status_code == 401


def test_logout_without_the_token_is_refused(site: Site) -> None:
    """A form post without the CSRF token is refused with 403 and changes nothing."""
    client = signed_in(site.url, COORDINATOR)
    response = client.post("/console/logout", csrf=False)
    assert response.status_code == 403
    assert client.get("/console/").status_code == 200


def test_a_post_from_another_origin_is_refused(site: Site) -> None:
    """Even with the token, a post the browser says comes from another site is refused."""
    client = signed_in(site.url, COORDINATOR)
    response = client.post("/console/logout", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


def test_a_coordinator_cannot_switch_to_another_scheme(site: Site) -> None:
    """Asking for a scheme the account is not a member of is refused."""
    client = signed_in(site.url, OTHER)
    response = client.post("/console/scheme", {"scheme": "wensleydale"})
    assert response.status_code == 403
    assert "Swaledale Lifts" in client.get("/console/").text


def test_garbage_bodies_get_400_not_500(site: Site) -> None:
    """A body that is not a form, or far too big, is answered 400."""
    client = signed_in(site.url, COORDINATOR)
    bad = client.http.post("/console/logout", content=b"\xff\xfe", headers={
        "content-type": "application/x-www-form-urlencoded"})
    assert bad.status_code == 400
    huge = client.http.post("/console/login", content=b"a=" + b"x" * 100_000, headers={
        "content-type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 400


def test_the_policy_allows_only_the_tile_server_besides_us() -> None:
    """The CSP lets images come from the tile server (every {s} subdomain) and nothing else
    from elsewhere; without tiles, only from us."""
    with_tiles = SecurityHeaders(None, tile_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://*.tiles.example.org;" in with_tiles.csp
    assert "script-src 'self';" in with_tiles.csp and "unsafe" not in with_tiles.csp
    assert "img-src 'self' data:;" in SecurityHeaders(None, tile_url="").csp


def test_the_boards_polling_does_not_keep_a_session_alive(site: Site) -> None:
    """An open board polls its fragment, but that is not activity: 31 minutes after the last
    click the session is over even though it polled throughout."""
    client = signed_in(site.url, COORDINATOR)
    live = f"/console/day/{site.day.isoformat()}/live"
    for _ in range(3):
        later(site, 10)
        assert client.get(live, headers={"HX-Request": "true"}).status_code == 200
    later(site, 1)
    polled = client.get(live, headers={"HX-Request": "true"})
    assert polled.status_code == 204 and polled.headers["hx-redirect"] == "/console/login"
