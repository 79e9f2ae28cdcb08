"""Residents: joining, asking for a lift, cancelling, STOP and START. Each runs in the caller's
transaction, so a change and the messages it causes commit together."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from booking import closures
from booking.audit import SYSTEM, Actor
from booking.domain.outcomes import HOME_UNKNOWN, Refused
from booking.domain.status import (
    LEG_FREE,
    REQUEST_ACTIVE,
    REQUEST_CLOSED,
    LegStatus,
    RequestStatus,
)
from booking.domain.transitions import Cause
from booking.geo.geocoder import Geocoder
from booking.intake import effects
from booking.lifecycle.legs import cancel_all, free_all
from booking.lifecycle.requests import set_status
from booking.messaging.alerts import alert_coordinators
from booking.privacy import consent
from booking.privacy.notice import NOTICE_VERSION
from booking.rules import Verdict, judge_appointment
from booking.schemes import rules_for
from storage.tables import Leg, LiftRequest, Person, Scheme

log = logging.getLogger(__name__)

OFFLINE = Geocoder()  # the scheme's places and the postcode table; no network
ADDRESS_TO_CONFIRM = ("We couldn't find your address on our map, so a coordinator will "
                      "confirm it with you before we plan any lift.")


def join_resident(
    session: Session, scheme: Scheme, cmd: effects.JoinResident, *, now: datetime,
    channel: str, address: str, existing: Person | None, geocoder: Geocoder | None = None,
) -> Person:
    """Create (or complete) a resident from a finished join conversation; their home is
    located from the address and postcode (booking.geo), or a coordinator is asked to."""
    person = existing or Person(scheme_id=scheme.id or 0, role="resident", name=cmd.name)
    person.role = "resident"  # a trusted contact who joins becomes a resident themselves
    person.name = cmd.name
    person.address = cmd.address
    person.postcode = cmd.postcode
    person.mobility = cmd.mobility
    person.companion = cmd.companion
    person.assistance_dog = cmd.assistance_dog
    person.preferred_channel = channel
    home = (geocoder or OFFLINE).locate(session, scheme.id or 0, address=cmd.address,
                                        postcode=cmd.postcode, village_id=cmd.settlement_id)
    if home.located:
        person.lat, person.lon = home.lat, home.lon

    if channel in ("sms", "whatsapp"):
        person.phone = address
    elif cmd.phone:
        person.phone = cmd.phone
    if channel == "whatsapp":
        person.whatsapp_seen_at = now
    waits = existing is None and rules_for(session, scheme.id or 0).approve_new_residents
    if waits:  # the scheme confirms newcomers before they book
        person.pending_since = now
    session.add(person)
    session.flush()
    if waits:
        alert_coordinators(session, scheme.id or 0, f"New resident {cmd.name} is waiting for "
                           "your approval before they can book (console: Residents).",
                           now=now, key=f"pending-resident:{person.id}")
    by = _coordinator(session, scheme, cmd.recorded_by)
    consent.record(session, person, channel="phone" if by else channel, now=now, by=by,
                   version=cmd.notice_version or NOTICE_VERSION)
    if person.lat is None:
        alert_coordinators(session, scheme.id or 0, f"New resident {cmd.name}: we could not "
                           f"place their address on the map ({home.why_not}). Please confirm "
                           "it with them and place their home on the map.",
                           now=now, key=f"unlocated-join:{person.id}")
    log.info("resident %s joined scheme %s by %s", person.id, scheme.id, channel)
    return person


def _coordinator(session: Session, scheme: Scheme, person_id: int | None) -> Actor | None:
    """The coordinator who answered for a new resident, as the consent's recorder."""
    if person_id is None:
        return None
    found = session.get(Person, person_id)
    if found is None or found.scheme_id != scheme.id or found.role != "coordinator":
        return None
    return Actor(found.name, "phone", "coordinator", person_id=found.id)


def request_lift(
    session: Session, person: Person, cmd: effects.RequestLift, *, now: datetime, channel: str,
) -> LiftRequest:
    """Store a lift request; a short-notice one goes to the coordinator, never refused silently."""
    if person.pending_since is not None:
        raise Refused("A coordinator hasn't confirmed these details yet, so no lift can be "
                      "booked until they have.")
    if not person.active:
        raise Refused("These details aren't active, so no lift can be booked.")
    duplicate = session.exec(
        select(LiftRequest).where(
            LiftRequest.resident_id == person.id,
            LiftRequest.appointment_at == cmd.appointment_at,
            col(LiftRequest.status).in_(REQUEST_ACTIVE),
        )
    ).first()
    if duplicate is not None:
        raise Refused("You already have a lift booked for that appointment.")
    request = LiftRequest(
        scheme_id=person.scheme_id, resident_id=person.id or 0,
        destination_id=cmd.destination_id, appointment_at=cmd.appointment_at,
        return_plan=cmd.return_plan, mobility=person.mobility,
        companion=person.companion if cmd.companion is None else cmd.companion,
        assistance_dog=person.assistance_dog, channel=channel, created_at=now, updated_at=now,
    )
    session.add(request)
    session.flush()
    set_status(session, request, RequestStatus.REQUESTED, now=now, actor="resident")
    if person.lat is None or person.lon is None:  # never planned silently: a person places it
        set_status(session, request, RequestStatus.NEEDS_COORDINATOR, now=now, actor="system",
                   note=HOME_UNKNOWN)
        alert_coordinators(session, person.scheme_id, f"Lift request #{request.id}: we don't "
                           f"know where {person.name} lives yet. Please confirm their address "
                           "and place it.", now=now, key=f"unlocated:{request.id}")
    elif cmd.short_notice:
        set_status(session, request, RequestStatus.NEEDS_COORDINATOR, now=now, actor="system",
                   note="short notice")
        alert_coordinators(session, person.scheme_id, f"Short-notice lift request #{request.id}"
                           " needs a driver found by hand.", now=now,
                           key=f"short-notice:{request.id}")
    log.info("lift request %s stored (short notice: %s)", request.id, cmd.short_notice)
    return request


