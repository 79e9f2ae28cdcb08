"""The day map: each driver's route as a line through its stops, unassigned pick-ups as
markers (drawn by static/map.js with vendored Leaflet; tiles only if MAP_TILE_URL is set and
reachable, so the lines and markers show on a plain background otherwise)."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from booking.board_routes import routes, unassigned_pickups
from web.context import Ctx

# Distinct colours with at least 3:1 contrast against the map's light background.
# (No red: the pick-ups still without a driver are black rings filled amber.)
COLOURS = ("#0b5394", "#1b5e20", "#6a1b9a", "#8a4b00", "#00695c", "#37474f", "#ad1457",
           "#283593", "#4e342e", "#00838f")


def map_page(ctx: Ctx) -> Response:
    """GET /console/day/D/map."""
    day = ctx.path_day()
    found = routes(ctx.session, ctx.scheme_id, day)
    markers = unassigned_pickups(ctx.session, ctx.scheme_id, day, ctx.now)
    return ctx.render("map.html", day=day, routes=found, markers=markers, colours=COLOURS,
                      tiles=ctx.console.config.tile_url,
                      attribution=ctx.console.config.tile_attribution)


def map_data(ctx: Ctx) -> Response:
    """GET /console/day/D/map.json: what map.js draws (first names and places only)."""
    day = ctx.path_day()
    lines = []
    for n, route in enumerate(routes(ctx.session, ctx.scheme_id, day)):
        lines.append({"driver": route.driver, "colour": COLOURS[n % len(COLOURS)],
                      "stops": [{"lat": s.lat, "lon": s.lon, "at": s.at,
                                 "label": f"{s.at} {s.action.lower()} "
                                          f"{s.passenger.split()[0]}"}
                                for s in route.stops if s.lat is not None and s.lon is not None]})
    markers = [{"lat": m.lat, "lon": m.lon, "label": f"#{m.request_id} {m.appointment} "
                f"{m.passenger} ({m.village}): {m.reason}"}
               for m in unassigned_pickups(ctx.session, ctx.scheme_id, day, ctx.now)]
    return JSONResponse({"routes": lines, "unassigned": markers})
