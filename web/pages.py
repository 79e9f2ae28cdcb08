"""The console's pages: each calls a read model or a core service and renders a template."""

from __future__ import annotations

from starlette.responses import Response

from web.context import Ctx


def board(ctx: Ctx) -> Response:
    """GET /console/: today's board."""
    return ctx.render("board.html", day=ctx.now.astimezone(ctx.tz).date())
