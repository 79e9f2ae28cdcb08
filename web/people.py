"""Residents and drivers on the console: the lists, one person in full, and what a
coordinator changes about them (approve, vet, edit, deactivate). Each change is one call to
booking.people, which validates it and writes the audit trail; a refusal is shown on the
same page with what was typed kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from starlette.responses import Response

from booking.domain.outcomes import Refused
from booking.geo.placing import place_resident
from booking.intake.views import MOBILITY_LABELS
from booking.people import approval, editing
from booking.people.approval import Checks, Done
from booking.people.roster import driver_detail, people_list, resident_detail
from web.context import PREFIX, Ctx, NotFound

ROLES = {"residents": "resident", "drivers": "driver"}


def list_page(ctx: Ctx) -> Response:
    """GET /console/residents | /console/drivers[?q=...]: waiting first, then by name."""
    kind = ctx.request.url.path.rstrip("/").rsplit("/", 1)[-1]
    query = ctx.request.query_params.get("q", "")[:80]
    rows = people_list(ctx.session, ctx.scheme_id, role=ROLES[kind], now=ctx.now, query=query)
    return ctx.render("people.html", kind=kind, rows=rows, q=query,
                      waiting=sum(1 for r in rows if r.pending))


def driver_page(ctx: Ctx, *, status: int = 200, error: str = "") -> Response:
    """GET /console/drivers/N: checks, car, limits, trips, claims, messages (no words)."""
    try:
        detail = driver_detail(ctx.session, ctx.scheme_id, _path_id(ctx), ctx.now)
    except Refused as exc:
        raise NotFound("There is no such driver.") from exc
    return ctx.render("driver.html", status=status, error=error, d=detail, p=detail.person,
                      form=ctx.form, tz=ctx.tz)


def resident_page(ctx: Ctx, *, status: int = 200, error: str = "") -> Response:
    """GET /console/residents/N: details, home, needs, lifts, no-shows, messages (no words)."""
    try:
        detail = resident_detail(ctx.session, ctx.scheme_id, _path_id(ctx))
    except Refused as exc:
        raise NotFound("There is no such resident.") from exc
    places = _settlements(ctx)
    person = detail.person
    if person.lat is not None and person.lon is not None:
        centre = (person.lat, person.lon)
    elif places:  # the middle of the scheme's villages
        centre = (sum(p[2] for p in places) / len(places), sum(p[3] for p in places) / len(places))
    else:
        centre = (54.0, -2.0)
    return ctx.render("resident.html", status=status, error=error, r=detail, p=person,
                      form=ctx.form, tz=ctx.tz, mobility=MOBILITY_LABELS,
                      settlements=[(i, name) for i, name, _lat, _lon in places],
                      centre=(round(centre[0], 5), round(centre[1], 5)),
                      tiles=ctx.console.config.tile_url,
                      attribution=ctx.console.config.tile_attribution)


def _settlements(ctx: Ctx) -> list[tuple[int, str, float, float]]:
    from sqlmodel import col, select

    from storage.tables import Place

    rows = ctx.session.exec(select(Place.id, Place.name, Place.lat, Place.lon).where(
        Place.scheme_id == ctx.scheme_id, Place.kind == "settlement",
        Place.active == True).order_by(col(Place.name))).all()  # noqa: E712
    return [(i or 0, name, lat, lon) for i, name, lat, lon in rows]


def _person_id(ctx: Ctx, role: str) -> int:
    """The path's person, of this scheme and role (NotFound otherwise), before any change."""
    person_id = _path_id(ctx)
    try:
        approval.person_in(ctx.session, ctx.scheme_id, person_id, role)
    except Refused as exc:
        raise NotFound(f"There is no such {role}.") from exc
    return person_id


def _act(ctx: Ctx, role: str, action: Callable[[int], Done]) -> Response:
    """Run one change; a refusal re-shows the person's page with the reason (409)."""
    person_id = _person_id(ctx, role)
    result = ctx.attempt(lambda: action(person_id))
    page = driver_page if role == "driver" else resident_page
    if isinstance(result, Refused):
        return page(ctx, status=409, error=str(result))
    return ctx.done(result.message, f"{PREFIX}/{role}s/{person_id}")


def _date(ctx: Ctx, name: str, label: str) -> date:
    try:
        return date.fromisoformat(ctx.form.get(name, "").strip())
    except ValueError as exc:
        raise Refused(f"Give the {label} as a date.") from exc


def vet(ctx: Ctx) -> Response:
    """POST /console/drivers/N/checks: dbs_seen, licence_seen, insurance_expires (dates)."""
    def action(person_id: int) -> Done:
        checks = Checks(_date(ctx, "dbs_seen", "day the DBS certificate was seen"),
                        _date(ctx, "licence_seen", "day the licence was seen"),
                        _date(ctx, "insurance_expires", "day the insurance runs out"))
        return approval.vet_driver(ctx.session, ctx.scheme_id, person_id, checks, ctx.actor,
                                   ctx.now)
    return _act(ctx, "driver", action)


