"""Channel-agnostic messages: what a person sent, and what we say back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from booking.intake.effects import Effect


@dataclass(frozen=True)
class Option:
    """A choice offered with a reply: a button on Telegram, a numbered line in a text."""

    value: str
    label: str


@dataclass(frozen=True)
class Reply:
    """One message back to the person."""

    text: str
    options: tuple[Option, ...] = ()
    request_contact: bool = False  # Telegram: show the "share my phone number" button


@dataclass(frozen=True)
class Inbound:
    """One message in: the words typed, or the value of a button pressed."""

    text: str = ""
    choice: str | None = None
    contact_shared: bool = False


@dataclass
class Outcome:
    """A dialogue step's result: where the conversation goes, what to say, what to do."""

    state: str
    data: dict[str, Any] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    # False when the answer could not be read as a reply to the question asked: the flow then
    # tries the message as a request for a person ("I'm confused") before re-asking.
    understood: bool = True
