"""A driver's conversation: answering offers, run sheets, progress, availability, absences."""

from __future__ import annotations

import re
from datetime import date, timedelta

from booking.intake.effects import (
    AddAbsence,
    AnswerOffer,
    ReportProgress,
    SetAvailability,
    SetPreferences,
    ShowRunSheet,
)
from booking.intake.views import Snapshot
from bot.dialogue.asking import answer_yes_no, ask, say
from bot.dialogue.understand import Intent
from bot.dialogue.understand_driver import (
    describe_weekly,
    parse_away,
    parse_max_trips,
    parse_miles,
    parse_weekly,
)
from bot.dialogue.wording import YES_NO
from bot.messages import Option, Outcome, Reply

_ANSWER = re.compile(
    r"^\s*(yes|y|yep|accept|ok|no|n|nope|decline|cancel|can'?t do)\W*(?:trip\s*)?#?\s*"
    r"(\d{1,9})\s*$", re.I)
_PROGRESS = {
    "picked_up": re.compile(r"\b(picked\s*up|pu|collected|got (?:him|her|them))\b", re.I),
    "dropped_off": re.compile(r"\b(dropped\s*(?:off)?|delivered|arrived|home safe)\b", re.I),
    "no_show": re.compile(r"\b(no\s*-?\s*show|not (?:there|in|home)|no answer)\b", re.I),
}
MENU = (
    Option("drv:today", "My trips today"),
    Option("drv:tomorrow", "My trips tomorrow"),
    Option("drv:available", "When I'm free"),
    Option("drv:away", "I'll be away"),
)


