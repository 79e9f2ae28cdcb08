"""Run sheets and the roster, as print pages (one driver per page) and as PDF downloads."""

from __future__ import annotations

from starlette.responses import Response

from booking.board_detail import person_in_scheme
from booking.board_routes import Route, routes
from web.context import Ctx, NotFound
from web.pdf import routes_pdf


def roster_page(ctx: Ctx) -> Response:
    """GET /console/day/D/print: every driver's run sheet, one per printed page."""
    day = ctx.path_day()
    return ctx.render("print.html", day=day, routes=routes(ctx.session, ctx.scheme_id, day),
                      one=None)


def driver_page(ctx: Ctx) -> Response:
    """GET /console/day/D/driver/N/print: one driver's run sheet."""
    day, driver_id = ctx.path_day(), _driver(ctx)
    found = routes(ctx.session, ctx.scheme_id, day, driver_id=driver_id)
    return ctx.render("print.html", day=day, routes=found, one=driver_id)


def roster_pdf(ctx: Ctx) -> Response:
    """GET /console/day/D/roster.pdf."""
    day = ctx.path_day()
    return _pdf(ctx, f"roster-{day.isoformat()}.pdf",
                routes(ctx.session, ctx.scheme_id, day))


def driver_pdf(ctx: Ctx) -> Response:
    """GET /console/day/D/driver/N.pdf."""
    day, driver_id = ctx.path_day(), _driver(ctx)
    return _pdf(ctx, f"run-sheet-{day.isoformat()}-{driver_id}.pdf",
                routes(ctx.session, ctx.scheme_id, day, driver_id=driver_id))


def _driver(ctx: Ctx) -> int:
    driver_id = ctx.path_int("driver")
    try:
        person_in_scheme(ctx.session, ctx.scheme_id, driver_id)
    except LookupError as exc:
        raise NotFound("There is no such driver.") from exc
    return driver_id


def _pdf(ctx: Ctx, name: str, found: list[Route]) -> Response:
    body = routes_pdf(ctx.who.scheme.name, ctx.path_day(), found)
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
