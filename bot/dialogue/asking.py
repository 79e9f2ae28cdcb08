"""Building outcomes that ask a question, remembering the options offered."""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue.understand import yes_no
from bot.messages import Outcome, Reply


def ask(state: str, data: dict[str, Any], *replies: Reply) -> Outcome:
    """An outcome in `state`; the last reply's options become the numbered choices, and
    their labels are kept so that a label typed back ("Folding wheelchair") counts too."""
    offered = replies[-1].options if replies else ()
    kept = {k: v for k, v in data.items() if k not in ("options", "labels")}
    if offered:
        kept["options"] = [option.value for option in offered]
        kept["labels"] = [option.label for option in offered]
    return Outcome(state, kept, list(replies))


def say(*texts: str) -> list[Reply]:
    """Plain replies with no options."""
    return [Reply(text) for text in texts if text]


def answer_yes_no(text: str, choice: str | None) -> bool | None:
    """A yes/no answer from a button or from words; None when it is neither."""
    if choice in ("yes", "no"):
        return choice == "yes"
    return yes_no(text) if text else None


def choice_id(choice: str | None, prefix: str) -> int | None:
    """The id in a button value like 'place:3'; None when it is not one.

    Button values come back from the client, so a stale or forged one must not raise.
    """
    if not choice or not choice.startswith(prefix):
        return None
    digits = choice[len(prefix):]
    return int(digits) if re.fullmatch(r"[0-9]{1,9}", digits) else None
