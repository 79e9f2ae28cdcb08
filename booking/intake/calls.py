"""Calls to landlines and to people who prefer one: what the call is about, the keypad or
spoken answer carried out, and how the call ended (answered, or retried once and then the
coordinators told). The call itself is an outbox message on the 'voice' channel."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import Engine
from sqlmodel import Session, select

from booking.domain.outcomes import Refused
from booking.domain.status import REQUEST_ACTIVE
from booking.intake import residents
from booking.messaging import notices
from booking.messaging.dispatch import give_up
from booking.messaging.sending import NO_ANSWER
from booking.schemes import rules_for
from storage.db import transaction
from storage.tables import LiftRequest, OutboxMessage, Person, Scheme

log = logging.getLogger(__name__)

UNANSWERED = ("no-answer", "busy", "failed", "canceled")  # Twilio's CallStatus values
AGAIN = ":call-again"  # the key suffix of the one retry
_YES = ("yes", "yeah", "yep", "yup", "aye", "ok", "okay", "confirm", "confirmed", "fine",
        "lovely", "thanks", "right")


class Choice(Enum):
    """What the person pressed or said."""

    CONFIRM = "confirm"
    CANCEL = "cancel"
    SPEAK = "speak"
    UNCLEAR = "unclear"


class Result(Enum):
    """What came of it, for the words the call says next."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    ALREADY_CLOSED = "already_closed"  # cancelled or finished meanwhile
    UNDER_WAY = "under_way"  # picked up already: a person must help
    SPEAK = "speak"
    UNCLEAR = "unclear"
    UNKNOWN = "unknown"  # not one of our calls


@dataclass(frozen=True)
class CallFacts:
    """What one call is about: the kind, its facts, and who to put them through to."""

    kind: str
    facts: dict[str, str]
    text: str
    scheme: str
    office: str
    day: str = ""  # the lift's day, for the words after an answer
    own: bool = True  # about the listener's own lift (not a copy for a trusted contact)


def facts(engine: Engine, message_id: int) -> CallFacts | None:
    """The facts of the call made for outbox message `message_id`."""
    with Session(engine) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.channel != "voice":
            return None
        return _facts(session, row)


def _facts(session: Session, row: OutboxMessage) -> CallFacts:
    scheme = session.get(Scheme, row.scheme_id) if row.scheme_id else None
    rules = rules_for(session, row.scheme_id) if row.scheme_id else None
    request = session.get(LiftRequest, row.request_id) if row.request_id else None
    day = notices.day_time(request.appointment_at, rules.tz)[:-6] if request and rules else ""
    own = request is None or request.resident_id == row.person_id
    return CallFacts(row.kind if own else "copy", dict(row.variables or {}), row.body,
                     scheme.name if scheme else "the lift scheme",
                     (scheme.office_phone if scheme else "") or "", day, own)


MIN_CONFIDENCE = 0.4  # below this, speech is asked again rather than acted on


def choice_from(digits: str, speech: str, confidence: float = 1.0) -> Choice:
    """1 / yes, 2 / cancel, 3 / a person; anything else (or speech the recogniser was
    unsure of) is unclear, and asked again."""
    key = digits.strip()[:1]
    if key in ("1", "2", "3"):
        return {"1": Choice.CONFIRM, "2": Choice.CANCEL, "3": Choice.SPEAK}[key]
    if confidence < MIN_CONFIDENCE:
        return Choice.UNCLEAR
    words = " ".join(speech.lower().replace(".", " ").replace(",", " ").split())
    if any(w in words for w in ("cancel", "don't need", "do not need", "not going")):
        return Choice.CANCEL
    if any(w in words for w in ("speak", "person", "someone", "somebody", "operator",
                                "coordinator", "help", "talk")):
        return Choice.SPEAK
    first = words.split()[0] if words else ""
    if first in _YES or words in ("that's fine", "that is fine", "thank you"):
        return Choice.CONFIRM
    return Choice.UNCLEAR


def answer(engine: Engine, message_id: int, choice: Choice, now: datetime) -> Result:
    """Carry out an answer to a call: a cancellation goes through the life-cycle exactly as
    a text CANCEL does (the driver who accepted is told, reminders dropped)."""
    if choice in (Choice.SPEAK, Choice.UNCLEAR):
        return Result.SPEAK if choice is Choice.SPEAK else Result.UNCLEAR
    with transaction(engine) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.channel != "voice":
            return Result.UNKNOWN
        if row.status in ("sending", "sent"):
            row.status = "delivered"  # they answered: it arrived
            session.add(row)
        if row.request_id is None:
            return Result.CONFIRMED  # news without a lift: heard
        person = session.get(Person, row.person_id) if row.person_id else None
        request = session.get(LiftRequest, row.request_id)
        if person is None or request is None or request.resident_id != person.id:
            return Result.CONFIRMED  # a contact's copy: news only (they cancel by message)
        if request.status not in REQUEST_ACTIVE:
            return Result.ALREADY_CLOSED  # cancelled meanwhile: never "confirmed"
        if choice is Choice.CONFIRM:
            log.info("call %s: confirmed by the keypad or voice", message_id)
            return Result.CONFIRMED
        try:
            residents.cancel_lift(session, person, request.id or 0, now=now)
        except Refused as refusal:
            return Result.UNDER_WAY if "under way" in str(refusal) else Result.ALREADY_CLOSED
        log.info("call %s: lift request %s cancelled by phone", message_id, request.id)
        return Result.CANCELLED


def call_ended(engine: Engine, call_sid: str, status: str, message_id: int | None,
               now: datetime) -> bool:
    """Twilio's status callback for a call. Answered (by a person or a machine): delivered.
    Not answered, busy or failed: called once more after the scheme's retry minutes (still
    only in calling hours); after the second, the message fails over to a text or chat if
    they have one, and the coordinators are told. Repeated callbacks change nothing."""
    with transaction(engine) as session:
        row = session.exec(select(OutboxMessage).where(
            OutboxMessage.provider_message_id == call_sid)).first()
        if row is None and message_id is not None:
            row = session.get(OutboxMessage, message_id)
            if row is None or row.provider_message_id not in (None, call_sid):
                return False
            row.provider_message_id = call_sid
        if row is None or row.channel != "voice":
            return False
        if row.status in ("delivered", "failed", "cancelled", "expired"):
            return True
        if status == "completed":
            row.status = "delivered"
            session.add(row)
            return True
        if status not in UNANSWERED:
            return True  # ringing, in-progress: the call is not over
        row.status, row.last_error = "failed", f"call {status}"
        session.add(row)
        if not row.idempotency_key.endswith(AGAIN):
            _call_again(session, row, now)
        else:
            give_up(session, row, NO_ANSWER, now)
        return True


def _call_again(session: Session, row: OutboxMessage, now: datetime) -> None:
    """The one retry: the same call later (the dispatcher keeps it to calling hours)."""
    key = f"{row.idempotency_key}{AGAIN}"[:200]
    if session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first():
        return
    minutes = rules_for(session, row.scheme_id).call_retry_minutes if row.scheme_id else 30
    session.add(OutboxMessage(
        idempotency_key=key, scheme_id=row.scheme_id, person_id=row.person_id, kind=row.kind,
        channel="voice", address=row.address, body=row.body, choices=row.choices,
        variables=row.variables, urgent=row.urgent, due_at=now + timedelta(minutes=minutes),
        stale_after=row.stale_after, request_id=row.request_id))
    log.info("call for outbox message %s not answered: trying once more", row.id)
