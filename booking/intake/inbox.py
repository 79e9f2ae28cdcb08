"""One inbound message, end to end inside one transaction.

Dedupe by provider id, find the scheme, the person and the conversation, let the dialogue
decide, carry out what it decided, save where the conversation stands. Redelivered
messages (Telegram retries, Twilio retries) are processed once.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from booking import carers, closures, coordinator, people, standing
from booking.audit import Actor
from booking.domain.outcomes import HOME_UNKNOWN, Refused
from booking.domain.status import REQUEST_ACTIVE, OfferStatus
from booking.geo.geocoder import Geocoder
from booking.help import open_help
from booking.intake import drivers, effects, residents
from booking.intake.views import (
    CaredView,
    LiftView,
    PendingContactView,
    PersonView,
    PlaceView,
    Snapshot,
)
from booking.lifecycle import progress
from booking.messaging import changes
from booking.messaging.alerts import alert_coordinators
from booking.messaging.outbox import DURABLE_CHANNELS, owe_replies, replay_replies
from booking.offers import answers
from booking.offers.by_hand import find_drivers
from booking.people import editing
from booking.reports import impact, roster
from booking.schemes import resolve_scheme, scheme_rules
from storage.db import is_sqlite, transaction
from storage.tables import (
    Conversation,
    InboundMessage,
    Leg,
    LiftRequest,
    Offer,
    Person,
    Place,
    Scheme,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Envelope:
    """Who sent a message, through what, and the provider's id for it."""

    channel: str  # sms | telegram | whatsapp | local
    address: str  # E.164 phone for SMS and WhatsApp; chat id for Telegram
    provider_id: str
    to_number: str = ""
    telegram_user_id: int | None = None
    verified_phone: str | None = None  # a Telegram contact the user shared about themselves
    on_behalf: bool = False  # a coordinator typing for a resident who phoned (/for)


class Decision(Protocol):
    """What a dialogue step returns (bot.dialogue.Outcome satisfies this)."""

    state: str
    data: dict[str, Any]
    effects: Sequence[effects.Effect]
    replies: Sequence[Any]  # each with .text, .options (.value, .label), .request_contact


@dataclass
class Handled:
    """The result of handling a message: the decision, a refusal, and what effects said."""

    decision: Any
    refused: str | None = None
    person_id: int | None = None
    scheme_id: int | None = None
    said: list[str] = field(default_factory=list)  # replies produced by carrying out effects
    deferred: list[effects.Effect] = field(default_factory=list)  # to run after the commit
    reply_ids: list[int] = field(default_factory=list)  # the replies, owed in the outbox
    replayed: list[tuple[str, tuple[tuple[str, str], ...], bool]] = field(default_factory=list)

    @property
    def texts(self) -> list[tuple[str, tuple[tuple[str, str], ...], bool]]:
        """(text, choices, asks for the contact) of every reply, in order."""
        if self.decision is None and not self.refused:
            return self.replayed  # a redelivery: the first answer, again
        if self.refused:
            return [(self.refused, (), False)]
        return [(r.text, tuple((o.value, o.label) for o in r.options),
                 bool(getattr(r, "request_contact", False))) for r in self.decision.replies
                ] + [(s, (), False) for s in self.said]


