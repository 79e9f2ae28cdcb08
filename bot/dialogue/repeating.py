"""Standing bookings in the conversation: "every Tuesday at 10.40 to the Friarage".

The booking questions are the ordinary ones (book.py); a repeat adds `draft["repeat"]`
(weekdays, weeks apart, last day). The first lift is the first date of the pattern that meets
the notice rule and is open; the read-back names the pattern, and the answer to the yes lists
the dates skipped because the scheme is closed. Cancelling all of them, or one date, is here
too.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from booking.intake.effects import CancelStanding, SkipOccurrence, StartStanding
from booking.intake.views import PlaceView, Snapshot, StandingView
from booking.repeats import Pattern, describe, first_on_or_after, short_date
from booking.rules import WEEKDAYS, closed_reason, confirm_by, is_open_day, local_instant
from bot.dialogue.asking import ask, say
from bot.dialogue.understand_repeat import repeat_in, weekdays_named
from bot.dialogue.understand_text import normalise, words_only
from bot.dialogue.wording import YES_NO, clock_text
from bot.messages import Option, Outcome, Reply

SEARCH_DAYS = 70  # how far the first lift is looked for
MAX_LISTED = 4  # skipped dates named in one text


def take(snap: Snapshot, draft: dict[str, Any], text: str) -> str:
    """Record a repeat the text asks for in the draft; the text without its "until" words."""
    today = snap.now.astimezone(snap.rules.tz).date()
    found = repeat_in(text, today) if text else None
    if found is None:
        return text
    old = draft.get("repeat") or {}
    draft["repeat"] = {"days": list(found.weekdays) or list(old.get("days") or []),
                       "weeks": found.every_weeks,
                       "until": found.until.isoformat() if found.until else old.get("until")}
    draft.pop("day", None)  # the first lift is worked out from the pattern
    return found.text


def asked(snap: Snapshot, text: str) -> bool:
    """Whether a message asks for a repeat (its day words are then the pattern's)."""
    return repeat_in(text, snap.now.astimezone(snap.rules.tz).date()) is not None


def settle(snap: Snapshot, draft: dict[str, Any], prefix: list[Reply],
           day_hint: date | None) -> Outcome | None:
    """Work out the first lift of a repeat (into draft["day"]); a question if it can't."""
    repeat: dict[str, Any] = draft["repeat"]
    days = [int(d) for d in repeat.get("days") or []]
    if not days and day_hint is not None:
        days = [day_hint.weekday()]
    rules = snap.rules
    served = [WEEKDAYS.index(d) for d in rules.service_days]
    if any(d not in served for d in days):
        days = [d for d in days if d in served]
        note = Reply(f"Sorry, our drivers only go out on "
                     f"{', '.join(d.title() for d in rules.service_days)}.")
        if not days:
            repeat["days"] = []
            return _ask_weekday(draft, prefix + [note])
        prefix = prefix + [note]
    if not days:
        return _ask_weekday(draft, prefix)
    repeat["days"] = days
    today = snap.now.astimezone(rules.tz).date()
    start = max(today + timedelta(days=1), day_hint or today)
    first = _first_lift(snap, draft, tuple(days), int(repeat.get("weeks") or 1), start)
    until = _until(repeat)
    if first is None or (until is not None and first > until):
        repeat["until"] = None
        draft.pop("time", None)
        return ask("book_time", {"draft": draft}, *prefix, Reply(
            "Sorry, I can't fit a first lift in before that end date. What time are the "
            "appointments?"))
    draft["day"] = first.isoformat()
    return None


def _ask_weekday(draft: dict[str, Any], prefix: list[Reply]) -> Outcome:
    draft.pop("day", None)
    return ask("book_day", {"draft": draft}, *prefix, Reply(
        "Which day of the week are the appointments? (e.g. Tuesday)"))


def _first_lift(snap: Snapshot, draft: dict[str, Any], days: tuple[int, ...], weeks: int,
                start: date) -> date | None:
    """The first date of the pattern from `start` that meets the notice rule and is open."""
    hour, minute = (int(x) for x in str(draft["time"]).split(":"))
    anchor = first_on_or_after(days, start)
    pattern = Pattern(days, weeks, anchor)
    notice = timedelta(hours=snap.rules.booking_notice_hours)
    for day in pattern.dates(anchor, start + timedelta(days=SEARCH_DAYS)):
        at = local_instant(day, time(hour, minute), snap.rules.tz)
        if at - snap.now >= notice and is_open_day(day, snap.rules, snap.closures):
            return day
    return None


def _until(repeat: dict[str, Any]) -> date | None:
    value = repeat.get("until")
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def pattern(draft: dict[str, Any]) -> Pattern:
    """The draft's repeat as dates (its first lift settled)."""
    repeat = draft["repeat"]
    return Pattern(tuple(int(d) for d in repeat["days"]), int(repeat.get("weeks") or 1),
                   date.fromisoformat(str(draft["day"])), _until(repeat))


# Shorter than the one-off read-back's words: the pattern takes the room.
_RETURN = {"wait": "the driver waits for you", "collect_later": "a driver collects you after",
           "one_way": "a lift there only, not home"}
BUDGET = 143  # 160 less the SMS hint " Reply YES or NO."


def readback(draft: dict[str, Any], place: PlaceView, travellers: str, label: str) -> str:
    """'Just you to Friarage Hospital every Tue at 10:40 from Tue 8 Dec to Fri 19 Feb; a
    driver collects you after. Is that right?' (a long place name is shortened to fit)."""
    repeat = pattern(draft)
    until = f" to {short_date(repeat.until)}" if repeat.until else ""
    text = (f"{travellers} to {{}} {describe(repeat.weekdays, repeat.every_weeks)} at "
            f"{draft['time']} from {short_date(repeat.first_day)}{until}; "
            f"{_RETURN[draft['return']]}. Is that right?")
    name = place.name if len(text) - 2 + len(place.name) <= BUDGET else label
    return text.format(name)


def confirm(snap: Snapshot, draft: dict[str, Any], companion: object) -> Outcome:
    """The yes: the standing booking asked for, and which dates are skipped."""
    repeat = pattern(draft)
    when = describe(repeat.weekdays, repeat.every_weeks)
    effect = StartStanding(
        destination_id=int(draft["place"]), weekdays=repeat.weekdays,
        every_weeks=repeat.every_weeks, local_time=str(draft["time"]),
        first_day=repeat.first_day, until=repeat.until,
        return_plan=str(draft.get("return") or "wait"),
        companion=companion if isinstance(companion, bool) else None)
    first = local_instant(repeat.first_day, _time(draft), snap.rules.tz)
    by = confirm_by(first, snap.now, snap.rules)
    replies = say(f"Thank you! Your lifts {when} at {draft['time']} are booked from "
                  f"{short_date(repeat.first_day)}. We'll tell you who is driving by "
                  f"{clock_text(by, snap.rules.tz)}, then the day before each.")
    skipped = skipped_dates(snap, repeat)
    if skipped:
        replies += say(skipped_reply(skipped))
    return Outcome("idle", {}, replies, [effect])


def _time(draft: dict[str, Any]) -> time:
    hour, minute = (int(x) for x in str(draft["time"]).split(":"))
    return time(hour, minute)


def skipped_dates(snap: Snapshot, repeat: Pattern) -> list[tuple[date, str]]:
    """The pattern's dates the scheme is closed on, up to its end or the booking horizon."""
    last = repeat.until or repeat.first_day + timedelta(days=snap.rules.booking_horizon_days)
    out = []
    for day in repeat.dates(repeat.first_day, last):
        reason = closed_reason(day, snap.rules, snap.closures)
        if reason is not None:
            out.append((day, reason))
    return out


def skipped_reply(skipped: list[tuple[date, str]]) -> str:
    """'No lift on Fri 25 Dec (Christmas Day): we're closed then.' or a short list."""
    if len(skipped) == 1:
        day, reason = skipped[0]
        return f"No lift on {short_date(day)} ({reason}): we're closed then."
    names = [short_date(d) for d, _r in skipped[:MAX_LISTED]]
    more = len(skipped) - len(names)
    listed = ", ".join(names[:-1]) + (" and " if not more else ", ") + names[-1]
    tail = f" and {more} more" if more else ""
    return f"No lifts on {listed}{tail}: we're closed then (bank holidays or closures)."


# --- cancelling -----------------------------------------------------------------------

_ALL_WORDS = ("all", "every", "each", "regular", "standing", "weekly", "fortnightly",
              "repeat", "lifts", "course", "mondays", "tuesdays", "wednesdays", "thursdays",
              "fridays", "the rest")


def means_all(text: str) -> bool:
    """'cancel my Tuesday lifts', 'cancel all my lifts', 'stop my weekly lifts'."""
    words = words_only(normalise(text)).split()
    return any(w in _ALL_WORDS for w in words) and not any(
        w in ("next", "this", "one", "tomorrow", "just", "only") for w in words)


def which_standing(snap: Snapshot, text: str) -> list[StandingView]:
    """The standing bookings a message could mean (by a weekday it names, else all)."""
    named = weekdays_named(text)
    picked = [s for s in snap.standing if named & set(s.weekdays)] if named else []
    return picked or list(snap.standing)


def standing_label(standing: StandingView, names: dict[str, str]) -> str:
    """'every Tue 10:40, Friarage Hospital' (with the place's short name, if it has one)."""
    return f"{describe(standing.weekdays, standing.every_weeks)} {standing.local_time}, " \
           f"{names.get(standing.destination, standing.destination)}"


def ask_cancel_all(choices: list[StandingView], names: dict[str, str]) -> Outcome:
    """Which standing booking to end (or the one), for a yes."""
    if len(choices) == 1:
        standing = choices[0]
        return ask("cancel_standing", {"standing": standing.id}, Reply(
            f"Cancel all your lifts {standing_label(standing, names)}? Any already booked "
            "will be cancelled too.", YES_NO))
    options = tuple(Option(f"standing:{s.id}", standing_label(s, names))
                    for s in choices[:5])
    return ask("cancel_standing_pick", {}, Reply("Which lifts should I cancel?", options))


def cancel_all(standing: StandingView, names: dict[str, str]) -> Outcome:
    """The yes: the standing booking ends."""
    return Outcome("idle", {}, say(
        f"Your lifts {describe(standing.weekdays, standing.every_weeks)} to "
        f"{names.get(standing.destination, standing.destination)} are cancelled. Thank you "
        "for letting us know."),
        [CancelStanding(standing.id)])


def skip_question(snap: Snapshot, day: date) -> Outcome | None:
    """A date not yet made into a lift, but one of a standing booking's: skip it, for a yes."""
    match = [s for s in snap.standing if Pattern(s.weekdays, s.every_weeks, s.first_day,
                                                 s.until).falls_on(day)]
    if not match:
        return None
    standing = match[0]
    return ask("cancel_skip", {"standing": standing.id, "day": day.isoformat()}, Reply(
        f"No lift on {short_date(day)}, from your lifts "
        f"{describe(standing.weekdays, standing.every_weeks)}? The other dates stay "
        "booked.", YES_NO))


def skip_done(standing_id: int, day: date) -> Outcome:
    """The yes: that date is skipped."""
    return Outcome("idle", {}, say(
        f"OK, no lift on {short_date(day)}. Your other lifts stay booked."),
        [SkipOccurrence(standing_id, day)])


def covering(snap: Snapshot, day: date) -> str | None:
    """'Your lifts every Tue cover Tue 5 Jan (10:40): we book each one two weeks ahead.'"""
    for standing in snap.standing:
        if Pattern(standing.weekdays, standing.every_weeks, standing.first_day,
                   standing.until).falls_on(day):
            reason = closed_reason(day, snap.rules, snap.closures)
            if reason is not None:
                return f"No lift on {short_date(day)} ({reason}): we're closed then."
            return (f"Your lifts {describe(standing.weekdays, standing.every_weeks)} cover "
                    f"{short_date(day)} at {standing.local_time}: we book each one two weeks "
                    "ahead.")
    return None


def regular_lifts(snap: Snapshot) -> str:
    """The resident's standing bookings when no lift is made yet: one line each (two fit)."""
    lines = [f"{describe(s.weekdays, s.every_weeks)} at {s.local_time}" for s in
             snap.standing[:2]]
    return f"Your regular lifts: {'; '.join(lines)}. Each is booked two weeks ahead."
