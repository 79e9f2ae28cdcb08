"""A scheme's places, edited by a coordinator: destinations (surgeries, hospitals) and the
villages and towns homes are placed by. Their notes ("drop at the side door") are printed on
run sheets. Validated like a scheme file's places, audited; never deleted, only retired, so
trips that went there keep their history."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from booking import audit
from booking.audit import Actor
from booking.domain.outcomes import NotFound, Refused
from storage.tables import Place

KINDS = {"gp": "GP surgery", "hospital": "hospital", "other": "other destination",
         "settlement": "village or town"}
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][ABD-HJLNP-UW-Z]{2})$")


@dataclass(frozen=True)
class PlaceEdit:
    """Everything a coordinator sets about a place."""

    kind: str
    name: str
    town: str
    postcode: str
    lat: float
    lon: float
    aliases: tuple[str, ...]
    notes: str
    active: bool = True


def places(session: Session, scheme_id: int) -> list[Place]:
    """The scheme's places: destinations first, then villages, each by name."""
    rows = session.exec(select(Place).where(Place.scheme_id == scheme_id)).all()
    return sorted(rows, key=lambda p: (p.kind == "settlement", not p.active, p.name.lower()))


def place_in(session: Session, scheme_id: int, place_id: int) -> Place:
    """One of the scheme's places, or NotFound."""
    place = session.get(Place, place_id)
    if place is None or place.scheme_id != scheme_id:
        raise NotFound("There is no such place in this scheme.")
    return place


def _checked(session: Session, scheme_id: int, edit: PlaceEdit,
             place_id: int | None) -> PlaceEdit:
    if edit.kind not in KINDS:
        raise Refused("Choose what kind of place it is.")
    name = " ".join(edit.name.split())
    if not name or len(name) > 200:
        raise Refused("Give the place a name (at most 200 characters).")
    same = session.exec(select(Place.id).where(
        Place.scheme_id == scheme_id, Place.name == name, Place.kind == edit.kind,
        col(Place.id) != (place_id or 0))).first()
    if same is not None:
        raise Refused(f"There is already a {KINDS[edit.kind]} called {name}.")
    postcode = " ".join(edit.postcode.upper().split())
    if postcode:
        found = POSTCODE.match(postcode)
        if found is None:
            raise Refused(f"{edit.postcode.strip()[:12]!r} is not a UK postcode (like DL8 5EP).")
        postcode = f"{found.group(1)} {found.group(2)}"
    if not (-90.0 <= edit.lat <= 90.0 and -180.0 <= edit.lon <= 180.0):
        raise Refused("That point is not on the map: latitude is -90 to 90, longitude -180 "
                      "to 180.")
    aliases = tuple(dict.fromkeys(" ".join(a.split()) for a in edit.aliases if a.strip()))
    if any(len(a) > 100 for a in aliases) or len(aliases) > 20:
        raise Refused("At most 20 other names, each at most 100 characters.")
    notes = " ".join(edit.notes.split())
    if len(notes) > 500:
        raise Refused("Notes can be at most 500 characters (they are printed on run sheets).")
    return PlaceEdit(edit.kind, name, " ".join(edit.town.split())[:100], postcode, edit.lat,
                     edit.lon, aliases, notes, edit.active)


def save_place(session: Session, scheme_id: int, place_id: int | None, edit: PlaceEdit,
               actor: Actor, now: datetime) -> Place:
    """Add a place (`place_id` None) or change one; returns it."""
    edit = _checked(session, scheme_id, edit, place_id)
    place = place_in(session, scheme_id, place_id) if place_id else Place(
        scheme_id=scheme_id, kind=edit.kind, name=edit.name, lat=edit.lat, lon=edit.lon)
    place.kind, place.name, place.town, place.postcode = (edit.kind, edit.name, edit.town,
                                                          edit.postcode)
    place.lat, place.lon, place.aliases = edit.lat, edit.lon, list(edit.aliases)
    place.notes, place.active = edit.notes, edit.active
    session.add(place)
    session.flush()
    audit.record(session, actor, "edit_place" if place_id else "add_place",
                 scheme_id=scheme_id, now=now,
                 detail=f"{KINDS[edit.kind]} {edit.name}" + ("" if edit.active else " (retired)"))
    return place
