"""The one path every channel uses: message in -> dialogue -> booking -> replies out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from booking.effects import Effect
from booking.inbox import Envelope, handle
from bot.dialogue.flow import step
from bot.messages import Inbound, Reply

log = logging.getLogger(__name__)

NOT_SET_UP = Reply("Sorry, this service isn't set up yet. Please phone the scheme.")
BROKEN = Reply("Sorry, something went wrong on our side. Please try again in a few minutes, "
               "or send HELP.")


FollowUp = Callable[[int, Effect], str]  # (scheme id, deferred effect) -> what to say


def converse(
    engine: Engine, env: Envelope, inbound: Inbound, *, now: datetime, default_scheme: str = "",
    follow_up: FollowUp | None = None,
) -> list[Reply]:
    """Handle one message and return what to say back (nothing for a redelivery).

    Slow work a message asks for (planning a day) runs after its transaction has
    committed, through `follow_up`, so the reply is saved first and no lock is held.
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
        if follow_up is not None and handled.scheme_id is not None:
            replies.append(Reply(follow_up(handled.scheme_id, effect)))
    return replies