def handle(
    engine: Engine, env: Envelope, *, now: datetime, decide: Callable[[Snapshot], Any],
    default_scheme: str = "", geocoder: Geocoder | None = None,
) -> Handled | None:
    """Process one message. A redelivery is not processed again: it gets the first answer
    again if that answer may not have arrived (None when there is nothing to say)."""
    with transaction(engine) as session:
        if not _first_delivery(session, env, now):
            texts, ids = replay_replies(session, env) if env.channel in DURABLE_CHANNELS \
                else ([], [])
            log.info("duplicate %s message: %s replies answered again", env.channel, len(ids))
            return Handled(None, replayed=texts, reply_ids=ids) if texts else None
        scheme, conversation, known = _scheme_and_conversation(session, env, default_scheme,
                                                               now)
        if conversation.scheme_id != scheme.id:
            # One phone, another scheme's number: a conversation (and a person) of its own
            # there, never the other scheme's half-finished dialogue or identity.
            conversation.scheme_id, conversation.person_id = scheme.id, None
            conversation.state, conversation.data = "idle", {}
            known = None
        person = _identify(session, env, scheme, conversation, known)
        if env.on_behalf and person is not None and person.role != "resident":
            # /for speaks for residents only: never a driver's answer to an offer
            return Handled(None, refused=f"That number is one of the scheme's {person.role}s: "
                           "/for is only for residents.", scheme_id=scheme.id)
        if person is not None and env.channel == "whatsapp":
            person.whatsapp_seen_at = now  # their 24-hour WhatsApp session opens again
            session.add(person)
        snapshot = _snapshot(session, scheme, env, person, conversation, now)
        decision = decide(snapshot)
        handled = Handled(decision, scheme_id=scheme.id)
        _apply(session, scheme, env, person, decision, conversation, now, handled, geocoder)
        handled.person_id = conversation.person_id
        if not env.on_behalf and env.channel in DURABLE_CHANNELS:
            handled.reply_ids = owe_replies(session, env, scheme.id, handled.person_id,
                                            handled.texts, now)
        return handled


