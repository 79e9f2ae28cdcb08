"""Consent as a record: which privacy-notice version, when, by which channel, and whether the
person gave it themselves or a coordinator recorded it for them (then confirmed by the person
in a message of their own). Runs in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from booking import audit
from booking.audit import Actor
from booking.privacy.notice import NOTICE_VERSION
from storage.tables import ConsentRecord, Person

BY_PERSON, BY_COORDINATOR = "person", "coordinator"


def record(session: Session, person: Person, *, channel: str, now: datetime,
           by: Actor | None = None, version: str = NOTICE_VERSION) -> ConsentRecord:
    """The person agreed to `version` (by themselves, or told a coordinator `by`)."""
    entry = ConsentRecord(
        scheme_id=person.scheme_id, person_id=person.id or 0, notice_version=version,
        given_at=now, channel=channel, given_by=BY_COORDINATOR if by else BY_PERSON,
        recorded_by=by.name[:120] if by else "", recorded_by_person_id=by.person_id if by
        else None)
    session.add(entry)
    person.consent_at = now
    session.add(person)
    if by is not None:
        audit.record(session, by, "consent_recorded", scheme_id=person.scheme_id, now=now,
                     subject_person_id=person.id,
                     detail=f"privacy notice v{version}, on their behalf by {channel}")
    return entry


def records(session: Session, person_id: int) -> list[ConsentRecord]:
    """Every consent record of a person, oldest first."""
    return list(session.exec(select(ConsentRecord).where(
        ConsentRecord.person_id == person_id).order_by(col(ConsentRecord.id))).all())


def awaiting_confirmation(session: Session, person_id: int) -> ConsentRecord | None:
    """A coordinator's record of consent the person has not yet confirmed themselves."""
    latest = session.exec(select(ConsentRecord).where(
        ConsentRecord.person_id == person_id, col(ConsentRecord.withdrawn_at).is_(None))
        .order_by(col(ConsentRecord.id).desc())).first()
    if latest is None or latest.given_by != BY_COORDINATOR or latest.confirmed_at:
        return None
    return latest


def confirm(session: Session, person: Person, *, channel: str, now: datetime) -> bool:
    """The person confirmed, in their own message, the consent recorded for them; False if
    there was nothing to confirm."""
    pending = awaiting_confirmation(session, person.id or 0)
    if pending is None:
        return False
    pending.confirmed_at, pending.confirmed_channel = now, channel
    session.add(pending)
    return True
