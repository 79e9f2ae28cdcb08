"""One inbound message, end to end inside one transaction.

Dedupe by provider id, find the scheme, the person and the conversation, let the dialogue
decide, carry out what it decided, save where the conversation stands. Redelivered
messages (Telegram retries, Twilio retries) are processed once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from booking import effects, services
from booking.schemes import resolve_scheme, scheme_rules
from booking.views import ACTIVE_STATUSES, LiftView, PersonView, PlaceView, Snapshot
from storage.db import is_sqlite, transaction
from storage.tables import Conversation, InboundMessage, LiftRequest, Person, Place, Scheme

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Envelope:
    """Who sent a message, through what, and the provider's id for it."""

    channel: str  # sms | telegram | local
    address: str  # E.164 phone for SMS; chat id for Telegram
    provider_id: str
    to_number: str = ""
    telegram_user_id: int | None = None
    verified_phone: str | None = None  # a Telegram contact the user shared about themselves


class Decision(Protocol):
    """What a dialogue step returns (bot.dialogue.Outcome satisfies this)."""

    state: str
    data: dict[str, Any]
    effects: Sequence[effects.Effect]


@dataclass
class Handled:
    """The result of handling a message: the decision and any refusal met on the way."""

    decision: Any
    refused: str | None = None
    person_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def handle(
    engine: Engine, env: Envelope, *, now: datetime, decide: Callable[[Snapshot], Any],
    default_scheme: str = "",
) -> Handled | None:
    """Process one message; None when it was already processed (a redelivery)."""
    with transaction(engine) as session:
        if not _first_delivery(session, env, now):
            log.info("duplicate %s message ignored", env.channel)
            return None
        scheme = resolve_scheme(session, to_number=env.to_number, default_slug=default_scheme)
        conversation = _conversation(session, env, scheme, now)
        person = _identify(session, env, scheme, conversation)
        snapshot = _snapshot(session, scheme, env, person, conversation, now)
        decision = decide(snapshot)
        refused = _apply(session, scheme, env, person, decision, conversation, now)
        return Handled(decision, refused, conversation.person_id)


def _first_delivery(session: Session, env: Envelope, now: datetime) -> bool:
    try:
        with session.begin_nested():
            session.add(InboundMessage(channel=env.channel, provider_id=env.provider_id,
                                       received_at=now))
    except IntegrityError:
        return False
    return True


def _conversation(session: Session, env: Envelope, scheme: Scheme, now: datetime) -> Conversation:
    query = select(Conversation).where(Conversation.channel == env.channel,
                                       Conversation.address == env.address)
    if not is_sqlite(session.get_bind()):  # type: ignore[arg-type]
        query = query.with_for_update()  # one message per conversation at a time
    found = session.exec(query).first()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            created = Conversation(channel=env.channel, address=env.address,
                                   scheme_id=scheme.id, updated_at=now)
            session.add(created)
        return created
    except IntegrityError:  # another worker created it a moment ago
        return session.exec(query).one()


def _identify(session: Session, env: Envelope, scheme: Scheme,
              conversation: Conversation) -> Person | None:
    person: Person | None = None
    if conversation.person_id is not None:
        person = session.get(Person, conversation.person_id)
    if person is None and env.channel == "sms":
        person = session.exec(select(Person).where(
            Person.scheme_id == scheme.id, Person.phone == env.address)).first()
    if person is None and env.telegram_user_id is not None:
        person = session.exec(select(Person).where(
            Person.scheme_id == scheme.id, Person.telegram_user_id == env.telegram_user_id
        )).first()
    if person is None and env.verified_phone:
        # A coordinator may have registered them, or they joined by SMS: link this chat.
        person = session.exec(select(Person).where(
            Person.scheme_id == scheme.id, Person.phone == env.verified_phone)).first()
        conversation.data = {**conversation.data, "verified_phone": env.verified_phone}
    if person is not None and env.channel == "telegram":
        person.telegram_user_id = env.telegram_user_id
        person.telegram_chat_id = int(env.address)
        session.add(person)
    conversation.person_id = person.id if person else None
    return person


