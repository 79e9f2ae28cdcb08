"""What a conversation asks the core to do. The dialogue decides; booking/ carries it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class JoinResident:
    """Register the sender as a resident (consent given)."""

    name: str
    address: str
    postcode: str
    settlement_id: int | None
    mobility: str
    companion: bool
    assistance_dog: bool
    phone: str | None = None  # verified (Telegram contact) or the SMS sender's number
    notice_version: str = ""  # the privacy notice they agreed to ("": the current one)
    # A coordinator (their Person id) answered for them on the phone (/for): the consent is
    # recorded as given through that coordinator, until the person confirms it themselves.
    recorded_by: int | None = None


@dataclass(frozen=True)
class RequestLift:
    """Store a lift request for the sender."""

    destination_id: int
    appointment_at: datetime
    return_plan: str  # wait | collect_later | one_way
    short_notice: bool
    companion: bool | None = None  # someone travels with them; None: as on their record


@dataclass(frozen=True)
class StartStanding:
    """Store a standing booking for the sender ("every Tuesday at 10.40"), read back and
    agreed; its first occurrences are made at once."""

    destination_id: int
    weekdays: tuple[int, ...]  # 0 = Monday
    every_weeks: int
    local_time: str  # "10:40", the scheme's wall-clock time
    first_day: date
    until: date | None
    return_plan: str
    companion: bool | None = None


@dataclass(frozen=True)
class CancelStanding:
    """End one of the sender's standing bookings, cancelling its lifts still to come."""

    standing_id: int


@dataclass(frozen=True)
class SkipOccurrence:
    """No lift on one date of a standing booking (made already or not yet)."""

    standing_id: int
    day: date


@dataclass(frozen=True)
class ShowStanding:
    """A coordinator asks for the scheme's standing bookings."""


@dataclass(frozen=True)
class AddContact:
    """The sender (a resident) trusts this phone to book for them: their own yes."""

    phone: str  # E.164
    label: str  # what the contact is to them ("your daughter"), or ""
    sees_places: bool


@dataclass(frozen=True)
class AnswerContact:
    """The sender (a resident) answers someone asking to book for them."""

    link_id: int
    allow: bool
    sees_places: bool = True


@dataclass(frozen=True)
class RemoveContact:
    """The sender (a resident) stops a trusted contact booking for them."""

    link_id: int


@dataclass(frozen=True)
class AddContactFor:
    """A coordinator, on a resident's word, asks for a contact: the resident must say yes."""

    resident_phone: str
    contact_phone: str
    label: str = ""


@dataclass(frozen=True)
class AskToBookFor:
    """The sender asks to book for a resident by name: that resident is asked for a yes
    (if they are with us; the sender is told the same either way)."""

    name: str
    label: str = ""  # "Dad"


@dataclass(frozen=True)
class OnBehalf:
    """A confirmed trusted contact does `effect` for one of the residents they book for."""

    resident_id: int
    effect: Effect


@dataclass(frozen=True)
class SetContactNotify:
    """Who hears a resident's confirmations and reminders: resident, contact or both."""

    resident_id: int
    notify: str


@dataclass(frozen=True)
class ChangeLift:
    """Move one of the sender's lifts to a new appointment time (read back and agreed)."""

    request_id: int
    appointment_at: datetime  # aware, UTC


@dataclass(frozen=True)
class UpdateHome:
    """The resident has moved (read back and agreed): their home and future lifts change."""

    address: str
    postcode: str
    settlement_id: int | None  # a settlement of the scheme the address names (None: unplaced)


@dataclass(frozen=True)
class UpdateNeeds:
    """The resident's needs changed (read back and agreed); None leaves one as it is."""

    mobility: str | None = None
    companion: bool | None = None
    assistance_dog: bool | None = None


@dataclass(frozen=True)
class CancelLift:
    """Cancel one of the sender's lifts."""

    request_id: int


@dataclass(frozen=True)
class AlertCoordinator:
    """Tell the scheme's coordinators something needs a person (no health detail)."""

    reason: str


@dataclass(frozen=True)
class SetSmsOptOut:
    """STOP (True) or START (False) for text messages."""

    opted_out: bool


