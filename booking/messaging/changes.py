"""What we tell drivers and residents when a trip changes: plain, short, GSM-safe texts.

The life-cycle decides *that* someone is owed a message (`booking.domain.transitions.Owed`);
this module says it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from booking.domain.outcomes import Answer, OfferAnswer
from booking.domain.transitions import Cause


def offer_gone(offer_id: int) -> str:
    """A driver's open offer is off (cancelled, re-planned, given to someone else)."""
    return f"Trip {offer_id} is no longer needed. No need to reply, thank you."


def offer_taken(offer_id: int) -> str:
    """Another driver accepted first."""
    return f"Trip {offer_id} has been taken by another driver. Thank you!"


def offer_expired(offer_id: int) -> str:
    """We did not hear back in time."""
    return f"Trip {offer_id} has gone to someone else as we didn't hear back. No need to reply."


def stood_down(cause: Cause, trip: str, by: str) -> str:
    """A driver who had accepted a trip is no longer needed for it (`trip`: 'trip 12' or
    'your trip on Tue 1 Dec 10:05'; `by`: the coordinator's first name)."""
    if cause is Cause.MOVE:
        return f"{by} has given {trip} to another driver, so you're no longer needed. Thank you!"
    if cause is Cause.UNASSIGN:
        return f"{by} has taken {trip} off your list, so you're no longer needed. Thank you!"
    if cause is Cause.PARTNER_NO_SHOW:
        return f"The passenger wasn't there for the trip out, so {trip} isn't needed. Thank you!"
    if cause is Cause.CHANGE:
        return f"The appointment has changed, so {trip} is no longer yours. Thank you!"
    return f"Cancelled: {trip} is no longer needed. Thank you!"


def driver_lost(when: str) -> str:
    """The resident's driver can no longer come."""
    return (f"Sorry, your driver for {when} can no longer make it. We're finding someone else "
            "and will let you know.")


def answer_text(answer: OfferAnswer, tz: ZoneInfo) -> str:
    """The reply to a driver's yes or no."""
    n = answer.offer_id
    when_clash = f"{answer.clash_at.astimezone(tz):%H:%M}" if answer.clash_at else "another time"
    return {
        Answer.ACCEPTED: answer.details,
        Answer.ALREADY_YOURS: f"You've already accepted trip {n}. Thank you!",
        Answer.NOT_FOUND: f"I can't find trip {n} for you. Please check the number.",
        Answer.NOT_NEEDED: f"Trip {n} isn't needed any more, so there's nothing to do. Thank you!",
        Answer.TAKEN: f"Sorry, another driver has already taken trip {n}. Thank you anyway!",
        Answer.EXPIRED: (f"Sorry, the offer of trip {n} has expired and may have gone to "
                         "someone else. Thank you anyway!"),
        Answer.CLASH: (f"Trip {n} overlaps your trip at {when_clash}, so I haven't booked it. "
                       f"Reply NO {n} to let us find someone else."),
        Answer.DECLINED: (f"No problem, thank you for letting us know. We'll find someone else "
                          f"for trip {n}."),
        Answer.DROPPED_OUT: (f"Thanks for letting us know. We'll find someone else for trip {n} "
                             "and tell the passenger."),
        Answer.NO_ANSWER_NEEDED: f"Trip {n} doesn't need an answer any more. Thank you!",
        Answer.UNDER_WAY: (f"Trip {n} is already under way or finished: please phone the "
                           "coordinator."),
    }[answer.kind]


NO_TRIP_NOW = "I can't find a trip of yours happening now. Send TODAY to see your trips."
PICKED_UP = "Thanks, noted."
DROPPED_OFF = "Thanks, noted. Drive safely!"
NO_SHOW = "Thanks, I've noted that they weren't there and told the coordinator."


def no_show_alert(driver: str, passenger: str, request_id: int, when: str) -> str:
    """For the coordinators: someone was not there, and may need a call to check on them."""
    return (f"{driver} reports {passenger} was not there for lift #{request_id} ({when}). "
            "Their trips that day are cancelled; you may want to check they are all right.")
