"""Joining: name, home, postcode, mobility, companion, dog, consent. Telegram users first
share their contact so we know their phone number is really theirs."""

from __future__ import annotations

import re
from typing import Any

from booking.intake.effects import JoinResident
from booking.intake.views import Snapshot
from booking.privacy.notice import NOTICE_VERSION, RESIDENT_QUESTION
from bot.dialogue import book
from bot.dialogue.asking import answer_yes_no, ask, say
from bot.dialogue.understand import (
    Intent,
    PlaceName,
    classify,
    extract_request,
    match_place,
    parse_postcode,
)
from bot.dialogue.wording import MOBILITY_OPTIONS, YES_NO, booking_example, waiting_for_approval
from bot.messages import Option, Outcome, Reply

_NAME = re.compile(r"^[A-Za-z][A-Za-z .'\-]{1,79}$")
_MOBILITY_WORDS = {
    "walking_aid": ("stick", "walker", "frame", "crutch", "rollator", "aid"),
    "wheelchair_vehicle": ("accessible", "ramp", "stay in", "can't transfer", "wav",
                           "wheelchair car", "wheelchair taxi"),
    "folding_wheelchair": ("wheelchair", "chair"),
    "unaided": ("fine", "unaided", "no help", "without help", "walk ok", "no"),
}
_UNKNOWN_POSTCODE = Option("postcode:unknown", "I don't know it")


def start(snap: Snapshot, text: str) -> Outcome:
    """Greet a newcomer and ask the first question."""
    data: dict[str, Any] = {}
    if text and _looks_like_booking(snap, text):
        data["pending"] = text[:300]  # carried on into booking once they have joined
    hello = f"Hello! This is the {snap.scheme_name} volunteer car scheme."
    if snap.channel == "telegram" and not snap.data.get("verified_phone"):
        return ask("join_contact", data, Reply(
            f"{hello} To keep your details safe, please tap 'Share my phone number' below.",
            request_contact=True))
    data["verified_phone"] = snap.data.get("verified_phone")
    return ask("join_name", data, Reply(
        f"{hello} We don't have your details yet; it takes a minute. What is your full name?"))


def step(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """One answer during joining (the sender is not yet a resident)."""
    data = dict(snap.data)
    state = snap.state
    if not state.startswith("join_"):
        return start(snap, text)
    if state == "join_contact":
        if snap.data.get("verified_phone"):
            return ask("join_name", data, Reply("Thank you. What is your full name?"))
        return ask("join_contact", data, Reply(
            "Please tap 'Share my phone number' below (it's how we know it's you). "
            "Stuck? Send HELP and a person will contact you.", request_contact=True))
    if state == "join_name":
        if not data.get("pending") and _looks_like_booking(snap, text) and \
                not _NAME.match(" ".join(text.split())):
            data["pending"] = text[:300]
            return ask("join_name", data, Reply(
                "Thank you, I'll keep that request for when you've joined. First, what is "
                "your full name?"))
        return _name(data, text)
    if state == "join_address":
        return _address(snap, data, text)
    if state == "join_postcode":
        return _postcode(data, text, choice)
    if state == "join_mobility":
        return _mobility(data, text, choice)
    if state in ("join_companion", "join_dog"):
        return _yes_no_question(state, data, text, choice)
    return _consent(snap, data, text, choice, intent)


def _name(data: dict[str, Any], text: str) -> Outcome:
    name = " ".join(text.split()).title() if text.islower() or text.isupper() else text
    name = " ".join(name.split())
    if not _NAME.match(name) or len(name.split()) > 6:
        return _not_understood(ask("join_name", data, Reply(
            "Sorry, I didn't catch that. Please send your name, e.g. Edith Bainbridge.")))
    data["name"] = name
    return ask("join_address", data, Reply(
        f"Thanks, {name.split()[0]}. What is your home address? "
        "(house, street and village)"))


def _address(snap: Snapshot, data: dict[str, Any], text: str) -> Outcome:
    if len(text) < 5 or not re.search(r"[A-Za-z]{3}", text):
        return ask("join_address", data, Reply(
            "Please send your home address: house, street and village."))
    postcode = parse_postcode(text)
    address = text[:300]
    if postcode:
        address = re.sub(re.escape(postcode).replace(r"\ ", r"\s*"), "", address,
                         flags=re.IGNORECASE).strip(" ,")
    data["address"] = address
    places = [PlaceName(s.id, s.name, s.town, s.aliases) for s in snap.settlements]
    matches = match_place(text, places)
    data["settlement_id"] = matches[0].id if matches else None
    if postcode:
        data["postcode"] = postcode
        return _ask_mobility(data)
    return ask("join_postcode", data, Reply("And what is your postcode?"))


def _postcode(data: dict[str, Any], text: str, choice: str | None) -> Outcome:
    postcode = parse_postcode(text)
    if postcode is None and choice != "postcode:unknown":
        return ask("join_postcode", data, Reply(
            "Sorry, I didn't recognise that postcode. Please send it like DL8 5EP.",
            (_UNKNOWN_POSTCODE,)))
    data["postcode"] = postcode or ""
    return _ask_mobility(data)


def _ask_mobility(data: dict[str, Any]) -> Outcome:
    return ask("join_mobility", data, Reply(
        "How do you get about? This helps us send the right car.", MOBILITY_OPTIONS))


def _mobility(data: dict[str, Any], text: str, choice: str | None) -> Outcome:
    if choice and choice.startswith("mob:"):
        # Only a value we offered: button data comes back from the client and is stored as is.
        value = choice[4:] if choice[4:] in _MOBILITY_WORDS else None
    else:
        value = _mobility_from(text)
    if value is None:
        return _not_understood(ask("join_mobility", data, Reply(
            "Sorry, please choose one of these:", MOBILITY_OPTIONS)))
    data["mobility"] = value
    return ask("join_companion", data, Reply(
        "Does someone usually come with you, like a carer or friend?", YES_NO))


def _mobility_from(text: str) -> str | None:
    lowered = text.lower()
    for value, words in _MOBILITY_WORDS.items():
        if any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words):
            return value
    return None