def _first_delivery(session: Session, env: Envelope, now: datetime) -> bool:
    """Record the provider's id; False if it was already there (one statement, no savepoint)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(InboundMessage).values(
        channel=env.channel, provider_id=env.provider_id, received_at=now,
    ).on_conflict_do_nothing(index_elements=["channel", "provider_id"]).returning(
        col(InboundMessage.id))  # rowcount is not reliable through the ORM: ask for the new id
    return session.execute(statement).first() is not None


SCHEME_TTL = 30.0  # seconds: a scheme's new SMS number is picked up within half a minute
_scheme_ids: dict[tuple[str, str, str], tuple[float, int]] = {}


def _scheme_and_conversation(session: Session, env: Envelope, default_slug: str,
                             now: datetime) -> tuple[Scheme, Conversation, Person | None]:
    """The scheme, the locked conversation and its person: one round trip, usually.

    Which scheme a number belongs to is cached briefly; the rows themselves are always read
    fresh, so a changed rule applies to the very next message.
    """
    key = (str(session.get_bind().engine.url), env.to_number, default_slug)
    cached = _scheme_ids.get(key)
    if cached is None or time.monotonic() - cached[0] >= SCHEME_TTL:
        scheme = resolve_scheme(session, to_number=env.to_number, default_slug=default_slug)
        _scheme_ids[key] = (time.monotonic(), scheme.id or 0)
        return scheme, _conversation(session, env, scheme, now), None
    query = (select(Conversation, Scheme, Person).select_from(Conversation)
             .join(Scheme, col(Scheme.id) == cached[1])
             .outerjoin(Person, col(Person.id) == Conversation.person_id)
             .where(Conversation.channel == env.channel, Conversation.address == env.address))
    if not is_sqlite(session.get_bind()):
        query = query.with_for_update(of=Conversation)
    found = session.exec(query).first()
    if found is not None:
        return found[1], found[0], found[2]
    scheme_row = session.get(Scheme, cached[1])
    if scheme_row is None:  # the scheme went away: resolve afresh
        del _scheme_ids[key]
        return _scheme_and_conversation(session, env, default_slug, now)
    return scheme_row, _conversation(session, env, scheme_row, now), None


def _conversation(session: Session, env: Envelope, scheme: Scheme, now: datetime) -> Conversation:
    query = select(Conversation).where(Conversation.channel == env.channel,
                                       Conversation.address == env.address)
    if not is_sqlite(session.get_bind()):
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


def _identify(session: Session, env: Envelope, scheme: Scheme, conversation: Conversation,
              known: Person | None = None) -> Person | None:
    person: Person | None = known
    if person is None and conversation.person_id is not None:
        person = session.get(Person, conversation.person_id)
    if person is None and env.channel in ("sms", "whatsapp"):
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
    views = _places(session, scheme.id or 0)
    return Snapshot(
        now=now, scheme_name=scheme.name, rules=scheme_rules(scheme), channel=env.channel,
        address=env.address, person=_person_view(person),
        places=tuple(v for v in views if v.kind != "settlement"),
        settlements=tuple(v for v in views if v.kind == "settlement"),
        lifts=tuple(_lifts(session, person, now)), state=conversation.state,
        data=dict(conversation.data or {}),
        open_offers=_open_offers(session, person),
        closures=closures.upcoming(session, scheme.id or 0, now) if person is not None
        and person.role != "driver" else {},
        standing=tuple(standing.standing_of(session, person.id or 0))
        if person is not None and person.role == "resident" else (),
        cared=_cared(session, person, now),
        pending_contacts=tuple(PendingContactView(link.id or 0, carers.shown_phone(
            who.phone or ""), "") for link, who in carers.pending_for(session, person))
        if person is not None and person.role == "resident" else (),
        trusted_contacts=tuple(PendingContactView(link.id or 0, carers.shown_phone(
            who.phone or ""), "") for link, who in carers.confirmed_for(session, person))
        if person is not None and person.role == "resident" else (),
    )


def _cared(session: Session, person: Person | None, now: datetime) -> tuple[CaredView, ...]:
    """Whom the sender books for, with each one's lifts as the resident's yes lets them see."""
    if person is None or person.role not in ("contact", "resident"):
        return ()
    out = []
    for link, resident in carers.cared_for(session, person):
        lifts = tuple(_lifts(session, resident, now))
        views = tuple(standing.standing_of(session, resident.id or 0))
        if not link.sees_places:
            lifts = tuple(dataclasses.replace(x, destination=carers.PRIVATE_PLACE)
                          for x in lifts)
            views = tuple(dataclasses.replace(x, destination=carers.PRIVATE_PLACE)
                          for x in views)
        view = _person_view(resident)
        assert view is not None
        out.append(CaredView(link.id or 0, dataclasses.replace(view, mobility="unaided"),
                             link.label, link.sees_places, link.notify, lifts, views))
    return tuple(out)


def _open_offers(session: Session, person: Person | None) -> tuple[int, ...]:
    if person is None or person.role != "driver":
        return ()
    return tuple(i for i in session.exec(select(Offer.id).where(
        Offer.driver_id == person.id, Offer.status == OfferStatus.OPEN)
        .order_by(col(Offer.id))).all() if i is not None)


PLACES_TTL = 30.0  # seconds: a new surgery shows up in chats within half a minute
_places_cache: dict[tuple[str, int], tuple[float, tuple[PlaceView, ...]]] = {}


def _places(session: Session, scheme_id: int) -> tuple[PlaceView, ...]:
    """The scheme's places, cached briefly: every message needs them, and they rarely change."""
    key = (str(session.get_bind().engine.url), scheme_id)
    cached = _places_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < PLACES_TTL:
        return cached[1]
    rows = session.exec(select(Place).where(Place.scheme_id == scheme_id,
                                            Place.active == True)).all()  # noqa: E712
    views = tuple(PlaceView(p.id or 0, p.name, p.town, p.kind, tuple(p.aliases)) for p in rows)
    _places_cache[key] = (time.monotonic(), views)
    return views


def _person_view(person: Person | None) -> PersonView | None:
    if person is None:
        return None
    return PersonView(person.id or 0, person.role, person.name, person.phone, person.mobility,
                      person.companion, person.sms_opted_out,
                      pending=person.pending_since is not None, active=person.active)


def _lifts(session: Session, person: Person | None, now: datetime) -> list[LiftView]:
    if person is None:
        return []
    rows = session.exec(
        select(LiftRequest, Place).join(Place, col(Place.id) == LiftRequest.destination_id)
        .where(LiftRequest.resident_id == person.id,
               col(LiftRequest.status).in_(REQUEST_ACTIVE),
               LiftRequest.appointment_at > now - timedelta(hours=3))
        .order_by(col(LiftRequest.appointment_at))
    ).all()
    ids = [r.id for r, _p in rows]
    out = {leg.request_id: (leg, driver) for leg, driver in session.exec(
        select(Leg, Person).outerjoin(Person, col(Person.id) == Leg.driver_id)
        .where(col(Leg.request_id).in_(ids), Leg.direction == "out")).all()} if ids else {}
    views = []
    for r, p in rows:
        leg, driver = out.get(r.id or 0, (None, None))
        accepted = leg is not None and leg.status == "accepted" and driver is not None
        views.append(LiftView(r.id or 0, p.name, r.appointment_at, r.status, r.return_plan,
                              driver.name.split()[0] if accepted and driver and driver.name
                              else "", leg.pickup_at if leg is not None else None))
    return views


