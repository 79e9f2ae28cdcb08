"""Read models for the coordinators' console: a day at a glance, as plain values.

Each driver's timeline of legs, the requests still without a driver (and why, in plain words),
the offers waiting for an answer, and the problems a coordinator should look at. A handful of
queries per day whatever its size (the console redraws it every few seconds). Needs are
mobility needs only and destinations are place names: nothing medical.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from booking.domain.eligibility import checks_in_date
from booking.domain.status import (
    LEG_FREE,
    OFFER_FAILED,
    REQUEST_CLOSED,
    REQUEST_WAITING,
    LegStatus,
    OfferStatus,
    RequestStatus,
)
from booking.rules import SchemeRules, local_instant, rules_from
from storage.tables import Leg, LiftRequest, Offer, Person, Place, Scheme

FAILURES_WORTH_A_LOOK = 2  # declined or unanswered offers before a person should step in
NEEDS = {"walking_aid": "walking aid", "folding_wheelchair": "folding wheelchair",
         "wheelchair_vehicle": "wheelchair-accessible car"}
STATUS_WORDS: dict[str, str] = {
    RequestStatus.REQUESTED: "not planned yet", RequestStatus.NEEDS_COORDINATOR:
    "needs a coordinator", RequestStatus.PLANNED: "planned, offer not sent",
    RequestStatus.OFFERED: "offered", RequestStatus.CONFIRMED: "confirmed",
    RequestStatus.UNSERVED: "no driver found", RequestStatus.CANCELLED: "cancelled",
    RequestStatus.DONE: "done", RequestStatus.NO_SHOW: "did not come",
    LegStatus.OPEN: "needs a driver", LegStatus.ACCEPTED: "accepted",
    LegStatus.PICKED_UP: "on board",
}


@dataclass(frozen=True)
class LegCard:
    """One journey on a driver's timeline."""

    leg_id: int
    request_id: int
    direction: str  # out | back
    pickup: str  # local HH:MM ("--:--" when no plan has timed it)
    dropoff: str
    passenger: str  # first name only
    village: str
    destination: str
    needs: tuple[str, ...]
    status: str
    status_words: str
    reason: str


@dataclass(frozen=True)
class DriverLane:
    """A driver's day: their legs in time order."""

    driver_id: int
    name: str
    legs: tuple[LegCard, ...]
    miles: float


@dataclass(frozen=True)
class Waiting:
    """A request without an accepted driver for every leg, and why, in plain words."""

    request_id: int
    appointment: str  # local HH:MM
    passenger: str
    village: str
    destination: str
    needs: tuple[str, ...]
    status: str
    reason: str


@dataclass(frozen=True)
class OpenOffer:
    """An offer waiting for a driver's answer."""

    offer_id: int
    request_id: int
    driver: str
    passenger: str
    minutes_left: int
    broadcast: bool


@dataclass(frozen=True)
class Problem:
    """Something a coordinator should look at: kind is declined_twice, no_driver, checks,
    approval, short_notice or help."""

    kind: str
    text: str
    request_id: int | None = None
    person_id: int | None = None
    help_id: int | None = None


@dataclass(frozen=True)
class Board:
    """The whole day for one scheme."""

    day: date
    scheme_name: str
    lanes: tuple[DriverLane, ...]
    waiting: tuple[Waiting, ...]
    offers: tuple[OpenOffer, ...]
    problems: tuple[Problem, ...]
    requests: int  # active or done that day
    confirmed: int


@dataclass(frozen=True)
class RequestRow:
    """The columns of a request the console reads."""

    id: int
    resident_id: int
    status: str
    status_reason: str
    appointment_at: datetime
    mobility: str
    companion: bool
    assistance_dog: bool
    return_plan: str


@dataclass(frozen=True)
class ResidentRow:
    """The columns of a resident the console reads."""

    id: int
    name: str
    address: str
    postcode: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class PlaceRow:
    """The columns of a destination the console reads."""

    id: int
    name: str
    notes: str
    lat: float
    lon: float