def car(ctx: Ctx) -> Response:
    """POST /console/drivers/N/car: description, seats, wheelchair, folding, dogs."""
    def action(person_id: int) -> Done:
        return editing.set_car(ctx.session, ctx.scheme_id, person_id, editing.Car(
            ctx.form.get("description", ""), _whole(ctx.form.get("seats", ""), "seats"),
            ctx.form.get("wheelchair_accessible") == "yes",
            ctx.form.get("folding_wheelchair") == "yes", ctx.form.get("accepts_dogs") == "yes"),
            ctx.actor, ctx.now)
    return _act(ctx, "driver", action)


def limits(ctx: Ctx) -> Response:
    """POST /console/drivers/N/limits: max_trips, max_miles (blank: no limit)."""
    def action(person_id: int) -> Done:
        trips = ctx.form.get("max_trips", "").strip()
        miles = ctx.form.get("max_miles", "").strip()
        return editing.set_limits(ctx.session, ctx.scheme_id, person_id, editing.Limits(
            _whole(trips, "trips a day") if trips else None,
            _miles(miles) if miles else None), ctx.actor, ctx.now)
    return _act(ctx, "driver", action)


def approve(ctx: Ctx) -> Response:
    """POST /console/residents/N/approve: a waiting resident may book (they are told)."""
    return _act(ctx, "resident", lambda person_id: approval.approve_resident(
        ctx.session, ctx.scheme_id, person_id, ctx.actor, ctx.now))


def details(ctx: Ctx) -> Response:
    """POST /console/(residents|drivers)/N/details: name, phone, channel."""
    role = _role_from_path(ctx)
    return _act(ctx, role, lambda person_id: editing.set_details(
        ctx.session, ctx.scheme_id, person_id, editing.Details(
            ctx.form.get("name", ""), ctx.form.get("phone", ""),
            ctx.form.get("channel", "")), ctx.actor, ctx.now))


def home(ctx: Ctx) -> Response:
    """POST /console/residents/N/home: address, postcode, settlement (id or blank)."""
    def action(person_id: int) -> Done:
        settlement = ctx.form.get("settlement", "").strip()
        return editing.set_home(ctx.session, ctx.scheme_id, person_id, editing.Home(
            ctx.form.get("address", ""), ctx.form.get("postcode", ""),
            _whole(settlement, "village") if settlement else None), ctx.actor, ctx.now)
    return _act(ctx, "resident", action)


def needs(ctx: Ctx) -> Response:
    """POST /console/residents/N/needs: mobility, companion, assistance_dog."""
    return _act(ctx, "resident", lambda person_id: editing.set_needs(
        ctx.session, ctx.scheme_id, person_id, editing.Needs(
            ctx.form.get("mobility", ""), ctx.form.get("companion") == "yes",
            ctx.form.get("assistance_dog") == "yes"), ctx.actor, ctx.now))


def place(ctx: Ctx) -> Response:
    """POST /console/residents/N/place: lat, lon (the map pin, or typed): booking.geo's
    place_resident, which audits it and hands lifts held for an address to the planner."""
    def action(person_id: int) -> Done:
        lat = _coordinate(ctx.form.get("lat", ""), "latitude")
        lon = _coordinate(ctx.form.get("lon", ""), "longitude")
        placed = place_resident(ctx.session, person_id, lat, lon, by=ctx.actor, now=ctx.now,
                                scheme_id=ctx.scheme_id)
        held = len(placed.released)
        return Done("The home is placed on the map" + (
            f"; {held} lift{'s' if held > 1 else ''} waiting for it will now be planned."
            if held else "."))
    return _act(ctx, "resident", action)


def deactivate(ctx: Ctx) -> Response:
    """POST /console/(residents|drivers)/N/deactivate."""
    return _act(ctx, _role_from_path(ctx), lambda person_id: approval.deactivate(
        ctx.session, ctx.scheme_id, person_id, ctx.actor, ctx.now))


def reactivate(ctx: Ctx) -> Response:
    """POST /console/(residents|drivers)/N/reactivate."""
    return _act(ctx, _role_from_path(ctx), lambda person_id: approval.reactivate(
        ctx.session, ctx.scheme_id, person_id, ctx.actor, ctx.now))


def _path_id(ctx: Ctx) -> int:
    """The person in the path (/drivers/{driver} or /residents/{person})."""
    return ctx.path_int("driver" if "driver" in ctx.request.path_params else "person")


def _role_from_path(ctx: Ctx) -> str:
    return "driver" if ctx.request.url.path.startswith(f"{PREFIX}/drivers/") else "resident"


def _whole(text: str, what: str) -> int:
    try:
        value = int(text.strip())
    except ValueError as exc:
        raise Refused(f"Give the {what} as a whole number.") from exc
    if not 0 <= value < 2**31:
        raise Refused(f"Give the {what} as a whole number.")
    return value


def _coordinate(text: str, what: str) -> float:
    try:
        value = float(text.strip())
    except ValueError as exc:
        raise Refused(f"Give the {what} as a number, e.g. 54.29 (or click the map).") from exc
    if value != value:  # NaN; out of range is place_resident's to refuse
        raise Refused(f"Give the {what} as a number.")
    return value


def _miles(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise Refused("Give the miles from home as a number.") from exc
    if value != value or value in (float("inf"), float("-inf")):  # NaN and infinity
        raise Refused("Give the miles from home as a number.")
    return value
