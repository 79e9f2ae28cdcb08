"""Travel times and distances between points: a provider interface and two providers.

`Haversine` works offline: great-circle distance times a road detour factor, driven at a
rural average speed. `Osrm` asks an OSRM server's table service. `Cached` remembers every
pair it has seen, so re-planning the same day does not ask again.
"""

from __future__ import annotations

import json
import math
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

Point = tuple[float, float]  # (latitude, longitude) in degrees
EARTH_RADIUS_M = 6_371_000.0


class Matrices(NamedTuple):
    """Integer seconds and metres, row = from, column = to."""

    durations: npt.NDArray[np.int64]
    distances: npt.NDArray[np.int64]


class TravelProvider(Protocol):
    """Anything that can give travel matrices for a list of points."""

    def matrices(self, points: Sequence[Point]) -> Matrices:
        """Durations and distances between every pair of `points`."""
        ...


@dataclass(frozen=True)
class Haversine:
    """Offline: great-circle metres x `detour`, at `speed_kmh` (rural roads: about 45)."""

    detour: float = 1.3
    speed_kmh: float = 45.0

    def __post_init__(self) -> None:
        if self.detour < 1.0:
            raise ValueError("detour: must be >= 1 (roads are never shorter than the crow)")
        if self.speed_kmh <= 0:
            raise ValueError("speed_kmh: must be positive")

    def matrices(self, points: Sequence[Point]) -> Matrices:
        """Durations and distances between every pair of `points`."""
        lat = np.radians([p[0] for p in points])[:, None]
        lon = np.radians([p[1] for p in points])[:, None]
        a = (np.sin((lat.T - lat) / 2) ** 2
             + np.cos(lat) * np.cos(lat.T) * np.sin((lon.T - lon) / 2) ** 2)
        metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1))) * self.detour
        seconds = metres / (self.speed_kmh / 3.6)
        return Matrices(np.ceil(seconds).astype(np.int64), np.rint(metres).astype(np.int64))


@dataclass(frozen=True)
class Osrm:
    """OSRM table service at `base_url` (e.g. http://localhost:5000)."""

    base_url: str
    profile: str = "driving"
    timeout: float = 10.0

    def matrices(self, points: Sequence[Point]) -> Matrices:
        """Durations and distances between every pair of `points`, from one table call."""
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        url = (f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coords}"
               "?annotations=duration,distance")
        with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310
            body = json.load(response)
        if body.get("code") != "Ok":
            raise RuntimeError(f"OSRM table failed: {body.get('code')} {body.get('message', '')}")
        return Matrices(_table(body, "durations", math.ceil), _table(body, "distances", round))


def _table(body: dict[str, object], key: str, rounding: object) -> npt.NDArray[np.int64]:
    rows = body.get(key)
    if not isinstance(rows, list):
        raise RuntimeError(f"OSRM table: no {key} in the answer")
    # OSRM answers null for pairs it cannot route; treat them as unreachable (very far).
    values = [[10**9 if v is None else rounding(v) for v in row] for row in rows]  # type: ignore[operator]
    return np.asarray(values, dtype=np.int64)


@dataclass
class Cached:
    """Wraps a provider; pairs already known are not asked for again."""

    inner: TravelProvider
    _pairs: dict[tuple[Point, Point], tuple[int, int]] = field(default_factory=dict)
    calls: int = 0

    def matrices(self, points: Sequence[Point]) -> Matrices:
        """Durations and distances between every pair of `points` (cached per pair)."""
        pairs = [(a, b) for a in points for b in points]
        if not all(pair in self._pairs for pair in pairs):
            self.calls += 1
            fresh = self.inner.matrices(points)
            for i, a in enumerate(points):
                for j, b in enumerate(points):
                    self._pairs[a, b] = (int(fresh.durations[i, j]), int(fresh.distances[i, j]))
        size = len(points)
        values = np.asarray([self._pairs[pair] for pair in pairs], dtype=np.int64)
        return Matrices(values[:, 0].reshape(size, size), values[:, 1].reshape(size, size))
