"""The one path every channel uses: message in -> dialogue -> booking -> replies out."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from booking.geo.geocoder import Geocoder
from booking.intake.effects import ActFor, JoinResident
from booking.intake.inbox import Envelope, handle
from booking.messaging.outbox import replied
from bot.dialogue.flow import step
from bot.messages import Inbound, Option, Outcome, Reply
from storage.db import transaction

log = logging.getLogger(__name__)

NOT_SET_UP = Reply("Sorry, this service isn't set up yet. Please phone the scheme.")
BROKEN = Reply("Sorry, something went wrong on our side. Please try again in a few minutes, "
               "or send HELP.")


@dataclass
class Answer:
    """What to say back, and the outbox rows that owe it until it has been said."""

    replies: list[Reply]
    owed: list[int] = field(default_factory=list)


def answer(
    engine: Engine, env: Envelope, inbound: Inbound, *, now: datetime, default_scheme: str = "",
    on_behalf_of: int | None = None, geocoder: Geocoder | None = None,
) -> Answer:
    """Handle one message: the replies (none for a redelivery), also owed in the outbox.

    The caller answers at once (TwiML, sendMessage) and then calls `delivered`; if it never
    does (a crash, a failed send), the dispatcher sends the owed replies shortly after. A
    coordinator speaking for a resident (/for) runs that resident's conversation after this
    message's transaction has committed. Planning is queued, never run here.
    """
    try:
        handled = handle(engine, env, now=now, default_scheme=default_scheme, geocoder=geocoder,
                         decide=lambda snap: _recorded_by(step(snap, inbound), on_behalf_of))
    except LookupError:
        log.error("message received but no scheme is set up")
        return Answer([NOT_SET_UP])
    if handled is None:
        return Answer([])
    replies = [Reply(text, tuple(Option(v, label) for v, label in choices), contact)
               for text, choices, contact in handled.texts]
    if handled.decision is not None and not handled.refused:  # keep the dialogue's own form
        replies[:len(handled.decision.replies)] = list(handled.decision.replies)
        for effect in handled.deferred:
            if isinstance(effect, ActFor):
                replies += _act_for(engine, env, effect, now, default_scheme,
                                    handled.person_id, geocoder)
    return Answer(replies, handled.reply_ids)


def _recorded_by(outcome: Outcome, coordinator_id: int | None) -> Outcome:
    """A join a coordinator answered for (/for, `coordinator_id` their Person): the consent
    is recorded as taken by them on the phone, not as the person's own."""
    if coordinator_id is not None:
        outcome.effects = [dataclasses.replace(e, recorded_by=coordinator_id)
                           if isinstance(e, JoinResident) else e for e in outcome.effects]
    return outcome


def delivered(engine: Engine, owed: list[int], now: datetime,
              provider_ids: list[str] | None = None) -> None:
    """The replies went out with the answer: the outbox need not send them."""
    if owed:
        with transaction(engine) as session:
            replied(session, owed, now, provider_ids or ())


def converse(
    engine: Engine, env: Envelope, inbound: Inbound, *, now: datetime, default_scheme: str = "",
) -> list[Reply]:
    """`answer` for a caller that shows the replies there and then (the demo, a local chat)."""
    result = answer(engine, env, inbound, now=now, default_scheme=default_scheme)
    delivered(engine, result.owed, now)
    return result.replies


def _act_for(engine: Engine, env: Envelope, effect: ActFor, now: datetime,
             default_scheme: str, coordinator_id: int | None,
             geocoder: Geocoder | None = None) -> list[Reply]:
    """A coordinator speaking for a resident on the phone: the resident's text conversation
    takes the words, and what it would have said comes back to the coordinator, prefixed."""
    theirs = Envelope(channel="sms", address=effect.phone, provider_id=f"{env.provider_id}:for",
                      to_number=env.to_number, on_behalf=True)
    answers = answer(engine, theirs, Inbound(text=effect.text), now=now,
                     default_scheme=default_scheme, on_behalf_of=coordinator_id,
                     geocoder=geocoder).replies
    prefix = f"[for {effect.phone}] "
    return [Reply(prefix + said.text, said.options) for said in answers] or [
        Reply(prefix + "(no answer: that message was already handled)")]
