"""Read models for the console's map and print pages: each driver's stops in order (a run
sheet, a line on the map), the pick-ups still without a driver, and the drivers to choose
from when assigning by hand."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from booking.board import DayRows, LegRow, day_board, hm, load_day, needs_of, words
from booking.domain.eligibility import checks_in_date
from booking.domain.status import LegStatus


@dataclass(frozen=True)
class Stop:
    """One stop of a driver's day: a pick-up or a drop-off, where and when."""

    at: str  # local HH:MM
    action: str  # "Pick up" | "Drop off"
    passenger: str  # full name on run sheets (the driver needs it), first name on the map
    place: str  # address or place name
    lat: float | None
    lon: float | None
    needs: tuple[str, ...]
    note: str
    status: str
    request_id: int


@dataclass(frozen=True)
class Route:
    """A driver's stops in order: a run sheet, or a line on the map."""

    driver_id: int
    driver: str
    phone: str
    stops: tuple[Stop, ...]
    miles: float


def routes(session: Session, scheme_id: int, day: date, *,
           driver_id: int | None = None) -> list[Route]:
    """Each driver's stops for the day in time order (cancelled and unserved legs left out)."""
    data = load_day(session, scheme_id, day)
    tz = data.rules.tz
    found: dict[int, list[tuple[datetime, Stop]]] = {}
    miles: dict[int, float] = {}
    for leg in data.legs:
        if leg.driver_id is None or leg.status in (LegStatus.CANCELLED, LegStatus.UNSERVED):
            continue
        if driver_id is not None and leg.driver_id != driver_id:
            continue
        found.setdefault(leg.driver_id, []).extend(_stops(data, leg, tz))
        miles[leg.driver_id] = miles.get(leg.driver_id, 0.0) + leg.driver_miles
    out = []
    for who, stops in found.items():
        driver = data.drivers.get(who)
        stops.sort(key=lambda pair: pair[0])
        out.append(Route(who, driver.name if driver else f"driver {who}",
                         (driver.phone or "") if driver else "",
                         tuple(stop for _, stop in stops), round(miles[who], 1)))
    return sorted(out, key=lambda r: (r.stops[0].at if r.stops else "", r.driver))


def _stops(data: DayRows, leg: LegRow, tz: ZoneInfo) -> list[tuple[datetime, Stop]]:
    request, resident, place = data.requests[leg.request_id]
    home = ", ".join(x for x in (resident.address, resident.postcode) if x)
    needs = needs_of(request)
    start = leg.pickup_at or request.appointment_at
    end = leg.dropoff_at or start
    status = words(leg.status)
    pick_home = Stop(hm(leg.pickup_at, tz), "Pick up", resident.name, home, resident.lat,
                     resident.lon, needs, "", status, request.id or 0)
    drop_place = Stop(hm(leg.dropoff_at, tz), "Drop off", resident.name, place.name, place.lat,
                      place.lon, needs, place.notes, status, request.id or 0)
    if leg.direction == "out":
        return [(start, pick_home), (end, drop_place)]
    pick_place = Stop(hm(leg.pickup_at, tz), "Pick up", resident.name, place.name, place.lat,
                      place.lon, needs, place.notes, status, request.id or 0)
    drop_home = Stop(hm(leg.dropoff_at, tz), "Drop off", resident.name, home, resident.lat,
                     resident.lon, needs, "", status, request.id or 0)
    return [(start, pick_place), (end, drop_home)]


@dataclass(frozen=True)
class Marker:
    """An unassigned pick-up on the map."""

    request_id: int
    passenger: str  # first name
    village: str
    appointment: str
    lat: float
    lon: float
    reason: str


def unassigned_pickups(session: Session, scheme_id: int, day: date,
                       now: datetime) -> list[Marker]:
    """Where the requests no plan has a driver for start from (those with a known location;
    requests offered to a driver are on that driver's route already)."""
    board = day_board(session, scheme_id, day, now)
    data = load_day(session, scheme_id, day)
    driven = {leg.request_id for leg in data.legs if leg.driver_id is not None}
    markers = []
    for item in board.waiting:
        if item.request_id in driven:
            continue
        _, resident, _ = data.requests[item.request_id]
        if resident.lat is not None and resident.lon is not None:
            markers.append(Marker(item.request_id, item.passenger, item.village,
                                  item.appointment, resident.lat, resident.lon, item.reason))
    return markers


@dataclass(frozen=True)
class DriverChoice:
    """A driver a coordinator may pick, with what stands against them that day."""

    driver_id: int
    name: str
    trips: int  # legs already theirs that day
    checks: tuple[str, ...]


def driver_choices(session: Session, scheme_id: int, day: date) -> list[DriverChoice]:
    """Active drivers by name, with their trips that day and any out-of-date checks."""
    data = load_day(session, scheme_id, day)
    trips = Counter(leg.driver_id for leg in data.legs
                    if leg.driver_id is not None and leg.status != LegStatus.CANCELLED)
    return [DriverChoice(d.id or 0, d.name, trips[d.id or 0],
                         tuple(checks_in_date(dbs_checked_on=d.dbs_checked_on,
                                              licence_checked_on=d.licence_checked_on,
                                              insurance_expires_on=d.insurance_expires_on,
                                              on=day)))
            for d in sorted(data.drivers.values(), key=lambda p: p.name) if d.active]
