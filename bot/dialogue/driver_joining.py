"""A new driver joins with the code a coordinator gave them: name, home, car, checks, times."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from booking.intake.effects import CheckInvitation, JoinDriver, SetAvailability
from booking.intake.views import Snapshot
from booking.privacy.notice import DRIVER_QUESTION, NOTICE_VERSION
from bot.dialogue.asking import answer_yes_no, ask, say
from bot.dialogue.understand import PlaceName, match_place
from bot.dialogue.understand_driver import (
    Slot,
    describe_weekly,
    parse_check_date,
    parse_seats,
    parse_weekly,
)
from bot.dialogue.wording import YES_NO
from bot.messages import Outcome, Reply

INVITE = re.compile(r"^\s*(?:/start\s+|join\s+)([A-Za-z0-9]{6})\s*$", re.IGNORECASE)

QUESTIONS: dict[str, str] = {
    "djoin_name": "What is your full name?",
    "djoin_home": "Which village or town do you live in? Your trips start and end there.",
    "djoin_car": "What car do you drive? Colour and make, e.g. 'silver Honda Jazz'.",
    "djoin_seats": "How many passengers can you take?",
    "djoin_folding": "Can you fit a folded wheelchair in the boot?",
    "djoin_wav": "Is your car wheelchair accessible (a ramp or lift)?",
    "djoin_dogs": "Can you take an assistance dog?",
    "djoin_dbs": "When was your DBS check? (month and year, e.g. 3/2025)",
    "djoin_licence": "When was your licence last checked by the scheme? (e.g. 10/2026)",
    "djoin_insurance": "When does your car insurance run out? (e.g. 31/8/2027)",
    "djoin_weekly": "Last one: when are you usually free? e.g. 'Mondays and Thursdays 9 till 1'.",
}
ORDER = list(QUESTIONS)
YES_NO_STATES = {"djoin_folding": "folding", "djoin_wav": "wav", "djoin_dogs": "dogs"}
DATE_STATES = {"djoin_dbs": "dbs", "djoin_licence": "licence", "djoin_insurance": "insurance"}


def invitation_code(text: str) -> str | None:
    """The code in 'JOIN K7QP2M' or '/start K7QP2M', upper-cased."""
    match = INVITE.match(text)
    return match.group(1).upper() if match else None


def start(snap: Snapshot, code: str) -> Outcome:
    """Welcome a new volunteer (the code is checked as this step is saved)."""
    data: dict[str, Any] = {"code": code, "driver": True}
    hello = f"Welcome to {snap.scheme_name}, and thank you for volunteering!"
    outcome: Outcome
    if snap.channel == "telegram" and not snap.data.get("verified_phone"):
        outcome = ask("djoin_contact", data, Reply(
            f"{hello} First, please tap 'Share my phone number' below.", request_contact=True))
    else:
        data["phone"] = snap.data.get("verified_phone")
        outcome = ask("djoin_name", data, Reply(f"{hello} {QUESTIONS['djoin_name']}"))
    outcome.effects.append(CheckInvitation(code))
    return outcome


def step(snap: Snapshot, text: str, choice: str | None) -> Outcome:
    """One answer while a driver joins."""
    data = dict(snap.data)
    state = snap.state
    if state == "djoin_contact":
        if not snap.data.get("verified_phone"):
            return ask(state, data, Reply("Please tap 'Share my phone number' below.",
                                          request_contact=True))
        data["phone"] = snap.data["verified_phone"]
        return _next(data, "djoin_contact")
    if state == "djoin_confirm":
        return _confirm(data, text, choice)
    if state == "djoin_consent":
        return _finish(snap, data, text, choice)
    value, problem = _read(snap, state, text, choice)
    if problem:
        return ask(state, data, Reply(f"{problem} {QUESTIONS[state]}",
                                      YES_NO if state in YES_NO_STATES else ()))
    data[state.removeprefix("djoin_")] = value
    return _next(data, state)


def _read(snap: Snapshot, state: str, text: str, choice: str | None) -> tuple[Any, str]:
    """The answer to `state`'s question, or a reason to ask again."""
    today = snap.now.astimezone(snap.rules.tz).date()
    if state in YES_NO_STATES:
        answer = answer_yes_no(text, choice)
        return (answer, "") if answer is not None else (None, "Please answer yes or no.")
    if state in DATE_STATES:
        when = parse_check_date(text, today)
        return (when.isoformat(), "") if when else (None, "Sorry, I didn't catch the date.")
    if state == "djoin_seats":
        seats = parse_seats(text)
        return (seats, "") if seats else (None, "Please send a number from 1 to 8.")
    if state == "djoin_weekly":
        slots = parse_weekly(text)
        if slots is None:
            return None, "Sorry, I didn't follow."
        return [[s.weekday, s.start_minute, s.end_minute] for s in slots], ""
    if state == "djoin_home":
        places = [PlaceName(p.id, p.name, p.town, p.aliases) for p in snap.settlements]
        found = match_place(text, places)
        if not found:
            return None, "Sorry, I don't know that place."
        return found[0].id, ""
    cleaned = " ".join(text.split())[:120]
    if len(cleaned) < 2 or not re.search(r"[A-Za-z]", cleaned):
        return None, "Sorry, I didn't catch that."
    return cleaned, ""


