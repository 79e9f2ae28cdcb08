"""The tables. Data and constraints only; behaviour lives in booking/.

Every timestamp is an aware UTC datetime (UTCDateTime). Message bodies are kept only in the
outbox, and only until sent (see retention in booking/); inbound bodies are never stored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    """The current instant in UTC (for created/updated stamps only; logic takes a clock)."""
    return datetime.now(UTC)


def _ts(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class Scheme(SQLModel, table=True):
    """A volunteer car scheme: its name, its SMS number and its rules (a JSON object)."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    sms_number: str | None = Field(default=None, max_length=20, index=True)
    office_phone: str | None = Field(default=None, max_length=20)  # the number people ring
    rules: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = _ts(default_factory=utcnow)


class Place(SQLModel, table=True):
    """A destination (surgery, hospital) or a settlement, with coordinates."""

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    kind: str = Field(max_length=20)  # gp | hospital | settlement
    name: str = Field(max_length=200)
    town: str = Field(default="", max_length=100)
    postcode: str = Field(default="", max_length=10)
    lat: float
    lon: float
    aliases: list[str] = Field(default_factory=list, sa_type=JSON)
    notes: str = Field(default="", max_length=500)
    # A village's postcode districts or sectors ("DL8 3"): homes there are located at it.
    postcode_prefixes: list[str] = Field(default_factory=list, sa_type=JSON)
    active: bool = True


class Person(SQLModel, table=True):
    """A resident, driver or coordinator. Phones are E.164; addresses are only what trips need."""

    __table_args__ = (
        UniqueConstraint("scheme_id", "phone", name="uq_person_scheme_phone"),
        UniqueConstraint("scheme_id", "telegram_user_id", name="uq_person_scheme_telegram"),
    )

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    role: str = Field(max_length=20, index=True)  # resident | driver | coordinator
    name: str = Field(max_length=120)
    phone: str | None = Field(default=None, max_length=20)
    telegram_user_id: int | None = Field(default=None, sa_type=BigInteger)
    telegram_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    telegram_username: str | None = Field(default=None, max_length=40)  # coordinators
    email: str | None = Field(default=None, max_length=254)  # coordinators
    preferred_channel: str = Field(default="sms", max_length=20)  # sms | telegram | whatsapp
    address: str = Field(default="", max_length=300)
    postcode: str = Field(default="", max_length=10)
    lat: float | None = None
    lon: float | None = None
    # unaided | walking_aid | folding_wheelchair | wheelchair_vehicle
    mobility: str = Field(default="unaided", max_length=30)
    companion: bool = False
    assistance_dog: bool = False
    consent_at: datetime | None = _ts(default=None)  # the current consent (see ConsentRecord)
    sms_opted_out: bool = False
    # WhatsApp: their last message to us (free text may be sent for 24 h after it; after
    # that only approved templates). Calls: a coordinator's mark, or a number that is a
    # landline (its type, or Twilio refusing a text to it): confirmations and reminders ring.
    whatsapp_seen_at: datetime | None = _ts(default=None)
    prefers_call: bool = False
    landline: bool = False
    active: bool = True
    # Waiting for a coordinator's approval since then (None: approved). Drivers who join by
    # code always wait until their checks are seen; residents when the scheme asks for it.
    pending_since: datetime | None = _ts(default=None)
    created_at: datetime = _ts(default_factory=utcnow)
    # Drivers only: preferences and the checks that must be in date before any assignment.
    max_trips_per_day: int | None = None
    max_miles_from_home: float | None = None
    dbs_checked_on: date | None = None
    licence_checked_on: date | None = None
    insurance_expires_on: date | None = None
    # Set when retention or an erasure removed what identifies them (the row stays for counts).
    anonymised_at: datetime | None = _ts(default=None)


