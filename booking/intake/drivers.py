"""Drivers: invitations, joining, availability, absences and preferences."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, delete, select

from booking.domain.outcomes import Refused
from booking.domain.status import LegStatus
from booking.domain.transitions import Cause
from booking.intake import effects
from booking.lifecycle.legs import free_all
from booking.messaging.alerts import alert_coordinators
from booking.privacy import consent
from booking.privacy.notice import NOTICE_VERSION
from booking.schemes import rules_for
from storage.tables import (
    Absence,
    Availability,
    CodeAttempt,
    Invitation,
    Leg,
    Person,
    Place,
    Scheme,
    Vehicle,
)

log = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud on the phone
INVITATION_DAYS = 14


def new_invitation(session: Session, scheme: Scheme, *, name: str, now: datetime) -> Invitation:
    """A one-time code for a new driver, valid for two weeks."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
    invitation = Invitation(scheme_id=scheme.id or 0, code=code, name=name, created_at=now,
                            expires_at=now + timedelta(days=INVITATION_DAYS))
    session.add(invitation)
    session.flush()
    return invitation


def valid_invitation(session: Session, code: str, now: datetime) -> Invitation:
    """The unused, unexpired invitation with this code, or Refused."""
    invitation = session.exec(select(Invitation).where(
        Invitation.code == code.strip().upper())).first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        raise Refused(BAD_CODE)
    return invitation


BAD_CODE = ("That invitation code isn't valid or has expired. Please ask your coordinator for "
            "a new one.")
CODE_WINDOW = timedelta(minutes=15)
SENDER_FAILURES = 5  # wrong codes from one phone or chat in the window, then a lock-out
ALL_FAILURES = 50  # wrong codes from anyone in the window, then every code waits


def check_code(session: Session, code: str, *, sender: str, now: datetime) -> Invitation:
    """A code someone typed, throttled: every try is recorded (call this outside a savepoint
    that a refusal rolls back), and too many wrong ones lock the sender out, or everyone.

    With 32^6 codes and at most 50 wrong tries a quarter of an hour, guessing one of a
    scheme's few live codes would take centuries.
    """
    key = hashlib.sha256(sender.encode()).hexdigest()
    since = now - CODE_WINDOW
    failed = select(func.count()).select_from(CodeAttempt).where(
        CodeAttempt.ok == False, col(CodeAttempt.at) > since)  # noqa: E712
    if session.exec(failed.where(CodeAttempt.sender_hash == key)).one() >= SENDER_FAILURES:
        raise Refused("Too many wrong codes. Please check the code with your coordinator and "
                      "try again in 15 minutes.")
    if session.exec(failed).one() >= ALL_FAILURES:
        log.warning("invitation codes paused: %s wrong tries in 15 minutes", ALL_FAILURES)
        raise Refused("Joining by code is paused for a few minutes. Please try again later, "
                      "or ask your coordinator.")
    try:
        invitation = valid_invitation(session, code, now)
    except Refused:
        session.add(CodeAttempt(at=now, sender_hash=key, ok=False))
        raise
    session.add(CodeAttempt(at=now, sender_hash=key, ok=True))
    return invitation


