"""Destinations and villages on the console: the list, one place to edit (its notes are
printed on run sheets), a new one. Each save is one call to booking.places."""

from __future__ import annotations

from starlette.responses import Response

from booking.domain.outcomes import Refused
from booking.places import KINDS, PlaceEdit, place_in, places, save_place
from web.context import PREFIX, Ctx, NotFound


def list_page(ctx: Ctx, *, status: int = 200, error: str = "") -> Response:
    """GET /console/places: destinations, then villages; and a form to add one."""
    return ctx.render("places.html", status=status, error=error,
                      places=places(ctx.session, ctx.scheme_id), kinds=KINDS, form=ctx.form)


def place_page(ctx: Ctx, *, status: int = 200, error: str = "") -> Response:
    """GET /console/places/N: one place to edit."""
    try:
        place = place_in(ctx.session, ctx.scheme_id, ctx.path_int("place"))
    except Refused as exc:
        raise NotFound("There is no such place.") from exc
    return ctx.render("place.html", status=status, error=error, place=place, kinds=KINDS,
                      form=ctx.form)


def add(ctx: Ctx) -> Response:
    """POST /console/places: a new destination or village."""
    result = ctx.attempt(lambda: save_place(ctx.session, ctx.scheme_id, None, _edit(ctx),
                                            ctx.actor, ctx.now))
    if isinstance(result, Refused):
        return list_page(ctx, status=409, error=str(result))
    return ctx.done(f"Added {result.name}.", f"{PREFIX}/places")


def save(ctx: Ctx) -> Response:
    """POST /console/places/N: change a place (retire it by unticking 'in use')."""
    place_id = ctx.path_int("place")
    try:
        place_in(ctx.session, ctx.scheme_id, place_id)
    except Refused as exc:
        raise NotFound("There is no such place.") from exc
    result = ctx.attempt(lambda: save_place(ctx.session, ctx.scheme_id, place_id, _edit(ctx),
                                            ctx.actor, ctx.now))
    if isinstance(result, Refused):
        return place_page(ctx, status=409, error=str(result))
    return ctx.done(f"Saved {result.name}.", f"{PREFIX}/places/{place_id}")


def _edit(ctx: Ctx) -> PlaceEdit:
    form = ctx.form
    return PlaceEdit(form.get("kind", ""), form.get("name", ""), form.get("town", ""),
                     form.get("postcode", ""), _number(form.get("lat", ""), "latitude"),
                     _number(form.get("lon", ""), "longitude"),
                     tuple(form.get("aliases", "").split(",")), form.get("notes", ""),
                     active=form.get("active", "yes") == "yes")


def _number(text: str, what: str) -> float:
    try:
        value = float(text.strip())
    except ValueError as exc:
        raise Refused(f"Give the {what} as a number, e.g. 54.29.") from exc
    if value != value:
        raise Refused(f"Give the {what} as a number, e.g. 54.29.")
    return value
