"""The port through which the outbox reaches people; bot/ provides the implementations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class SendError(Exception):
    """A send that failed. `permanent` means retrying cannot help (blocked, opted out)."""

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class Outgoing:
    """One message to send: where, what, and the choices to offer with it."""

    address: str
    text: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)


class Sender(Protocol):
    """Sends through one channel; returns the provider's message id."""

    channel: str

    async def send(self, message: Outgoing) -> str:
        """Send, or raise SendError."""
        ...
