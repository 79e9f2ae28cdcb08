"""Asking for a lift: where, which day, what time, the way home, then a read-back for a yes.

Whatever the question, an answer that carries other details ("no, it's Wednesday") is used:
every message is searched for a place, a day and a time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from booking.intake.effects import RequestLift
from booking.intake.views import PlaceView, Snapshot
from booking.rules import (
    Verdict,
    closed_reason,
    confirm_by,
    judge_appointment,
    local_instant,
    next_open_day,
)
from bot.dialogue import repeating
from bot.dialogue.asking import answer_yes_no, ask, choice_id, say
from bot.dialogue.understand import (
    Intent,
    PlaceName,
    companion_in,
    correction_time,
    extract_request,
    match_place,
    parse_date,
    parse_time,
    return_in,
)
from bot.dialogue.wording import (
    NOT_ACTIVE,
    RETURN_OPTIONS,
    RETURN_READBACK,
    YES_NO,
    clock_text,
    day_text,
    reason_text,
    waiting_for_approval,
    when_text,
)
from bot.messages import Option, Outcome, Reply

CLEAR_MATCH = 80.0  # a place score this high, and well ahead of the next, needs no question
CHANGE_OPTIONS = (
    Option("change:place", "Where"),
    Option("change:day", "The day"),
    Option("change:time", "The time"),
    Option("change:return", "The way home"),
    Option("change:companion", "Who is coming"),
    Option("change:stop", "Don't book it"),  # not "Stop": typed back, STOP would opt out
)
_NEGATED = re.compile(r"\b(?:not|instead of|rather than)\s+(?:the\s+|on\s+|at\s+)?[\w.:]+",
                      re.IGNORECASE)
_PROBLEMS = {
    "past": "That date has already passed.",
    "no_such_date": "There's no such date.",
    "unclear": "Sorry, I didn't catch the day.",
}


def place_names(snap: Snapshot) -> list[PlaceName]:
    """The scheme's destinations, as the matcher wants them."""
    return [PlaceName(p.id, p.name, p.town, p.aliases) for p in snap.places]


def start(snap: Snapshot, text: str, joined_mobility: str | None = None) -> Outcome:
    """Begin a booking from whatever the first message already said."""
    del joined_mobility  # the read-back does not repeat needs; they are on the record
    if snap.person is not None and snap.person.pending:  # the scheme confirms them first
        return Outcome("idle", {}, say(waiting_for_approval(snap.person.first_name)))
    if snap.person is not None and not snap.person.active:
        return Outcome("idle", {}, say(NOT_ACTIVE))
    return _fill(snap, {}, text, prefix=[])


