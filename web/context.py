"""What every console page gets: the signed-in account, a database session, the parsed form,
the clock and the templates; and the guard that checks all of it before a handler runs.

Handlers are plain functions `(Ctx) -> Response`, run in a worker thread inside one database
transaction (the core is synchronous): a `Refused` from the core rolls everything back.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from booking import accounts
from booking.accounts import SignedIn
from booking.audit import Actor
from booking.domain.outcomes import Refused
from booking.reports.impact import Impact
from web.security import (
    SESSION_COOKIE,
    BadForm,
    foreign_origin,
    read_form,
    same_token,
    unsign,
)

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
PREFIX = "/console"

Clock = Callable[[], datetime]
T = TypeVar("T")


@dataclass(frozen=True)
class ConsoleConfig:
    """The console's settings, from the entry point (web/ reads no environment itself)."""

    secret: bytes
    secure_cookies: bool = True
    idle: timedelta = timedelta(minutes=30)
    tile_url: str = ""
    tile_attribution: str = ""
    # The impact report's chart (PNG bytes) and CSV text, made by the entry point's report code.
    report_chart: Callable[[Impact, str], bytes] | None = None
    report_csv: Callable[[Impact], str] | None = None
    poll_seconds: int = 20


@dataclass
class Console:
    """The console's shared parts: database, clock, config and templates."""

    engine: Engine
    config: ConsoleConfig
    clock: Clock
    templates: Environment = field(init=False)

    def __post_init__(self) -> None:
        self.templates = Environment(loader=FileSystemLoader(TEMPLATES),
                                     autoescape=select_autoescape(["html"]),
                                     trim_blocks=True, lstrip_blocks=True)
        self.templates.globals.update(prefix=PREFIX, static=f"{PREFIX}/static",
                                      poll_seconds=self.config.poll_seconds)

    def page(self, name: str, values: dict[str, Any], *, status: int = 200,
             headers: dict[str, str] | None = None) -> HTMLResponse:
        """A rendered template."""
        html = self.templates.get_template(name).render(**values)
        return HTMLResponse(html, status_code=status, headers=headers)