def _yes_no_question(state: str, data: dict[str, Any], text: str,
                     choice: str | None) -> Outcome:
    answer = answer_yes_no(text, choice)
    question = ("Does someone usually come with you, like a carer or friend?"
                if state == "join_companion" else "Do you travel with an assistance dog?")
    if answer is None:
        return _not_understood(ask(state, data, Reply(f"Sorry, please answer yes or no. "
                                                      f"{question}", YES_NO)))
    if state == "join_companion":
        data["companion"] = answer
        return ask("join_dog", data, Reply("Do you travel with an assistance dog?", YES_NO))
    data["dog"] = answer
    return ask("join_consent", data, Reply(RESIDENT_QUESTION, YES_NO))


def _consent(snap: Snapshot, data: dict[str, Any], text: str, choice: str | None,
             intent: Intent) -> Outcome:
    answer = answer_yes_no(text, choice)
    if answer is None and intent is Intent.THANKS:
        answer = True
    if answer is None:
        return _not_understood(ask("join_consent", data, Reply(
            "Sorry, please answer yes or no: may we keep your details to arrange lifts?",
            YES_NO)))
    if not answer:
        return Outcome("idle", {}, say(
            "That's fine. We can't book lifts without keeping your details, so nothing has "
            "been saved. Send HELP if you'd like a person to call you."))
    join = JoinResident(
        name=data["name"], address=data.get("address", ""), postcode=data.get("postcode", ""),
        settlement_id=data.get("settlement_id"), mobility=data.get("mobility", "unaided"),
        companion=bool(data.get("companion")), assistance_dog=bool(data.get("dog")),
        phone=data.get("verified_phone"), notice_version=NOTICE_VERSION,
    )
    first = data["name"].split()[0]
    if snap.rules.approve_new_residents:  # no booking until a coordinator says yes
        return Outcome("idle", {}, [Reply(waiting_for_approval(first))], [join])
    welcome = Reply(f"Thank you, {first}, you're all set! To book a lift, tell me where and "
                    f"when, e.g. {booking_example(snap.places)}.")
    pending = data.get("pending")
    if pending:
        outcome = book.start(snap, str(pending), joined_mobility=join.mobility)
        outcome.replies.insert(0, Reply(f"Thank you, {first}, you're all set!"))
        outcome.effects.insert(0, join)
        return outcome
    return Outcome("idle", {}, [welcome], [join])


def _not_understood(outcome: Outcome) -> Outcome:
    outcome.understood = False
    return outcome


def _looks_like_booking(snap: Snapshot, text: str) -> bool:
    """A first message worth keeping for after joining: booking words, or a place with a
    day or time ("Friarage Thursday 2pm")."""
    if classify(text) is Intent.BOOK:
        return True
    parts = extract_request(text, snap.now, snap.rules.tz, book.place_names(snap))
    return bool(parts.places) and bool(parts.day or parts.time)
