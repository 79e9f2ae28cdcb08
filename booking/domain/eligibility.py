"""Whether a driver may take a trip: one rule, used by the planner, broadcasts and /assign.

Pure: the caller reads the facts (the driver's checks, car, free times, trips that day, how
far the resident lives from them) and gets back the problems, in plain words, that stand in
the way. An empty list means the driver may take the trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

DBS_VALID_DAYS = 3 * 365
LICENCE_CHECK_VALID_DAYS = 365


class Problem(StrEnum):
    """Why a driver may not take a trip; the value is what a coordinator reads."""

    INACTIVE = "not an active driver"
    NOT_APPROVED = "not yet approved by a coordinator"
    NO_HOME = "home location unknown"
    NO_CAR = "no car recorded"
    DBS = "DBS check out of date"
    LICENCE = "licence check out of date"
    INSURANCE = "insurance expired"
    AWAY = "away that day"
    NOT_FREE = "not free at that time"
    SEATS = "not enough seats"
    WHEELCHAIR_VEHICLE = "needs a wheelchair-accessible car"
    FOLDING_WHEELCHAIR = "needs room for a folding wheelchair"
    DOG = "does not take dogs (assistance dog)"
    TOO_FAR = "lives further away than they will drive"
    AT_DAILY_LIMIT = "has reached their trips for the day"
    DECLINED = "has declined this trip"
    ALREADY_OFFERED = "has already been offered this trip"

    @property
    def overridable(self) -> bool:
        """Whether a coordinator may assign despite it (they have spoken to the driver)."""
        # A driver not yet approved has had no checks seen: no trip, and so no resident's
        # address or phone, reaches them, whoever asks.
        return self not in (Problem.INACTIVE, Problem.NOT_APPROVED, Problem.NO_CAR)


# Problems of the driver on the day, whatever the trip: the planner leaves them out.
DAY_PROBLEMS = frozenset({Problem.INACTIVE, Problem.NOT_APPROVED, Problem.NO_HOME,
                          Problem.NO_CAR, Problem.DBS, Problem.LICENCE, Problem.INSURANCE,
                          Problem.AWAY})


@dataclass(frozen=True)
class DriverFacts:
    """What the rule needs to know about a driver on one day."""

    id: int
    active: bool = True
    approved: bool = True
    located: bool = True
    has_car: bool = True
    dbs_checked_on: date | None = None
    licence_checked_on: date | None = None
    insurance_expires_on: date | None = None
    away: bool = False
    slots: tuple[tuple[int, int], ...] = ()  # free (start, end) minutes after local midnight
    seats: int = 0
    wheelchair_accessible: bool = False
    folding_wheelchair: bool = False
    accepts_dogs: bool = False
    max_trips: int | None = None
    trips_that_day: int = 0  # lifts already theirs that day (this one not counted)
    max_miles: float | None = None


@dataclass(frozen=True)
class TripNeeds:
    """What a trip asks of its driver."""

    seats: int = 1
    mobility: str = "unaided"  # unaided | walking_aid | folding_wheelchair | wheelchair_vehicle
    dog: bool = False
    span: tuple[int, int] | None = None  # first pickup to last drop-off, local minutes
    miles_from_home: float | None = None  # the resident's home from the driver's, as the crow
    declined_by: frozenset[int] = field(default_factory=frozenset)
    offered_to: frozenset[int] = field(default_factory=frozenset)


def checks_in_date(*, dbs_checked_on: date | None, licence_checked_on: date | None,
                   insurance_expires_on: date | None, on: date) -> list[str]:
    """What stops a driver being assigned on `on` (empty: nothing). Missing counts as expired."""
    problems = []
    if dbs_checked_on is None or (on - dbs_checked_on).days > DBS_VALID_DAYS:
        problems.append(Problem.DBS.value)
    if licence_checked_on is None or (on - licence_checked_on).days > LICENCE_CHECK_VALID_DAYS:
        problems.append(Problem.LICENCE.value)
    if insurance_expires_on is None or insurance_expires_on < on:
        problems.append(Problem.INSURANCE.value)
    return problems


def day_problems(driver: DriverFacts, on: date) -> list[Problem]:
    """What keeps the driver off every trip that day."""
    found = [p for p, bad in ((Problem.INACTIVE, not driver.active),
                              (Problem.NOT_APPROVED, not driver.approved),
                              (Problem.NO_HOME, not driver.located),
                              (Problem.NO_CAR, not driver.has_car)) if bad]
    found += [Problem(text) for text in checks_in_date(
        dbs_checked_on=driver.dbs_checked_on, licence_checked_on=driver.licence_checked_on,
        insurance_expires_on=driver.insurance_expires_on, on=on)]
    if driver.away:
        found.append(Problem.AWAY)
    return found


def trip_problems(driver: DriverFacts, trip: TripNeeds) -> list[Problem]:
    """What keeps the driver off this trip in particular."""
    found = []
    if trip.span is not None and not any(start <= trip.span[0] and trip.span[1] <= end
                                         for start, end in driver.slots):
        found.append(Problem.NOT_FREE)
    if driver.seats < trip.seats:
        found.append(Problem.SEATS)
    if trip.mobility == "wheelchair_vehicle" and not driver.wheelchair_accessible:
        found.append(Problem.WHEELCHAIR_VEHICLE)
    if trip.mobility == "folding_wheelchair" and not (driver.folding_wheelchair
                                                      or driver.wheelchair_accessible):
        found.append(Problem.FOLDING_WHEELCHAIR)
    if trip.dog and not driver.accepts_dogs:
        found.append(Problem.DOG)
    if driver.max_miles and trip.miles_from_home is not None \
            and trip.miles_from_home > driver.max_miles:
        found.append(Problem.TOO_FAR)
    if driver.max_trips and driver.trips_that_day >= driver.max_trips:
        found.append(Problem.AT_DAILY_LIMIT)
    if driver.id in trip.declined_by:
        found.append(Problem.DECLINED)
    if driver.id in trip.offered_to:
        found.append(Problem.ALREADY_OFFERED)
    return found


def problems(driver: DriverFacts, trip: TripNeeds, on: date) -> list[Problem]:
    """Everything that stands between this driver and this trip on `on`."""
    return day_problems(driver, on) + trip_problems(driver, trip)
