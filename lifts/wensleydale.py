"""The Wensleydale demo geography (shared/docs/domain-facts.md §5).

Coordinates are approximate (3 decimals, within about 1 km): good for a demo and for
benchmarks, not for navigation. Used by `lifts seed-demo`, `lifts demo` and the
rural-scale routing benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    """A destination: a GP surgery or a hospital."""

    name: str
    kind: str  # "gp" | "hospital"
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
    weight: int  # relative share of the scheme's passengers who live here


SITES: tuple[Site, ...] = (
    Site("Leyburn Medical Practice", "gp", "Leyburn", "DL8 5EP", 54.309, -1.828,
         ("leyburn surgery", "leyburn doctors", "brentwood"),
         "Drop-off bay at the front door; parking behind the building."),
    Site("Central Dales Practice, Hawes", "gp", "Hawes", "DL8 3QR", 54.304, -2.197,
         ("hawes surgery", "hawes health centre", "the holme"),
         "Health Centre on The Holme; level access."),
    Site("Central Dales Practice, Aysgarth", "gp", "Aysgarth", "DL8 3AA", 54.284, -2.003,
         ("aysgarth surgery", "aysgarth doctors"), "Small car park beside the surgery."),
    Site("Reeth Medical Centre", "gp", "Reeth", "DL11 6SU", 54.389, -1.944,
         ("reeth surgery", "reeth doctors", "back lane"), "On Back Lane; park on the green."),
    Site("Glebe House Surgery", "gp", "Bedale", "DL8 2AZ", 54.288, -1.591,
         ("bedale surgery", "bedale doctors", "glebe house"), "Town centre; short-stay bays."),
    Site("Friarage Hospital", "hospital", "Northallerton", "DL6 1JG", 54.338, -1.439,
         ("friarage", "northallerton hospital"), "Main entrance drop-off; pay-and-display."),
)

SETTLEMENTS: tuple[Settlement, ...] = (
    Settlement("Leyburn", 54.309, -1.828, 8),
    Settlement("Hawes", 54.304, -2.197, 6),
    Settlement("Gayle", 54.298, -2.200, 1),
    Settlement("Hardraw", 54.316, -2.208, 1),
    Settlement("Appersett", 54.308, -2.227, 1),
    Settlement("Burtersett", 54.298, -2.170, 1),
    Settlement("Bainbridge", 54.307, -2.102, 2),
    Settlement("Askrigg", 54.314, -2.083, 4),
    Settlement("Thornton Rust", 54.290, -2.040, 1),
    Settlement("Aysgarth", 54.284, -2.003, 1),
    Settlement("Carperby", 54.297, -2.000, 1),
    Settlement("Thoralby", 54.276, -2.008, 1),
    Settlement("West Burton", 54.277, -1.975, 2),
    Settlement("Redmire", 54.316, -1.937, 2),
    Settlement("Castle Bolton", 54.322, -1.947, 1),
    Settlement("West Witton", 54.289, -1.903, 2),
    Settlement("Carlton-in-Coverdale", 54.258, -1.903, 1),
    Settlement("Preston-under-Scar", 54.317, -1.889, 1),
    Settlement("Wensley", 54.300, -1.862, 1),
    Settlement("Bellerby", 54.327, -1.830, 1),
    Settlement("Harmby", 54.303, -1.803, 1),
    Settlement("Spennithorne", 54.298, -1.787, 1),
    Settlement("Middleham", 54.285, -1.807, 4),
    Settlement("East Witton", 54.268, -1.780, 1),
    Settlement("Constable Burton", 54.310, -1.751, 1),
    Settlement("Finghall", 54.299, -1.722, 1),
    Settlement("Crakehall", 54.298, -1.630, 1),
    Settlement("Grinton", 54.381, -1.931, 1),
    Settlement("Reeth", 54.389, -1.944, 2),
    Settlement("Bedale", 54.288, -1.591, 3),
    Settlement("Masham", 54.222, -1.656, 1),
)


@dataclass(frozen=True)
class DemoDriver:
    """A volunteer driver of the demo scheme (fictional)."""

    name: str
    village: str
    car: str  # colour and make, as told to passengers
    seats: int
    folding_wheelchair: bool
    wheelchair_accessible: bool
    accepts_dogs: bool


DEMO_DRIVERS: tuple[DemoDriver, ...] = (
    DemoDriver("Margaret Allen", "Leyburn", "silver Honda Jazz", 3, True, False, True),
    DemoDriver("David Brown", "Middleham", "blue Skoda Octavia", 4, True, False, True),
    DemoDriver("Susan Clark", "Hawes", "red Ford Fiesta", 3, False, False, False),
    DemoDriver("Peter Dawson", "Askrigg", "green Volvo V60", 4, True, False, True),
    DemoDriver("Helen Evans", "Aysgarth", "white Toyota Yaris", 3, True, False, False),
    DemoDriver("John Fletcher", "Bedale", "grey VW Caddy (wheelchair accessible)", 3, True,
               True, True),
    DemoDriver("Anne Gill", "Reeth", "black Kia Ceed", 4, True, False, True),
    DemoDriver("Robert Hall", "West Witton", "silver Dacia Sandero", 4, False, False, True),
    DemoDriver("Carol Iveson", "Bainbridge", "blue Nissan Note", 3, True, False, False),
    DemoDriver("Michael Jones", "Redmire", "maroon Peugeot 308", 4, True, False, True),
    DemoDriver("Linda King", "Harmby", "white Ford Tourneo (wheelchair accessible)", 4, True,
               True, True),
    DemoDriver("Stephen Lamb", "Carperby", "green Subaru Forester", 4, True, False, True),
)


@dataclass(frozen=True)
class DemoResident:
    """A resident (passenger) of the demo scheme (fictional)."""

    name: str
    village: str
    address: str
    postcode: str
    phone: str
    mobility: str  # "unaided" | "walking_aid" | "folding_wheelchair" | "wheelchair_vehicle"


DEMO_RESIDENTS: tuple[DemoResident, ...] = (
    DemoResident("Edith Bainbridge", "Wensley", "2 Church Lane, Wensley", "DL8 4HX",
                 "+447911123401", "walking_aid"),
    DemoResident("Harold Metcalfe", "Askrigg", "Rose Cottage, Askrigg", "DL8 3HT",
                 "+447911123402", "unaided"),
    DemoResident("Joan Thwaite", "Carperby", "5 Low Green, Carperby", "DL8 4DA",
                 "+447911123403", "folding_wheelchair"),
)


def site_by_name(name: str) -> Site:
    """The site called `name` (exact)."""
    return next(s for s in SITES if s.name == name)


def settlement_by_name(name: str) -> Settlement:
    """The settlement called `name` (exact)."""
    return next(s for s in SETTLEMENTS if s.name == name)
