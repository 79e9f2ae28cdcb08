"""The shape of a lift in time: legs, windows and ride limits.

Pure functions over values (no storage): planning turns their results into a routing
problem, and the same numbers explain plans to coordinators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from booking.rules import SchemeRules, arrival_window
from routing.travel import Haversine

METRES_PER_MILE = 1609.344
# Road time and miles from the crow-fly distance (the planner's default without OSRM), for
# trips timed or measured outside a plan.
ESTIMATE = Haversine()
PICKUP_SERVICE_S = 180  # getting someone out of the house and into the car
WHEELCHAIR_SERVICE_S = 420  # folding a wheelchair into the boot, or securing one
DROPOFF_SERVICE_S = 120
RETURN_PICKUP_SPREAD = timedelta(minutes=45)  # appointments run late: the way home is flexible


@dataclass(frozen=True)
class Window:
    """Earliest and latest start of service, as instants."""

    earliest: datetime
    latest: datetime


@dataclass(frozen=True)
class LegShape:
    """When one leg must be picked up and dropped off, and its longest allowed ride."""

    direction: str  # out | back
    pickup: Window
    dropoff: Window
    max_ride_s: int
    pickup_service_s: int
    dropoff_service_s: int


def max_ride_seconds(direct_s: int, rules: SchemeRules) -> int:
    """The longest ride a passenger should sit through: direct x factor + extra minutes."""
    return int(direct_s * rules.max_ride_factor) + rules.max_ride_extra_minutes * 60


def pickup_service(mobility: str) -> int:
    """Seconds to get a passenger into the car."""
    return WHEELCHAIR_SERVICE_S if "wheelchair" in mobility else PICKUP_SERVICE_S


def leg_shapes(*, appointment: datetime, return_plan: str, destination_kind: str,
               direct_s: int, mobility: str, rules: SchemeRules) -> list[LegShape]:
    """The legs of a lift: arrive 10-20 minutes early, and home again unless one way."""
    board = pickup_service(mobility)
    ride = max_ride_seconds(direct_s, rules)
    arrive = arrival_window(appointment, rules)
    out = LegShape(
        "out",
        pickup=Window(arrive.earliest - timedelta(seconds=ride + board),
                      arrive.latest - timedelta(seconds=direct_s + board)),
        dropoff=Window(arrive.earliest, arrive.latest),
        max_ride_s=ride, pickup_service_s=board, dropoff_service_s=DROPOFF_SERVICE_S)
    if return_plan == "one_way":
        return [out]
    minutes = (rules.appointment_minutes_hospital if destination_kind == "hospital"
               else rules.appointment_minutes_gp)
    ready = appointment + timedelta(minutes=minutes)
    spread = RETURN_PICKUP_SPREAD if return_plan == "wait" else timedelta(minutes=60)
    back_pickup = Window(ready, ready + spread)
    back = LegShape(
        "back", pickup=back_pickup,
        dropoff=Window(ready + timedelta(seconds=board + direct_s),
                       back_pickup.latest + timedelta(seconds=board + ride)),
        max_ride_s=ride, pickup_service_s=board, dropoff_service_s=DROPOFF_SERVICE_S)
    return [out, back]


def provisional_times(shape: LegShape, direct_s: int) -> tuple[datetime, datetime]:
    """Pickup and drop-off for a leg no plan has timed (an urgent broadcast): there, arriving
    mid-window; back, collecting as soon as the appointment should be over."""
    ride = timedelta(seconds=shape.pickup_service_s + direct_s)
    if shape.direction == "out":
        pickup = shape.dropoff.earliest + (shape.dropoff.latest - shape.dropoff.earliest) / 2 \
            - ride
    else:
        pickup = shape.pickup.earliest
    return pickup, pickup + ride


def return_plan_for(return_plan: str, destination_kind: str, rules: SchemeRules) -> str:
    """The way home as it will be driven: a driver waits only as long as the scheme's free
    waiting allows (arriving early plus the expected appointment); beyond that the driver is
    free meanwhile and the way home is a separate trip ("collect later")."""
    if return_plan != "wait":
        return return_plan
    minutes = (rules.appointment_minutes_hospital if destination_kind == "hospital"
               else rules.appointment_minutes_gp)
    waited = rules.arrive_early_max_minutes + minutes
    return "wait" if waited <= rules.driver_wait_free_minutes else "collect_later"