@dataclass(frozen=True)
class LegRow:
    """The columns of a leg the console reads."""

    id: int
    request_id: int
    direction: str
    status: str
    driver_id: int | None
    pickup_at: datetime | None
    dropoff_at: datetime | None
    reason: str
    driver_miles: float


@dataclass(frozen=True)
class DriverRow:
    """The columns of a driver the console reads."""

    id: int
    name: str
    phone: str | None
    active: bool
    dbs_checked_on: date | None
    licence_checked_on: date | None
    insurance_expires_on: date | None
    pending_since: datetime | None = None  # joined by code, checks not yet seen


@dataclass(frozen=True)
class DayRows:
    """A day's requests with their residents, places, legs and drivers (loaded once).

    Plain rows of the columns needed, not ORM objects: the board redraws every few seconds
    and building a thousand tracked objects was most of its time.
    """

    rules: SchemeRules
    requests: dict[int, tuple[RequestRow, ResidentRow, PlaceRow]]
    legs: list[LegRow]
    drivers: dict[int, DriverRow]


def _columns(model: Any, row: type[Any]) -> list[Any]:
    return [getattr(model, f.name) for f in fields(row)]


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants a local day starts and ends."""
    start = local_instant(day, time(0), tz)
    return start, local_instant(day + timedelta(days=1), time(0), tz)


def load_day(session: Session, scheme_id: int, day: date) -> DayRows:
    """Everything the board shows for a day, in three queries."""
    scheme = session.get(Scheme, scheme_id)
    if scheme is None:
        raise LookupError(f"no scheme {scheme_id}")
    rules = rules_from(scheme.rules or {})
    start, end = day_bounds(day, rules.tz)
    shapes = (RequestRow, ResidentRow, PlaceRow)
    cut = [len(fields(shape)) for shape in shapes]
    rows = session.execute(
        select(*_columns(LiftRequest, RequestRow), *_columns(Person, ResidentRow),
               *_columns(Place, PlaceRow))
        .join(Person, col(Person.id) == LiftRequest.resident_id)
        .join(Place, col(Place.id) == LiftRequest.destination_id)
        .where(LiftRequest.scheme_id == scheme_id, col(LiftRequest.appointment_at) >= start,
               col(LiftRequest.appointment_at) < end)
        .order_by(col(LiftRequest.appointment_at), col(LiftRequest.id))).all()
    requests = {}
    for row in rows:
        request = RequestRow(*row[:cut[0]])
        resident = ResidentRow(*row[cut[0]:cut[0] + cut[1]])
        place = PlaceRow(*row[cut[0] + cut[1]:])
        requests[request.id] = (request, resident, place)
    legs = [LegRow(*row) for row in session.execute(select(*_columns(Leg, LegRow)).where(
        col(Leg.request_id).in_(list(requests)))).all()] if requests else []
    drivers = {row[0]: DriverRow(*row) for row in session.execute(
        select(*_columns(Person, DriverRow)).where(
            Person.scheme_id == scheme_id, Person.role == "driver")).all()}
    return DayRows(rules, requests, legs, drivers)


def day_board(session: Session, scheme_id: int, day: date, now: datetime,
              open_help: list[tuple[int, str, datetime]] | None = None) -> Board:
    """The board for `day`: lanes, waiting requests, open offers, problems.

    `open_help` is the scheme's HELP requests not yet handled: (id, first name, opened at).
    """
    data = load_day(session, scheme_id, day)
    tz = data.rules.tz
    offers = _open_offers(session, data, now)
    failures = _failures(session, data)
    lanes = _lanes(data, tz)
    waiting = tuple(_waiting(data, tz, offers, failures))
    problems = (*_request_problems(data, now, tz, failures),
                *_check_problems(data, day),
                *_help_problems(open_help or [], tz))
    scheme = session.get(Scheme, scheme_id)
    live = [r for r, _, _ in data.requests.values()
            if r.status not in (RequestStatus.CANCELLED, RequestStatus.NO_SHOW)]
    return Board(day, scheme.name if scheme else "", lanes, waiting, tuple(offers.values()),
                 problems, len(live),
                 sum(r.status in (RequestStatus.CONFIRMED, RequestStatus.DONE) for r in live))


def first_name(name: str) -> str:
    """The first word of a name (what drivers and the board show)."""
    return name.split()[0] if name.strip() else "?"


def village(address: str) -> str:
    """The last part of an address: the village, which is all the board needs."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    return parts[-1] if parts else ""


