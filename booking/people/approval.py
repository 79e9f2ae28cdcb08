"""Approving newcomers and vetting drivers; deactivating and reactivating people.

A person waiting for approval has `pending_since` set. A driver who joined by code waits
until a coordinator records that their DBS certificate, driving licence and insurance were
seen (the eligibility rule keeps them off every trip, and so away from residents' details,
until then); a resident waits only when the scheme's rule `approve_new_residents` is on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from booking import audit
from booking.audit import Actor
from booking.domain.eligibility import (
    DBS_VALID_DAYS,
    LICENCE_CHECK_VALID_DAYS,
    checks_in_date,
)
from booking.domain.outcomes import NotFound, Refused
from booking.domain.status import REQUEST_ACTIVE, LegStatus
from booking.domain.transitions import Cause
from booking.lifecycle.legs import free_all
from booking.messaging.outbox import enqueue
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, Person, Scheme


@dataclass(frozen=True)
class Done:
    """It happened; `message` says what, for the coordinator."""

    message: str


@dataclass(frozen=True)
class Checks:
    """What a coordinator saw when vetting a driver: the day the DBS certificate and the
    driving licence were seen (each counts for the scheme's period from then), and the day
    the insurance runs out."""

    dbs_seen: date
    licence_seen: date
    insurance_expires: date


def person_in(session: Session, scheme_id: int, person_id: int,
              role: str | None = None) -> Person:
    """A person of this scheme (and role), or NotFound: another scheme's look the same."""
    person = session.get(Person, person_id)
    if person is None or person.scheme_id != scheme_id or (role and person.role != role):
        raise NotFound("There is no such person in this scheme.")
    return person


def _scheme_name(session: Session, scheme_id: int) -> str:
    scheme = session.get(Scheme, scheme_id)
    return scheme.name if scheme else "the scheme"


def _first(person: Person) -> str:
    return person.name.split()[0] if person.name.strip() else "there"


def approved_resident_text(first: str, scheme: str) -> str:
    """What a resident hears when a coordinator approves them (one text)."""
    return (f"Good news, {first}: {scheme} has confirmed you. To book a lift, just tell me "
            "where and when.")


def approved_driver_text(first: str) -> str:
    """What a driver hears when their checks are recorded and they are approved."""
    return (f"Good news, {first}: your checks are done and you're approved to drive. I'll "
            "send you trips to accept or decline.")


def approve_resident(session: Session, scheme_id: int, person_id: int, actor: Actor,
                     now: datetime) -> Done:
    """Let a waiting resident book; they are told by message."""
    person = person_in(session, scheme_id, person_id)
    if person.role == "driver":
        raise Refused("A driver is approved by recording that their DBS, licence and "
                      "insurance were seen.")
    if person.role != "resident":
        raise NotFound("There is no such person in this scheme.")
    if person.pending_since is None:
        raise Refused(f"{person.name} is already approved.")
    person.pending_since = None
    session.add(person)
    enqueue(session, key=f"approved:{person.id}:{now.isoformat()}", person=person,
            kind="approved", due_at=now,
            body=approved_resident_text(_first(person), _scheme_name(session, scheme_id)))
    audit.record(session, actor, "approve", scheme_id=scheme_id, now=now,
                 subject_person_id=person.id, detail="resident approved")
    return Done(f"{person.name} is approved and has been told they can book.")


def check_dates(checks: Checks, today: date) -> None:
    """Refused, naming the check, when a date cannot be right or is already out of date."""
    for label, seen, valid_days in (("DBS certificate", checks.dbs_seen, DBS_VALID_DAYS),
                                    ("driving licence", checks.licence_seen,
                                     LICENCE_CHECK_VALID_DAYS)):
        if seen > today:
            raise Refused(f"The day the {label} was seen can't be in the future.")
        if (today - seen).days > valid_days:
            raise Refused(f"A {label} seen on {seen:%-d %b %Y} is already out of date: "
                          "please see it again.")
    if checks.insurance_expires < today:
        raise Refused(f"Insurance that ran out on {checks.insurance_expires:%-d %b %Y} is "
                      "already expired: please see the renewal.")


def vet_driver(session: Session, scheme_id: int, person_id: int, checks: Checks, actor: Actor,
               now: datetime) -> Done:
    """Record the driver's checks as seen today. A waiting driver is approved and told; an
    approved one has their checks renewed (an expired driver can be planned again)."""
    person = person_in(session, scheme_id, person_id, "driver")
    today = now.astimezone(rules_for(session, scheme_id).tz).date()
    check_dates(checks, today)
    person.dbs_checked_on = checks.dbs_seen
    person.licence_checked_on = checks.licence_seen
    person.insurance_expires_on = checks.insurance_expires
    was_pending = person.pending_since is not None
    person.pending_since = None
    session.add(person)
    detail = (f"DBS seen {checks.dbs_seen}, licence seen {checks.licence_seen}, insurance "
              f"to {checks.insurance_expires}")
    audit.record(session, actor, "vet" if was_pending else "renew_checks",
                 scheme_id=scheme_id, now=now, subject_person_id=person.id, detail=detail)
    if was_pending:
        enqueue(session, key=f"approved:{person.id}:{now.isoformat()}", person=person,
                kind="approved", due_at=now, body=approved_driver_text(_first(person)))
        return Done(f"{person.name}'s checks are recorded: approved to drive, and told so.")
    return Done(f"{person.name}'s checks are renewed.")


def checks_problems(person: Person, on: date) -> list[str]:
    """What is out of date about a driver's checks on `on` (empty: all in date)."""
    return checks_in_date(dbs_checked_on=person.dbs_checked_on,
                          licence_checked_on=person.licence_checked_on,
                          insurance_expires_on=person.insurance_expires_on, on=on)


def deactivate(session: Session, scheme_id: int, person_id: int, actor: Actor,
               now: datetime) -> Done:
    """Stop someone taking part (the row stays, for the records). Refused while a resident
    has lifts booked or a driver has trips accepted: those need a person to re-arrange."""
    person = person_in(session, scheme_id, person_id)
    if person.role not in ("resident", "driver"):
        raise Refused("Coordinators are managed on the accounts page.")
    if not person.active:
        raise Refused(f"{person.name} is already inactive.")
    if person.role == "resident":
        booked: Sequence[int | None] = session.exec(select(LiftRequest.id).where(
            LiftRequest.resident_id == person.id, col(LiftRequest.status).in_(REQUEST_ACTIVE),
            col(LiftRequest.appointment_at) > now)).all()
        if booked:
            raise Refused(f"{person.name} has lifts booked ({_ids(booked)}): cancel them "
                          "first.")
    else:
        legs = session.exec(select(Leg).where(Leg.driver_id == person.id, col(Leg.status).in_(
            (LegStatus.PLANNED, LegStatus.OFFERED, LegStatus.ACCEPTED, LegStatus.PICKED_UP))
        )).all()
        held = sorted({leg.request_id for leg in legs if leg.status in (
            LegStatus.ACCEPTED, LegStatus.PICKED_UP)})
        if held:
            raise Refused(f"{person.name} has accepted trips ({_ids(held)}): give them to "
                          "another driver first.")
        free_all(session, legs, Cause.AWAY, now, reason="driver no longer active")
    person.active = False
    session.add(person)
    audit.record(session, actor, "deactivate", scheme_id=scheme_id, now=now,
                 subject_person_id=person.id, detail=person.role)
    return Done(f"{person.name} is no longer active.")


def reactivate(session: Session, scheme_id: int, person_id: int, actor: Actor,
               now: datetime) -> Done:
    """Let an inactive resident or driver take part again."""
    person = person_in(session, scheme_id, person_id)
    if person.role not in ("resident", "driver"):
        raise Refused("Coordinators are managed on the accounts page.")
    if person.active:
        raise Refused(f"{person.name} is already active.")
    if person.anonymised_at is not None:
        raise Refused("Their details were erased: they would need to join again.")
    person.active = True
    session.add(person)
    audit.record(session, actor, "reactivate", scheme_id=scheme_id, now=now,
                 subject_person_id=person.id, detail=person.role)
    return Done(f"{person.name} is active again.")


def _ids(ids: Iterable[int | None]) -> str:
    return ", ".join(f"#{i}" for i in ids if i is not None)
