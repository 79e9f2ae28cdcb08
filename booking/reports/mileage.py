"""Mileage claims at HMRC approved rates (AMAP): 45p a mile up to 10,000 miles in a tax year,
25p after, plus 5p a mile for each extra passenger. The rates are scheme settings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from booking.reports.roster import day_bounds
from booking.rules import SchemeRules
from storage.tables import Leg, LiftRequest, Person

DRIVEN = ("done", "no_show")  # a no-show still cost the driver the miles


@dataclass(frozen=True)
class Claim:
    """One driver's claim for a period."""

    driver: str
    trips: int
    miles: float
    extra_passenger_miles: float
    pence: int


def tax_year_start(day: date) -> date:
    """6 April on or before `day` (the UK tax year)."""
    start = date(day.year, 4, 6)
    return start if day >= start else date(day.year - 1, 4, 6)


def claims(session: Session, scheme_id: int, first: date, last: date,
           rules: SchemeRules) -> list[Claim]:
    """Each driver's claim for legs driven from `first` to `last` inclusive."""
    before = _miles(session, scheme_id, tax_year_start(first), first, rules)
    period = _legs(session, scheme_id, first, last, rules)
    out = []
    for driver_id, legs in sorted(period.items()):
        person = session.get(Person, driver_id)
        miles = sum(leg.driver_miles for leg, _ in legs)
        extra = sum(leg.driver_miles for leg, request in legs if request.companion)
        done_before = before.get(driver_id, 0.0)
        at_full = max(0.0, min(miles, rules.mileage_threshold_miles - done_before))
        pence = (at_full * rules.mileage_rate_pence
                 + (miles - at_full) * rules.mileage_rate_after_pence
                 + extra * rules.extra_passenger_pence)
        out.append(Claim(person.name if person else f"#{driver_id}", len(legs),
                         round(miles, 1), round(extra, 1), round(pence)))
    return out


def _legs(session: Session, scheme_id: int, first: date, last: date,
          rules: SchemeRules) -> dict[int, list[tuple[Leg, LiftRequest]]]:
    start, _ = day_bounds(first, rules.tz)
    _, end = day_bounds(last, rules.tz)
    rows = session.exec(select(Leg, LiftRequest).join(
        LiftRequest, col(LiftRequest.id) == Leg.request_id).where(
        LiftRequest.scheme_id == scheme_id, col(Leg.status).in_(DRIVEN),
        col(LiftRequest.appointment_at) >= start, col(LiftRequest.appointment_at) < end)).all()
    by_driver: dict[int, list[tuple[Leg, LiftRequest]]] = defaultdict(list)
    for leg, request in rows:
        if leg.driver_id is not None:
            by_driver[leg.driver_id].append((leg, request))
    return by_driver


def _miles(session: Session, scheme_id: int, first: date, until: date,
           rules: SchemeRules) -> dict[int, float]:
    """Miles each driver had already driven this tax year before `until`."""
    if until <= first:
        return {}
    legs = _legs(session, scheme_id, first, date.fromordinal(until.toordinal() - 1), rules)
    return {driver: sum(leg.driver_miles for leg, _ in rows) for driver, rows in legs.items()}
