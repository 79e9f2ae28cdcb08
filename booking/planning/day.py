"""A day to plan, read from the database as plain values: its requests (with the legs
drivers already hold) and the drivers free that day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from booking.domain.outcomes import HOME_UNKNOWN
from booking.domain.status import LEG_HELD, OFFER_FAILED, REQUEST_PLANNABLE
from booking.driver_days import DriverRow, free_drivers
from booking.planning.fairness import Workload, past_workload
from booking.rules import SchemeRules, local_instant
from booking.schemes import scheme_rules
from storage.tables import Leg, LiftRequest, Offer, Person, Place, Scheme

Point = tuple[float, float]
Matrices = Callable[[list[Point]], tuple[Any, Any]]  # points -> (seconds, metres)


@dataclass(frozen=True)
class RequestRow:
    """A request to plan, as read."""

    id: int
    status: str
    home: Point
    destination: Point
    destination_kind: str
    appointment: datetime
    return_plan: str
    mobility: str
    seats: int
    dog: bool
    declined_by: frozenset[int]
    held: dict[str, int]  # direction -> driver id, for accepted legs
    village: str = ""  # where they live, to say where a driver is needed


@dataclass
class DayData:
    """One scheme's day, read from the database as plain values."""

    scheme_id: int
    day: date
    rules: SchemeRules
    requests: list[RequestRow] = field(default_factory=list)
    drivers: list[DriverRow] = field(default_factory=list)
    excluded: dict[int, str] = field(default_factory=dict)  # request id -> why not planned
    past: dict[int, Workload] = field(default_factory=dict)  # driver -> last four weeks


@dataclass(frozen=True)
class PlanSummary:
    """What a planning run did."""

    run_id: int
    day: date
    requests: int
    served: int
    unserved: int
    offers: int
    miles: float
    seconds: float
    reasons: dict[int, str]


def load_day(session: Session, scheme_id: int, day: date, *, now: datetime) -> DayData:
    """Requests with an appointment on `day`, and the drivers free that day."""
    scheme = session.get(Scheme, scheme_id)
    if scheme is None:
        raise LookupError(f"no scheme {scheme_id}")
    rules = scheme_rules(scheme)
    data = DayData(scheme_id, day, rules)
    start = local_instant(day, time(0), rules.tz)
    rows = session.exec(
        select(LiftRequest, Person, Place)
        .join(Person, col(Person.id) == LiftRequest.resident_id)
        .join(Place, col(Place.id) == LiftRequest.destination_id)
        .where(LiftRequest.scheme_id == scheme_id,
               col(LiftRequest.status).in_(REQUEST_PLANNABLE),
               col(LiftRequest.appointment_at) >= start,
               col(LiftRequest.appointment_at) < start + timedelta(days=1))
        .order_by(col(LiftRequest.id))
    ).all()
    for request, resident, place in rows:
        if resident.lat is None or resident.lon is None:
            data.excluded[request.id or 0] = HOME_UNKNOWN
            continue
        data.requests.append(_request_row(session, request, resident, place))
    data.drivers = free_drivers(session, scheme_id, day, rules.tz)
    if rules.fairness != "off":
        data.past = past_workload(session, scheme_id, day, rules)
    del now  # reserved: short-notice cut-offs are applied by the caller's trigger
    return data


def _request_row(session: Session, request: LiftRequest, resident: Person,
                 place: Place) -> RequestRow:
    declined = session.exec(select(Offer.driver_id).where(
        Offer.request_id == request.id,
        col(Offer.status).in_(OFFER_FAILED))).all()
    held = {leg.direction: leg.driver_id for leg in session.exec(select(Leg).where(
        Leg.request_id == request.id, col(Leg.status).in_(LEG_HELD))).all()
        if leg.driver_id is not None}
    return RequestRow(
        id=request.id or 0, status=request.status,
        home=(resident.lat or 0.0, resident.lon or 0.0), destination=(place.lat, place.lon),
        destination_kind=place.kind, appointment=request.appointment_at,
        return_plan=request.return_plan, mobility=request.mobility,
        seats=1 + int(request.companion), dog=request.assistance_dog,
        declined_by=frozenset(declined), held=held, village=village_of(resident.address))


def village_of(address: str) -> str:
    """The last part of an address, where people write the village ('2 Church Lane, Wensley')."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    return parts[-1] if len(parts) > 1 else ""