def _next(data: dict[str, Any], after: str) -> Outcome:
    position = ORDER.index(after) + 1 if after in ORDER else 0
    if position < len(ORDER):
        state = ORDER[position]
        return ask(state, data, Reply(QUESTIONS[state],
                                      YES_NO if state in YES_NO_STATES else ()))
    return ask("djoin_confirm", data, Reply(_summary(data) + " Is that all right?", YES_NO))


def _summary(data: dict[str, Any]) -> str:
    slots = [Slot(*s) for s in data.get("weekly", [])]
    extras = [label for key, label in (("folding", "folding wheelchair"),
                                       ("wav", "wheelchair accessible"),
                                       ("dogs", "dogs OK")) if data.get(key)]
    car = f"{data['car']}, {data['seats']} passenger(s)" + (
        f", {', '.join(extras)}" if extras else "")
    free = describe_weekly(slots) if slots else "no regular times yet"
    return f"{data['name']}: {car}. Free: {free}."


def _confirm(data: dict[str, Any], text: str, choice: str | None) -> Outcome:
    """The summary is right (then the privacy question), or start again."""
    answer = answer_yes_no(text, choice)
    if answer is None:
        return ask("djoin_confirm", data, Reply("Please answer yes or no.", YES_NO))
    if not answer:
        fresh: dict[str, Any] = {k: data[k] for k in ("code", "driver", "phone") if k in data}
        return ask("djoin_name", fresh, Reply("No problem, let's start again. "
                                              + QUESTIONS["djoin_name"]))
    return ask("djoin_consent", data, Reply(DRIVER_QUESTION, YES_NO))


def _finish(snap: Snapshot, data: dict[str, Any], text: str, choice: str | None) -> Outcome:
    """A yes to keeping their details makes them a driver (consent recorded); a no keeps
    nothing."""
    answer = answer_yes_no(text, choice)
    if answer is None:
        return ask("djoin_consent", data, Reply("Please answer yes or no: may we keep your "
                                                "details to offer you trips?", YES_NO))
    if not answer:
        return Outcome("idle", {}, say(
            "That's fine. We can't offer trips without keeping your details, so nothing has "
            "been saved. Your coordinator can tell you more."))
    settlement = next((p for p in snap.settlements if p.id == data.get("home")), None)

    def day(key: str) -> date | None:
        return date.fromisoformat(data[key]) if data.get(key) else None

    join = JoinDriver(
        code=data["code"], name=data["name"], home=settlement.name if settlement else "",
        settlement_id=settlement.id if settlement else None, car=data["car"],
        seats=int(data["seats"]), folding_wheelchair=bool(data.get("folding")),
        wheelchair_accessible=bool(data.get("wav")), accepts_dogs=bool(data.get("dogs")),
        dbs_checked_on=day("dbs"), licence_checked_on=day("licence"),
        insurance_expires_on=day("insurance"), phone=data.get("phone"),
        notice_version=NOTICE_VERSION)
    slots = tuple(tuple(s) for s in data.get("weekly", []))
    return Outcome("idle", {}, say(
        f"Welcome aboard, {data['name'].split()[0]}! A coordinator will see your DBS, licence "
        "and insurance, then I'll send you trips. Send AVAILABLE to change your times or AWAY "
        "when you're going away."), [join, SetAvailability(slots)])
