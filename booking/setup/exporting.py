"""A stored scheme written back as a scheme file (the format of docs/scheme-file.md).

Rules are written only where they differ from the defaults, times as "HH:MM"; retired
destinations and deactivated coordinators are left out. Importing the output changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from booking.rules import SchemeRules
from booking.schemes import scheme_rules
from storage.tables import Person, Place, Scheme

HEADER = ("# A Lifts scheme file: `lifts scheme import FILE` creates or updates the scheme.\n"
          "# The format is described in docs/scheme-file.md.\n")


def export_scheme(session: Session, scheme: Scheme) -> str:
    """The scheme as the text of a scheme file."""
    rules = scheme_rules(scheme)
    out = [HEADER, "[scheme]", *_pairs({
        "slug": scheme.slug, "name": scheme.name, "timezone": rules.timezone,
        "sms_number": scheme.sms_number or "", "office_phone": scheme.office_phone or ""})]
    changed = _changed_rules(rules)
    if changed:
        out += ["", "[rules]", *_pairs(changed)]
    places = session.exec(select(Place).where(
        Place.scheme_id == scheme.id, Place.active == True).order_by(col(Place.id))).all()  # noqa: E712
    for p in places:
        if p.kind == "settlement":
            continue
        out += ["", "[[destinations]]", *_pairs({
            "name": p.name, "kind": p.kind, "town": p.town, "postcode": p.postcode,
            "lat": p.lat, "lon": p.lon, "aliases": list(p.aliases), "notes": p.notes})]
    for p in places:
        if p.kind == "settlement":
            out += ["", "[[places]]", *_pairs({
                "name": p.name, "lat": p.lat, "lon": p.lon,
                "postcode_prefixes": list(p.postcode_prefixes)})]
    coordinators = session.exec(select(Person).where(
        Person.scheme_id == scheme.id, Person.role == "coordinator", Person.active == True,  # noqa: E712
        col(Person.anonymised_at).is_(None)).order_by(col(Person.id))).all()
    for c in coordinators:
        values: dict[str, Any] = {"name": c.name, "phone": c.phone or ""}
        if c.telegram_username:
            values["telegram_username"] = c.telegram_username
        if c.email:
            values["email"] = c.email
        out += ["", "[[coordinators]]", *_pairs(values)]
    return "\n".join(out) + "\n"


def _changed_rules(rules: SchemeRules) -> dict[str, Any]:
    defaults = SchemeRules().model_dump(mode="json")
    now = rules.model_dump(mode="json")
    return {k: _rule_text(v) for k, v in now.items()
            if k != "timezone" and v != defaults.get(k)}


def _rule_text(value: Any) -> Any:
    # Times are stored "HH:MM:SS"; the file says "HH:MM", as `lifts scheme set` takes them.
    if isinstance(value, str) and len(value) == 8 and value[2] == ":" and value[5] == ":" \
            and value.endswith(":00"):
        return value[:5]
    return value


def _pairs(values: dict[str, Any]) -> list[str]:
    return [f"{key} = {_toml(value)}" for key, value in values.items()]


def _toml(value: Any) -> str:
    """A TOML value: JSON's string escapes are TOML's, and so are its numbers and lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
