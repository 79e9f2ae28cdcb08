"""Why a request could not be served, in plain words, and what would make it possible.

The solver says which of a few reasons stopped it (`routing.Reason`); this turns that into a
sentence a coordinator can act on, naming the day, the part of the day, the village and the
kind of car: "no driver is free on Tuesday morning: a driver free then near Askrigg would make
it possible". No ids, no internals: it goes on the board, in the digest and to funders' counts
(the reason before the colon).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import routing
from booking.planning.day import DayData, RequestRow

R = routing.Reason


def part_of_day(instant: datetime, tz: ZoneInfo) -> str:
    """'Tuesday morning', 'Tuesday afternoon', 'Tuesday evening'."""
    local = instant.astimezone(tz)
    part = "morning" if local.hour < 12 else "afternoon" if local.hour < 17 else "evening"
    return f"{local:%A} {part}"


def car_needed(row: RequestRow) -> str:
    """The car the trip needs, in plain words ('' for any car)."""
    if row.mobility == "wheelchair_vehicle":
        kind = "a wheelchair-accessible car"
    elif row.mobility == "folding_wheelchair":
        kind = "a car with room for a folding wheelchair"
    else:
        kind = ""
    extras = [x for x, wanted in (("that takes an assistance dog", row.dog),
                                  (f"with {row.seats} passenger seats", row.seats > 1)) if wanted]
    if not kind and extras:
        kind = "a car"
    return " ".join([kind, *extras]).strip()


def explain(reason: routing.Reason | None, row: RequestRow, data: DayData, *,
            at_limit: bool = False) -> str:
    """One sentence for the coordinator (under 200 characters)."""
    tz = data.rules.tz
    when = part_of_day(row.appointment, tz)
    near = f" near {row.village}" if row.village else ""
    car = car_needed(row)
    if not data.drivers:
        said = (f"no driver is free on {row.appointment.astimezone(tz):%A}s: a driver free "
                f"{when}{near} would make it possible")
    elif at_limit:
        said = (f"the drivers who could take it have reached their trips for the day: another "
                f"driver free {when}{near} would make it possible")
    elif reason is R.NO_CAPABLE_VEHICLE and row.declined_by:
        said = (f"every driver who could take it has declined: a coordinator could ask "
                f"someone{near} directly")
    elif reason is R.NO_CAPABLE_VEHICLE:
        said = f"needs {car or 'a car'}, and none is free that day: one free {when} would do"
    elif reason is R.NO_DRIVER_AT_TIME:
        needed = f"{car} " if car else "a driver "
        said = f"no driver is free {when}: {needed}free then{near} would make it possible"
    elif reason is R.UNREACHABLE:
        said = (f"the drivers free {when} live too far away to be there in time: a driver "
                f"free then{near} would make it possible")
    elif reason is R.LINKED_UNSERVED:
        said = (f"no one driver can take both the way there and home: a driver free for all of "
                f"{when}{near} would make it possible")
    else:  # CAPACITY_EXHAUSTED, or no reason given
        said = (f"the drivers free {when} are already busy with other lifts: one more driver"
                f"{near}, or a different appointment time, would make it possible")
    return said[:200]
