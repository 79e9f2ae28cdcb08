"""Building outcomes that ask a question, remembering the options offered."""

from __future__ import annotations

from typing import Any

from bot.dialogue.understand import yes_no
from bot.messages import Outcome, Reply


def ask(state: str, data: dict[str, Any], *replies: Reply) -> Outcome:
    """An outcome in `state`; the last reply's options become the numbered choices."""
    options = [option.value for option in replies[-1].options] if replies else []
    kept = {k: v for k, v in data.items() if k != "options"}
    if options:
        kept["options"] = options
    return Outcome(state, kept, list(replies))


def say(*texts: str) -> list[Reply]:
    """Plain replies with no options."""
    return [Reply(text) for text in texts if text]


def answer_yes_no(text: str, choice: str | None) -> bool | None:
    """A yes/no answer from a button or from words; None when it is neither."""
    if choice in ("yes", "no"):
        return choice == "yes"
    return yes_no(text) if text else None
