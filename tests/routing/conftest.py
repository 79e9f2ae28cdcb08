"""Small named instances you can check by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing import Need, Problem, Request, Stop, Vehicle

# The published instances vendored in the repository (benchmarks/darp/README.md).
DARP = Path(__file__).resolve().parents[2] / "benchmarks" / "darp"
CORDEAU_A = DARP / "cordeau2006"

# Four places on a line, 600 s (and 10 km) apart: 0 home, 1 village, 2 town, 3 surgery.
LINE = [[abs(i - j) * 600 for j in range(4)] for i in range(4)]
METRES = [[abs(i - j) * 10_000 for j in range(4)] for i in range(4)]


def make(requests: list[Request], vehicles: list[Vehicle]) -> Problem:
    """A Problem on the four-place line."""
    return Problem(LINE, METRES, tuple(requests), tuple(vehicles))


def trip(rid: str, frm: int, to: int, at: int, **extra: object) -> Request:
    """A trip picked up at `frm` from `at` and dropped at `to` within two hours."""
    return Request(rid, Stop(frm, at, at + 1800, 60), Stop(to, at, at + 7200, 60),
                   **extra)  # type: ignore[arg-type]


@pytest.fixture
def two_drivers_three_trips() -> Problem:
    """Two drivers at home (place 0); three trips to the surgery, one needing a wheelchair car."""
    vehicles = [
        Vehicle("ann", 0, 0, 0, 20_000, 3),
        Vehicle("bob", 0, 0, 0, 20_000, 3, frozenset({Need.WHEELCHAIR_VEHICLE})),
    ]
    requests = [
        trip("r1", 1, 3, 1000, max_ride=1500),
        trip("r2", 2, 3, 1000, max_ride=1500),
        trip("r3", 1, 3, 5000, needs=frozenset({Need.WHEELCHAIR_VEHICLE})),
    ]
    return make(requests, vehicles)
