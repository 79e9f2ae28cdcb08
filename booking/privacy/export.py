"""The right of access: everything held about a person, as JSON and in plain words.

Profile, consent, lift requests with their history, trips, offers, mileage, car and free
times, messages (words only while still unsent: sent ones have none), conversations, HELP
requests and the audit entries about them. Other people's details are left out: a driver's
export has their trips' times and miles, not their passengers' addresses; a resident's has
"a driver", not who.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import Session, col, select

from booking import audit
from booking.audit import Actor
from booking.intake.views import MOBILITY_LABELS
from booking.privacy.consent import records
from booking.schemes import scheme_rules
from storage.tables import (
    Absence,
    AuditEntry,
    Availability,
    ConsoleAccount,
    ConsoleMembership,
    Conversation,
    HelpRequest,
    Invitation,
    Leg,
    LiftRequest,
    LiftRequestEvent,
    MileageEntry,
    Offer,
    OutboxMessage,
    Person,
    Place,
    Scheme,
    StandingBooking,
    TrustedContact,
    Vehicle,
)

UNSENT = ("pending", "sending")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
Doc = dict[str, Any]


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_person(session: Session, person: Person, actor: Actor, now: datetime) -> Doc:
    """Everything held about `person` (JSON-ready); the export is written to the audit trail."""
    scheme = session.get(Scheme, person.scheme_id)
    doc: Doc = {
        "exported_at": now.isoformat(), "scheme": scheme.name if scheme else "",
        "timezone": scheme_rules(scheme).timezone if scheme else "Europe/London",
        "profile": _profile(person),
        "consent": [{"notice_version": c.notice_version, "given_at": _when(c.given_at),
                     "channel": c.channel, "given_by": c.given_by,
                     "recorded_by": c.recorded_by, "confirmed_at": _when(c.confirmed_at),
                     "confirmed_channel": c.confirmed_channel,
                     "withdrawn_at": _when(c.withdrawn_at)}
                    for c in records(session, person.id or 0)],
        "requests": _requests(session, person),
        "standing_bookings": [{"weekdays": b.weekdays, "every_weeks": b.every_weeks,
                               "time": b.local_time, "first_day": _when(b.first_day),
                               "until": _when(b.until_day), "return_plan": b.return_plan,
                               "created_at": _when(b.created_at),
                               "ended_at": _when(b.ended_at)}
                              for b in session.exec(select(StandingBooking).where(
                                  StandingBooking.resident_id == person.id))],
        "trips_driven": _driving(session, person),
        # Trusted contacts, with what the resident's yes allowed (the other person's number
        # is theirs, so it is left out).
        "trusted_contacts": [{"role": "a contact books for them" if link.resident_id == person.id
                              else "they book for someone", "label": link.label,
                              "sees_places": link.sees_places, "notify": link.notify,
                              "added_by": link.added_by, "created_at": _when(link.created_at),
                              "confirmed_at": _when(link.confirmed_at),
                              "declined_at": _when(link.declined_at)}
                             for link in session.exec(select(TrustedContact).where(or_(
                                 col(TrustedContact.resident_id) == person.id,
                                 col(TrustedContact.contact_id) == person.id)))],
        "messages": _messages(session, person),
        "conversations": [{"channel": c.channel, "state": c.state, "data": c.data,
                           "updated_at": _when(c.updated_at)}
                          for c in _conversations(session, person)],
        "help_requests": [{"opened_at": _when(h.opened_at), "handled_at": _when(h.handled_at),
                           "handled_by": h.handled_by, "note": h.note}
                          for h in session.exec(select(HelpRequest).where(
                              HelpRequest.person_id == person.id)).all()],
        "console_accounts": [{"email": a.email, "name": a.name, "role": a.role,
                              "phone": a.phone, "active": a.active,
                              "created_at": _when(a.created_at),
                              "disabled_at": _when(a.disabled_at)}
                             for a in session.exec(select(ConsoleAccount).join(
                                 ConsoleMembership,
                                 col(ConsoleMembership.account_id) == ConsoleAccount.id).where(
                                 ConsoleMembership.person_id == person.id)).all()],
        "audit": [{"at": _when(a.at), "by": a.actor_name, "role": a.actor_role,
                   "channel": a.channel, "action": a.action, "request": a.request_id,
                   "about_them": a.subject_person_id == person.id, "detail": a.detail}
                  for a in session.exec(select(AuditEntry).where(or_(
                      col(AuditEntry.subject_person_id) == person.id,
                      col(AuditEntry.person_id) == person.id)).order_by(col(AuditEntry.id)))],
    }
    audit.record(session, actor, "privacy_export", scheme_id=person.scheme_id, now=now,
                 subject_person_id=person.id, detail="subject access export")
    return doc


def _profile(person: Person) -> Doc:
    profile: Doc = {
        "id": person.id, "role": person.role, "name": person.name, "phone": person.phone,
        "telegram_user_id": person.telegram_user_id,
        "telegram_chat_id": person.telegram_chat_id,
        "preferred_channel": person.preferred_channel, "address": person.address,
        "postcode": person.postcode, "home_lat": person.lat, "home_lon": person.lon,
        "mobility": person.mobility, "companion": person.companion,
        "assistance_dog": person.assistance_dog, "texts_stopped": person.sms_opted_out,
        "prefers_call": person.prefers_call, "landline": person.landline,
        "last_whatsapp_message_at": _when(person.whatsapp_seen_at),
        "active": person.active, "joined_at": _when(person.created_at),
        "consent_at": _when(person.consent_at), "anonymised_at": _when(person.anonymised_at),
    }
    if person.role == "driver":
        profile.update(max_trips_per_day=person.max_trips_per_day,
                       max_miles_from_home=person.max_miles_from_home,
                       dbs_checked_on=_when(person.dbs_checked_on),
                       licence_checked_on=_when(person.licence_checked_on),
                       insurance_expires_on=_when(person.insurance_expires_on))
    return profile


def _requests(session: Session, person: Person) -> list[Doc]:
    rows = session.exec(select(LiftRequest, Place).join(
        Place, col(Place.id) == LiftRequest.destination_id).where(
        LiftRequest.resident_id == person.id).order_by(col(LiftRequest.appointment_at))).all()
    out = []
    for request, place in rows:
        legs = session.exec(select(Leg).where(Leg.request_id == request.id)
                            .order_by(col(Leg.id))).all()
        events = session.exec(select(LiftRequestEvent).where(
            LiftRequestEvent.request_id == request.id).order_by(col(LiftRequestEvent.id))).all()
        out.append({
            "id": request.id, "destination": place.name,
            "appointment_at": _when(request.appointment_at), "return_plan": request.return_plan,
            "status": request.status, "reason": request.status_reason,
            "mobility": request.mobility, "companion": request.companion,
            "assistance_dog": request.assistance_dog, "booked_by": request.channel,
            "booked_at": _when(request.created_at),
            "anonymised_at": _when(request.anonymised_at),
            "trips": [{"direction": leg.direction, "status": leg.status,
                       "pickup_at": _when(leg.pickup_at), "dropoff_at": _when(leg.dropoff_at),
                       "from": leg.pickup_place, "to": leg.dropoff_place,
                       "driver": "a driver" if leg.driver_id else None} for leg in legs],
            "history": [{"at": _when(e.at), "from": e.from_status, "to": e.to_status,
                         "by": e.actor, "note": e.note} for e in events],
        })
    return out


def _driving(session: Session, person: Person) -> Doc:
    if person.role != "driver":
        return {}
    vehicles = session.exec(select(Vehicle).where(Vehicle.driver_id == person.id)).all()
    slots = session.exec(select(Availability).where(Availability.driver_id == person.id)
                         .order_by(col(Availability.weekday))).all()
    return {
        "cars": [{"description": v.description, "seats": v.seats,
                  "folding_wheelchair": v.folding_wheelchair,
                  "wheelchair_accessible": v.wheelchair_accessible,
                  "accepts_dogs": v.accepts_dogs} for v in vehicles],
        "free_times": [f"{WEEKDAYS[a.weekday]} {a.start_minute // 60:02d}:"
                       f"{a.start_minute % 60:02d}-{a.end_minute // 60:02d}:"
                       f"{a.end_minute % 60:02d}" for a in slots],
        "away": [{"from": _when(a.first_day), "to": _when(a.last_day)} for a in session.exec(
            select(Absence).where(Absence.driver_id == person.id)).all()],
        "offers": [{"id": o.id, "request": o.request_id, "status": o.status,
                    "urgent": o.broadcast, "made_at": _when(o.created_at),
                    "answered_at": _when(o.answered_at)} for o in session.exec(
            select(Offer).where(Offer.driver_id == person.id).order_by(col(Offer.id)))],
        "trips": [{"request": leg.request_id, "direction": leg.direction,
                   "status": leg.status, "pickup_at": _when(leg.pickup_at),
                   "dropoff_at": _when(leg.dropoff_at)} for leg in session.exec(
            select(Leg).where(Leg.driver_id == person.id).order_by(col(Leg.pickup_at)))],
        "mileage": [{"day": _when(m.service_day), "miles": m.miles,
                     "with_passenger": m.passenger_miles, "with_companion": m.companion_miles}
                    for m in session.exec(select(MileageEntry).where(
                        MileageEntry.driver_id == person.id)
                        .order_by(col(MileageEntry.service_day)))],
        "invitations": [{"created_at": _when(i.created_at), "used_at": _when(i.used_at)}
                        for i in session.exec(select(Invitation).where(
                            Invitation.used_by == person.id))],
    }


WITHHELD = "(held back: it is about someone else's lift)"
ABOUT_OTHERS = ("run_sheet", "digest", "coordinator_alert", "assigned", "offer")


def _messages(session: Session, person: Person) -> list[Doc]:
    """Messages to them; the words only while unsent, and not when they are about another
    person's lift (a driver's trip details name the passenger)."""
    rows = session.exec(select(OutboxMessage).where(
        OutboxMessage.person_id == person.id).order_by(col(OutboxMessage.id))).all()
    own = set(session.exec(select(LiftRequest.id).where(
        LiftRequest.resident_id == person.id)).all())

    def words(m: OutboxMessage) -> str | None:
        if m.status not in UNSENT:
            return None
        if m.kind in ABOUT_OTHERS or (m.request_id is not None and m.request_id not in own):
            return WITHHELD
        return m.body

    return [{"id": m.id, "kind": m.kind, "channel": m.channel, "to": m.address,
             "status": m.status, "due_at": _when(m.due_at), "sent_at": _when(m.sent_at),
             "words": words(m)} for m in rows]


def _conversations(session: Session, person: Person) -> list[Conversation]:
    where = [col(Conversation.person_id) == person.id]
    if person.phone:
        where.append(col(Conversation.channel).in_(("sms", "whatsapp"))
                     & (col(Conversation.address) == person.phone))
    return list(session.exec(select(Conversation).where(or_(*where))).all())


def export_traces(session: Session, scheme_id: int, phone: str) -> Doc:
    """What is held about a number that is nobody's: a conversation, a stranger's HELP."""
    conversations = session.exec(select(Conversation).where(
        col(Conversation.channel).in_(("sms", "whatsapp")), Conversation.address == phone,
        col(Conversation.person_id).is_(None))).all()
    helps = session.exec(select(HelpRequest).where(HelpRequest.scheme_id == scheme_id,
                                                   HelpRequest.address == phone)).all()
    messages = session.exec(select(OutboxMessage).where(
        OutboxMessage.scheme_id == scheme_id, OutboxMessage.address == phone,
        col(OutboxMessage.person_id).is_(None))).all()
    return {
        "phone": phone,
        "conversations": [{"channel": c.channel, "state": c.state, "data": c.data,
                           "updated_at": _when(c.updated_at)} for c in conversations],
        "help_requests": [{"opened_at": _when(h.opened_at), "handled_at": _when(h.handled_at),
                           "note": h.note} for h in helps],
        "messages": [{"kind": m.kind, "status": m.status, "sent_at": _when(m.sent_at),
                      "words": m.body if m.status in UNSENT else None} for m in messages],
    }


def as_text(doc: Doc) -> str:
    """The export in plain words, for the person (or a coordinator reading it to them)."""
    tz = ZoneInfo(doc.get("timezone") or "Europe/London")
    profile = doc["profile"]
    lines = [f"What {doc['scheme']} holds about you ({_local(doc['exported_at'], tz)})", "",
             "Your details"]
    labels = {"name": "Name", "phone": "Phone", "address": "Address", "postcode": "Postcode",
              "preferred_channel": "We message you by", "role": "You are a"}
    lines += [f"  {label}: {profile[key]}" for key, label in labels.items() if profile.get(key)]
    if profile.get("telegram_user_id"):
        lines.append("  Telegram: linked to your account")
    if profile.get("prefers_call") or profile.get("landline"):
        lines.append("  News of your lifts: by a phone call"
                     + (" (your number is a landline)" if profile.get("landline") else ""))
    if profile["role"] == "resident":
        lines.append(f"  Getting about: {MOBILITY_LABELS.get(profile['mobility'], '-')}"
                     + (", usually with a companion" if profile["companion"] else "")
                     + (", with an assistance dog" if profile["assistance_dog"] else ""))
    for key, label in (("dbs_checked_on", "DBS check"), ("licence_checked_on", "Licence check"),
                       ("insurance_expires_on", "Insurance runs out")):
        if profile.get(key):
            lines.append(f"  {label}: {profile[key]}")
    lines.append(f"  Joined: {_local(profile['joined_at'], tz)}"
                 + ("; texts stopped (STOP)" if profile["texts_stopped"] else ""))
    if profile.get("anonymised_at"):
        lines.append(f"  Anonymised: {_local(profile['anonymised_at'], tz)}")
    lines += ["", "Your agreement to our privacy notice"]
    lines += [f"  Version {c['notice_version']}, {_local(c['given_at'], tz)} by {c['channel']}"
              + (f", recorded for you by {c['recorded_by']}" if c["given_by"] == "coordinator"
                 else "")
              + (f", confirmed by you {_local(c['confirmed_at'], tz)}" if c["confirmed_at"]
                 else "") for c in doc["consent"]] or (
        [f"  Agreed {_local(profile['consent_at'], tz)} (before notice versions were kept)"]
        if profile.get("consent_at") else ["  None recorded."])
    lines += ["", f"Your lifts ({len(doc['requests'])})"]
    lines += [f"  #{r['id']} to {r['destination']}, {_local(r['appointment_at'], tz)}: "
              f"{r['status'].replace('_', ' ')}" for r in doc["requests"]] or ["  None."]
    driving = doc.get("trips_driven") or {}
    if driving:
        lines += ["", f"Trips you drove or hold ({len(driving['trips'])}), "
                  f"{sum(m['miles'] for m in driving['mileage']):.1f} miles recorded"]
        lines += [f"  Car: {c['description']}, {c['seats']} seat(s)" for c in driving["cars"]]
        lines += [f"  Free: {', '.join(driving['free_times'])}"] if driving["free_times"] else []
    lines += ["", f"Messages we sent you or will send ({len(doc['messages'])}); the words "
              "are deleted once sent"]
    lines += [f"  {m['kind'].replace('_', ' ')} by {m['channel']}, {m['status']}"
              + (f" {_local(m['sent_at'], tz)}" if m["sent_at"] else "")
              + (f": \"{m['words']}\"" if m["words"] else "") for m in doc["messages"][-50:]]
    if doc["conversations"]:
        lines += ["", "Where our chat with you stands"]
        lines += [f"  {c['channel']}: {c['state']}" + (f", holding {sorted(c['data'])}"
                                                       if c["data"] else "")
                  for c in doc["conversations"]]
    if doc["help_requests"]:
        lines += ["", f"Times you asked for a person (HELP): {len(doc['help_requests'])}"]
    lines += [f"  Console sign-in: {a['email']} ({a['role']}"
              + (", disabled" if not a["active"] else "") + ")"
              for a in doc.get("console_accounts", [])]
    lines += ["", f"Actions our coordinators took about you ({len(doc['audit'])})"]
    lines += [f"  {_local(a['at'], tz)} {a['by']}: {a['action'].replace('_', ' ')}"
              + (f" (#{a['request']})" if a["request"] else "") for a in doc["audit"]] or [
        "  None."]
    return "\n".join(lines)


def _local(value: str | None, tz: ZoneInfo) -> str:
    if not value:
        return "-"
    return f"{datetime.fromisoformat(value).astimezone(tz):%a %-d %b %Y %H:%M}"


__all__ = ["Actor", "as_text", "export_person", "export_traces"]
