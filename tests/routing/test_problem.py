"""Validation of the problem model."""

from __future__ import annotations

import dataclasses

import pytest

from routing import Lock, Problem, Stop, Vehicle, Weights
from tests.routing.conftest import LINE, METRES, make, trip


def test_valid_problem_builds(two_drivers_three_trips: Problem) -> None:
    """A well-formed problem builds and indexes its ids."""
    assert two_drivers_three_trips.request_index("r2") == 1
    assert two_drivers_three_trips.vehicle_index("bob") == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"durations": [[0, 1], [1]]}, "durations"),
        ({"durations": [[0, -1], [1, 0]], "distances": [[0, 1], [1, 0]]}, "durations"),
        ({"distances": [[0.5] * 4] * 4}, "distances"),
    ],
)
def test_bad_matrices_rejected(change: dict[str, object], field: str) -> None:
    """Ragged, negative or non-integer matrices raise ValueError naming the matrix."""
    base = {"durations": LINE, "distances": METRES, "requests": (), "vehicles": ()}
    with pytest.raises(ValueError, match=field):
        Problem(**{**base, **change})  # type: ignore[arg-type]


def test_bad_request_fields_rejected() -> None:
    """A window that closes before it opens, zero seats or an unknown link are named."""
    vehicle = Vehicle("v", 0, 0, 0, 10_000, 3)
    bad_window = trip("r", 1, 2, 100)
    bad_window = dataclasses.replace(bad_window, pickup=Stop(1, 500, 400))
    with pytest.raises(ValueError, match=r"requests\[0\]\.pickup\.earliest"):
        make([bad_window], [vehicle])
    with pytest.raises(ValueError, match=r"requests\[0\]\.seats"):
        make([trip("r", 1, 2, 100, seats=0)], [vehicle])
    with pytest.raises(ValueError, match=r"requests\[0\]\.linked"):
        make([trip("r", 1, 2, 100, linked="nope")], [vehicle])
    with pytest.raises(ValueError, match=r"requests\[0\]\.dropoff\.location"):
        make([trip("r", 1, 9, 100)], [vehicle])


def test_bad_vehicles_and_locks_rejected() -> None:
    """Duplicate ids, empty shifts and locks to unknown vehicles are named."""
    with pytest.raises(ValueError, match=r"vehicles\[1\]\.id"):
        make([], [Vehicle("v", 0, 0, 0, 1, 3), Vehicle("v", 0, 0, 0, 1, 3)])
    with pytest.raises(ValueError, match=r"vehicles\[0\]\.shift_start"):
        make([], [Vehicle("v", 0, 0, 10, 1, 3)])
    problem = make([trip("r", 1, 2, 100)], [Vehicle("v", 0, 0, 0, 10_000, 3)])
    with pytest.raises(ValueError, match=r"locks\[0\]\.vehicle"):
        dataclasses.replace(problem, locks=(Lock("r", "w"),))
    with pytest.raises(ValueError, match="unserved"):
        Weights(unserved=0)
