"""The scheme's impact for funders: trips requested, done, cancelled and refused (with the
reasons), people helped, miles, volunteer hours, mileage paid, and missed appointments avoided.

Counts only, never a name or a destination: the figures go into reports that leave the scheme.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from booking.domain.reasons import category
from booking.domain.status import LEG_DRIVEN, LegStatus, RequestStatus
from booking.reports.mileage import claims
from booking.reports.roster import day_bounds
from booking.rules import SchemeRules
from storage.tables import Leg, LiftRequest, MileageEntry

# Royal Voluntary Service (2024): 46 % of non-drivers aged 70+ have missed a healthcare
# appointment for lack of transport (domain-facts.md 2.4). Applied only to lifts delivered.
AT_RISK_WITHOUT_A_LIFT = 0.46


@dataclass
class Week:
    """One week's counts (weeks start on Monday)."""

    starts: date
    requested: int = 0
    done: int = 0
    cancelled: int = 0
    unserved: int = 0
    other: int = 0  # the passenger did not come, or still to happen


@dataclass
class Impact:
    """A period's figures."""

    first: date
    last: date
    requested: int = 0
    done: int = 0
    cancelled: int = 0
    unserved: int = 0
    no_shows: int = 0
    open: int = 0  # still to happen, or not yet settled
    reasons: Counter[str] = field(default_factory=Counter)  # why requests went unserved
    passengers: int = 0  # different people taken
    drivers: int = 0  # different volunteers who drove
    live_miles: float = 0.0  # with a passenger on board
    dead_miles: float = 0.0  # to the first pickup, between trips, and home
    volunteer_hours: float = 0.0
    mileage_pence: int = 0
    weeks: list[Week] = field(default_factory=list)

    @property
    def missed_appointments_avoided(self) -> float:
        """An estimate: lifts delivered x the share who would have missed without one."""
        return self.done * AT_RISK_WITHOUT_A_LIFT


def impact(session: Session, scheme_id: int, first: date, last: date,
           rules: SchemeRules) -> Impact:
    """The figures for appointments from `first` to `last` inclusive (local days)."""
    start, _ = day_bounds(first, rules.tz)
    _, end = day_bounds(last, rules.tz)
    out = Impact(first, last)
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        out.weeks.append(Week(monday))
        monday += timedelta(days=7)
    requests = session.exec(select(LiftRequest).where(
        LiftRequest.scheme_id == scheme_id, col(LiftRequest.appointment_at) >= start,
        col(LiftRequest.appointment_at) < end)).all()
    legs = session.exec(select(Leg).where(col(Leg.request_id).in_(
        [r.id for r in requests]))).all() if requests else []
    by_request: dict[int, list[Leg]] = {}
    for leg in legs:
        by_request.setdefault(leg.request_id, []).append(leg)
    passengers = set()
    for request in requests:
        own = by_request.get(request.id or 0, [])
        week = out.weeks[(request.appointment_at.astimezone(rules.tz).date()
                          - out.weeks[0].starts).days // 7]
        out.requested += 1
        week.requested += 1
        if request.status == RequestStatus.CANCELLED:
            out.cancelled += 1
            week.cancelled += 1
        elif request.status == RequestStatus.UNSERVED:
            out.unserved += 1
            week.unserved += 1
            out.reasons[_reason(request, own)] += 1
        elif request.status == RequestStatus.DONE or any(leg.status == LegStatus.DONE
                                                           for leg in own):
            out.done += 1
            week.done += 1
            passengers.add(request.resident_id)
        elif any(leg.status == LegStatus.NO_SHOW for leg in own):
            out.no_shows += 1
            week.other += 1
        else:
            out.open += 1
            week.other += 1
    driven = [leg for leg in legs if leg.status in LEG_DRIVEN]
    entries = session.exec(select(MileageEntry).where(
        MileageEntry.scheme_id == scheme_id, col(MileageEntry.service_day) >= first,
        col(MileageEntry.service_day) <= last)).all()
    out.passengers = len(passengers)
    out.drivers = len({leg.driver_id for leg in driven})
    out.live_miles = round(sum(e.passenger_miles for e in entries), 1)
    out.dead_miles = round(sum(max(0.0, e.miles - e.passenger_miles) for e in entries), 1)
    out.volunteer_hours = round(_hours(driven, rules), 1)
    out.mileage_pence = sum(c.pence for c in claims(session, scheme_id, first, last, rules))
    return out


def _reason(request: LiftRequest, legs: list[Leg]) -> str:
    """The coordinator-facing reason, without any detail that could identify someone."""
    said = request.status_reason or next((leg.reason for leg in legs if leg.reason), "")
    return category(said)


def _hours(legs: list[Leg], rules: SchemeRules) -> float:
    """Each driver-day from the first pickup to the last drop-off, waiting included. The drive
    from home and back is left out: an undercount, which is the safe side for a funder."""
    days: dict[tuple[int | None, date], list[tuple[datetime, datetime]]] = {}
    for leg in legs:
        if leg.pickup_at is not None and leg.dropoff_at is not None:
            day = leg.pickup_at.astimezone(rules.tz).date()
            days.setdefault((leg.driver_id, day), []).append((leg.pickup_at, leg.dropoff_at))
    return sum((max(b for _, b in spans) - min(a for a, _ in spans)).total_seconds()
               for spans in days.values()) / 3600


def summary(figures: Impact) -> list[tuple[str, str]]:
    """The headline figures, worded for a funder."""
    return [
        ("lifts requested", str(figures.requested)),
        ("lifts given", str(figures.done)),
        ("cancelled", str(figures.cancelled)),
        ("could not be served", str(figures.unserved)),
        ("passenger did not come", str(figures.no_shows)),
        ("still to happen", str(figures.open)),
        ("people helped", str(figures.passengers)),
        ("volunteer drivers", str(figures.drivers)),
        ("miles with a passenger", f"{figures.live_miles:.0f}"),
        ("miles without (to, between, home)", f"{figures.dead_miles:.0f}"),
        ("volunteer hours (first pickup to last drop-off)", f"{figures.volunteer_hours:.1f}"),
        ("mileage paid", f"£{figures.mileage_pence / 100:.2f}"),
        (f"missed appointments avoided (est., {AT_RISK_WITHOUT_A_LIFT:.0%} of lifts given)",
         f"{figures.missed_appointments_avoided:.0f}"),
    ]


def summary_text(figures: Impact, title: str) -> str:
    """The headline figures as a short message, for a coordinator's chat."""
    lines = [title] + [f"{name}: {value}" for name, value in summary(figures)]
    lines += [f"unserved, {reason}: {count}" for reason, count in figures.reasons.most_common(3)]
    return "\n".join(lines)