def _snapshot(session: Session, scheme: Scheme, env: Envelope, person: Person | None,
              conversation: Conversation, now: datetime) -> Snapshot:
    places = session.exec(select(Place).where(Place.scheme_id == scheme.id,
                                              Place.active == True)).all()  # noqa: E712
    views = [PlaceView(p.id or 0, p.name, p.town, p.kind, tuple(p.aliases)) for p in places]
    return Snapshot(
        now=now, scheme_name=scheme.name, rules=scheme_rules(scheme), channel=env.channel,
        address=env.address, person=_person_view(person),
        places=tuple(v for v in views if v.kind != "settlement"),
        settlements=tuple(v for v in views if v.kind == "settlement"),
        lifts=tuple(_lifts(session, person, now)), state=conversation.state,
        data=dict(conversation.data or {}),
    )


def _person_view(person: Person | None) -> PersonView | None:
    if person is None:
        return None
    return PersonView(person.id or 0, person.role, person.name, person.phone, person.mobility,
                      person.companion, person.sms_opted_out)


def _lifts(session: Session, person: Person | None, now: datetime) -> list[LiftView]:
    if person is None:
        return []
    rows = session.exec(
        select(LiftRequest, Place).join(Place, col(Place.id) == LiftRequest.destination_id)
        .where(LiftRequest.resident_id == person.id,
               col(LiftRequest.status).in_(ACTIVE_STATUSES),
               LiftRequest.appointment_at > now - timedelta(hours=3))
        .order_by(col(LiftRequest.appointment_at))
    ).all()
    return [LiftView(r.id or 0, p.name, r.appointment_at, r.status, r.return_plan)
            for r, p in rows]


def _apply(session: Session, scheme: Scheme, env: Envelope, person: Person | None,
           decision: Any, conversation: Conversation, now: datetime) -> str | None:
    """Carry out the decision's effects; a refusal undoes them all and is reported."""
    try:
        with session.begin_nested():
            for effect in decision.effects:
                person = _apply_one(session, scheme, env, person, effect, conversation, now)
    except services.Refused as refusal:
        conversation.state, conversation.data = "idle", {}
        conversation.updated_at = now
        session.add(conversation)
        return str(refusal)
    conversation.person_id = person.id if person else conversation.person_id
    conversation.state = decision.state
    conversation.data = decision.data
    conversation.updated_at = now
    session.add(conversation)
    return None


def _apply_one(session: Session, scheme: Scheme, env: Envelope, person: Person | None,
               effect: effects.Effect, conversation: Conversation,
               now: datetime) -> Person | None:
    match effect:
        case effects.JoinResident():
            person = services.join_resident(session, scheme, effect, now=now,
                                            channel=_home_channel(env), address=env.address,
                                            existing=person)
            if env.channel == "telegram":
                person.telegram_user_id = env.telegram_user_id
                person.telegram_chat_id = int(env.address)
            conversation.person_id = person.id
        case effects.RequestLift():
            if person is None:
                raise services.Refused("Please finish joining before booking a lift.")
            services.request_lift(session, person, effect, now=now, channel=env.channel)
        case effects.CancelLift():
            if person is None:
                raise services.Refused("I couldn't find that lift.")
            services.cancel_lift(session, person, effect.request_id, now=now)
        case effects.AlertCoordinator():
            services.alert_coordinators(session, scheme.id or 0, effect.reason, now=now,
                                        key=f"alert:{conversation.id}:{now.isoformat()}")
        case effects.SetSmsOptOut():
            services.set_sms_opt_out(session, person, effect.opted_out)
    return person


def _home_channel(env: Envelope) -> str:
    return "telegram" if env.channel == "telegram" else "sms"
