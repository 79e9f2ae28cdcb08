"""Dial-a-ride instances in the style of Cordeau & Laporte (2003), written in their file format.

Following the paper's description of its random instances: every pickup and drop-off point
is uniform in the square [-10, 10]², and so is the depot; travel time equals Euclidean
distance; the first half of the requests are outbound (the time window is at the
destination: arrive on time) and the second half inbound (the window is at the origin: be
collected on time), the other end having the whole day [0, 1440]; one seat per request,
6 seats per vehicle, 10 minutes of service at every stop, a ride limit L = 90 and a route
duration limit T = 480 (an 8-hour shift anywhere in the day). The ten sizes are the paper's
(3-13 vehicles, 24-144 requests). Series "a" has windows 15-45 minutes wide, series "b"
30-90 minutes (the two widths of the paper's R…a and R…b files).

What we chose where we could not check the paper's exact rule: the critical window's latest
time is uniform in [60, 480] for outbound requests and its earliest uniform in [0, 420] for
inbound ones (Cordeau 2006's rule for the a-series, with the route duration T as horizon;
the depot is open all day), coordinates have three decimals, times are whole minutes. With
the whole day as the horizon, three 8-hour vehicles could not cover 24 requests.
The same seed always gives the same files (tests/routing/test_generate.py regenerates them
and compares byte for byte).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

DAY = 1440
HORIZON = 480  # critical windows end by then: the route duration limit T (Cordeau 2006's rule)
RIDE_LIMIT = 90
ROUTE_LIMIT = 480
SEATS = 6
SERVICE = 10
# (vehicles, requests) of the paper's ten sizes, in its order.
SIZES = ((3, 24), (5, 48), (7, 72), (9, 96), (11, 120), (13, 144),
         (4, 36), (6, 72), (8, 108), (10, 144))
WIDTHS = {"a": (15, 45), "b": (30, 90)}
BASE_SEED = 20030601  # any fixed number; with the name it seeds each instance
# Every instance must admit a plan that serves everyone (the literature's rule). With the
# paper's fleet, the first draw of G9a had none found in a 60-s run, so it takes the next
# draw; G10a (144 requests, narrow windows) had none in nine draws, so it has one vehicle
# more than the paper's ten (its service time alone fills 60 % of ten 8-hour shifts).
DRAW = {"G9a": 1}
EXTRA_VEHICLES = {"G10a": 1}


@dataclass(frozen=True)
class Node:
    """One line of the file: node number, place, service, load change, window."""

    x: float
    y: float
    service: int
    load: int
    earliest: int
    latest: int


def _point(rng: random.Random) -> tuple[float, float]:
    return round(rng.uniform(-10, 10), 3), round(rng.uniform(-10, 10), 3)


def instance_nodes(requests: int, series: str, seed: int) -> list[Node]:
    """Depot, then the pickups 1..n, then the drop-offs n+1..2n (2003 layout)."""
    rng = random.Random(seed)
    low, high = WIDTHS[series]
    depot = Node(*_point(rng), 0, 0, 0, DAY)
    pickups: list[Node] = []
    dropoffs: list[Node] = []
    for i in range(requests):
        origin, destination = _point(rng), _point(rng)
        width = rng.randint(low, high)
        if i < requests // 2:  # outbound: be there on time
            latest = rng.randint(60, HORIZON)
            pick, drop = (0, DAY), (latest - width, latest)
        else:  # inbound: be collected on time
            earliest = rng.randint(0, HORIZON - 60)
            pick, drop = (earliest, earliest + width), (0, DAY)
        pickups.append(Node(*origin, SERVICE, 1, *pick))
        dropoffs.append(Node(*destination, SERVICE, -1, *drop))
    return [depot, *pickups, *dropoffs]


def instance_text(vehicles: int, requests: int, series: str, seed: int) -> str:
    """The file: header `m 2n T Q L`, then `id x y d q e l` per node."""
    lines = [f"{vehicles} {2 * requests} {ROUTE_LIMIT} {SEATS} {RIDE_LIMIT}"]
    for k, node in enumerate(instance_nodes(requests, series, seed)):
        lines.append(f"{k:4d} {node.x:8.3f} {node.y:8.3f} {node.service:3d} {node.load:3d} "
                     f"{node.earliest:5d} {node.latest:5d}")
    return "\n".join(lines) + "\n"


def names() -> list[tuple[str, int, int, str, int]]:
    """(name, vehicles, requests, series, seed) of the twenty instances: G1a … G10a, G1b … G10b."""
    out = []
    for series in ("a", "b"):
        for k, (vehicles, requests) in enumerate(SIZES, start=1):
            name = f"G{k}{series}"
            seed = BASE_SEED + 100 * k + ord(series) + 1000 * DRAW.get(name, 0)
            out.append((name, vehicles + EXTRA_VEHICLES.get(name, 0), requests, series, seed))
    return out


def write_all(folder: Path) -> list[Path]:
    """Write the twenty instances into `folder` (created if missing); their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, vehicles, requests, series, seed in names():
        path = folder / f"{name}.txt"
        path.write_text(instance_text(vehicles, requests, series, seed))
        paths.append(path)
    return paths
