"""The demo scheme, read from `examples/wensleydale.toml`: its places for the demo, the
benchmarks and the tests, and its fictional people (the file's `[demo]` tables).

Nothing about the demo's geography lives in code: change the file and everything follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from booking.setup.scheme_file import SchemeSpec, read_scheme_file

DEMO_FILE = Path(__file__).resolve().parent.parent / "examples" / "wensleydale.toml"


@dataclass(frozen=True)
class Site:
    """A destination: a GP surgery or a hospital."""

    name: str
    kind: str  # "gp" | "hospital" | "other"
    town: str
    postcode: str
    lat: float
    lon: float
    aliases: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class Settlement:
    """A village or town where residents and drivers live."""

    name: str
    lat: float
    lon: float
    weight: int  # relative share of the demo's passengers who live here


@dataclass(frozen=True)
class DemoDriver:
    """A volunteer driver of the demo scheme (fictional)."""

    name: str
    phone: str
    village: str
    car: str  # colour and make, as told to passengers
    seats: int
    folding_wheelchair: bool
    wheelchair_accessible: bool
    accepts_dogs: bool


@dataclass(frozen=True)
class DemoResident:
    """A resident (passenger) of the demo scheme (fictional)."""

    name: str
    phone: str
    village: str
    address: str
    postcode: str
    mobility: str  # "unaided" | "walking_aid" | "folding_wheelchair" | "wheelchair_vehicle"


@cache
def demo_spec() -> SchemeSpec:
    """The demo scheme file, checked like any other."""
    return read_scheme_file(DEMO_FILE.read_text(encoding="utf-8"), str(DEMO_FILE.name))


def demo_table(key: str) -> Any:
    """One of the file's [demo] tables (weights, drivers, residents, script, bookings)."""
    return demo_spec().demo.get(key, {} if key in ("weights", "script") else [])



SPEC = demo_spec()
SITES: tuple[Site, ...] = tuple(
    Site(d.name, d.kind, d.town, d.postcode, d.lat, d.lon, d.aliases, d.notes)
    for d in SPEC.destinations)
SETTLEMENTS: tuple[Settlement, ...] = tuple(
    Settlement(p.name, p.lat, p.lon, int(demo_table("weights").get(p.name, 1)))
    for p in SPEC.places)
DEMO_DRIVERS: tuple[DemoDriver, ...] = tuple(DemoDriver(**row) for row in demo_table("drivers"))
DEMO_RESIDENTS: tuple[DemoResident, ...] = tuple(
    DemoResident(**row) for row in demo_table("residents"))
DEMO_SLUG = SPEC.scheme.slug
DEMO_COORDINATOR_PHONE = SPEC.coordinators[0].phone


def site_by_name(name: str) -> Site:
    """The site called `name` (exact)."""
    return next(s for s in SITES if s.name == name)


def settlement_by_name(name: str) -> Settlement:
    """The settlement called `name` (exact)."""
    return next(s for s in SETTLEMENTS if s.name == name)
