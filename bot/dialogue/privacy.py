"""PRIVACY and its cousins: the short notice on request, and a coordinator asked to act on
"send me what you hold" or "delete my details" (a request the scheme must answer within a
month). The notice's words live in booking.privacy.notice."""

from __future__ import annotations

from booking.intake.effects import AlertCoordinator, Effect
from booking.intake.views import Snapshot
from booking.privacy.notice import notice_text
from bot.dialogue.understand_text import normalise, words_only
from bot.dialogue.understand_topics import ACCESS, ERASE, has
from bot.messages import Outcome, Reply

ERASING = ("I've asked a coordinator to delete your details. They'll be in touch to confirm, "
           "by phone or letter.")
SENDING = "I've asked a coordinator to send you a copy of what we hold about you."


def _who(snap: Snapshot) -> str:
    who = snap.person.name if snap.person else "Someone new"
    via = "Telegram" if snap.channel == "telegram" else f"text from {snap.address}"
    return f"{who} ({via})"


def notice(snap: Snapshot, text: str) -> Outcome:
    """The short privacy notice; where the conversation stood is kept (a join can go on).
    Asking for a copy of their data also asks a coordinator to send it."""
    replies = [Reply(notice_text(snap.scheme_name, snap.rules.retention_days))]
    effects: list[Effect] = []
    if has(ACCESS, words_only(normalise(text))):
        replies.append(Reply(SENDING))
        effects.append(AlertCoordinator(
            f"{_who(snap)} asked for a copy of what we hold about them: an access request "
            "to answer within a month (lifts privacy export)."))
    return Outcome(snap.state, dict(snap.data), replies, effects)


def erasure(snap: Snapshot) -> Outcome:
    """An erasure request: a coordinator is asked to act on it; a half-finished join or
    booking is dropped at once."""
    return Outcome("idle", {}, [Reply(ERASING)], [_erase_alert(snap)])


def erasure_too(snap: Snapshot, text: str, outcome: Outcome) -> Outcome:
    """STOP in words that also ask for deletion ("remove my details from your system"):
    the texts stop, and a coordinator is asked to delete them too."""
    if has(ERASE, words_only(normalise(text))):
        outcome.effects.append(_erase_alert(snap))
        outcome.replies.append(Reply("A coordinator will be in touch to delete your details."))
    return outcome


def _erase_alert(snap: Snapshot) -> AlertCoordinator:
    return AlertCoordinator(f"{_who(snap)} asked us to delete their details: an erasure "
                            "request to answer within a month (lifts privacy erase).")