@dataclass(frozen=True)
class CheckInvitation:
    """A would-be driver gave an invitation code: refuse now if it is not valid."""

    code: str


@dataclass(frozen=True)
class JoinDriver:
    """Register the sender as a driver, using up their invitation."""

    code: str
    name: str
    home: str
    settlement_id: int | None
    car: str
    seats: int
    folding_wheelchair: bool
    wheelchair_accessible: bool
    accepts_dogs: bool
    dbs_checked_on: date | None
    licence_checked_on: date | None
    insurance_expires_on: date | None
    phone: str | None = None
    notice_version: str = ""  # the privacy notice they agreed to ("": the current one)


@dataclass(frozen=True)
class SetAvailability:
    """Replace the driver's weekly pattern: (weekday, start minute, end minute) triples."""

    slots: tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class AddAbsence:
    """The driver is away from `first_day` to `last_day` inclusive."""

    first_day: date
    last_day: date


@dataclass(frozen=True)
class SetPreferences:
    """A driver's limits (None: leave as is; 0: no limit)."""

    max_trips_per_day: int | None = None
    max_miles_from_home: float | None = None


@dataclass(frozen=True)
class AnswerOffer:
    """A driver accepts or declines an offer."""

    offer_id: int
    accept: bool


@dataclass(frozen=True)
class ShowRunSheet:
    """The driver asks for their trips on a day."""

    day: date


@dataclass(frozen=True)
class ReportProgress:
    """A driver reports on the trip in hand: picked_up | dropped_off | no_show."""

    status: str


@dataclass(frozen=True)
class ShowRoster:
    """A coordinator asks for the roster (or what is unassigned) on a day."""

    day: date
    unassigned_only: bool = False


@dataclass(frozen=True)
class PlanNow:
    """A coordinator asks for a day to be planned now (runs after the reply is saved)."""

    day: date


@dataclass(frozen=True)
class Broadcast:
    """A coordinator sends an urgent request to the best-placed free drivers."""

    request_id: int


@dataclass(frozen=True)
class AssignByHand:
    """A coordinator gives a request to a driver they have arranged it with (locked)."""

    request_id: int
    driver: str  # the driver's name as typed
    override: bool = False  # assign even though a rule would be broken (the coordinator checked)


@dataclass(frozen=True)
class Unassign:
    """A coordinator takes a request off its driver(s), back to the planner."""

    request_id: int


@dataclass(frozen=True)
class ShowReport:
    """A coordinator asks for the impact figures of a period (appointment dates)."""

    first: date
    last: date


@dataclass(frozen=True)
class ActFor:
    """A coordinator answers for a resident who phoned: `text` goes into that resident's
    text conversation, and the replies come back to the coordinator."""

    phone: str  # E.164
    text: str


@dataclass(frozen=True)
class CreateInvitation:
    """A coordinator invites a new driver: a one-time code to join with."""

    name: str


@dataclass(frozen=True)
class SetChannel:
    """The person chooses how we reach them: sms | whatsapp | telegram."""

    channel: str


@dataclass(frozen=True)
class SetReachFor:
    """A coordinator sets how someone is reached (/channel PHONE whatsapp, /call PHONE on):
    a channel, or whether they prefer a call (None leaves it as it is)."""

    phone: str  # E.164
    channel: str | None = None
    prefers_call: bool | None = None


Effect = (CreateInvitation | JoinResident | RequestLift | ChangeLift | CancelLift
          | StartStanding | CancelStanding | SkipOccurrence | ShowStanding
          | AddContact | AnswerContact | RemoveContact | AddContactFor | AskToBookFor | OnBehalf
          | SetContactNotify
          | UpdateHome | UpdateNeeds | AlertCoordinator | SetChannel | SetReachFor
          | SetSmsOptOut | CheckInvitation | JoinDriver | SetAvailability | AddAbsence
          | SetPreferences | AnswerOffer | ShowRunSheet | ReportProgress | ShowRoster
          | PlanNow | Broadcast | AssignByHand | Unassign | ActFor | ShowReport)
