"""Reader for the Cordeau dial-a-ride benchmark files (2006 a/b layout and 2003 R layout).

Distances are Euclidean with unit speed. The Problem is scaled by `SCALE` so that it can use
integers: travel times are rounded *up* (a schedule feasible in integers is then feasible in
real numbers), arc costs to nearest. Gaps must be computed with `Instance.cost`, which sums
the unrounded Euclidean distances in the file's own units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing.problem import Problem, Request, Stop, Vehicle

SCALE = 1000


@dataclass(frozen=True)
class Instance:
    """A benchmark instance: the scaled Problem plus what is needed to report in file units."""

    name: str
    problem: Problem
    n: int  # requests; request id str(i) has pickup node i and drop-off node n + i
    coords: tuple[tuple[float, float], ...]  # by node number (2006 layout: 0 .. 2n+1)
    end_node: int  # the node number where routes end (2n+1, or 0 in the 2003 layout)

    def node_of(self, request_id: str, dropoff: bool) -> int:
        """The file's node number of a request's pickup or drop-off."""
        return int(request_id) + (self.n if dropoff else 0)

    def cost(self, routes: Sequence[Sequence[int]]) -> float:
        """Total Euclidean length of routes given as node numbers (depots excluded)."""
        total = 0.0
        for route in routes:
            if not route:
                continue
            path = [0, *route, self.end_node]
            total += sum(math.dist(self.coords[a], self.coords[b])
                         for a, b in zip(path, path[1:], strict=False))
        return total


def read(path: str | Path) -> Instance:
    """Read a Cordeau file; the layout is told apart by counting node lines (FORMAT.md)."""
    path = Path(path)
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    m, h, horizon, capacity, ride = (int(float(x)) for x in lines[0][:5])
    nodes = [[float(x) for x in line[:7]] for line in lines[1:]]
    if len(nodes) == 2 * h + 2:
        n, end_node = h, 2 * h + 1
    elif len(nodes) == h + 1:
        n, end_node = h // 2, 0
    else:
        raise ValueError(f"{path.name}: {len(nodes)} node lines fit neither layout (h={h})")
    coords = tuple((row[1], row[2]) for row in nodes)
    xy = np.asarray(coords)
    euclid = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)) * SCALE
    # Subtract a hair before ceil so an exact integer distance is not pushed up by noise.
    durations = np.ceil(euclid - 1e-6).astype(np.int64)
    distances = np.rint(euclid).astype(np.int64)

    def stop(node: int) -> Stop:
        row = nodes[node]
        return Stop(node, round(row[5] * SCALE), round(row[6] * SCALE), round(row[3] * SCALE))

    requests = tuple(
        Request(str(i), stop(i), stop(n + i), seats=int(nodes[i][4]), max_ride=ride * SCALE)
        for i in range(1, n + 1)
    )
    depot = nodes[0]
    vehicles = tuple(
        Vehicle(str(k + 1), 0, end_node, round(depot[5] * SCALE), round(depot[6] * SCALE),
                capacity, max_duration=horizon * SCALE)
        for k in range(m)
    )
    problem = Problem(durations, distances, requests, vehicles)
    return Instance(path.stem, problem, n, coords, end_node)