class ConsentRecord(SQLModel, table=True):
    """A person agreed to a version of the privacy notice: when, how, and who recorded it.

    Given by the person themselves (`given_by` "person"), or recorded by a coordinator on
    their behalf ("coordinator", e.g. on the phone) until the person confirms it in their
    own message (`confirmed_at`).
    """

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    notice_version: str = Field(max_length=20)
    given_at: datetime = _ts()
    channel: str = Field(max_length=20)  # sms | telegram | console | phone
    given_by: str = Field(default="person", max_length=20)  # person | coordinator
    recorded_by: str = Field(default="", max_length=120)  # the coordinator's name
    recorded_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    confirmed_at: datetime | None = _ts(default=None)
    confirmed_channel: str = Field(default="", max_length=20)
    withdrawn_at: datetime | None = _ts(default=None)


class Vehicle(SQLModel, table=True):
    """A driver's car."""

    id: int | None = Field(default=None, primary_key=True)
    driver_id: int = Field(foreign_key="person.id", index=True)
    description: str = Field(max_length=120)  # colour and make, as told to passengers
    seats: int = Field(ge=1, le=8)
    folding_wheelchair: bool = False
    wheelchair_accessible: bool = False
    accepts_dogs: bool = False


class LiftRequest(SQLModel, table=True):
    """A resident's request for a lift to an appointment (and usually home again)."""

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    resident_id: int = Field(foreign_key="person.id", index=True)
    destination_id: int = Field(foreign_key="place.id")
    appointment_at: datetime = _ts(index=True)
    return_plan: str = Field(default="wait", max_length=20)  # wait | collect_later | one_way
    mobility: str = Field(default="unaided", max_length=30)
    companion: bool = False
    assistance_dog: bool = False
    # requested | needs_coordinator | planned | offered | confirmed | unserved | cancelled | done
    status: str = Field(default="requested", max_length=30, index=True)
    status_reason: str = Field(default="", max_length=200)
    channel: str = Field(default="sms", max_length=20)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)
    # Set when retention or an erasure reduced it to what the impact report counts.
    anonymised_at: datetime | None = _ts(default=None)


class LiftRequestEvent(SQLModel, table=True):
    """One change of a request's status: the history a coordinator can read."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="liftrequest.id", index=True)
    at: datetime = _ts()
    from_status: str = Field(default="", max_length=30)
    to_status: str = Field(max_length=30)
    actor: str = Field(default="", max_length=40)  # resident | coordinator | system | driver
    note: str = Field(default="", max_length=200)


class Conversation(SQLModel, table=True):
    """Where a chat stands, keyed by (channel, address): the source of truth, not PTB state."""

    __table_args__ = (UniqueConstraint("channel", "address", name="uq_conversation_address"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    address: str = Field(max_length=64)
    scheme_id: int | None = Field(default=None, foreign_key="scheme.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    state: str = Field(default="idle", max_length=40)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = _ts(default_factory=utcnow)


class InboundMessage(SQLModel, table=True):
    """One message received: its provider id makes redelivery harmless. No body is kept."""

    __table_args__ = (UniqueConstraint("channel", "provider_id", name="uq_inbound_provider"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    provider_id: str = Field(max_length=64)
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id")
    received_at: datetime = _ts(default_factory=utcnow)


class OutboxMessage(SQLModel, table=True):
    """A message we owe someone, written in the same transaction as its cause."""

    __table_args__ = (
        Index(
            "ix_outbox_due",
            "status",
            "due_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_outbox_address", "address", "channel"),  # a chat's recent sends (pacing)
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=200)
    scheme_id: int | None = Field(default=None, foreign_key="scheme.id")
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    kind: str = Field(max_length=40)  # e.g. coordinator_alert, confirmation, reminder
    channel: str = Field(max_length=20)
    address: str = Field(max_length=64)
    body: str = Field(max_length=4000)
    choices: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    # The facts a WhatsApp template or a call script is filled from ({"day": "Tue 1 Dec"...})
    variables: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    urgent: bool = False
    due_at: datetime = _ts()
    stale_after: datetime | None = _ts(default=None)  # not worth sending after this (a reminder)
    # pending | sending | sent | delivered | failed | cancelled | expired
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    provider_message_id: str | None = Field(default=None, max_length=64, index=True)
    last_error: str = Field(default="", max_length=300)
    request_id: int | None = Field(default=None, foreign_key="liftrequest.id", index=True)
    created_at: datetime = _ts(default_factory=utcnow)
    sent_at: datetime | None = _ts(default=None)


class Availability(SQLModel, table=True):
    """A driver's weekly pattern: free on `weekday` (0 = Monday) between two local times."""

    id: int | None = Field(default=None, primary_key=True)
    driver_id: int = Field(foreign_key="person.id", index=True)
    weekday: int = Field(ge=0, le=6)
    start_minute: int = Field(ge=0, le=24 * 60)  # minutes after local midnight
    end_minute: int = Field(ge=0, le=24 * 60)


