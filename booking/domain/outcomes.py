"""What the core answers: refusals safe to show, and the typed results of a driver's answer.

The words people read are made from these in `booking.messaging.notices`; code that needs
to know what happened (assigning by hand, the console) reads the type, never the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

HOME_UNKNOWN = "home not located yet: a coordinator must place it on the map"


class Refused(Exception):
    """A request the rules do not allow; the message is safe to show the person."""


class NotFound(Refused):
    """There is no such thing here: not in this scheme, or not at all (the console's 404)."""


class Answer(StrEnum):
    """What became of a driver's yes or no to an offer."""

    ACCEPTED = "accepted"  # the trip is theirs
    ALREADY_YOURS = "already_yours"
    NOT_FOUND = "not_found"  # no such offer for this driver
    NOT_NEEDED = "not_needed"  # cancelled or withdrawn meanwhile
    TAKEN = "taken"  # another driver got there first
    EXPIRED = "expired"
    CLASH = "clash"  # overlaps another trip of theirs
    DECLINED = "declined"  # they said no: we find someone else
    DROPPED_OUT = "dropped_out"  # they said no to a trip they had accepted
    NO_ANSWER_NEEDED = "no_answer_needed"  # a no to an offer that is closed anyway
    UNDER_WAY = "under_way"  # a no to a trip already under way or over


@dataclass(frozen=True)
class OfferAnswer:
    """The result of a driver's answer, with what the reply needs."""

    kind: Answer
    offer_id: int
    clash_at: datetime | None = None  # the pickup of the trip it overlaps (CLASH)
    details: str = ""  # ACCEPTED: the address, phone and needs the driver now needs

    @property
    def accepted(self) -> bool:
        """True when the trip is now the driver's."""
        return self.kind is Answer.ACCEPTED
