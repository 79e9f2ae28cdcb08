"""A scheme as one declarative TOML file: read and checked here, before anything is stored.

Every problem is one line naming the line (or the key) and the fix, so a newcomer editing
the file in a text editor can correct it without reading code. See docs/scheme-file.md.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from booking.phones import to_e164
from booking.postcodes import normalise, normalise_prefix
from booking.rules import SchemeRules

TABLES = ("scheme", "rules", "destinations", "places", "coordinators", "demo")
KINDS = ("gp", "hospital", "other")
SCHEME_KEYS = ("slug", "name", "timezone", "sms_number", "office_phone")
DESTINATION_KEYS = ("name", "town", "postcode", "lat", "lon", "aliases", "notes", "kind")
PLACE_KEYS = ("name", "lat", "lon", "postcode_prefixes")
COORDINATOR_KEYS = ("name", "phone", "telegram_username", "email")
RULE_KEYS = tuple(k for k in SchemeRules.model_fields if k != "timezone")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TELEGRAM = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")


class SchemeFileError(ValueError):
    """A scheme file that cannot be imported: the message is one line with the fix."""


@dataclass(frozen=True)
class SchemeInfo:
    slug: str
    name: str
    timezone: str
    sms_number: str | None
    office_phone: str | None


@dataclass(frozen=True)
class Destination:
    name: str
    kind: str  # gp | hospital | other
    town: str
    postcode: str
    lat: float
    lon: float
    aliases: tuple[str, ...]
    notes: str


@dataclass(frozen=True)
class Village:
    """A village or hamlet of the service area (stored as a 'settlement' place)."""

    name: str
    lat: float
    lon: float
    postcode_prefixes: tuple[str, ...]


@dataclass(frozen=True)
class Coordinator:
    name: str
    phone: str
    telegram_username: str | None
    email: str | None


@dataclass(frozen=True)
class SchemeSpec:
    """Everything a scheme file says, checked; `rules` is the full set as stored."""

    scheme: SchemeInfo
    rules: dict[str, Any]
    destinations: tuple[Destination, ...]
    places: tuple[Village, ...]
    coordinators: tuple[Coordinator, ...]
    demo: dict[str, Any] = field(default_factory=dict)  # read only by `lifts seed-demo`


def read_scheme_file(text: str, source: str = "scheme file") -> SchemeSpec:
    """The checked contents of a scheme file; raises SchemeFileError (one line) if it is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        why = re.sub(r"\s*\(at line.*\)$", "", str(exc)).rstrip(".")
        where = f"line {found[1]}, column {found[2]}" if found else "somewhere"
        raise SchemeFileError(f"{source} {where}: not valid TOML ({why}); check the quotes, "
                              "brackets and '=' there (see docs/scheme-file.md)") from exc
    return _Reader(text, source).read(data)