def _apply(session: Session, scheme: Scheme, env: Envelope, person: Person | None,
           decision: Any, conversation: Conversation, now: datetime,
           handled: Handled, geocoder: Geocoder | None = None) -> None:
    """Carry out the decision's effects; a refusal undoes them all and is reported."""
    run = _Effects(session, scheme, env, person, conversation, now, geocoder=geocoder)
    if not decision.effects:  # most messages: no savepoint round trips needed
        _save(conversation, decision, run, now, handled, session)
        return
    try:
        for effect in decision.effects:  # outside the savepoint: every try is recorded
            if isinstance(effect, effects.CheckInvitation):
                drivers.check_code(session, effect.code, sender=f"{env.channel}:{env.address}",
                                   now=now)
        with session.begin_nested():
            for effect in decision.effects:
                run.apply(effect)
    except Refused as refusal:
        conversation.state, conversation.data = "idle", {}
        conversation.updated_at = now
        session.add(conversation)
        handled.refused = str(refusal)
        return
    _save(conversation, decision, run, now, handled, session)


def _save(conversation: Conversation, decision: Any, run: _Effects, now: datetime,
          handled: Handled, session: Session) -> None:
    """Where the conversation now stands, and what the effects had to say."""
    handled.said, handled.deferred = run.said, run.deferred
    conversation.person_id = run.person.id if run.person else conversation.person_id
    conversation.state = decision.state
    conversation.data = decision.data
    conversation.updated_at = now
    session.add(conversation)


