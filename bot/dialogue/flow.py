"""The conversation, channel-agnostic: `step(snapshot, inbound) -> Outcome`.

Pure: it reads a Snapshot and returns replies, the next state and the effects for booking/
to carry out. Keywords (STOP, START, HELP) work in every state. See flow.mmd beside this file.
"""

from __future__ import annotations

import re

from booking.intake.effects import AlertCoordinator, SetSmsOptOut
from booking.intake.views import Snapshot
from bot.dialogue import (
    book,
    cancelling,
    coordinating,
    driver_joining,
    driving,
    joining,
)
from bot.dialogue.asking import ask
from bot.dialogue.understand import Intent, classify, extract_request
from bot.dialogue.wording import EXAMPLE, MENU
from bot.messages import Inbound, Outcome, Reply

MAX_TEXT = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def step(snap: Snapshot, inbound: Inbound) -> Outcome:
    """Decide what to say and do about one message."""
    text = _CONTROL.sub(" ", inbound.text or "")[:MAX_TEXT].strip()
    choice = inbound.choice or _numbered_choice(text, snap.data.get("options"))
    intent = Intent.UNKNOWN if choice else classify(text)
    if choice == "menu:help":
        intent = Intent.HELP
    if snap.person is None and driver_joining.invitation_code(text):
        return _newcomer(snap, text, choice, intent)  # "/start K7QP2M" is not a bare START
    keyword = _keywords(snap, intent)
    if keyword is not None:
        return keyword
    if snap.person is None:
        return _newcomer(snap, text, choice, intent)
    if snap.person.role == "driver":
        return driving.step(snap, text, choice, intent)
    if snap.person.role == "coordinator":
        return coordinating.step(snap, text)
    if snap.state.startswith("join_"):
        return _idle_menu(f"Thanks, {snap.person.first_name}, I've found your details.")
    if snap.state.startswith("book_"):
        return book.step(snap, text, choice, intent)
    if snap.state.startswith("cancel_"):
        return cancelling.step(snap, text, choice, intent)
    return idle(snap, text, choice, intent)


def _newcomer(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """Someone we don't know yet: a resident joining, or a driver with an invitation code."""
    code = driver_joining.invitation_code(text)
    if code is not None:
        return driver_joining.start(snap, code)
    if snap.state.startswith("djoin_"):
        return driver_joining.step(snap, text, choice)
    return joining.step(snap, text, choice, intent)


def idle(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """A known resident, not in the middle of anything."""
    name = snap.person.first_name if snap.person else ""
    if choice == "menu:book":
        return book.start(snap, "")
    if choice == "menu:list" or intent is Intent.LIST:
        return cancelling.list_lifts(snap)
    if choice == "menu:cancel" or intent is Intent.CANCEL:
        return cancelling.start(snap)
    if intent is Intent.THANKS:
        return Outcome("idle", replies=[Reply(
            f"You're welcome, {name}! Text me any time you need a lift.")])
    if intent is Intent.GREETING:
        return _idle_menu(f"Hello {name}! What would you like to do?")
    if intent is Intent.BOOK:
        return book.start(snap, text)
    if intent in (Intent.YES, Intent.NO):
        return _idle_menu("Sorry, I'm not sure what that answers.")
    parts = extract_request(text, snap.now, snap.rules.tz, book.place_names(snap))
    if parts.places or parts.day or parts.time or parts.date_problem:
        return book.start(snap, text)
    return _idle_menu(f"Sorry {name}, I didn't understand that.")


def _idle_menu(opening: str) -> Outcome:
    return ask("idle", {}, Reply(f"{opening} To book, tell me where and when, e.g. {EXAMPLE}.",
                                 MENU))


def _keywords(snap: Snapshot, intent: Intent) -> Outcome | None:
    """STOP, START and HELP work whatever else is going on."""
    if intent is Intent.STOP:
        return Outcome("idle", effects=[SetSmsOptOut(True)], replies=[Reply(
            "You won't get any more texts from us. Reply START to get them again.")])
    if intent is Intent.START:
        opening = "Welcome back! Texts are on again."
        if snap.person is None:
            return joining.start(snap, "")
        outcome = _idle_menu(opening)
        outcome.effects.append(SetSmsOptOut(False))
        return outcome
    if intent is Intent.HELP:
        who = snap.person.name if snap.person else "Someone new"
        via = "Telegram" if snap.channel == "telegram" else f"text from {snap.address}"
        if snap.person and snap.person.phone:
            via += f" (phone {snap.person.phone})" if snap.channel == "telegram" else ""
        return Outcome("idle", effects=[AlertCoordinator(
            f"{who} asked to talk to a person ({via}). Please get in touch.")], replies=[Reply(
            "I've asked a coordinator to contact you. They'll be in touch as soon as they "
            "can. If it's urgent, please phone the scheme.")])
    return None


def _numbered_choice(text: str, options: object) -> str | None:
    """Map a typed '1', '2'... (SMS, or typed on Telegram) back to the option offered."""
    if not isinstance(options, list) or not options:
        return None
    match = re.fullmatch(r"\(?\s*(\d{1,2})\s*[).]?", text)
    if match is None:
        return None
    index = int(match.group(1)) - 1
    if 0 <= index < len(options):
        value = options[index]
        return str(value) if isinstance(value, str) else None
    return None
