"""Mileage claims at HMRC approved rates (AMAP): 45p a mile up to 10,000 miles in a tax year,
25p after, plus 5p a mile for each extra passenger. The rates are scheme settings.

Claims add up the mileage entries the life-cycle records once per driven leg.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from booking.rules import SchemeRules
from storage.tables import MileageEntry, Person


@dataclass(frozen=True)
class Claim:
    """One driver's claim for a period."""

    driver: str
    trips: int  # legs driven
    miles: float
    extra_passenger_miles: float
    pence: int
    driver_id: int = 0


def tax_year_start(day: date) -> date:
    """6 April on or before `day` (the UK tax year)."""
    start = date(day.year, 4, 6)
    return start if day >= start else date(day.year - 1, 4, 6)


def claims(session: Session, scheme_id: int, first: date, last: date,
           rules: SchemeRules) -> list[Claim]:
    """Each driver's claim for legs driven from `first` to `last` inclusive."""
    before = {driver: sum(e.miles for e in rows) for driver, rows in _entries(
        session, scheme_id, tax_year_start(first), first - timedelta(days=1)).items()}
    out = []
    for driver_id, rows in sorted(_entries(session, scheme_id, first, last).items()):
        person = session.get(Person, driver_id)
        miles = sum(e.miles for e in rows)
        extra = sum(e.companion_miles for e in rows)
        at_full = max(0.0, min(miles, rules.mileage_threshold_miles - before.get(driver_id, 0)))
        pence = (at_full * rules.mileage_rate_pence
                 + (miles - at_full) * rules.mileage_rate_after_pence
                 + extra * rules.extra_passenger_pence)
        out.append(Claim(person.name if person else f"#{driver_id}", len(rows),
                         round(miles, 1), round(extra, 1), round(pence), driver_id))
    return out


def _entries(session: Session, scheme_id: int, first: date,
             last: date) -> dict[int, list[MileageEntry]]:
    if last < first:
        return {}
    rows = session.exec(select(MileageEntry).where(
        MileageEntry.scheme_id == scheme_id, col(MileageEntry.service_day) >= first,
        col(MileageEntry.service_day) <= last)).all()
    by_driver: dict[int, list[MileageEntry]] = defaultdict(list)
    for row in rows:
        by_driver[row.driver_id].append(row)
    return by_driver