@dataclass
class _Effects:
    """Carries out effects one by one; some have something to say back."""

    session: Session
    scheme: Scheme
    env: Envelope
    person: Person | None
    conversation: Conversation
    now: datetime
    said: list[str] = field(default_factory=list)
    deferred: list[effects.Effect] = field(default_factory=list)
    geocoder: Geocoder | None = None  # None: offline (the scheme's places, the postcode table)

    def apply(self, effect: effects.Effect) -> None:
        """One effect, inside the message's transaction."""
        session, now = self.session, self.now
        match effect:
            case effects.JoinResident():
                self._became(residents.join_resident(
                    session, self.scheme, effect, now=now, channel=_home_channel(self.env),
                    address=self.env.address, existing=self.person, geocoder=self.geocoder))
                if self.person is not None and self.person.lat is None:
                    self.said.append(residents.ADDRESS_TO_CONFIRM)
            case effects.CheckInvitation():
                pass  # checked, and the try recorded, before the savepoint (see _apply)
            case effects.JoinDriver():
                self._became(drivers.join_driver(
                    session, effect, now=now, channel=_home_channel(self.env),
                    address=self.env.address, telegram_user_id=self.env.telegram_user_id))
            case effects.AlertCoordinator():
                self._alert(effect.reason)
            case effects.AskToBookFor():
                phone = self.env.address if self.env.channel in ("sms", "whatsapp") else ""
                carers.ask_by_name(session, self.scheme.id or 0, self.person, phone,
                                   effect.name, effect.label, now)
            case effects.SetSmsOptOut():
                residents.set_sms_opt_out(session, self.person, effect.opted_out)
            case effects.SetChannel():
                if self.person is None:
                    raise Refused("Please join first: send JOIN.")
                try:  # a choice we cannot honour is answered, the conversation kept
                    self.said.append(people.set_channel(session, self.person,
                                                        effect.channel, now=now))
                except Refused as refusal:
                    self.said.append(str(refusal))
            case _:
                self._as_person(effect)

    def _alert(self, reason: str) -> None:
        """A person is needed: the coordinators are told, and it stays open on the board."""
        if self.person is not None and self.person.role == "coordinator":
            return  # a coordinator asking for help is answered by the dialogue, not alerted
        open_help(self.session, self.scheme.id or 0, self.person, channel=self.env.channel,
                  address=self.env.address, now=self.now)
        alert_coordinators(self.session, self.scheme.id or 0, reason, now=self.now,
                           key=f"alert:{self.conversation.id}:{self.now.isoformat()}")

    def _became(self, person: Person) -> None:
        if self.env.channel == "telegram":
            person.telegram_user_id = self.env.telegram_user_id
            person.telegram_chat_id = int(self.env.address)
        self.person = person
        self.conversation.person_id = person.id

    def _as_person(self, effect: effects.Effect) -> None:
        """Effects that need a known sender of the right role."""
        person, session, now = self.person, self.session, self.now
        if person is None:
            raise Refused("Sorry, I don't know who you are yet. Send HELP for a person.")
        tz = scheme_rules(self.scheme).tz
        match effect:
            case effects.RequestLift():
                request = residents.request_lift(session, person, effect, now=now,
                                                 channel=self.env.channel)
                if request.status_reason == HOME_UNKNOWN:
                    self.said.append(residents.ADDRESS_TO_CONFIRM)
            case effects.ChangeLift():
                request = residents.change_lift(session, person, effect.request_id,
                                                effect.appointment_at, now=now)
                if request.status_reason == HOME_UNKNOWN:
                    self.said.append(residents.ADDRESS_TO_CONFIRM)
            case effects.CancelLift():
                residents.cancel_lift(session, person, effect.request_id, now=now)
            case effects.OnBehalf():
                self._on_behalf(effect, person)
            case effects.AddContact():
                carers.add_contact(session, person, effect.phone, effect.label,
                                   effect.sees_places, now)
            case effects.RemoveContact():
                carers.remove(session, person, effect.link_id, now)
            case effects.AnswerContact():
                carers.answer(session, person, effect.link_id, effect.allow,
                              effect.sees_places, now)
            case effects.SetContactNotify():
                carers.set_notify(session, person, effect.resident_id, effect.notify)
            case effects.StartStanding():
                _made, made = standing.start_standing(session, person, effect, now=now,
                                                      channel=self.env.channel)
                if person.lat is None and made.requests:
                    self.said.append(residents.ADDRESS_TO_CONFIRM)
            case effects.CancelStanding():
                standing.cancel_standing(session, person, effect.standing_id, now=now)
            case effects.SkipOccurrence():
                standing.skip_occurrence(session, person, effect.standing_id, effect.day,
                                         now=now)
            case effects.UpdateHome():
                editing.home_by_message(session, person, editing.Home(
                    effect.address, effect.postcode, effect.settlement_id),
                    channel=self.env.channel, now=now)
            case effects.UpdateNeeds():
                editing.needs_by_message(
                    session, person, mobility=effect.mobility, companion=effect.companion,
                    assistance_dog=effect.assistance_dog, channel=self.env.channel, now=now)
            case effects.SetAvailability():
                drivers.set_availability(session, person, effect)
            case effects.AddAbsence():
                drivers.add_absence(session, person, effect, now)
            case effects.SetPreferences():
                drivers.set_preferences(session, person, effect)
            case effects.AnswerOffer():
                answer = answers.accept if effect.accept else answers.decline
                self.said.append(changes.answer_text(answer(session, person, effect.offer_id,
                                                            now), tz))
            case effects.ShowRunSheet():
                self.said.append(roster.run_sheet(session, person, effect.day, tz))
            case effects.ReportProgress():
                self.said.append(progress.report_progress(session, person, effect.status, now))
            case _:
                self._as_coordinator(effect, person, tz)

    def _on_behalf(self, wrapped: effects.OnBehalf, contact: Person) -> None:
        """A trusted contact acting for a resident: allowed only by the resident's yes, and
        carried out exactly as if the resident had asked."""
        resident = carers.acting_for(self.session, contact, wrapped.resident_id)
        inner = wrapped.effect
        if isinstance(inner, effects.StartStanding):
            standing.start_standing(self.session, resident, inner, now=self.now,
                                    channel=self.env.channel, booked_by=contact)
            return
        if not isinstance(inner, (effects.RequestLift, effects.ChangeLift, effects.CancelLift,
                                  effects.CancelStanding, effects.SkipOccurrence)):
            raise Refused("Sorry, only the person themselves can do that.")
        self.person = resident
        try:
            self._as_person(inner)
        finally:
            self.person = contact

    def _as_coordinator(self, effect: effects.Effect, person: Person, tz: ZoneInfo) -> None:
        if person.role != "coordinator" or not person.active:
            raise Refused("Sorry, that is for coordinators.")
        session, now, scheme_id = self.session, self.now, self.scheme.id or 0
        match effect:
            case effects.ShowRoster(day=day, unassigned_only=True):
                self.said.append(roster.unassigned_text(session, scheme_id, day, tz))
            case effects.ShowRoster(day=day):
                self.said.append(roster.roster_text(session, scheme_id, day, tz))
            case effects.ShowStanding():
                self.said.append(standing.listing_text(standing.listing(session, scheme_id,
                                                                        now)))
            case effects.CreateInvitation():
                invitation = drivers.new_invitation(session, self.scheme, name=effect.name,
                                                    now=now)
                self.said.append(
                    f"Invitation for {effect.name}: code {invitation.code} (valid 14 days). "
                    f"They text JOIN {invitation.code} to the scheme's number, or send "
                    f"/start {invitation.code} to the bot.")
            case effects.Broadcast():
                self.said.append(coordinator.broadcast(session, scheme_id, effect.request_id,
                                                       self._actor(person), now).message)
            case effects.ShowReport(first=first, last=last):
                figures = impact.impact(session, scheme_id, first, last, scheme_rules(self.scheme))
                title = (f"{self.scheme.name}, {first:%-d %b} to {last:%-d %b %Y} "
                         "(appointment dates):")
                self.said.append(impact.summary_text(figures, title))
            case effects.AddContactFor():
                self.said.append(carers.add_for(session, scheme_id, effect.resident_phone,
                                                effect.contact_phone, effect.label,
                                                self._actor(person), now))
            case effects.ActFor():
                self.deferred.append(effect)  # the resident's own conversation, after this
            case effects.AssignByHand():
                self.said.append(self._assign(effect, person))
            case effects.Unassign():
                self.said.append(coordinator.unassign(session, scheme_id, effect.request_id,
                                                      self._actor(person), now).message)
            case effects.SetReachFor():
                who = people.find_by_phone(session, scheme_id, effect.phone)
                if effect.channel is not None:
                    self.said.append(people.set_channel(session, who, effect.channel, now=now,
                                                        actor=self._actor(person)))
                if effect.prefers_call is not None:
                    self.said.append(people.set_prefers_call(
                        session, who, effect.prefers_call, now=now, actor=self._actor(person)))
            case effects.PlanNow():
                coordinator.request_planning(session, scheme_id, effect.day,
                                             self._actor(person), now)
                self.said.append(f"Planning {effect.day:%a} {effect.day.day} {effect.day:%b} "
                                 "now; I'll message you the result in a minute or two.")

    def _actor(self, person: Person) -> Actor:
        return Actor(person.name, self.env.channel, "coordinator", person_id=person.id)

    def _assign(self, effect: effects.AssignByHand, person: Person) -> str:
        """/assign <request> <driver's name> [override]."""
        scheme_id = self.scheme.id or 0
        found = find_drivers(self.session, scheme_id, effect.driver)
        if not found:
            return f"No driver called {effect.driver!r}. /roster shows the drivers' names."
        if len(found) > 1:
            return f"Which one: {', '.join(d.name for d in found)}? Please give the full name."
        result = coordinator.assign(self.session, scheme_id, effect.request_id,
                                    found[0].id or 0, self._actor(person), self.now,
                                    override=effect.override)
        if isinstance(result, coordinator.NeedsOverride):
            return (f"Not assigned: {result.message} To go ahead, send /assign "
                    f"{effect.request_id} {effect.driver} override")
        return result.message

def _home_channel(env: Envelope) -> str:
    return env.channel if env.channel in ("telegram", "whatsapp") else "sms"
