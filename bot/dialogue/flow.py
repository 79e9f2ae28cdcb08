"""The conversation, channel-agnostic: `step(snapshot, inbound) -> Outcome`.

Pure: it reads a Snapshot and returns replies, the next state and the effects for booking/
to carry out. See flow.mmd beside this file.

Order matters, and it is: a button, a number or an option's label typed back; then STOP and
START (every role, every state); then the role (a coordinator's words are commands, never a
call for help); then a plain request for a person ("HELP", "ring me"), which keeps where the
conversation stood; then the open question's own reading of the message. Only when that
question could not read it do the weaker meanings get a turn: "I'm confused" asks for a person,
"how much does it cost?" is answered, and the question still stands.
"""

from __future__ import annotations

import re

from booking.intake.effects import AlertCoordinator, SetSmsOptOut
from booking.intake.views import Snapshot
from bot.dialogue import (
    answering,
    book,
    cancelling,
    carer,
    changing,
    coordinating,
    driver_joining,
    driving,
    joining,
    privacy,
    reach,
    updating,
)
from bot.dialogue.understand import (
    Intent,
    asks_for_person,
    classify,
    extract_request,
    request_inside_thanks,
)
from bot.dialogue.understand_text import normalise, words_only
from bot.dialogue.wording import idle_menu
from bot.messages import Inbound, Outcome, Reply

MAX_TEXT = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Meanings that may interrupt any question once the question itself could not use the words.
_ANSWERED_ANYWHERE = (Intent.FAQ, Intent.VOLUNTEER, Intent.MISTAKE, Intent.ETA)


def step(snap: Snapshot, inbound: Inbound) -> Outcome:
    """Decide what to say and do about one message."""
    text = _CONTROL.sub(" ", inbound.text or "")[:MAX_TEXT].strip()
    choice = (inbound.choice or _numbered_choice(text, snap.data.get("options"))
              or _label_choice(text, snap.data))
    intent = Intent.UNKNOWN if choice else classify(text)
    if choice == "menu:help":
        intent = Intent.HELP
    if snap.person is None and driver_joining.invitation_code(text):
        return _newcomer(snap, text, choice, intent)  # "/start K7QP2M" is not a bare START
    if intent in (Intent.STOP, Intent.START):
        return privacy.erasure_too(snap, text, _opt_out_or_in(snap, intent))
    if intent is Intent.PRIVACY:
        return privacy.notice(snap, text)
    role = snap.person.role if snap.person else None
    if role == "coordinator":
        return coordinating.step(snap, text)  # their own "ring me" must not alert themselves
    if snap.person is not None and not choice and (wanted := reach.channel_asked(text)):
        return reach.choose(snap, wanted)  # "USE WHATSAPP": the question in hand still stands
    if intent is Intent.ERASE:
        return privacy.erasure(snap)
    if intent is Intent.HELP and (choice == "menu:help" or asks_for_person(text)):
        return _help(snap)
    if role in ("contact", "resident") and carer.wants(snap, text):
        return carer.step(snap, inbound, text, choice, step)  # for someone they care for
    if role == "contact":  # nobody has said yes to them yet
        if intent is Intent.JOIN:
            return joining.start(snap, "")
        return carer.ask_for(text, snap) or carer.not_yet()
    if role == "resident":
        answered = carer.resident_step(snap, text, choice) or (
            carer.ask_for(text, snap) if snap.state == "idle" else None)
        if answered is not None:
            return answered
    if intent is Intent.BAD_NEWS and role != "driver" and snap.person is not None:
        return answering.bad_news(snap, text)
    outcome = _route(snap, text, choice, intent)
    if not outcome.understood and intent is Intent.HELP:
        return _help(snap)
    if not outcome.understood and intent in _ANSWERED_ANYWHERE and role != "driver":
        return answering.answer(snap, text, intent)
    return outcome


