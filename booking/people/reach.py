"""How a person is reached: their channel (SMS, WhatsApp, Telegram) and whether they prefer a
call. One service for the person's own choice, a coordinator's chat command, the CLI and the
console, so the rules and the audit trail are the same everywhere."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from booking import audit
from booking.audit import Actor
from booking.domain.outcomes import Refused
from storage.tables import Person

CHANNELS = {"sms": "text", "whatsapp": "WhatsApp", "telegram": "Telegram"}
NO_TELEGRAM = "To get messages on Telegram, start a chat with our Telegram bot first."
NO_PHONE = "We need your phone number for that. Send HELP for a person."


def chosen_text(channel: str) -> str:
    """What a person hears when they have chosen a channel (one text)."""
    back = "" if channel == "sms" else " Send USE TEXT to go back to texts."
    return f"Done: we'll send your messages by {CHANNELS[channel]} from now on.{back}"


def find_by_phone(session: Session, scheme_id: int, phone: str) -> Person:
    """The scheme's person with this E.164 number, or Refused."""
    person = session.exec(select(Person).where(Person.scheme_id == scheme_id,
                                               Person.phone == phone)).first()
    if person is None or person.anonymised_at is not None:
        raise Refused("Nobody in the scheme has that number.")
    return person


def set_channel(session: Session, person: Person, channel: str, *, now: datetime,
                actor: Actor | None = None) -> str:
    """Reach the person by `channel` from now on; returns what to tell whoever asked.

    Telegram needs a chat with the bot first; a text or WhatsApp needs a phone number. A
    message that then cannot arrive still falls back to another channel, as always.
    """
    if channel not in CHANNELS:
        raise Refused(f"Messages can go by {', '.join(CHANNELS)}.")
    own = actor is None
    if channel == "telegram" and not person.telegram_chat_id:
        raise Refused(NO_TELEGRAM if own else f"{person.name} has no Telegram chat with the "
                      "bot yet.")
    if channel in ("sms", "whatsapp") and not person.phone:
        raise Refused(NO_PHONE if own else f"We have no phone number for {person.name}.")
    person.preferred_channel = channel
    if channel == "sms":
        person.sms_opted_out = False  # asking for texts is asking for them back
    session.add(person)
    if actor is not None:  # the trail is of coordinators' actions
        audit.record(session, actor, "set_channel", scheme_id=person.scheme_id, now=now,
                     subject_person_id=person.id, detail=f"messages by {channel}")
    if own:
        return chosen_text(channel)
    return f"{person.name} will get their messages by {CHANNELS[channel]} from now on."


def set_prefers_call(session: Session, person: Person, prefers: bool, *, now: datetime,
                     actor: Actor) -> str:
    """Mark someone as preferring a call (confirmations, reminders and "no driver yet" then
    ring their phone in the scheme's calling hours); returns what to tell the coordinator."""
    if prefers and not person.phone:
        raise Refused(f"We have no phone number for {person.name}.")
    person.prefers_call = prefers
    session.add(person)
    audit.record(session, actor, "set_prefers_call", scheme_id=person.scheme_id, now=now,
                 subject_person_id=person.id, detail="prefers a call" if prefers else
                 "prefers messages")
    return (f"{person.name} will get confirmations and reminders by a phone call." if prefers
            else f"{person.name} will get confirmations and reminders by message again.")
