"""The one path every channel uses: message in -> dialogue -> booking -> replies out."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine

from booking.intake.effects import ActFor
from booking.intake.inbox import Envelope, handle
from bot.dialogue.flow import step
from bot.messages import Inbound, Reply

log = logging.getLogger(__name__)

NOT_SET_UP = Reply("Sorry, this service isn't set up yet. Please phone the scheme.")
BROKEN = Reply("Sorry, something went wrong on our side. Please try again in a few minutes, "
               "or send HELP.")


def converse(
    engine: Engine, env: Envelope, inbound: Inbound, *, now: datetime, default_scheme: str = "",
) -> list[Reply]:
    """Handle one message and return what to say back (nothing for a redelivery).

    A coordinator speaking for a resident (/for) runs that resident's conversation after
    this message's transaction has committed. Planning is queued, never run here.
    """
    try:
        handled = handle(engine, env, now=now, default_scheme=default_scheme,
                         decide=lambda snap: step(snap, inbound))
    except LookupError:
        log.error("message received but no scheme is set up")
        return [NOT_SET_UP]
    if handled is None:
        return []
    if handled.refused:
        return [Reply(handled.refused)]
    replies: list[Reply] = list(handled.decision.replies)
    replies += [Reply(text) for text in handled.said]
    for effect in handled.deferred:
        if isinstance(effect, ActFor):
            replies += _act_for(engine, env, effect, now, default_scheme)
    return replies


def _act_for(engine: Engine, env: Envelope, effect: ActFor, now: datetime,
             default_scheme: str) -> list[Reply]:
    """A coordinator speaking for a resident on the phone: the resident's text conversation
    takes the words, and what it would have said comes back to the coordinator, prefixed."""
    theirs = Envelope(channel="sms", address=effect.phone, provider_id=f"{env.provider_id}:for",
                      to_number=env.to_number, on_behalf=True)
    answers = converse(engine, theirs, Inbound(text=effect.text), now=now,
                       default_scheme=default_scheme)
    prefix = f"[for {effect.phone}] "
    return [Reply(prefix + answer.text, answer.options) for answer in answers] or [
        Reply(prefix + "(no answer: that message was already handled)")]