class Absence(SQLModel, table=True):
    """A driver is away on these days (inclusive): exceptions to the weekly pattern."""

    id: int | None = Field(default=None, primary_key=True)
    driver_id: int = Field(foreign_key="person.id", index=True)
    first_day: date
    last_day: date


class Invitation(SQLModel, table=True):
    """A one-time code a coordinator gives a new driver to join in the chat."""

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    code: str = Field(unique=True, max_length=16)
    name: str = Field(default="", max_length=120)
    created_at: datetime = _ts(default_factory=utcnow)
    expires_at: datetime = _ts()
    used_at: datetime | None = _ts(default=None)
    used_by: int | None = Field(default=None, foreign_key="person.id")


class PlanRun(SQLModel, table=True):
    """One run of the planner for a scheme and day: what triggered it and what it found."""

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    service_day: date = Field(index=True)
    trigger: str = Field(max_length=40)
    started_at: datetime = _ts()
    finished_at: datetime | None = _ts(default=None)
    served: int = 0
    unserved: int = 0
    miles: float = 0.0
    stats: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class Offer(SQLModel, table=True):
    """A trip (one request's legs) offered to one driver; its id is the code they reply with.

    Who wins a race is decided on the legs (a conditional update), not here.
    """

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    request_id: int = Field(foreign_key="liftrequest.id", index=True)
    driver_id: int = Field(foreign_key="person.id", index=True)
    # open | accepted | declined | expired | withdrawn | taken (someone else accepted first)
    status: str = Field(default="open", max_length=20, index=True)
    broadcast: bool = False
    # The planning run that made it: offers of one run to one driver form one feasible route,
    # so they may overlap in time (two passengers aboard); anything else that overlaps clashes.
    plan_run_id: int | None = Field(default=None, foreign_key="planrun.id")
    created_at: datetime = _ts()
    expires_at: datetime = _ts(index=True)
    answered_at: datetime | None = _ts(default=None)


