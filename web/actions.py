"""What a coordinator does to a request: assign (or move) by hand, take it off a driver,
broadcast it, cancel it. Every action is a call to booking.coordinator, the same core the
chat commands use; nothing here writes a table or a status."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from booking import coordinator
from booking.board import closed
from booking.board_detail import RequestDetail, request_detail
from booking.board_routes import driver_choices
from booking.domain.outcomes import Refused
from web.context import PREFIX, Ctx, Invalid, NotFound


def request_page(ctx: Ctx, *, status: int = 200, error: str = "", warnings: tuple[str, ...] = (),
                 chosen: int | None = None) -> Response:
    """GET /console/request/N: the request in full, and what can be done about it."""
    detail = _detail(ctx)
    day = detail.appointment.astimezone(ctx.tz).date()
    drivers = driver_choices(ctx.session, ctx.scheme_id, day)
    chosen_name = next((d.name for d in drivers if d.driver_id == chosen), "")
    return ctx.render("request.html", status=status, r=detail, day=day, drivers=drivers,
                      closed=closed(detail.status), error=error, warnings=warnings,
                      chosen=chosen, chosen_name=chosen_name)


def show(ctx: Ctx) -> Response:
    """GET /console/request/N."""
    return request_page(ctx)


def assign(ctx: Ctx) -> Response:
    """POST /console/request/N/assign: driver=ID [override=yes]. Warnings ask for an explicit
    override; nothing changes until it is given."""
    request_id = _detail(ctx).request_id
    driver_id = _int(ctx.form.get("driver", ""), "Choose a driver.")
    override = ctx.form.get("override") == "yes"
    result = ctx.attempt(lambda: coordinator.assign(
        ctx.session, ctx.scheme_id, request_id, driver_id, ctx.actor, ctx.now,
        override=override))
    if isinstance(result, Refused):
        return request_page(ctx, status=409, error=str(result), chosen=driver_id)
    if isinstance(result, coordinator.NeedsOverride):
        return request_page(ctx, status=409, error=result.message, warnings=result.problems,
                            chosen=driver_id)
    return ctx.done(result.message, f"{PREFIX}/request/{request_id}")


def unassign(ctx: Ctx) -> Response:
    """POST /console/request/N/unassign: back to the planner; the driver is told."""
    request_id = _detail(ctx).request_id
    return _finish(ctx, request_id, lambda: coordinator.unassign(
        ctx.session, ctx.scheme_id, request_id, ctx.actor, ctx.now))


def broadcast(ctx: Ctx) -> Response:
    """POST /console/request/N/broadcast: an urgent offer to the nearest free drivers."""
    request_id = _detail(ctx).request_id
    return _finish(ctx, request_id, lambda: coordinator.broadcast(
        ctx.session, ctx.scheme_id, request_id, ctx.actor, ctx.now))


def cancel(ctx: Ctx) -> Response:
    """POST /console/request/N/cancel: reason=...; the resident and any driver are told."""
    request_id = _detail(ctx).request_id
    reason = " ".join(ctx.form.get("reason", "").split())[:200]
    if not reason:
        return request_page(ctx, status=422, error="Please give a reason for cancelling.")
    return _finish(ctx, request_id, lambda: coordinator.cancel(
        ctx.session, ctx.scheme_id, request_id, reason, ctx.actor, ctx.now))


def _finish(ctx: Ctx, request_id: int, action: Callable[[], coordinator.Done]) -> Response:
    result = ctx.attempt(action)
    if isinstance(result, Refused):
        return request_page(ctx, status=409, error=str(result))
    return ctx.done(result.message, f"{PREFIX}/request/{request_id}")


def _detail(ctx: Ctx) -> RequestDetail:
    try:
        return request_detail(ctx.session, ctx.scheme_id, ctx.path_int("request"))
    except LookupError as exc:
        raise NotFound("There is no such request.") from exc


def _int(text: str, problem: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise Invalid(problem) from exc
    if not 0 < value < 2**31:
        raise Invalid(problem)
    return value