def step(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """One answer while booking."""
    draft: dict[str, Any] = dict(snap.data.get("draft") or {})
    if intent is Intent.CANCEL or choice == "change:stop":
        return Outcome("idle", {}, say("OK, I've stopped. Nothing has been booked."))
    if choice and choice.startswith("place:"):
        place_id = choice_id(choice, "place:")  # a forged value is just asked again
        if place_id is not None:
            draft["place"] = place_id
            draft.pop("place_options", None)
        return _next(snap, draft, [])
    if choice and choice.startswith("ret:"):
        if choice[4:] in RETURN_READBACK:  # only a plan we offered; anything else is re-asked
            draft["return"] = choice[4:]
        return _next(snap, draft, [])
    if choice and choice.startswith("change:"):
        return _change(snap, draft, choice[7:])
    if snap.state == "book_companion" and (answer := answer_yes_no(text, choice)) is not None:
        draft["companion"], draft["with"] = answer, ""
        return _next(snap, draft, [])
    if snap.state == "book_confirm":
        return _confirm(snap, draft, text, choice)
    if snap.state == "book_nextday":
        return _next_day(snap, draft, text, choice)
    if snap.state in ("book_return", "book_companion", "book_change"):
        # A correction sent instead of an answer ("sorry, I meant the 15th") is applied.
        if _take_details(snap, draft, text):
            return _next(snap, draft, [])
        outcome = _next(snap, draft, [Reply("Sorry, please choose one:")]) \
            if snap.state == "book_return" else \
            ask(snap.state, {"draft": draft}, Reply("Sorry, please choose one:",
                                                    _options_of(snap.state)))
        outcome.understood = False
        return outcome
    return _fill(snap, draft, text, prefix=[])


def _options_of(state: str) -> tuple[Option, ...]:
    return YES_NO if state == "book_companion" else CHANGE_OPTIONS


def _take_details(snap: Snapshot, draft: dict[str, Any], text: str) -> bool:
    """Every detail a message gives (place, day, time, way home, companion) into the draft;
    whether it gave any."""
    if not text:
        return False
    text = _NEGATED.sub(" ", text)  # "it's Hawes not Leyburn": Leyburn is what it isn't
    had_repeat = "repeat" in draft
    text = repeating.take(snap, draft, text)  # "every Tuesday until 20 Feb"
    parts = extract_request(text, snap.now, snap.rules.tz, place_names(snap))
    found = "repeat" in draft and not had_repeat
    if parts.places:
        found = True
        _take_places(draft, parts.places)
    if parts.day is not None and "repeat" in draft:
        found, draft["repeat"]["from"] = True, parts.day.isoformat()  # the first lift's hint
    elif parts.day is not None:
        found, draft["day"] = True, parts.day.isoformat()
    at = parts.time or correction_time(text)
    if at is not None:
        found, draft["time"] = True, at.strftime("%H:%M")
    way_home = return_in(text)
    if way_home is not None:
        found, draft["return"] = True, way_home
    companion, who = companion_in(text)
    if companion is not None:
        found, draft["companion"], draft["with"] = True, companion, who
    return found


def _fill(snap: Snapshot, draft: dict[str, Any], text: str, prefix: list[Reply]) -> Outcome:
    """Take every detail the text gives, then ask for the next missing one."""
    if text:
        parts = extract_request(text, snap.now, snap.rules.tz, place_names(snap))
        if parts.date_problem and parts.day is None and not repeating.asked(snap, text):
            _take_details(snap, draft, text)
            return _ask_day(draft, prefix + [Reply(_PROBLEMS.get(parts.date_problem, ""))])
    found = _take_details(snap, draft, text)
    if not found and text and snap.state.startswith("book_"):
        found = _answer_to_question(snap, draft, text)
    outcome = _next(snap, draft, prefix + ([Reply(_not_understood(snap.state))]
                                           if text and not found and
                                           snap.state.startswith("book_") else []))
    outcome.understood = found or not text or not snap.state.startswith("book_")
    return outcome


def _answer_to_question(snap: Snapshot, draft: dict[str, Any], text: str) -> bool:
    """Read a short answer in the light of the question asked ('10.40', 'tues', 'hawes')."""
    if snap.state == "book_time" and (t := parse_time(text)) is not None:
        draft["time"] = t.strftime("%H:%M")
        return True
    if snap.state == "book_day":
        result = parse_date(text, snap.now.astimezone(snap.rules.tz).date())
        if result.day is not None:
            draft["day"] = result.day.isoformat()
            return True
    if snap.state == "book_place":
        matches = match_place(text, place_names(snap))
        if matches:
            _take_places(draft, matches)
            return True
    return False


def _take_places(draft: dict[str, Any], matches: list[Any]) -> None:
    best = matches[0]
    runner_up = matches[1].score if len(matches) > 1 else 0.0
    if best.score >= CLEAR_MATCH and best.score - runner_up >= 10:
        draft["place"] = best.id
        draft.pop("place_options", None)
    else:
        draft.pop("place", None)
        draft["place_options"] = [m.id for m in matches[:5]]


def _next(snap: Snapshot, draft: dict[str, Any], prefix: list[Reply]) -> Outcome:
    """Ask for what is missing, check it against the rules, or read the booking back."""
    place = _place(snap, draft.get("place"))
    if place is None:
        return _ask_place(snap, draft, prefix)
    repeat = draft.get("repeat")
    if not draft.get("day") and not (repeat and (repeat.get("days") or repeat.get("from"))):
        return _ask_day(draft, prefix)
    if not draft.get("time"):
        return ask("book_time", {"draft": draft}, *prefix, Reply(
            "What time is the appointment? (e.g. 10.40 or 2pm)"))
    if repeat:
        hint = repeat.get("from") or draft.get("day")
        question = repeating.settle(snap, draft, prefix,
                                    date.fromisoformat(str(hint)) if hint else None)
        if question is not None:
            return question
    appointment = _appointment(snap, draft)
    verdict = judge_appointment(appointment, snap.now, snap.rules, snap.closures)
    refusal = _refusal(snap, draft, verdict, prefix)
    if refusal is not None:
        return refusal
    if draft.get("return") == "both":  # "there and back": the usual way home for the place
        draft["return"] = "collect_later" if place.kind == "hospital" else "wait"
    if not draft.get("return"):
        if place.kind != "hospital":
            draft["return"] = "wait"
        else:
            return ask("book_return", {"draft": draft}, *prefix, Reply(
                "Hospital visits can be long. How would you like to get home?",
                RETURN_OPTIONS))
    draft["short_notice"] = verdict is Verdict.SHORT_NOTICE
    if repeat:
        label = place_labels([place])[0]
        return ask("book_confirm", {"draft": draft}, *prefix, Reply(repeating.readback(
            draft, place, _travellers(snap, draft), label), YES_NO))
    return ask("book_confirm", {"draft": draft}, *prefix,
               Reply(readback(snap, draft, place, appointment), YES_NO))


def readback(snap: Snapshot, draft: dict[str, Any], place: PlaceView,
             appointment: datetime) -> str:
    """Who travels, where, when and the way home, for a yes. Always names companions and
    the way home, so a wrong one can be caught. One text with a 40-letter place name."""
    return (f"{_travellers(snap, draft)} to {place.name}, "
            f"{when_text(appointment, snap.rules.tz)}; {RETURN_READBACK[draft['return']]}. "
            "Is that right?")


def _travellers(snap: Snapshot, draft: dict[str, Any]) -> str:
    companion = draft.get("companion")
    if companion is None:
        companion = bool(snap.person and snap.person.companion)
    if not companion:
        return "Just you"
    who = str(draft.get("with") or "")
    return f"You and {who}" if who else "You and a companion"


def _refusal(snap: Snapshot, draft: dict[str, Any], verdict: Verdict,
             prefix: list[Reply]) -> Outcome | None:
    rules = snap.rules
    if verdict is Verdict.PAST:
        draft.pop("day", None)
        return _ask_day(draft, prefix + [Reply("That time has already passed.")])
    if verdict is Verdict.NOT_SERVICE_DAY:
        draft.pop("day", None)
        days = ", ".join(d.title() for d in rules.service_days)
        return _ask_day(draft, prefix + [Reply(f"Sorry, our drivers only go out on {days}.")])
    if verdict is Verdict.CLOSED:
        return _offer_next_day(snap, draft, prefix)
    if verdict is Verdict.OUTSIDE_HOURS:
        draft.pop("time", None)
        return ask("book_time", {"draft": draft}, *prefix, Reply(
            f"Sorry, our drivers run from {rules.service_start:%H:%M} to "
            f"{rules.service_end:%H:%M}. What time is the appointment?"))
    if verdict is Verdict.BEYOND_HORIZON:
        weeks = rules.booking_horizon_days // 7
        return Outcome("idle", {}, prefix + say(
            f"That's a long way off: we book up to {weeks} weeks ahead. Please ask again "
            "nearer the time."))
    return None


def closed_text(snap: Snapshot, day: date) -> str:
    """'Sorry, we're closed on Fri 25 Dec (Christmas Day).'"""
    reason = closed_reason(day, snap.rules, snap.closures) or ""
    return f"Sorry, we're closed on {day:%a} {day.day} {day:%b}{reason_text(reason)}."


def _offer_next_day(snap: Snapshot, draft: dict[str, Any], prefix: list[Reply]) -> Outcome:
    """A closed day (bank holiday, closure): the next open day, offered for a yes."""
    day = date.fromisoformat(str(draft.pop("day")))
    closed = closed_text(snap, day)
    after = next_open_day(day, snap.rules, snap.closures)
    if after is None:
        return _ask_day(draft, prefix + [Reply(closed)])
    return ask("book_nextday", {"draft": draft, "next": after.isoformat()}, *prefix, Reply(
        f"{closed} Shall I ask for {after:%a} {after.day} {after:%b} instead?", YES_NO))


def _next_day(snap: Snapshot, draft: dict[str, Any], text: str, choice: str | None) -> Outcome:
    """The answer to the next open day: yes takes it, no asks for a day, a day is taken."""
    answer = answer_yes_no(text, choice)
    if answer is True:
        draft["day"] = str(snap.data.get("next") or "") or None
        if not draft["day"]:
            draft.pop("day")
        return _next(snap, draft, [])
    if text and _take_details(snap, draft, text):
        return _next(snap, draft, [])
    if answer is False:
        return _ask_day(draft, [])
    outcome = ask("book_nextday", dict(snap.data), Reply("Sorry, please answer yes or no.",
                                                         YES_NO))
    outcome.understood = False
    return outcome


def _confirm(snap: Snapshot, draft: dict[str, Any], text: str, choice: str | None) -> Outcome:
    answer = answer_yes_no(text, choice)
    if not answer and text and _take_details(snap, draft, text):
        # "no, it's Wednesday" reads as "no", but the new details are the correction.
        return _next(snap, draft, [])
    if answer is None:
        outcome = _next(snap, draft, [Reply("Sorry, please answer yes or no.")])
        outcome.understood = False
        return outcome
    if not answer:
        return ask("book_change", {"draft": draft}, Reply("What needs changing?",
                                                          CHANGE_OPTIONS))
    # The read-back may have been answered hours or days later: judge it again as of now.
    appointment = _appointment(snap, draft)
    verdict = judge_appointment(appointment, snap.now, snap.rules, snap.closures)
    refusal = _refusal(snap, draft, verdict, [])
    if refusal is not None:
        return refusal
    short = verdict is Verdict.SHORT_NOTICE
    companion = draft.get("companion")
    if draft.get("repeat"):
        return repeating.confirm(snap, draft, companion)
    effect = RequestLift(destination_id=int(draft["place"]),
                         appointment_at=appointment.astimezone(UTC),
                         return_plan=str(draft.get("return") or "wait"), short_notice=short,
                         companion=companion if isinstance(companion, bool) else None)
    tz = snap.rules.tz
    if short:
        text_back = ("Thank you. As it's short notice, I've passed your request to our "
                     "coordinator, who will try to find a driver and let you know.")
    else:
        by = confirm_by(appointment, snap.now, snap.rules)
        # No "reply CANCEL" here: the lift has no number yet, and a bare CANCEL would be
        # an opt-out on Twilio's default settings. The confirmation carries "CANCEL <n>".
        text_back = (f"Thank you! Your lift request for {day_text(appointment, tz)} is in. "
                     f"We'll tell you who is driving by {clock_text(by, tz)}.")
    return Outcome("idle", {}, say(text_back), [effect])


def _change(snap: Snapshot, draft: dict[str, Any], what: str) -> Outcome:
    field = {"place": "place", "day": "day", "time": "time", "return": "return"}.get(what)
    if field:
        draft.pop(field, None)
    if what == "day" and draft.get("repeat"):
        draft["repeat"]["days"], draft["repeat"]["from"] = [], None
    if what == "companion":
        return ask("book_companion", {"draft": draft}, Reply(
            "Is someone coming with you this time?", YES_NO))
    if what == "return":
        return ask("book_return", {"draft": draft}, Reply("How would you like to get home?",
                                                          RETURN_OPTIONS))
    return _next(snap, draft, [])


def _ask_place(snap: Snapshot, draft: dict[str, Any], prefix: list[Reply]) -> Outcome:
    ids = draft.get("place_options") or [p.id for p in snap.places]
    places = [p for p in snap.places if p.id in ids][:8]
    question = "Which of these did you mean?" if draft.get("place_options") else \
        "Where is the appointment?"
    return ask("book_place", {"draft": draft}, *prefix, Reply(
        question, tuple(Option(f"place:{p.id}", label) for p, label in
                        zip(places, place_labels(places), strict=True))))


def place_labels(places: list[PlaceView]) -> list[str]:
    """Short names for a list of places ("Hawes surgery" for "Central Dales Practice,
    Hawes"), so six of them fit one text; the full name where a short one would be shared."""
    def short(place: PlaceView) -> str:
        if len(place.name) <= 18 or not place.town or place.kind not in ("gp", "hospital"):
            return place.name  # an 'other' place (a clinic, a pharmacy) is no surgery
        return f"{place.town} {'hospital' if place.kind == 'hospital' else 'surgery'}"
    labels = [short(p) for p in places]
    return [label if labels.count(label) == 1 else p.name for p, label in zip(places, labels,
                                                                             strict=True)]


def _ask_day(draft: dict[str, Any], prefix: list[Reply]) -> Outcome:
    return ask("book_day", {"draft": draft}, *[p for p in prefix if p.text], Reply(
        "What day is the appointment? (e.g. Tuesday, or 3 Dec)"))


def _not_understood(state: str) -> str:
    return {
        "book_time": "Sorry, I didn't catch the time.",
        "book_day": "Sorry, I didn't catch the day.",
        "book_place": "Sorry, I don't know that place.",
    }.get(state, "Sorry, I didn't understand that.")


def _place(snap: Snapshot, place_id: object) -> PlaceView | None:
    return next((p for p in snap.places if p.id == place_id), None)


def _appointment(snap: Snapshot, draft: dict[str, Any]) -> datetime:
    day = date.fromisoformat(str(draft["day"]))
    hour, minute = (int(x) for x in str(draft["time"]).split(":"))
    return local_instant(day, time(hour, minute), snap.rules.tz)
