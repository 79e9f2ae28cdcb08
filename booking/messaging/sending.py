"""The port through which the outbox reaches people; bot/ provides the implementations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Why a permanent failure happened, so the dispatcher can fall back and stop trying the channel.
BLOCKED = "blocked"          # Telegram: the user blocked the bot or deleted the chat
OPTED_OUT = "opted_out"      # SMS: the number texted STOP to Twilio (21610)
UNREACHABLE = "unreachable"  # SMS: a landline, an invalid number, undelivered (21614, 3000x)
REJECTED = "rejected"        # the provider refused this message itself (bad request)
LANDLINE = "landline"        # SMS: the number cannot take texts (21614, 30006): ring instead
NO_ANSWER = "no_answer"      # a call nobody answered, twice
NO_CALLS = "no_calls"        # calls are not set up here (no PUBLIC_BASE_URL or Twilio)


class SendError(Exception):
    """A send that failed. `permanent` means retrying cannot help (blocked, opted out).

    `reason` is one of the constants above for permanent failures ("" when unknown).
    """

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None,
                 reason: str = ""):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.reason = reason


@dataclass(frozen=True)
class Outgoing:
    """One message to send: where, what, and the choices to offer with it."""

    address: str
    text: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    reference: str = ""  # our outbox id, echoed back by delivery reports
    # The scheme's own number (several schemes on one install): replies come from the number
    # the person texts. Empty: the channel's configured default.
    from_number: str = ""
    kind: str = ""  # confirmation, reminder...: what a call says, which template is used
    variables: tuple[tuple[str, str], ...] = ()  # the facts a template or call is filled from
    # WhatsApp: the approved template (Content SID) to use outside the 24-hour session, and
    # whether the session is open (free text allowed).
    template: str = ""
    content_variables: str = ""  # the template's variables, a JSON string
    session_open: bool = True


class Sender(Protocol):
    """Sends through one channel; returns the provider's message id."""

    channel: str

    async def send(self, message: Outgoing) -> str:
        """Send, or raise SendError."""
        ...
