"""The one path every channel uses: message in -> dialogue -> booking -> replies out."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine

from booking.inbox import Envelope, handle
from bot.dialogue.flow import step
from bot.messages import Inbound, Reply

log = logging.getLogger(__name__)

NOT_SET_UP = Reply("Sorry, this service isn't set up yet. Please phone the scheme.")
BROKEN = Reply("Sorry, something went wrong on our side. Please try again in a few minutes, "
               "or send HELP.")


def converse(
    engine: Engine, env: Envelope, inbound: Inbound, *, now: datetime, default_scheme: str = "",
) -> list[Reply]:
    """Handle one message and return what to say back (nothing for a redelivery)."""
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
    replies: list[Reply] = handled.decision.replies
    return replies
