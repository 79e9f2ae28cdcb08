"""How someone asks to be reached: "USE WHATSAPP", "send my messages by text please",
"switch to Telegram". Only short messages that are about nothing else count, so a booking
that mentions WhatsApp is still a booking."""

from __future__ import annotations

import re

from booking.intake.effects import SetChannel
from booking.intake.views import Snapshot
from bot.messages import Outcome

_CHANNEL = r"(whats ?app|sms|texts?|text messages?|telegram)"
_ASK = re.compile(
    r"^(?:please\s+)?(?:(?:can you\s+|could you\s+)?(?:use|switch(?: me)?(?: over)? to|"
    r"change(?: me)?(?: over)? to|move(?: me)? to|"
    r"(?:send|message|contact)(?: me| my messages| messages| them| it)?\s+(?:by|on|via|through|"
    r"over)|(?:i(?:'d| would) (?:like|prefer)|i want)(?: my messages| messages| it)?\s+"
    r"(?:by|on|via|through)?|by|via)\s*)?" + _CHANNEL +
    r"(?:\s+(?:instead|from now on))?(?:\s+please)?(?:,?\s*thank(?:s| you))?\s*[.!]*$")
_NAMES = {"sms": "sms", "text": "sms", "texts": "sms", "text message": "sms",
          "text messages": "sms", "telegram": "telegram", "whatsapp": "whatsapp",
          "whats app": "whatsapp"}


def channel_asked(text: str) -> str | None:
    """The channel a message asks for (sms | whatsapp | telegram), or None. A bare "text" or
    "sms" is not enough: it must be worded as a choice ("USE TEXT", "by text please")."""
    said = " ".join(text.lower().replace(chr(0x2019), "'").split())
    match = _ASK.match(said)
    if match is None:
        return None
    channel = _NAMES.get(match.group(1), "")
    if channel == "sms" and said.strip(" .!") in ("sms", "text", "texts"):
        return None
    return channel or None


def choose(snap: Snapshot, channel: str) -> Outcome:
    """Switch the channel; where the conversation stood is kept (the core answers)."""
    return Outcome(snap.state, dict(snap.data), [], [SetChannel(channel)])
