"""The board: a day at a glance, and its self-refreshing part."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from starlette.responses import RedirectResponse, Response

from booking.board import day_board
from booking.board_detail import help_calls
from web import office
from web.context import PREFIX, Ctx, parse_day

ONE_DAY = timedelta(days=1)


def board(ctx: Ctx) -> Response:
    """GET /console/: today's board."""
    return _board(ctx, ctx.now.astimezone(ctx.tz).date())


def day(ctx: Ctx) -> Response:
    """GET /console/day/YYYY-MM-DD: that day's board."""
    return _board(ctx, ctx.path_day())


def live(ctx: Ctx) -> Response:
    """GET /console/day/YYYY-MM-DD/live: the part of the board that refreshes itself (htmx
    polls it; it holds no form, so nothing the coordinator is typing is lost)."""
    return ctx.render("fragments/board_live.html", **_values(ctx, ctx.path_day()))


def go(ctx: Ctx) -> Response:
    """GET /console/go?day=YYYY-MM-DD: the day picker."""
    wanted = parse_day(ctx.request.query_params.get("day", ""))
    return RedirectResponse(f"{PREFIX}/day/{wanted.isoformat()}", status_code=303)


def _board(ctx: Ctx, wanted: date) -> Response:
    job_id = ctx.request.query_params.get("job", "")
    job = office.job_view(ctx, int(job_id)) if job_id.isdigit() and len(job_id) < 10 else None
    return ctx.render("board.html", **_values(ctx, wanted), job=job)


def _values(ctx: Ctx, wanted: date) -> dict[str, Any]:
    help_open = open_help(ctx)
    return {"board": day_board(ctx.session, ctx.scheme_id, wanted, ctx.now, help_open),
            "one_day": ONE_DAY, "updated": f"{ctx.now.astimezone(ctx.tz):%H:%M:%S}"}


def open_help(ctx: Ctx) -> list[tuple[int, str, datetime]]:
    """The scheme's HELP requests not yet handled: (id, first name, opened at)."""
    return [(c.help_id, c.first_name, c.opened_at)
            for c in help_calls(ctx.session, ctx.scheme_id)]