def _claim(session: Session, invitation: Invitation, now: datetime) -> None:
    """Use the invitation up, or Refused if someone else just did (one conditional UPDATE,
    so two joiners confirming at once cannot both become drivers)."""
    claimed = session.execute(
        update(Invitation).where(col(Invitation.id) == invitation.id,
                                 col(Invitation.used_at).is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Refused(BAD_CODE)
    session.refresh(invitation)


def join_driver(session: Session, cmd: effects.JoinDriver, *, now: datetime, channel: str,
                address: str, telegram_user_id: int | None) -> Person:
    """Create the driver and their car, and use up the invitation."""
    invitation = valid_invitation(session, cmd.code, now)
    _claim(session, invitation, now)
    person = Person(scheme_id=invitation.scheme_id, role="driver", name=cmd.name,
                    preferred_channel=channel, address=cmd.home,
                    dbs_checked_on=cmd.dbs_checked_on,
                    licence_checked_on=cmd.licence_checked_on,
                    insurance_expires_on=cmd.insurance_expires_on,
                    # No trip until a coordinator has seen the DBS, licence and insurance
                    # (what they told the chat is kept, but not trusted).
                    pending_since=now)
    if channel in ("sms", "whatsapp"):
        person.phone = address
        person.whatsapp_seen_at = now if channel == "whatsapp" else None
    else:
        person.phone = cmd.phone
        person.telegram_user_id, person.telegram_chat_id = telegram_user_id, int(address)
    if cmd.settlement_id is not None and (place := session.get(Place, cmd.settlement_id)):
        person.lat, person.lon = place.lat, place.lon
    session.add(person)
    session.flush()
    consent.record(session, person, channel=channel, now=now,
                   version=cmd.notice_version or NOTICE_VERSION)
    session.add(Vehicle(driver_id=person.id or 0, description=cmd.car, seats=cmd.seats,
                        folding_wheelchair=cmd.folding_wheelchair or cmd.wheelchair_accessible,
                        wheelchair_accessible=cmd.wheelchair_accessible,
                        accepts_dogs=cmd.accepts_dogs))
    invitation.used_by = person.id
    session.add(invitation)
    alert_coordinators(session, invitation.scheme_id, f"New driver {cmd.name} has joined. "
                       "Please see their DBS, licence and insurance, then approve them "
                       "(console: Drivers).", now=now, key=f"pending-driver:{person.id}")
    log.info("driver %s joined scheme %s", person.id, person.scheme_id)
    return person


def set_availability(session: Session, driver: Person, cmd: effects.SetAvailability) -> None:
    """Replace the weekly pattern."""
    session.exec(delete(Availability).where(
        col(Availability.driver_id) == driver.id))
    for weekday, start, end in cmd.slots:
        session.add(Availability(driver_id=driver.id or 0, weekday=weekday,
                                 start_minute=start, end_minute=end))


def add_absence(session: Session, driver: Person, cmd: effects.AddAbsence,
                now: datetime) -> None:
    """Record days away: the planner leaves the driver out, and trips offered or planned for
    them on those days go back to be planned. Accepted trips are not silently dropped: a
    coordinator is asked to re-arrange them."""
    session.add(Absence(driver_id=driver.id or 0, first_day=cmd.first_day,
                        last_day=cmd.last_day))
    tz = rules_for(session, driver.scheme_id).tz
    legs = session.exec(select(Leg).where(
        Leg.driver_id == driver.id, col(Leg.status).in_(
            (LegStatus.PLANNED, LegStatus.OFFERED, LegStatus.ACCEPTED)))).all()
    away = [leg for leg in legs if leg.pickup_at is not None
            and cmd.first_day <= leg.pickup_at.astimezone(tz).date() <= cmd.last_day]
    for leg in away:
        if leg.status == LegStatus.ACCEPTED:
            alert_coordinators(session, driver.scheme_id,
                               f"{driver.name} will be away but has accepted a trip for "
                               f"request #{leg.request_id}. Please re-arrange it.", now=now,
                               key=f"away-accepted:{leg.id}:{cmd.first_day}")
    free_all(session, [leg for leg in away if leg.status != LegStatus.ACCEPTED], Cause.AWAY,
             now, reason="driver away")


def set_preferences(session: Session, driver: Person, cmd: effects.SetPreferences) -> None:
    """Maximum trips a day and miles from home (0 means no limit)."""
    if cmd.max_trips_per_day is not None:
        driver.max_trips_per_day = cmd.max_trips_per_day or None
    if cmd.max_miles_from_home is not None:
        driver.max_miles_from_home = cmd.max_miles_from_home or None
    session.add(driver)


def weekly_pattern(session: Session, driver_id: int) -> list[tuple[int, int, int]]:
    """The driver's weekly pattern as (weekday, start, end) triples."""
    rows = session.exec(select(Availability).where(Availability.driver_id == driver_id)
                        .order_by(col(Availability.weekday), col(Availability.start_minute)))
    return [(a.weekday, a.start_minute, a.end_minute) for a in rows]