class _Reader:
    """Checks one parsed file, with the text at hand to name lines."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source
        # Where each table starts: "destinations" -> header line numbers, in order.
        self.headers: dict[str, list[int]] = {}
        for n, line in enumerate(self.lines, start=1):
            found = re.match(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?", line)
            if found:
                self.headers.setdefault(found[1].strip('"\' '), []).append(n)

    # -- naming places in the file --------------------------------------------------------
    def _line(self, table: str, index: int | None, key: str | None) -> int | None:
        starts = self.headers.get(table, [])
        if index is None:
            start = starts[0] if starts else 0
        elif index < len(starts):
            start = starts[index]
        else:
            return None
        if key is None:
            return start or None
        for n in range(start + 1 if start else 1, len(self.lines) + 1):
            text = self.lines[n - 1]
            if re.match(r"^\s*\[", text) and n != start:
                break
            if re.match(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", text):
                return n
        return start or None

    def fail(self, table: str, index: int | None, key: str | None, problem: str,
             fix: str) -> SchemeFileError:
        line = self._line(table, index, key)
        label = f"[[{table}]] #{index + 1}" if index is not None else f"[{table}]"
        if index is not None and table in self._names and index < len(self._names[table]):
            label += f" {self._names[table][index]!r}"
        where = f"{label} {key}" if key else label
        at = f"line {line}, " if line else ""
        return SchemeFileError(f"{self.source} {at}{where}: {problem}; {fix}")

    _names: dict[str, list[str]]

    # -- the file -------------------------------------------------------------------------
    def read(self, data: dict[str, Any]) -> SchemeSpec:
        self._names = {t: [str(row.get("name", "")) for row in data.get(t, [])
                           if isinstance(row, dict)]
                       for t in ("destinations", "places", "coordinators")
                       if isinstance(data.get(t), list)}
        for key in data:
            if key not in TABLES:
                raise self.fail(key, None, None, "unknown table",
                                f"use {_closest(key, TABLES)} (the tables are "
                                f"{', '.join(TABLES)})")
        scheme = self._scheme(self._table(data, "scheme", required=True))
        rules = self._rules(self._table(data, "rules"), scheme.timezone)
        destinations = tuple(self._destination(row, i)
                             for i, row in enumerate(self._rows(data, "destinations")))
        places = tuple(self._place(row, i) for i, row in enumerate(self._rows(data, "places")))
        coordinators = tuple(self._coordinator(row, i)
                             for i, row in enumerate(self._rows(data, "coordinators")))
        if not destinations:
            raise self.fail("destinations", None, None, "no destinations",
                            "add a [[destinations]] table for each surgery or hospital")
        if not coordinators:
            raise self.fail("coordinators", None, None, "no coordinators",
                            "add a [[coordinators]] table with a name and phone: alerts go "
                            "to them")
        self._unique("destinations", [d.name for d in destinations], "name")
        self._unique("places", [p.name for p in places], "name")
        self._unique("coordinators", [c.name for c in coordinators], "name")
        self._unique("coordinators", [c.phone for c in coordinators], "phone")
        demo = data.get("demo", {})
        return SchemeSpec(scheme, rules, destinations, places, coordinators,
                          demo if isinstance(demo, dict) else {})

    def _table(self, data: dict[str, Any], name: str, *, required: bool = False
               ) -> dict[str, Any]:
        value = data.get(name)
        if value is None:
            if required:
                raise self.fail(name, None, None, "missing", f"start the file with [{name}] "
                                "and its slug, name and timezone")
            return {}
        if not isinstance(value, dict):
            raise self.fail(name, None, None, "must be a table",
                            f"write it as a [{name}] section")
        return value

    def _rows(self, data: dict[str, Any], name: str) -> list[dict[str, Any]]:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            raise self.fail(name, None, None, "must be a list of tables",
                            f"write each one under its own [[{name}]] header")
        return value

    def _unknown(self, row: dict[str, Any], table: str, index: int | None,
                 known: tuple[str, ...]) -> None:
        for key in row:
            if key not in known:
                raise self.fail(table, index, key, "unknown key",
                                f"did you mean {_closest(key, known)}? (known: "
                                f"{', '.join(known)})")

    def _text(self, row: dict[str, Any], table: str, index: int | None, key: str, *,
              required: bool = True, longest: int = 200, example: str = "") -> str:
        value = row.get(key)
        hint = f" = {example}" if example else ' = "..."'
        if value is None:
            if required:
                raise self.fail(table, index, key, "missing", f"add {key}{hint}")
            return ""
        if not isinstance(value, str):
            raise self.fail(table, index, key, "must be text in quotes", f"write {key}{hint}")
        value = " ".join(value.split())
        if required and not value:
            raise self.fail(table, index, key, "is empty", f"write {key}{hint}")
        if len(value) > longest:
            raise self.fail(table, index, key, f"longer than {longest} characters",
                            "shorten it")
        return value

    def _phone(self, row: dict[str, Any], table: str, index: int | None, key: str, *,
               required: bool) -> str | None:
        raw = self._text(row, table, index, key, required=required, longest=30,
                         example='"+447700900123"')
        if not raw:
            return None
        number = to_e164(raw)
        if number is None:
            raise self.fail(table, index, key, f"{raw!r} is not a phone number",
                            'write it like "+447700900123" or "01969 623000"')
        return number

    def _coordinate(self, row: dict[str, Any], table: str, index: int, key: str) -> float:
        limit = 90.0 if key == "lat" else 180.0
        value = row.get(key)
        what = "latitude, e.g. 54.309" if key == "lat" else "longitude, e.g. -1.828"
        if value is None:
            raise self.fail(table, index, key, "missing (no coordinates)",
                            f"add {key} = its {what} (decimal degrees, from any online map)")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(table, index, key, "must be a number without quotes",
                            f"write the {what}")
        if not -limit <= value <= limit:
            raise self.fail(table, index, key, f"{value} is out of range",
                            f"a {what} lies between -{limit:g} and {limit:g}")
        return float(value)

    def _texts(self, row: dict[str, Any], table: str, index: int, key: str) -> list[str]:
        value = row.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(table, index, key, "must be a list of text",
                            f'write {key} = ["first", "second"]')
        return [" ".join(v.split()) for v in value if v.strip()]

    def _unique(self, table: str, values: list[str], key: str) -> None:
        seen: dict[str, int] = {}
        for index, value in enumerate(values):
            folded = value.casefold()
            if folded in seen:
                raise self.fail(table, index, key, f"the same as #{seen[folded] + 1}'s",
                                f"each of the [[{table}]] needs its own {key}")
            seen[folded] = index

    # -- the tables -----------------------------------------------------------------------
    def _scheme(self, row: dict[str, Any]) -> SchemeInfo:
        self._unknown(row, "scheme", None, SCHEME_KEYS)
        slug = self._text(row, "scheme", None, "slug", longest=64, example='"north-dales"')
        if not _SLUG.match(slug):
            raise self.fail("scheme", None, "slug", f"{slug!r} is not a slug",
                            'use lower-case letters, digits and dashes, e.g. "north-dales"')
        zone = self._text(row, "scheme", None, "timezone", example='"Europe/London"')
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise self.fail("scheme", None, "timezone", f"unknown time zone {zone!r}",
                            'use a name like "Europe/London"') from exc
        return SchemeInfo(
            slug=slug, name=self._text(row, "scheme", None, "name", example='"Dales Lifts"'),
            timezone=zone,
            sms_number=self._phone(row, "scheme", None, "sms_number", required=False),
            office_phone=self._phone(row, "scheme", None, "office_phone", required=False))

    def _rules(self, row: dict[str, Any], zone: str) -> dict[str, Any]:
        if "timezone" in row:
            raise self.fail("rules", None, "timezone", "belongs in [scheme]",
                            "move timezone = ... up into the [scheme] table")
        self._unknown(row, "rules", None, RULE_KEYS)
        values = {k: _rule_value(k, v) for k, v in row.items()}
        try:
            rules = SchemeRules.model_validate({**values, "timezone": zone})
        except ValidationError as exc:
            first = exc.errors()[0]
            key = str(first["loc"][0]) if first["loc"] else None
            why = str(first["msg"]).removeprefix("Value error, ")
            raise self.fail("rules", None, key, why, "see `lifts scheme show` for the "
                            "current values and docs/scheme-file.md for each rule") from exc
        return rules.model_dump(mode="json")

    def _destination(self, row: dict[str, Any], i: int) -> Destination:
        t = "destinations"
        self._unknown(row, t, i, DESTINATION_KEYS)
        name = self._text(row, t, i, "name", example='"Hawes Surgery"')
        kind = self._text(row, t, i, "kind", example='"gp"')
        if kind not in KINDS:
            raise self.fail(t, i, "kind", f"{kind!r} is not a kind",
                            f"use one of {', '.join(KINDS)}")
        raw_postcode = self._text(row, t, i, "postcode", required=False, longest=10)
        postcode = normalise(raw_postcode) if raw_postcode else ""
        if postcode is None:
            raise self.fail(t, i, "postcode", f"{raw_postcode!r} is not a UK postcode",
                            'write it like "DL8 5EP" (or leave it out)')
        return Destination(
            name=name, kind=kind, town=self._text(row, t, i, "town", required=False,
                                                  longest=100),
            postcode=postcode, lat=self._coordinate(row, t, i, "lat"),
            lon=self._coordinate(row, t, i, "lon"),
            aliases=tuple(a.lower() for a in self._texts(row, t, i, "aliases")),
            notes=self._text(row, t, i, "notes", required=False, longest=500))

    def _place(self, row: dict[str, Any], i: int) -> Village:
        t = "places"
        self._unknown(row, t, i, PLACE_KEYS)
        prefixes = []
        for raw in self._texts(row, t, i, "postcode_prefixes"):
            prefix = normalise_prefix(raw)
            if prefix is None:
                raise self.fail(t, i, "postcode_prefixes", f"{raw!r} is not a postcode "
                                "district or sector", 'write e.g. "DL8" or "DL8 3"')
            prefixes.append(prefix)
        return Village(name=self._text(row, t, i, "name", example='"Askrigg"'),
                       lat=self._coordinate(row, t, i, "lat"),
                       lon=self._coordinate(row, t, i, "lon"),
                       postcode_prefixes=tuple(prefixes))

    def _coordinator(self, row: dict[str, Any], i: int) -> Coordinator:
        t = "coordinators"
        self._unknown(row, t, i, COORDINATOR_KEYS)
        name = self._text(row, t, i, "name", longest=120, example='"Pat Jones"')
        phone = self._phone(row, t, i, "phone", required=True)
        username = self._text(row, t, i, "telegram_username", required=False,
                              longest=40).removeprefix("@")
        if username and not _TELEGRAM.match(username):
            raise self.fail(t, i, "telegram_username", f"{username!r} is not a Telegram "
                            "username", "5 to 32 letters, digits or _ (or leave it out)")
        email = self._text(row, t, i, "email", required=False, longest=254).lower()
        if email and not _EMAIL.match(email):
            raise self.fail(t, i, "email", f"{email!r} is not an email address",
                            'write it like "pat@example.org" (or leave it out)')
        return Coordinator(name=name, phone=phone or "", telegram_username=username or None,
                           email=email or None)


def _rule_value(key: str, value: Any) -> Any:
    """A TOML value as `lifts scheme set` would read it: a TOML time is 'HH:MM', and
    service_days may be one string ("mon tue wed") as on the command line."""
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    if key == "service_days" and isinstance(value, str):
        return value.replace(",", " ").split()
    return value


def _closest(word: str, known: tuple[str, ...]) -> str:
    found = difflib.get_close_matches(word, known, n=1, cutoff=0.5)
    return found[0] if found else known[0]