def cancel_lift(
    session: Session, person: Person, request_id: int, *, now: datetime,
) -> LiftRequest:
    """Cancel one of the person's own active lifts."""
    request = session.get(LiftRequest, request_id)
    if request is None or request.resident_id != person.id:
        raise Refused("I couldn't find that lift.")
    if request.status not in REQUEST_ACTIVE:
        raise Refused("That lift is already cancelled or finished.")
    cancel_request(session, request, now=now, actor="resident")
    log.info("lift request %s cancelled by the resident", request.id)
    return request


def cancel_request(session: Session, request: LiftRequest, *, now: datetime, actor: str,
                   reason: str = "", by: Actor = SYSTEM) -> None:
    """Cancel a request: its drivers and any driver offered it are told, reminders dropped."""
    if request.status in REQUEST_CLOSED:
        raise Refused(f"That lift is already {request.status.replace('_', ' ')}.")
    if any(leg.status == LegStatus.PICKED_UP for leg in session.exec(
            select(Leg).where(Leg.request_id == request.id)).all()):
        raise Refused("That lift is already under way: please phone the scheme.")
    set_status(session, request, RequestStatus.CANCELLED, now=now, actor=actor, note=reason)
    cancel_all(session, request, now, cause=Cause.CANCEL, actor=by,
               reason=reason or f"cancelled by the {actor}")


def set_sms_opt_out(session: Session, person: Person | None, opted_out: bool) -> None:
    """Record STOP/START for a known person (Twilio blocks the texts itself too)."""
    if person is None:
        return
    person.sms_opted_out = opted_out
    session.add(person)


def change_lift(session: Session, person: Person, request_id: int, appointment_at: datetime, *,
                now: datetime) -> LiftRequest:
    """Move one of the person's lifts to a new appointment time: planned afresh, and a driver
    who had accepted it is told it is no longer theirs. The same rules as a new booking."""
    request = session.get(LiftRequest, request_id)
    if request is None or request.resident_id != person.id:
        raise Refused("I couldn't find that lift.")
    if request.status not in REQUEST_ACTIVE:
        raise Refused("That lift is already cancelled or finished.")
    legs = session.exec(select(Leg).where(Leg.request_id == request.id)).all()
    if any(leg.status not in (*LEG_FREE, LegStatus.ACCEPTED) for leg in legs):
        raise Refused("That lift is already under way: please phone the scheme.")
    verdict = judge_appointment(appointment_at, now, rules_for(session, request.scheme_id),
                                closures.upcoming(session, request.scheme_id, now))
    if verdict not in (Verdict.OK, Verdict.SHORT_NOTICE):
        raise Refused(CHANGE_REFUSED[verdict])
    if session.exec(select(LiftRequest.id).where(
            LiftRequest.resident_id == person.id, LiftRequest.appointment_at == appointment_at,
            LiftRequest.id != request.id, col(LiftRequest.status).in_(REQUEST_ACTIVE))).first():
        raise Refused("You already have a lift booked for that time.")
    free_all(session, [leg for leg in legs if leg.status not in (LegStatus.OPEN,
                                                                  LegStatus.UNSERVED)],
             Cause.CHANGE, now, reason="appointment changed")
    for leg in legs:  # the old times were for the old appointment
        leg.pickup_at = leg.dropoff_at = None
        leg.driver_miles = leg.passenger_miles = 0.0
        session.add(leg)
    request.appointment_at = appointment_at
    set_status(session, request, RequestStatus.REQUESTED, now=now, actor="resident",
               note="appointment changed")
    if person.lat is None or person.lon is None:
        set_status(session, request, RequestStatus.NEEDS_COORDINATOR, now=now, actor="system",
                   note=HOME_UNKNOWN)
    elif verdict is Verdict.SHORT_NOTICE:
        set_status(session, request, RequestStatus.NEEDS_COORDINATOR, now=now, actor="system",
                   note="short notice")
        alert_coordinators(session, request.scheme_id, f"Lift request #{request.id} was moved "
                           "to short notice and needs a driver found by hand.", now=now,
                           key=f"short-notice:{request.id}:{appointment_at.isoformat()}")
    log.info("lift request %s moved by the resident", request.id)
    return request


CHANGE_REFUSED = {
    Verdict.PAST: "That time has already passed.",
    Verdict.NOT_SERVICE_DAY: "Sorry, we don't run lifts on that day.",
    Verdict.OUTSIDE_HOURS: "Sorry, that time is outside the hours we run lifts.",
    Verdict.BEYOND_HORIZON: "Sorry, that's further ahead than we can book.",
    Verdict.CLOSED: "Sorry, we're closed that day.",
}
