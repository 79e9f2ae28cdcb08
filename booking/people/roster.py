"""Residents and drivers as coordinators read them: the lists, and one person in full (their
lifts, no-shows and the messages we sent them, never the words; a driver's car, limits,
checks, trips and mileage claims). Plain values only; nothing here changes anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from booking.domain.eligibility import checks_in_date
from booking.domain.status import RequestStatus
from booking.intake.views import MOBILITY_LABELS
from booking.people.approval import person_in
from booking.reports.mileage import claims
from booking.rules import month_end
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, OutboxMessage, Person, Place, Vehicle

HISTORY = 50  # rows of lifts, trips or messages shown on a person's page


@dataclass(frozen=True)
class PersonRow:
    """One line of a list of residents or drivers."""

    id: int
    name: str
    role: str
    phone: str
    where: str  # their village or address, as short as it is stored
    status: str  # waiting for approval | active | inactive
    checks: str = ""  # drivers: what is out of date ("" when all is in date)
    needs: str = ""  # residents: mobility and companions, in words

    @property
    def pending(self) -> bool:
        """Waiting for a coordinator's approval."""
        return self.status == WAITING


WAITING, ACTIVE, INACTIVE = "waiting for approval", "active", "inactive"


def _status(person: Person) -> str:
    if person.pending_since is not None:
        return WAITING
    return ACTIVE if person.active else INACTIVE


def needs_text(person: Person) -> str:
    """What a resident needs, in words ("folding wheelchair, companion, assistance dog")."""
    parts = [MOBILITY_LABELS.get(person.mobility, person.mobility)]
    parts += [label for flag, label in ((person.companion, "someone comes with them"),
                                        (person.assistance_dog, "assistance dog")) if flag]
    return ", ".join(parts)


def _row(person: Person, today: date) -> PersonRow:
    checks = ""
    if person.role == "driver":
        checks = ", ".join(checks_in_date(
            dbs_checked_on=person.dbs_checked_on, licence_checked_on=person.licence_checked_on,
            insurance_expires_on=person.insurance_expires_on, on=today))
    return PersonRow(person.id or 0, person.name, person.role, person.phone or "",
                     person.address, _status(person), checks,
                     needs_text(person) if person.role == "resident" else "")


def people_list(session: Session, scheme_id: int, *, role: str | None, now: datetime,
                pending_only: bool = False, query: str = "") -> list[PersonRow]:
    """The scheme's residents and/or drivers: those waiting first, then by name. Erased
    people are left out (nothing is left to show)."""
    today = now.astimezone(rules_for(session, scheme_id).tz).date()
    statement = select(Person).where(Person.scheme_id == scheme_id,
                                     col(Person.anonymised_at).is_(None),
                                     col(Person.role).in_([role] if role else
                                                          ["resident", "driver"]))
    if pending_only:
        statement = statement.where(col(Person.pending_since).is_not(None))
    rows = [_row(p, today) for p in session.exec(statement).all()]
    wanted = query.strip().lower()
    if wanted:
        rows = [r for r in rows if wanted in r.name.lower() or wanted in r.where.lower()
                or wanted.replace(" ", "") in r.phone]
    return sorted(rows, key=lambda r: (not r.pending, r.status == INACTIVE, r.name.lower()))


@dataclass(frozen=True)
class LiftLine:
    """One of a resident's lifts."""

    request_id: int
    appointment_at: datetime
    destination: str
    status: str


@dataclass(frozen=True)
class SentLine:
    """One message we sent or owe: what kind, and how it went. Never the words."""

    kind: str
    channel: str
    status: str
    at: datetime


@dataclass(frozen=True)
class ResidentDetail:
    """A resident in full, for their page."""

    person: Person
    status: str
    needs: str
    lifts: list[LiftLine]
    no_shows: int
    messages: list[SentLine]


