"""Which drivers fit a trip outside a plan (urgent broadcasts, assigning by hand): the facts
read for the one eligibility rule in `booking.domain.eligibility`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from booking.domain import eligibility
from booking.domain.eligibility import Problem, TripNeeds
from booking.domain.shapes import ESTIMATE, METRES_PER_MILE
from booking.domain.status import OFFER_FAILED, OfferStatus
from booking.driver_days import DriverDay, driver_day, drivers_on
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, Offer, Person


@dataclass(frozen=True)
class Fit:
    """One driver judged for one trip: the problems (none: they may take it) and how far
    the resident lives from them."""

    driver: DriverDay
    problems: tuple[Problem, ...]
    miles: float | None


def needs(session: Session, request: LiftRequest, legs: Sequence[Leg],
          miles_from_home: float | None = None) -> TripNeeds:
    """What the trip asks of a driver: seats, mobility, dog, when, who said no or has it."""
    declined = frozenset(session.exec(select(Offer.driver_id).where(
        Offer.request_id == request.id, col(Offer.status).in_(OFFER_FAILED))).all())
    offered = frozenset(session.exec(select(Offer.driver_id).where(
        Offer.request_id == request.id, Offer.status == OfferStatus.OPEN)).all())
    tz = rules_for(session, request.scheme_id).tz
    times = [t for leg in legs for t in (leg.pickup_at, leg.dropoff_at) if t is not None]
    span = None
    if times:
        first, last = min(times).astimezone(tz), max(times).astimezone(tz)
        span = (first.hour * 60 + first.minute, last.hour * 60 + last.minute)
    return TripNeeds(seats=1 + int(request.companion), mobility=request.mobility,
                     dog=request.assistance_dog, span=span, miles_from_home=miles_from_home,
                     declined_by=declined, offered_to=offered)


def judge(session: Session, request: LiftRequest, legs: Sequence[Leg], driver: DriverDay,
          day: date) -> Fit:
    """The problems between this driver and this trip."""
    miles = _miles(session, request, driver)
    trip = needs(session, request, legs, miles)
    return Fit(driver, tuple(eligibility.problems(driver.facts, trip, day)), miles)


def judge_person(session: Session, request: LiftRequest, legs: Sequence[Leg],
                 person: Person) -> Fit:
    """One named driver judged for the trip (assigning by hand)."""
    tz = rules_for(session, request.scheme_id).tz
    day = request.appointment_at.astimezone(tz).date()
    return judge(session, request, legs, driver_day(session, person, day, tz,
                                                    exclude_request=request.id), day)


def suitable(session: Session, request: LiftRequest, legs: Sequence[Leg]) -> list[Fit]:
    """Drivers with no problem for the trip, nearest to the resident first."""
    tz = rules_for(session, request.scheme_id).tz
    day = request.appointment_at.astimezone(tz).date()
    fits = [judge(session, request, legs, driver, day)
            for driver in drivers_on(session, request.scheme_id, day, tz,
                                     exclude_request=request.id)]
    good = [fit for fit in fits if not fit.problems]
    return sorted(good, key=lambda fit: (fit.miles is None, fit.miles or 0.0, fit.driver.facts.id))


def _miles(session: Session, request: LiftRequest, driver: DriverDay) -> float | None:
    """Estimated road miles from the driver's home to the resident's."""
    resident = session.get(Person, request.resident_id)
    if driver.home is None or resident is None or resident.lat is None or resident.lon is None:
        return None
    metres = ESTIMATE.matrices([driver.home, (resident.lat, resident.lon)]).distances[0][1]
    return round(float(metres) / METRES_PER_MILE, 1)


def when(legs: Sequence[Leg]) -> datetime | None:
    """The first pickup of these legs."""
    times = [leg.pickup_at for leg in legs if leg.pickup_at is not None]
    return min(times) if times else None