def _route(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """The person's role and the state of the conversation decide who reads the message."""
    if snap.person is None:
        return _newcomer(snap, text, choice, intent)
    if snap.person.role == "driver":
        return driving.step(snap, text, choice, intent)
    if snap.state.startswith("join_"):
        return idle_menu(f"Thanks, {snap.person.first_name}, I've found your details.")
    if snap.state.startswith("book_"):
        return book.step(snap, text, choice, intent)
    if snap.state.startswith("cancel_"):
        return cancelling.step(snap, text, choice, intent)
    if snap.state.startswith("change_"):
        return changing.step(snap, text, choice, intent)
    if snap.state.startswith("answer_"):
        return answering.step(snap, text, choice, intent)
    if snap.state.startswith("details_"):
        return updating.step(snap, text, choice)
    return idle(snap, text, choice, intent)


def _newcomer(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """Someone we don't know yet: a resident joining, or a driver with an invitation code."""
    code = driver_joining.invitation_code(text)
    if code is not None:
        return driver_joining.start(snap, code)
    if snap.state.startswith("djoin_"):
        return driver_joining.step(snap, text, choice)
    if not snap.state.startswith("join_") and (asked := carer.ask_for(text, snap)):
        return asked  # "book a lift for my dad, Bill Smith": Bill is asked for his yes
    if intent is Intent.MISTAKE or (not snap.state.startswith("join_")
                                    and intent in (Intent.FAQ, Intent.VOLUNTEER)):
        return answering.answer(snap, text, intent)  # no join questions for a wrong number
    return joining.step(snap, text, choice, intent)


def idle(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """A known resident, not in the middle of anything."""
    name = snap.person.first_name if snap.person else ""
    if choice == "menu:book":
        return book.start(snap, "")
    if choice == "menu:list" or intent is Intent.LIST:
        return cancelling.list_lifts(snap, text)
    news = None if choice else updating.detect(snap, text)  # "I've moved to ...", "I don't
    if news is not None:  # need the wheelchair any more": their own details, read back
        return news
    if choice == "menu:cancel" or intent is Intent.CANCEL or (
            (snap.lifts or snap.standing) and cancelling.no_lift(text)) or (
            snap.standing and cancelling.ends_standing(text)):
        return cancelling.start(snap, text)
    if intent is Intent.CHANGE:
        return changing.start(snap, text)
    parts = extract_request(text, snap.now, snap.rules.tz, book.place_names(snap))
    if intent is Intent.FAQ and parts.places and parts.day:
        # "Can I bring my dog to Leyburn on Tuesday at 10?": the answer, then the booking.
        outcome = book.start(snap, text)
        outcome.replies[:0] = answering.answer(snap, text, intent).replies
        return outcome
    if intent in (Intent.MISTAKE, Intent.ETA, Intent.FAQ, Intent.VOLUNTEER,
                  Intent.NOT_MEDICAL, Intent.JOIN):
        return answering.answer(snap, text, intent)
    if intent is Intent.THANKS and not request_inside_thanks(text, parts):
        return Outcome("idle", replies=[Reply(
            f"You're welcome, {name}! Text me any time you need a lift.")])
    if intent is Intent.GREETING and not (parts.places or parts.day or parts.time):
        return idle_menu(f"Hello {name}! What would you like to do?")
    if intent is Intent.BOOK:
        return book.start(snap, text)
    if intent in (Intent.YES, Intent.NO):
        return idle_menu("Sorry, I'm not sure what that answers.", understood=False)
    if parts.places or parts.day or parts.time or parts.date_problem:
        return book.start(snap, text)
    return idle_menu(f"Sorry {name}, I didn't understand that.", understood=False)


def _opt_out_or_in(snap: Snapshot, intent: Intent) -> Outcome:
    """STOP (or "please stop sending me these") and START work whatever else is going on."""
    if intent is Intent.STOP:
        return Outcome("idle", effects=[SetSmsOptOut(True)], replies=[Reply(
            "You won't get any more texts from us. Reply START to get them again.")])
    if snap.person is None:
        return joining.start(snap, "")
    opening = "Welcome back! Texts are on again."
    role = snap.person.role
    if role == "coordinator":
        outcome = Outcome("idle", {}, [Reply(f"{opening} {coordinating.HELP}")])
    elif role == "driver":
        outcome = driving.menu(opening)
    else:
        outcome = idle_menu(opening)
    outcome.effects.append(SetSmsOptOut(False))
    return outcome


def _help(snap: Snapshot) -> Outcome:
    """Ask a coordinator to get in touch, keeping where the conversation stood (a half-done
    join or booking is still there when they answer the question)."""
    who = (snap.person.name or "A trusted contact") if snap.person else "Someone new"
    via = "Telegram" if snap.channel == "telegram" else f"text from {snap.address}"
    if snap.person and snap.person.phone and snap.channel == "telegram":
        via += f" (phone {snap.person.phone})"
    text = "I've asked a coordinator to contact you. They'll be in touch as soon as they can."
    if snap.state == "idle":
        text += " If it's urgent, please phone the scheme."
    else:
        text += " Meanwhile, you can still answer my last question."
    return Outcome(snap.state, dict(snap.data), [Reply(text)], [AlertCoordinator(
        f"{who} asked to talk to a person ({via}). Please get in touch.")])


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


def _label_choice(text: str, data: dict[str, object]) -> str | None:
    """An option's label typed back as it was shown ("Folding wheelchair", "I walk unaided"):
    the choice itself, so words inside a label can never act as keywords."""
    options, labels = data.get("options"), data.get("labels")
    if not isinstance(options, list) or not isinstance(labels, list) or not text:
        return None
    said = words_only(normalise(text))
    for value, label in zip(options, labels, strict=False):
        if isinstance(value, str) and isinstance(label, str) and said and \
                said == words_only(normalise(label)):
            return value
    return None