def resident_detail(session: Session, scheme_id: int, person_id: int) -> ResidentDetail:
    """One resident of the scheme (NotFound otherwise)."""
    person = person_in(session, scheme_id, person_id, "resident")
    rows = session.exec(select(LiftRequest, Place).join(
        Place, col(Place.id) == LiftRequest.destination_id).where(
        LiftRequest.resident_id == person.id).order_by(
        col(LiftRequest.appointment_at).desc()).limit(HISTORY)).all()
    lifts = [LiftLine(r.id or 0, r.appointment_at, p.name, r.status) for r, p in rows]
    no_shows = len(session.exec(select(LiftRequest.id).where(
        LiftRequest.resident_id == person.id,
        LiftRequest.status == RequestStatus.NO_SHOW)).all())
    return ResidentDetail(person, _status(person), needs_text(person), lifts, no_shows,
                          sent_log(session, person.id or 0))


def sent_log(session: Session, person_id: int) -> list[SentLine]:
    """The newest messages to a person: kind, channel, status and time; no bodies."""
    rows = session.exec(select(OutboxMessage).where(
        OutboxMessage.person_id == person_id).order_by(col(OutboxMessage.id).desc())
        .limit(HISTORY)).all()
    return [SentLine(m.kind.replace("_", " "), m.channel, m.status, m.sent_at or m.created_at)
            for m in rows]


@dataclass(frozen=True)
class TripLine:
    """One leg a driver had, has or will drive."""

    request_id: int
    direction: str
    pickup_at: datetime | None
    status: str
    miles: float


@dataclass(frozen=True)
class ClaimLine:
    """A driver's mileage claim for one month."""

    month: date
    trips: int
    miles: float
    pence: int


@dataclass(frozen=True)
class DriverDetail:
    """A driver in full, for their page."""

    person: Person
    status: str
    vehicle: Vehicle | None
    checks_problems: list[str]
    dbs_until: date | None
    licence_until: date | None
    trips: list[TripLine]
    claims: list[ClaimLine]
    messages: list[SentLine]


def driver_detail(session: Session, scheme_id: int, person_id: int,
                  now: datetime) -> DriverDetail:
    """One driver of the scheme (NotFound otherwise), with six months of claims."""
    from booking.domain.eligibility import DBS_VALID_DAYS, LICENCE_CHECK_VALID_DAYS

    person = person_in(session, scheme_id, person_id, "driver")
    rules = rules_for(session, scheme_id)
    today = now.astimezone(rules.tz).date()
    vehicle = session.exec(select(Vehicle).where(Vehicle.driver_id == person.id)).first()
    legs = session.exec(select(Leg).where(Leg.driver_id == person.id).order_by(
        col(Leg.pickup_at).desc()).limit(HISTORY)).all()
    trips = [TripLine(leg.request_id, leg.direction, leg.pickup_at, leg.status,
                      round(leg.driver_miles + leg.passenger_miles, 1)) for leg in legs]
    months, first = [], today.replace(day=1)
    for _ in range(6):
        found = [c for c in claims(session, scheme_id, first, month_end(first), rules)
                 if c.driver_id == person.id]
        if found:
            months.append(ClaimLine(first, found[0].trips, found[0].miles, found[0].pence))
        first = (first - timedelta(days=1)).replace(day=1)
    problems = checks_in_date(dbs_checked_on=person.dbs_checked_on,
                              licence_checked_on=person.licence_checked_on,
                              insurance_expires_on=person.insurance_expires_on, on=today)
    dbs_until = (person.dbs_checked_on + timedelta(days=DBS_VALID_DAYS)
                 if person.dbs_checked_on else None)
    licence_until = (person.licence_checked_on + timedelta(days=LICENCE_CHECK_VALID_DAYS)
                     if person.licence_checked_on else None)
    return DriverDetail(person, _status(person), vehicle, problems, dbs_until, licence_until,
                        trips, months, sent_log(session, person.id or 0))