class HasNeeds(Protocol):
    """A request's needs (an ORM row or a RequestRow)."""

    @property
    def mobility(self) -> str: ...
    @property
    def companion(self) -> bool: ...
    @property
    def assistance_dog(self) -> bool: ...


def needs_of(request: HasNeeds) -> tuple[str, ...]:
    """Mobility needs, a companion, a dog: what the driver's car must allow for."""
    needs = [NEEDS[request.mobility]] if request.mobility in NEEDS else []
    if request.companion:
        needs.append("companion")
    if request.assistance_dog:
        needs.append("assistance dog")
    return tuple(needs)


def hm(instant: datetime | None, tz: ZoneInfo) -> str:
    """Local HH:MM, or --:-- when not timed."""
    return f"{instant.astimezone(tz):%H:%M}" if instant else "--:--"


def words(status: str) -> str:
    """A status in plain words."""
    return STATUS_WORDS.get(status, status.replace("_", " "))


def _lanes(data: DayRows, tz: ZoneInfo) -> tuple[DriverLane, ...]:
    by_driver: dict[int, list[LegRow]] = {}
    for leg in data.legs:
        if leg.driver_id is not None and leg.status != LegStatus.CANCELLED:
            by_driver.setdefault(leg.driver_id, []).append(leg)
    lanes = []
    for driver_id, legs in by_driver.items():
        legs.sort(key=lambda g: (g.pickup_at or data.requests[g.request_id][0].appointment_at,
                                 g.id or 0))
        driver = data.drivers.get(driver_id)
        lanes.append(DriverLane(driver_id, driver.name if driver else f"driver {driver_id}",
                                tuple(_card(data, leg, tz) for leg in legs),
                                round(sum(g.driver_miles for g in legs), 1)))
    return tuple(sorted(lanes, key=lambda lane: (lane.legs[0].pickup, lane.name)))


def _card(data: DayRows, leg: LegRow, tz: ZoneInfo) -> LegCard:
    request, resident, place = data.requests[leg.request_id]
    return LegCard(leg.id or 0, leg.request_id, leg.direction, hm(leg.pickup_at, tz),
                   hm(leg.dropoff_at, tz), first_name(resident.name), village(resident.address),
                   place.name, needs_of(request), leg.status, words(leg.status), leg.reason)


