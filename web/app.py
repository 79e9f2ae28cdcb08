"""The coordinators' console as an ASGI app, mounted by the entry point at /console."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web import (
    actions,
    admin,
    mapview,
    office,
    pages,
    people,
    places,
    printing,
    privacy,
    reports,
)
from web.context import PREFIX, Console, guarded
from web.login import choose_scheme, login_page, logout

STATIC = Path(__file__).parent / "static"


def console_app(console: Console) -> ASGIApp:
    """Every console route, each behind the sign-in, role, scheme and CSRF guard."""

    def page(handler: Callable[..., Response], **kw: Any) -> Callable[..., Any]:
        return guarded(console, handler, **kw)

    routes = [
        Route("/", page(pages.board), methods=["GET"]),
        Route("/go", page(pages.go), methods=["GET"]),
        Route("/day/{day}", page(pages.day), methods=["GET"]),
        Route("/day/{day}/live", page(pages.live, touch=False), methods=["GET"]),
        Route("/day/{day}/map", page(mapview.map_page), methods=["GET"]),
        Route("/day/{day}/map.json", page(mapview.map_data, touch=False), methods=["GET"]),
        Route("/day/{day}/print", page(printing.roster_page), methods=["GET"]),
        Route("/day/{day}/roster.pdf", page(printing.roster_pdf), methods=["GET"]),
        Route("/day/{day}/driver/{driver:int}/print", page(printing.driver_page),
              methods=["GET"]),
        Route("/day/{day}/driver/{driver:int}.pdf", page(printing.driver_pdf), methods=["GET"]),
        Route("/login", login_page(console), methods=["GET", "POST"]),
        Route("/logout", page(logout, viewer=True), methods=["POST"]),
        Route("/scheme", page(choose_scheme, viewer=True), methods=["POST"]),
        Route("/day/{day}/plan", page(office.plan_now), methods=["POST"]),
        Route("/plan/{job:int}", page(office.plan_progress, touch=False), methods=["GET"]),
        Route("/request/{request:int}", page(actions.show), methods=["GET"]),
        Route("/request/{request:int}/assign", page(actions.assign), methods=["POST"]),
        Route("/request/{request:int}/unassign", page(actions.unassign), methods=["POST"]),
        Route("/request/{request:int}/broadcast", page(actions.broadcast), methods=["POST"]),
        Route("/request/{request:int}/cancel", page(actions.cancel), methods=["POST"]),
        Route("/book", page(office.book_form), methods=["GET"]),
        Route("/book", page(office.book), methods=["POST"]),
        Route("/help", page(office.help_page), methods=["GET"]),
        Route("/help/{help:int}", page(office.handle_help), methods=["POST"]),
        Route("/message", page(office.message_form), methods=["GET"]),
        Route("/message", page(office.send_message), methods=["POST"]),
        Route("/message/{person:int}", page(office.message_form), methods=["GET"]),
        Route("/audit", page(office.audit_page), methods=["GET"]),
        Route("/accounts", page(admin.accounts_page, admin=True), methods=["GET"]),
        Route("/accounts", page(admin.add_account, admin=True), methods=["POST"]),
        Route("/accounts/{account:int}/disable", page(admin.disable, admin=True),
              methods=["POST"]),
        Route("/privacy", page(privacy.privacy_page, admin=True), methods=["GET"]),
        Route("/privacy", page(privacy.look_up, admin=True), methods=["POST"]),
        Route("/privacy/export.json", page(privacy.download, admin=True), methods=["POST"]),
        Route("/privacy/erase", page(privacy.erase_person, admin=True), methods=["POST"]),
        Route("/residents", page(people.list_page), methods=["GET"]),
        Route("/residents/{person:int}", page(people.resident_page), methods=["GET"]),
        Route("/residents/{person:int}/approve", page(people.approve), methods=["POST"]),
        Route("/residents/{person:int}/details", page(people.details), methods=["POST"]),
        Route("/residents/{person:int}/home", page(people.home), methods=["POST"]),
        Route("/residents/{person:int}/needs", page(people.needs), methods=["POST"]),
        Route("/residents/{person:int}/place", page(people.place), methods=["POST"]),
        Route("/residents/{person:int}/deactivate", page(people.deactivate), methods=["POST"]),
        Route("/residents/{person:int}/reactivate", page(people.reactivate), methods=["POST"]),
        Route("/drivers", page(people.list_page), methods=["GET"]),
        Route("/drivers/{driver:int}", page(people.driver_page), methods=["GET"]),
        Route("/drivers/{driver:int}/checks", page(people.vet), methods=["POST"]),
        Route("/drivers/{driver:int}/car", page(people.car), methods=["POST"]),
        Route("/drivers/{driver:int}/limits", page(people.limits), methods=["POST"]),
        Route("/drivers/{driver:int}/details", page(people.details), methods=["POST"]),
        Route("/drivers/{driver:int}/deactivate", page(people.deactivate), methods=["POST"]),
        Route("/drivers/{driver:int}/reactivate", page(people.reactivate), methods=["POST"]),
        Route("/places", page(places.list_page), methods=["GET"]),
        Route("/places", page(places.add), methods=["POST"]),
        Route("/places/{place:int}", page(places.place_page), methods=["GET"]),
        Route("/places/{place:int}", page(places.save), methods=["POST"]),
        Route("/accounts/coordinators", page(admin.add_coordinator, admin=True),
              methods=["POST"]),
        Route("/accounts/coordinators/{coordinator:int}/deactivate",
              page(admin.deactivate_coordinator, admin=True), methods=["POST"]),
        Route("/reports", page(reports.latest), methods=["GET"]),
        Route("/reports/{month}.csv", page(reports.report_csv), methods=["GET"]),
        Route("/reports/{month}.png", page(reports.report_chart, touch=False),
              methods=["GET"]),
        Route("/reports/{month}", page(reports.report_page), methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return SecurityHeaders(Starlette(routes=routes), tile_url=console.config.tile_url)


def redirect_to_console(_request: Any) -> Response:
    """/console without the slash."""
    return RedirectResponse(f"{PREFIX}/", status_code=308)


class SecurityHeaders:
    """Headers on every console response: a strict CSP (no inline script, no other origin but
    the map's tile server), no framing, no sniffing, and no caching of private pages."""

    def __init__(self, app: ASGIApp, *, tile_url: str) -> None:
        self.app = app
        # A tile URL with a {s} subdomain placeholder needs every subdomain allowed.
        tiles = urlsplit(tile_url.replace("{s}", "*"))
        tile_origin = f" {tiles.scheme}://{tiles.netloc}" if tiles.netloc else ""
        self.csp = (f"default-src 'self'; img-src 'self' data:{tile_origin}; "
                    "style-src 'self'; script-src 'self'; object-src 'none'; "
                    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(f"{PREFIX}/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", self.csp.encode()),
                            (b"x-content-type-options", b"nosniff"),
                            (b"x-frame-options", b"DENY"),
                            (b"referrer-policy", b"same-origin")]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
