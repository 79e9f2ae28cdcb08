"""The result of a solve: timed routes, unserved requests with reasons, objective, stats."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StopKind(StrEnum):
    """Whether a visit picks a passenger up or drops them off."""

    PICKUP = "pickup"
    DROPOFF = "dropoff"


class Reason(StrEnum):
    """Why a request is unserved, phrased so a coordinator can act on it."""

    NO_CAPABLE_VEHICLE = "no car with the needed capability (or seats)"
    NO_DRIVER_AT_TIME = "no driver available at that time"
    UNREACHABLE = "no available driver can arrive within the window from home"
    CAPACITY_EXHAUSTED = "the drivers who could do it are fully booked"
    LINKED_UNSERVED = "its linked outbound/return trip cannot be served"


@dataclass(frozen=True)
class Visit:
    """A stop on a route. Times in seconds; `load` is seats occupied after the stop."""

    request: str
    kind: StopKind
    location: int
    arrival: int
    start: int
    departure: int
    load: int


@dataclass(frozen=True)
class Route:
    """One vehicle's day: leave home at `start_time`, visit, be home at `end_time`."""

    vehicle: str
    visits: tuple[Visit, ...]
    start_time: int
    end_time: int
    distance: int


@dataclass(frozen=True)
class Unserved:
    """A request left out of the plan, with the reason and a human-readable detail."""

    request: str
    reason: Reason
    detail: str = ""


@dataclass(frozen=True)
class Objective:
    """The parts of the objective: served count first, then cost, then fairness."""

    served: int
    unserved: int
    distance: int  # metres over all routes
    cost: float  # distance weighted by each vehicle's cost_per_distance
    longest_route: int  # metres of the longest route (the fairness term's measure)


@dataclass(frozen=True)
class SolverStats:
    """How the search went."""

    seconds: float
    first_solution_seconds: float
    iterations: int
    improvements: int
    seed: int


@dataclass(frozen=True)
class Plan:
    """Routes (only vehicles with visits), unserved requests, objective parts and stats."""

    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    objective: Objective
    stats: SolverStats

    def route_of(self, vehicle_id: str) -> Route | None:
        """The route of `vehicle_id`, or None if it has no visits."""
        return next((r for r in self.routes if r.vehicle == vehicle_id), None)

    def vehicle_of(self, request_id: str) -> str | None:
        """The vehicle serving `request_id`, or None if unserved."""
        for route in self.routes:
            if any(v.request == request_id for v in route.visits):
                return route.vehicle
        return None