def _open_offers(session: Session, data: DayRows, now: datetime) -> dict[int, OpenOffer]:
    """Open offers by request (the newest when a broadcast made several)."""
    if not data.requests:
        return {}
    found: dict[int, OpenOffer] = {}
    for offer in session.exec(select(Offer).where(
            col(Offer.request_id).in_(list(data.requests)), Offer.status == OfferStatus.OPEN)
            .order_by(col(Offer.created_at))).all():
        driver = data.drivers.get(offer.driver_id)
        _, resident, _ = data.requests[offer.request_id]
        left = max(0, int((offer.expires_at - now).total_seconds() // 60))
        found[offer.id or 0] = OpenOffer(
            offer.id or 0, offer.request_id, driver.name if driver else "?",
            first_name(resident.name), left, offer.broadcast)
    return found


def _failures(session: Session, data: DayRows) -> Counter[int]:
    """Declined or expired offers per request."""
    if not data.requests:
        return Counter()
    rows = session.exec(select(Offer.request_id, func.count()).where(
        col(Offer.request_id).in_(list(data.requests)),
        col(Offer.status).in_(list(OFFER_FAILED))).group_by(col(Offer.request_id))).all()
    return Counter(dict(rows))


def _waiting(data: DayRows, tz: ZoneInfo, offers: dict[int, OpenOffer],
             failures: Counter[int]) -> list[Waiting]:
    legs_of: dict[int, list[LegRow]] = {}
    for leg in data.legs:
        legs_of.setdefault(leg.request_id, []).append(leg)
    offered = {o.request_id: o for o in offers.values()}
    waiting = []
    for request_id, (request, resident, place) in data.requests.items():
        if request.status not in REQUEST_WAITING:
            continue
        reason = _reason(request, legs_of.get(request_id, []), offered.get(request_id),
                         failures[request_id])
        waiting.append(Waiting(request_id, hm(request.appointment_at, tz),
                               first_name(resident.name), village(resident.address), place.name,
                               needs_of(request), request.status, reason))
    return waiting


def _reason(request: RequestRow, legs: list[LegRow], offer: OpenOffer | None,
            failures: int) -> str:
    """Why a request has no driver yet, in words a coordinator would use."""
    if offer is not None:
        return (f"offered to {offer.driver}, waiting for an answer "
                f"({offer.minutes_left} min left)")
    free_reasons = [leg.reason for leg in legs if leg.status in LEG_FREE and leg.reason]
    if request.status == RequestStatus.NEEDS_COORDINATOR:
        why = request.status_reason or "needs a person to decide"
        return f"{why}: find a driver by hand, or broadcast it"
    if request.status == RequestStatus.UNSERVED:
        return request.status_reason or (free_reasons[0] if free_reasons else "no driver found")
    if free_reasons:
        extra = f" ({failures} declined or did not answer)" if failures else ""
        return free_reasons[0] + extra
    if request.status == RequestStatus.PLANNED:
        return "planned; the offer goes out shortly"
    return "not planned yet: planning runs at the cut-off the day before"


def _request_problems(data: DayRows, now: datetime, tz: ZoneInfo,
                      failures: Counter[int]) -> list[Problem]:
    problems = []
    deadline = timedelta(hours=data.rules.early_warning_hours)
    for request_id, (request, resident, _) in data.requests.items():
        if request.status not in REQUEST_WAITING:
            continue
        who = f"#{request_id} {first_name(resident.name)} at {hm(request.appointment_at, tz)}"
        if request.status == RequestStatus.NEEDS_COORDINATOR:
            problems.append(Problem("short_notice", f"{who}: short-notice request waiting for "
                                    "a decision", request_id=request_id))
        if failures[request_id] >= FAILURES_WORTH_A_LOOK:
            problems.append(Problem("declined_twice", f"{who}: {failures[request_id]} drivers "
                                    "declined or did not answer", request_id=request_id))
        if request.status == RequestStatus.UNSERVED or (
                request.appointment_at - now <= deadline and request.appointment_at > now):
            problems.append(Problem("no_driver", f"{who}: no driver by the warning deadline",
                                    request_id=request_id))
    return problems


def _check_problems(data: DayRows, day: date) -> list[Problem]:
    problems = []
    for driver in sorted(data.drivers.values(), key=lambda d: d.name):
        if not driver.active:
            continue
        if driver.pending_since is not None:
            problems.append(Problem("approval", f"{driver.name} is waiting for approval: see "
                                    "their DBS, licence and insurance", person_id=driver.id))
            continue
        out = checks_in_date(dbs_checked_on=driver.dbs_checked_on,
                             licence_checked_on=driver.licence_checked_on,
                             insurance_expires_on=driver.insurance_expires_on, on=day)
        if out:
            problems.append(Problem("checks", f"{driver.name}: {', '.join(out)}; not offered "
                                    "trips until updated", person_id=driver.id))
    return problems


def _help_problems(open_help: list[tuple[int, str, datetime]], tz: ZoneInfo) -> list[Problem]:
    return [Problem("help", f"HELP from {name} at {at.astimezone(tz):%a %H:%M}, not yet "
                    "answered", help_id=help_id) for help_id, name, at in open_help]


def closed(status: str) -> bool:
    """True for requests nothing more can happen to."""
    return status in REQUEST_CLOSED