class Leg(SQLModel, table=True):
    """One journey of a request (out, or back home), with its planned driver and times."""

    __table_args__ = (UniqueConstraint("request_id", "direction", name="uq_leg_direction"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="liftrequest.id", index=True)
    direction: str = Field(max_length=10)  # out | back
    # open | planned | offered | accepted | picked_up | done | no_show | cancelled | unserved
    status: str = Field(default="open", max_length=20, index=True)
    driver_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    offer_id: int | None = Field(default=None, foreign_key="offer.id")
    pickup_at: datetime | None = _ts(default=None)
    dropoff_at: datetime | None = _ts(default=None)
    pickup_place: str = Field(default="", max_length=300)
    dropoff_place: str = Field(default="", max_length=300)
    sequence: int | None = None  # position among the driver's pickups that day
    passenger_miles: float = 0.0  # miles with the passenger on board
    driver_miles: float = 0.0  # the driver's share of miles from home and back
    reason: str = Field(default="", max_length=200)  # why unserved, for the coordinator
    updated_at: datetime = _ts(default_factory=utcnow)


class MileageEntry(SQLModel, table=True):
    """The miles a driver drove for one leg, recorded once when the leg is done (or a no-show).

    Claims and the impact report add these up; `passenger_miles` are the miles with the
    resident aboard, `companion_miles` those with a companion too (the extra-passenger rate).
    """

    id: int | None = Field(default=None, primary_key=True)
    leg_id: int = Field(foreign_key="leg.id", unique=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    driver_id: int = Field(foreign_key="person.id", index=True)
    service_day: date = Field(index=True)  # the appointment's local day
    miles: float
    passenger_miles: float = 0.0
    companion_miles: float = 0.0
    recorded_at: datetime = _ts()


class PlanJob(SQLModel, table=True):
    """A coordinator asked for a day to be planned: run in the background, reported back."""

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    service_day: date
    state: str = Field(default="queued", max_length=20, index=True)  # queued|running|done|failed
    requested_by: str = Field(default="", max_length=120)  # a name, for the console
    person_id: int | None = Field(default=None, foreign_key="person.id")  # told the result
    created_at: datetime = _ts()
    started_at: datetime | None = _ts(default=None)
    finished_at: datetime | None = _ts(default=None)
    plan_run_id: int | None = Field(default=None, foreign_key="planrun.id")
    summary: str = Field(default="", max_length=2000)  # what the coordinator is told


class HelpRequest(SQLModel, table=True):
    """Someone asked for a person (HELP): open until a coordinator marks it handled."""

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")  # None: a stranger
    channel: str = Field(max_length=20)
    address: str = Field(default="", max_length=64)  # how to reach a stranger back
    opened_at: datetime = _ts()
    handled_at: datetime | None = _ts(default=None, index=True)
    handled_by: str = Field(default="", max_length=120)
    note: str = Field(default="", max_length=500)


class AuditEntry(SQLModel, table=True):
    """One action by a coordinator or admin, from the console or a chat. Never deleted."""

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int | None = Field(default=None, foreign_key="scheme.id", index=True)
    at: datetime = _ts(index=True)
    actor_name: str = Field(max_length=120)
    actor_role: str = Field(max_length=20)  # coordinator | admin | system
    channel: str = Field(max_length=20)  # console | sms | telegram | cli | system
    account_id: int | None = None  # the console account (no foreign key: accounts may go)
    person_id: int | None = Field(default=None, foreign_key="person.id")  # the actor's Person
    action: str = Field(max_length=40)  # e.g. assign, cancel, broadcast, plan, message
    request_id: int | None = Field(default=None, foreign_key="liftrequest.id", index=True)
    subject_person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    detail: str = Field(default="", max_length=500)  # no health detail


class ConsoleAccount(SQLModel, table=True):
    """A coordinator's or admin's login to the web console (email and an argon2 hash)."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)  # stored lower-case
    name: str = Field(max_length=120)
    role: str = Field(max_length=20)  # coordinator | admin
    phone: str | None = Field(default=None, max_length=20)  # links to their chat identity
    password_hash: str = Field(max_length=200)
    active: bool = True
    created_at: datetime = _ts(default_factory=utcnow)
    disabled_at: datetime | None = _ts(default=None)


class ConsoleMembership(SQLModel, table=True):
    """An account may see and act on this scheme; `person_id` is their coordinator Person."""

    __table_args__ = (UniqueConstraint("account_id", "scheme_id", name="uq_membership"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="consoleaccount.id", index=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")


class ConsoleSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, this row its SHA-256 only."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    account_id: int = Field(foreign_key="consoleaccount.id", index=True)
    scheme_id: int = Field(foreign_key="scheme.id")  # the scheme being looked at
    csrf_token: str = Field(max_length=64)
    flash: str = Field(default="", max_length=500)  # what the last action did, shown once
    created_at: datetime = _ts()
    last_seen_at: datetime = _ts()
    revoked_at: datetime | None = _ts(default=None)


class LoginAttempt(SQLModel, table=True):
    """One try at the console's password: for throttling. No email or password is kept; the
    client address is a keyed hash."""

    __table_args__ = (Index("ix_login_attempt_client", "client_hash", "at"),
                      Index("ix_login_attempt_account", "account_id", "at"))

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts()
    account_id: int | None = Field(default=None, foreign_key="consoleaccount.id")
    client_hash: str = Field(max_length=64)
    success: bool = False


class CodeAttempt(SQLModel, table=True):
    """One try at an invitation code from a chat or phone: for throttling guesses. The sender
    is a hash of their channel and address, never the number itself."""

    __table_args__ = (Index("ix_code_attempt_sender", "sender_hash", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    sender_hash: str = Field(max_length=64)
    ok: bool = False


class SchemeClosure(SQLModel, table=True):
    """A day a scheme does not run lifts, besides bank holidays (booking/calendar.py)."""

    __table_args__ = (UniqueConstraint("scheme_id", "day", name="uq_closure_day"),)

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    day: date
    reason: str = Field(default="", max_length=60)  # told to residents: no health detail
    created_at: datetime = _ts(default_factory=utcnow)
    created_by: str = Field(default="", max_length=120)


class StandingBooking(SQLModel, table=True):
    """A repeat lift ("every Tuesday at 10.40 to the Friarage"): each occurrence becomes an
    ordinary request some days ahead (booking/standing.py). Times are local wall-clock times
    in the scheme's time zone, so 10:40 stays 10:40 across a clock change."""

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    resident_id: int = Field(foreign_key="person.id", index=True)
    destination_id: int = Field(foreign_key="place.id")
    weekdays: str = Field(max_length=20)  # "1" or "0,2,4" (0 = Monday)
    every_weeks: int = Field(default=1, ge=1, le=4)  # 2: fortnightly
    local_time: str = Field(max_length=5)  # "10:40" in the scheme's time zone
    first_day: date  # the first occurrence (weeks are counted from its week)
    until_day: date | None = None  # the last day it may fall on (None: until cancelled)
    return_plan: str = Field(default="wait", max_length=20)
    companion: bool | None = None  # None: as on the resident's record
    booked_by_id: int | None = Field(default=None, foreign_key="person.id")  # a carer
    channel: str = Field(default="sms", max_length=20)
    created_at: datetime = _ts(default_factory=utcnow)
    ended_at: datetime | None = _ts(default=None)  # cancelled: no more occurrences


class StandingOccurrence(SQLModel, table=True):
    """One date of a standing booking, made once: its request, or why there is none (a bank
    holiday, a closure, cancelled ahead by the resident). Unique per date, so a restarted
    scheduler never creates an occurrence twice."""

    __table_args__ = (UniqueConstraint("standing_id", "day", name="uq_standing_day"),)

    id: int | None = Field(default=None, primary_key=True)
    standing_id: int = Field(foreign_key="standingbooking.id", index=True)
    day: date
    request_id: int | None = Field(default=None, foreign_key="liftrequest.id", index=True)
    skipped: str = Field(default="", max_length=80)  # why no request was made
    created_at: datetime = _ts(default_factory=utcnow)


class PostcodeLocation(SQLModel, table=True):
    """Where a UK postcode is (its centre): loaded from the ONS Postcode Directory or OS
    Code-Point Open by `lifts geo import-postcodes`, to locate homes offline."""

    postcode: str = Field(primary_key=True, max_length=8)  # normalised: "DL8 3QR"
    lat: float
    lon: float


class TrustedContact(SQLModel, table=True):
    """A carer or relative a resident trusts to book, change and cancel for them and to hear
    about their lifts (booking/carers.py). It counts only once the resident has said yes in
    their own message (`confirmed_at`); what the contact may see follows that yes."""

    __table_args__ = (UniqueConstraint("resident_id", "contact_id", name="uq_trusted_contact"),)

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    resident_id: int = Field(foreign_key="person.id", index=True)
    contact_id: int = Field(foreign_key="person.id", index=True)  # role "contact" unless joined
    label: str = Field(default="", max_length=40)  # how the contact calls them: "Mum", "Dad"
    sees_places: bool = True  # False: the resident's yes kept where they go private
    notify: str | None = Field(default=None, max_length=10)  # resident|contact|both; None: both
    added_by: str = Field(default="resident", max_length=20)  # resident|coordinator|contact
    created_at: datetime = _ts(default_factory=utcnow)
    confirmed_at: datetime | None = _ts(default=None)  # the resident's own yes
    declined_at: datetime | None = _ts(default=None)  # the resident said no (or removed it)
