"""The impact report (the figures of `lifts report`) as a page, its chart, and the CSV."""

from __future__ import annotations

import re
from datetime import date, timedelta

from starlette.responses import RedirectResponse, Response

from booking.reports.impact import Impact, impact, summary
from booking.rules import month_end
from booking.schemes import rules_for
from web.context import PREFIX, Ctx, NotFound

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def latest(ctx: Ctx) -> Response:
    """GET /console/reports: last month's report."""
    first = (ctx.now.astimezone(ctx.tz).date().replace(day=1) - timedelta(days=1)).replace(day=1)
    return RedirectResponse(f"{PREFIX}/reports/{first:%Y-%m}", status_code=303)


def report_page(ctx: Ctx) -> Response:
    """GET /console/reports/YYYY-MM."""
    first, figures = _figures(ctx)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = month_end(first) + timedelta(days=1)
    return ctx.render("report.html", first=first, figures=figures, rows=summary(figures),
                      reasons=figures.reasons.most_common(), previous=previous,
                      following=following, chart=ctx.console.config.report_chart is not None)


def report_csv(ctx: Ctx) -> Response:
    """GET /console/reports/YYYY-MM.csv: the weekly figures and the summary for spreadsheets."""
    first, figures = _figures(ctx)
    make = ctx.console.config.report_csv
    if make is None:
        raise NotFound("The CSV is not available here.")
    return Response(make(figures), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="impact-{first:%Y-%m}.csv"'})


def report_chart(ctx: Ctx) -> Response:
    """GET /console/reports/YYYY-MM.png: lifts by week and why requests went unserved."""
    first, figures = _figures(ctx)
    make = ctx.console.config.report_chart
    if make is None:
        raise NotFound("The chart is not available here.")
    return Response(make(figures, f"{ctx.who.scheme.name}, {first:%B %Y}"),
                    media_type="image/png")


def _figures(ctx: Ctx) -> tuple[date, Impact]:
    found = MONTH.match(str(ctx.request.path_params["month"]))
    if found is None:
        raise NotFound("There is no such month (use YYYY-MM).")
    first = date(int(found.group(1)), int(found.group(2)), 1)
    rules = rules_for(ctx.session, ctx.scheme_id)
    return first, impact(ctx.session, ctx.scheme_id, first, month_end(first), rules)