def step(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """One message from a driver."""
    if snap.state == "drv_weekly":
        return _weekly(snap, text)
    if snap.state == "drv_weekly_confirm":
        return _confirm(snap, text, choice, "weekly")
    if snap.state == "drv_away":
        return _away(snap, text)
    if snap.state == "drv_away_confirm":
        return _confirm(snap, text, choice, "away")
    return idle(snap, text, choice, intent)


def idle(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """A driver not in the middle of anything."""
    answer = _offer_answer(snap, text, choice, intent)
    if answer is not None:
        return answer
    lowered = text.lower().strip().lstrip("/")
    today = snap.now.astimezone(snap.rules.tz).date()
    if choice == "drv:today" or lowered in ("today", "trips today", "run sheet"):
        return Outcome("idle", {}, [], [ShowRunSheet(today)])
    if choice == "drv:tomorrow" or lowered in ("tomorrow", "trips tomorrow"):
        return Outcome("idle", {}, [], [ShowRunSheet(today + timedelta(days=1))])
    for status, pattern in _PROGRESS.items():
        if pattern.search(text):
            return Outcome("idle", {}, [], [ReportProgress(status)])
    if choice == "drv:available" or lowered in ("available", "availability", "my times",
                                                "when i'm free", "free"):
        return ask("drv_weekly", {}, Reply(
            "When are you usually free each week? e.g. 'Mondays and Thursdays 9 till 1'. "
            "Send NONE if you're not free at the moment."))
    if choice == "drv:away":
        return ask("drv_away", {}, Reply("When will you be away? e.g. 'away 1-14 Dec' or "
                                         "'not this Friday'."))
    return _free_text(snap, text, intent)


def _free_text(snap: Snapshot, text: str, intent: Intent) -> Outcome:
    today = snap.now.astimezone(snap.rules.tz).date()
    lowered = text.lower()
    if re.search(r"\b(away|holiday|not (?:this|next)|off)\b", lowered):
        away = parse_away(text, today)
        if away is not None:
            return _ask_away_confirm(away.first_day, away.last_day)
    if re.search(r"\b(max|most|no more than|up to)\b", lowered):
        trips, miles = parse_max_trips(text), parse_miles(text)
        if "mile" in lowered and miles is not None:
            return Outcome("idle", {}, say(_limit("miles from home", miles)),
                           [SetPreferences(max_miles_from_home=miles)])
        if trips is not None:
            return Outcome("idle", {}, say(_limit("trips a day", trips)),
                           [SetPreferences(max_trips_per_day=trips)])
    slots = parse_weekly(text) if re.search(r"\d|morning|afternoon|day", lowered) else None
    if slots:
        return _ask_weekly_confirm(slots)
    name = snap.person.first_name if snap.person else ""
    opening = "Thank you for driving!" if intent is Intent.THANKS else f"Hello {name}."
    outcome = menu(opening)
    outcome.understood = intent in (Intent.THANKS, Intent.GREETING)
    return outcome


def menu(opening: str) -> Outcome:
    """A driver's menu after `opening`."""
    return ask("idle", {}, Reply(
        f"{opening} Answer trips with YES or NO and the trip number. Send PICKED UP, "
        "DROPPED OFF or NO SHOW as you go, or HELP for the coordinator.", MENU))


def _limit(what: str, value: float) -> str:
    return (f"Done: no limit on {what}." if not value
            else f"Done: at most {value:g} {what}.")


def _offer_answer(snap: Snapshot, text: str, choice: str | None,
                  intent: Intent) -> Outcome | None:
    if choice and choice.startswith("offer:"):
        _, verdict, number = choice.split(":", 2)
        if number.isdigit():
            return Outcome("idle", {}, [], [AnswerOffer(int(number), verdict == "yes")])
    match = _ANSWER.match(text)
    if match:
        accept = match.group(1).lower() in ("yes", "y", "yep", "accept", "ok")
        return Outcome("idle", {}, [], [AnswerOffer(int(match.group(2)), accept)])
    if intent in (Intent.YES, Intent.NO) or answer_yes_no(text, None) is not None:
        if len(snap.open_offers) == 1:
            return Outcome("idle", {}, [], [AnswerOffer(snap.open_offers[0],
                                                        answer_yes_no(text, None) is True)])
        if snap.open_offers:
            numbers = ", ".join(str(n) for n in snap.open_offers)
            return Outcome("idle", {}, say(f"You have trips {numbers} waiting. Please reply "
                                           f"YES or NO with the number, e.g. YES "
                                           f"{snap.open_offers[0]}."))
    return None


def _weekly(snap: Snapshot, text: str) -> Outcome:
    slots = parse_weekly(text)
    if slots is None:
        return ask("drv_weekly", {}, Reply(
            "Sorry, I didn't follow. Try e.g. 'Mondays and Thursdays 9 till 1' or "
            "'weekday mornings'."))
    del snap
    return _ask_weekly_confirm(slots)


def _ask_weekly_confirm(slots: list) -> Outcome:  # type: ignore[type-arg]
    described = describe_weekly(slots) if slots else "not free at the moment"
    data = {"slots": [[s.weekday, s.start_minute, s.end_minute] for s in slots]}
    return ask("drv_weekly_confirm", data, Reply(f"So you're free: {described}. Is that right?",
                                                 YES_NO))


def _away(snap: Snapshot, text: str) -> Outcome:
    away = parse_away(text, snap.now.astimezone(snap.rules.tz).date())
    if away is None:
        return ask("drv_away", {}, Reply("Sorry, I didn't follow. Try e.g. 'away 1-14 Dec' "
                                         "or 'not this Friday'."))
    return _ask_away_confirm(away.first_day, away.last_day)


def _ask_away_confirm(first: date, last: date) -> Outcome:
    span = (f"{first:%a} {first.day} {first:%b}" if first == last else
            f"{first:%a} {first.day} {first:%b} to {last:%a} {last.day} {last:%b}")
    return ask("drv_away_confirm", {"first": first.isoformat(), "last": last.isoformat()},
               Reply(f"So you're away {span}. Is that right?", YES_NO))


def _confirm(snap: Snapshot, text: str, choice: str | None, what: str) -> Outcome:
    answer = answer_yes_no(text, choice)
    if answer is None:
        return ask(snap.state, snap.data, Reply("Sorry, please answer yes or no.", YES_NO))
    if not answer:
        return ask("drv_weekly" if what == "weekly" else "drv_away", {}, Reply(
            "OK, please tell me again."))
    if what == "weekly":
        slots = tuple(tuple(s) for s in snap.data.get("slots", []))
        return Outcome("idle", {}, say("Thank you, I've saved when you're free."),
                       [SetAvailability(slots)])
    first = date.fromisoformat(str(snap.data["first"]))
    last = date.fromisoformat(str(snap.data["last"]))
    return Outcome("idle", {}, say("Thank you, I've noted that. Enjoy the break!"),
                   [AddAbsence(first, last)])
