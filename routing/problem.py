"""The dial-a-ride problem: immutable, validated at construction.

Units are integers throughout: times in seconds (any origin, e.g. seconds since midnight),
distances in metres. Locations are row/column numbers of the two matrices. Requests and
vehicles carry string ids chosen by the caller; no solver index ever appears here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.int64]


class Need(StrEnum):
    """Something a passenger needs from the car (and a car may offer)."""

    WHEELCHAIR_VEHICLE = "wheelchair_vehicle"  # travels seated in a wheelchair: adapted car
    FOLDING_WHEELCHAIR = "folding_wheelchair"  # boot space for a folded wheelchair
    DOG = "dog"  # assistance dog on board


@dataclass(frozen=True)
class Stop:
    """One end of a request: where, the window for the start of service, how long it takes."""

    location: int
    earliest: int
    latest: int
    service: int = 0


@dataclass(frozen=True)
class Request:
    """A passenger trip: pick up, then drop off, within the ride-time limit.

    `linked` names another request (outbound and return) that must have the same driver;
    the pair is served together or not at all. `declined_by` lists vehicles that must not
    take it (a driver said no).
    """

    id: str
    pickup: Stop
    dropoff: Stop
    seats: int = 1
    needs: frozenset[Need] = frozenset()
    max_ride: int | None = None
    linked: str | None = None
    declined_by: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Vehicle:
    """A driver and car: leaves `start` and returns to `end` (home) within the shift."""

    id: str
    start: int
    end: int
    shift_start: int
    shift_end: int
    seats: int
    capabilities: frozenset[Need] = frozenset()
    max_duration: int | None = None
    cost_per_distance: float = 1.0

    def can_carry(self, request: Request) -> bool:
        """True if the car offers every need and seat of `request` and was not declined."""
        return (
            request.needs <= self.capabilities
            and request.seats <= self.seats
            and self.id not in request.declined_by
        )


@dataclass(frozen=True)
class Lock:
    """An accepted trip fixed to a vehicle when re-planning.

    With `position` set, the locked requests of a vehicle keep that relative order of
    their pickups (0 first); without it, only the vehicle is fixed.
    """

    request: str
    vehicle: str
    position: int | None = None


def _matrix(name: str, values: Sequence[Sequence[int]] | Matrix) -> Matrix:
    try:
        array = np.asarray(values)
    except ValueError as error:  # ragged rows
        raise ValueError(f"{name}: must be a square matrix ({error})") from error
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] == 0:
        raise ValueError(f"{name}: must be a non-empty square matrix, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name}: must hold integers (seconds or metres), got {array.dtype}")
    if (array < 0).any():
        raise ValueError(f"{name}: negative entries are not allowed")
    array = np.array(array, dtype=np.int64, order="C")  # a copy, row-major (numba kernels)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Problem:
    """Travel matrices, requests, vehicles and locks. Raises ValueError naming a bad field."""

    durations: Matrix
    distances: Matrix
    requests: tuple[Request, ...]
    vehicles: tuple[Vehicle, ...]
    locks: tuple[Lock, ...] = ()
    _request_index: dict[str, int] = field(init=False, repr=False)
    _vehicle_index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        durations = _matrix("durations", self.durations)
        distances = _matrix("distances", self.distances)
        if durations.shape != distances.shape:
            raise ValueError("distances: shape differs from durations")
        object.__setattr__(self, "durations", durations)
        object.__setattr__(self, "distances", distances)
        object.__setattr__(self, "requests", tuple(self.requests))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        object.__setattr__(self, "locks", tuple(self.locks))
        size = durations.shape[0]
        object.__setattr__(self, "_request_index", _unique("requests", self.requests))
        object.__setattr__(self, "_vehicle_index", _unique("vehicles", self.vehicles))
        for i, request in enumerate(self.requests):
            _check_request(f"requests[{i}]", request, size, self._request_index)
        for i, vehicle in enumerate(self.vehicles):
            _check_vehicle(f"vehicles[{i}]", vehicle, size)
        self._check_locks()

    def _check_locks(self) -> None:
        seen: set[str] = set()
        for i, lock in enumerate(self.locks):
            if lock.request not in self._request_index:
                raise ValueError(f"locks[{i}].request: unknown request {lock.request!r}")
            if lock.vehicle not in self._vehicle_index:
                raise ValueError(f"locks[{i}].vehicle: unknown vehicle {lock.vehicle!r}")
            if lock.request in seen:
                raise ValueError(f"locks[{i}].request: {lock.request!r} is locked twice")
            if lock.position is not None and lock.position < 0:
                raise ValueError(f"locks[{i}].position: must be >= 0")
            seen.add(lock.request)

    def request_index(self, request_id: str) -> int:
        """Position of request `request_id` in `requests`."""
        return self._request_index[request_id]

    def vehicle_index(self, vehicle_id: str) -> int:
        """Position of vehicle `vehicle_id` in `vehicles`."""
        return self._vehicle_index[vehicle_id]

    def lock_of(self, request_id: str) -> Lock | None:
        """The lock on `request_id`, if any."""
        return next((lock for lock in self.locks if lock.request == request_id), None)


def _unique(name: str, items: Sequence[Request | Vehicle]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item.id, str) or not item.id:
            raise ValueError(f"{name}[{i}].id: must be a non-empty string")
        if item.id in index:
            raise ValueError(f"{name}[{i}].id: duplicate id {item.id!r}")
        index[item.id] = i
    return index


def _check_stop(name: str, stop: Stop, size: int) -> None:
    if not 0 <= stop.location < size:
        raise ValueError(f"{name}.location: {stop.location} is outside 0..{size - 1}")
    if stop.earliest > stop.latest:
        raise ValueError(f"{name}.earliest: {stop.earliest} is after latest {stop.latest}")
    if stop.service < 0:
        raise ValueError(f"{name}.service: must be >= 0")


def _check_request(name: str, request: Request, size: int, ids: dict[str, int]) -> None:
    _check_stop(f"{name}.pickup", request.pickup, size)
    _check_stop(f"{name}.dropoff", request.dropoff, size)
    if request.seats < 1:
        raise ValueError(f"{name}.seats: must be >= 1, got {request.seats}")
    if request.max_ride is not None and request.max_ride < 0:
        raise ValueError(f"{name}.max_ride: must be >= 0")
    if not all(isinstance(need, Need) for need in request.needs):
        raise ValueError(f"{name}.needs: every need must be a routing.Need")
    if request.linked is not None:
        if request.linked not in ids or request.linked == request.id:
            raise ValueError(f"{name}.linked: unknown or self reference {request.linked!r}")


def _check_vehicle(name: str, vehicle: Vehicle, size: int) -> None:
    for attr in ("start", "end"):
        location = getattr(vehicle, attr)
        if not 0 <= location < size:
            raise ValueError(f"{name}.{attr}: {location} is outside the matrices")
    if vehicle.shift_start > vehicle.shift_end:
        raise ValueError(f"{name}.shift_start: {vehicle.shift_start} is after shift_end")
    if vehicle.seats < 1:
        raise ValueError(f"{name}.seats: must be >= 1, got {vehicle.seats}")
    if vehicle.max_duration is not None and vehicle.max_duration < 0:
        raise ValueError(f"{name}.max_duration: must be >= 0")
    if vehicle.cost_per_distance < 0:
        raise ValueError(f"{name}.cost_per_distance: must be >= 0")


@dataclass(frozen=True)
class Weights:
    """Objective weights. Serving comes first, then cost, then fairness.

    `unserved` is the penalty per unserved request in cost units (None: automatic, larger
    than any detour, so the plan serves as many requests as it can). `fairness` is charged
    per metre of the longest route, which spreads work across volunteers; the benchmark
    uses 0 (pure distance, as the literature does).
    """

    unserved: int | None = None
    fairness: int = 0

    def __post_init__(self) -> None:
        if self.unserved is not None and self.unserved <= 0:
            raise ValueError("unserved: must be a positive penalty")
        if self.fairness < 0:
            raise ValueError("fairness: must be >= 0")
