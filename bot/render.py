"""Rendering replies as plain text for SMS: options become numbered lines, all in GSM-7."""

from __future__ import annotations

from booking.gsm import to_gsm7
from bot.messages import Reply

_YES_NO = ("yes", "no")


def sms_text(reply: Reply) -> str:
    """One reply as an SMS: 'Reply YES or NO', or numbered choices.

    Always GSM-7: a name typed with an accent GSM-7 lacks ("Zoë") or a curly quote would
    otherwise send the whole text as UCS-2, 70 characters a segment instead of 160.
    """
    if not reply.options:
        return to_gsm7(reply.text)
    values = tuple(option.value for option in reply.options)
    if values == _YES_NO:
        return to_gsm7(f"{reply.text} Reply YES or NO.")
    lines = [f"{n} {option.label}" for n, option in enumerate(reply.options, start=1)]
    count = len(lines)
    # "Reply 1 to 6" rather than "Reply 1, 2, 3, 4, 5 or 6": twelve characters fewer.
    which = ("1" if count == 1 else "1 or 2" if count == 2 else "1, 2 or 3" if count == 3
             else f"1 to {count}")
    return to_gsm7(f"{reply.text}\n" + "\n".join(lines) + f"\nReply {which}.")
