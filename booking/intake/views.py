"""Read-only views of the data a conversation needs: plain values, no ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from booking.rules import Closures, SchemeRules

MOBILITY_LABELS = {
    "unaided": "walks unaided",
    "walking_aid": "uses a walking aid",
    "folding_wheelchair": "folding wheelchair",
    "wheelchair_vehicle": "needs a wheelchair-accessible car",
}

@dataclass(frozen=True)
class PersonView:
    """Who is talking to us."""

    id: int
    role: str
    name: str
    phone: str | None
    mobility: str
    companion: bool
    sms_opted_out: bool
    pending: bool = False  # waiting for a coordinator's approval: may not book yet
    active: bool = True

    @property
    def first_name(self) -> str:
        """The first word of the name (how we greet people)."""
        return self.name.split()[0] if self.name.strip() else ""


@dataclass(frozen=True)
class PlaceView:
    """A destination the scheme drives to."""

    id: int
    name: str
    town: str
    kind: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class LiftView:
    """One of the resident's lifts."""

    id: int
    destination: str
    appointment_at: datetime
    status: str
    return_plan: str
    driver_first_name: str = ""  # only once a driver has accepted the way there
    pickup_at: datetime | None = None  # the planned pickup for the way there


@dataclass(frozen=True)
class StandingView:
    """One of the resident's standing bookings."""

    id: int
    destination: str
    weekdays: tuple[int, ...]
    every_weeks: int
    local_time: str  # "10:40"
    first_day: date
    until: date | None
    return_plan: str


@dataclass(frozen=True)
class CaredView:
    """Someone the sender is a confirmed trusted contact for, as the contact may see them."""

    link_id: int
    person: PersonView
    label: str  # "Mum", or ""
    sees_places: bool
    notify: str | None  # resident | contact | both; None: not chosen yet (both)
    lifts: tuple[LiftView, ...] = ()  # destinations blanked when not sees_places
    standing: tuple[StandingView, ...] = ()


@dataclass(frozen=True)
class PendingContactView:
    """Someone asking to be the sender's trusted contact, waiting for the sender's yes."""

    link_id: int
    phone: str  # how the resident recognises them
    label: str = ""  # what they are to the resident, if known ("" from the database)


@dataclass(frozen=True)
class Snapshot:
    """Everything the dialogue may read to decide its next step."""

    now: datetime
    scheme_name: str
    rules: SchemeRules
    channel: str
    address: str
    person: PersonView | None
    places: tuple[PlaceView, ...]
    settlements: tuple[PlaceView, ...]
    lifts: tuple[LiftView, ...]
    state: str
    data: dict[str, Any] = field(default_factory=dict)
    open_offers: tuple[int, ...] = ()  # a driver's offers awaiting an answer, oldest first
    # The scheme's own closure dates ahead (bank holidays are in booking/calendar.py).
    closures: Closures = field(default_factory=dict)
    standing: tuple[StandingView, ...] = ()  # the resident's standing bookings
    cared: tuple[CaredView, ...] = ()  # people the sender books for (a trusted contact)
    pending_contacts: tuple[PendingContactView, ...] = ()  # asking for the sender's yes
    trusted_contacts: tuple[PendingContactView, ...] = ()  # confirmed: they book for the sender
