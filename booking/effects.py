"""What a conversation asks the core to do. The dialogue decides; booking/ carries it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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


@dataclass(frozen=True)
class RequestLift:
    """Store a lift request for the sender."""

    destination_id: int
    appointment_at: datetime
    return_plan: str  # wait | collect_later | one_way
    short_notice: bool


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


Effect = JoinResident | RequestLift | CancelLift | AlertCoordinator | SetSmsOptOut
