"""Rendering replies as plain text for SMS: options become numbered lines."""

from __future__ import annotations

from bot.messages import Reply

_YES_NO = ("yes", "no")


def sms_text(reply: Reply) -> str:
    """One reply as an SMS: 'Reply YES or NO', or numbered choices."""
    if not reply.options:
        return reply.text
    values = tuple(option.value for option in reply.options)
    if values == _YES_NO:
        return f"{reply.text} Reply YES or NO."
    lines = [f"{n} {option.label}" for n, option in enumerate(reply.options, start=1)]
    numbers = [str(n) for n in range(1, len(lines) + 1)]
    which = ", ".join(numbers[:-1]) + f" or {numbers[-1]}" if len(numbers) > 1 else numbers[0]
    return f"{reply.text}\n" + "\n".join(lines) + f"\nReply {which}."