@dataclass
class Ctx:
    """One request to a guarded page."""

    request: Request
    session: Session
    who: SignedIn
    form: dict[str, str]
    now: datetime
    console: Console

    @property
    def scheme_id(self) -> int:
        """The scheme this request may see and act on (one of the account's)."""
        return self.who.scheme.scheme_id

    @property
    def htmx(self) -> bool:
        """True for requests htmx made (they get fragments)."""
        return self.request.headers.get("hx-request") == "true"

    def render(self, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        """A page with the account, scheme and CSRF token in its context."""
        flash = "" if name.startswith("fragments/") else accounts.take_flash(self.session,
                                                                              self.who)
        base = {"who": self.who, "csrf": self.who.csrf_token, "flash": flash,
                "today": self.now.astimezone(self.tz).date(), "path": self.request.url.path}
        return self.console.page(name, {**base, **values}, status=status)

    @property
    def tz(self) -> Any:
        """The scheme's time zone."""
        from booking.schemes import rules_for

        return rules_for(self.session, self.scheme_id).tz

    def done(self, message: str, to: str) -> Response:
        """After an action: remember what happened and go to `to` (post, redirect, get)."""
        accounts.set_flash(self.session, self.who, message)
        if self.htmx:
            return Response(status_code=204, headers={"HX-Redirect": to})
        return RedirectResponse(to, status_code=303)

    def attempt(self, action: Callable[[], T]) -> T | Refused:
        """Run a core action in a savepoint: a refusal undoes what it began and is returned
        (to show on the same page), anything else is the action's answer."""
        try:
            with self.session.begin_nested():
                return action()
        except Refused as exc:
            return exc

    @property
    def actor(self) -> Actor:
        """The signed-in coordinator, as the audit trail records them."""
        return Actor(name=self.who.name, channel="console", role=self.who.role,
                     person_id=self.who.scheme.person_id, account_id=self.who.account_id)

    def path_int(self, name: str) -> int:
        """An id path parameter; NotFound past what a database id can be."""
        value = int(self.request.path_params[name])
        if not 0 < value < 2**31:
            raise NotFound("There is nothing here.")
        return value

    def path_day(self, name: str = "day") -> date:
        """A date path parameter; NotFound when it is not a real date we could have."""
        return parse_day(str(self.request.path_params[name]))


FIRST_YEAR, LAST_YEAR = 2000, 2100  # days outside these are typing mistakes (and overflow)


def parse_day(text: str) -> date:
    """YYYY-MM-DD within the years the console deals in; NotFound otherwise."""
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise NotFound("There is no such day.") from exc
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise NotFound("There is no such day.")
    return day


class NotFound(Exception):
    """Nothing here for this account (also what another scheme's things look like)."""


class Invalid(Exception):
    """A form value that does not make sense; the message says which and why."""


Handler = Callable[[Ctx], Response]


def guarded(console: Console, handler: Handler, *, admin: bool = False,
            touch: bool = True, viewer: bool = False) -> Callable[[Request], Any]:
    """An endpoint that signs in, checks role, scheme and CSRF, then runs `handler`."""

    async def endpoint(request: Request) -> Response:
        form: dict[str, str] = {}
        if request.method == "POST":
            try:
                form = await read_form(request)
            except BadForm:
                return HTMLResponse("That form could not be read.", status_code=400)
        started = time.perf_counter()
        response = await asyncio.to_thread(_run, console, request, form, handler, admin, touch,
                                           viewer)
        # How long the server took (sign-in check, queries, rendering), for the benchmark
        # and the browser's network panel.
        response.headers["server-timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    return endpoint


def _run(console: Console, request: Request, form: dict[str, str], handler: Handler,
         admin: bool, touch: bool, viewer: bool = False) -> Response:
    now = console.clock()
    cookie = request.cookies.get(SESSION_COOKIE, "")
    token = unsign(console.config.secret, cookie) if cookie else None
    with Session(console.engine, expire_on_commit=False) as session, session.begin():
        who = accounts.signed_in(session, token, now, idle=console.config.idle,
                                 touch=touch) if token else None
        if who is None:
            return _to_login(request)
        if admin and not who.is_admin:
            return HTMLResponse("Only an admin can do that.", status_code=403)
        if request.method == "POST" and who.read_only and not viewer:
            return HTMLResponse("Your account can look but not change anything.",
                                status_code=403)
        if request.method == "POST" and not _csrf_ok(request, form, who):
            log.warning("console: CSRF check failed (account %s)", who.account_id)
            return HTMLResponse("This form has expired. Please go back, reload the page and "
                                "try again.", status_code=403)
        ctx = Ctx(request, session, who, form, now, console)
        try:
            with session.begin_nested():  # a refusal undoes the action, not the sign-in
                return handler(ctx)
        except Refused as exc:
            return ctx.render("message.html", status=409, title="Not done", message=str(exc))
        except NotFound as exc:
            return ctx.render("message.html", status=404, title="Not found",
                              message=str(exc) or "There is nothing here.")
        except Invalid as exc:
            return ctx.render("message.html", status=422, title="Please check",
                              message=str(exc))


def _csrf_ok(request: Request, form: dict[str, str], who: SignedIn) -> bool:
    if foreign_origin(request):
        return False
    given = form.get("csrf") or request.headers.get("x-csrf-token", "")
    return same_token(who.csrf_token, given)


def _to_login(request: Request) -> Response:
    """Not signed in (or idled out): to the sign-in page, also from an htmx poll."""
    target = f"{PREFIX}/login"
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def new_token() -> str:
    """A random token for forms that come before a session (the sign-in form)."""
    return secrets.token_urlsafe(24)
