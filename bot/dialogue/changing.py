"""Moving a booked lift by reply: "can you make it 11 instead", "it's moved to Wednesday".

Which lift (the only one, or the resident picks), the new day and time (an unnamed part
stays as booked), the rules checked, a read-back for a yes, then ChangeLift. Only the day
and time change by text: a new place means a new booking.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from booking.intake.effects import ChangeLift
from booking.intake.views import LiftView, Snapshot
from booking.rules import Verdict, confirm_by, judge_appointment, local_instant, next_open_day
from bot.dialogue.asking import answer_yes_no, ask, choice_id, say
from bot.dialogue.book import closed_text, place_names
from bot.dialogue.understand import Intent, correction_time, extract_request
from bot.dialogue.wording import YES_NO, clock_text, when_text
from bot.messages import Option, Outcome, Reply

_REFUSED = {
    Verdict.PAST: "That time has already passed.",
    Verdict.NOT_SERVICE_DAY: "Sorry, our drivers don't go out on that day.",
    Verdict.OUTSIDE_HOURS: "Sorry, that's outside the hours our drivers run.",
}


def start(snap: Snapshot, text: str) -> Outcome:
    """A request to move a lift: find which one, then what it moves to."""
    lifts = _upcoming(snap)
    if not lifts:
        return Outcome("idle", {}, say("You have no lifts booked to change. To book one, "
                                       "tell me where and when."))
    if len(lifts) == 1:
        return _to_when(snap, lifts[0], text)
    options = tuple(Option(f"lift:{x.id}", f"{when_text(x.appointment_at, snap.rules.tz)}, "
                                          f"{x.destination}") for x in lifts[:6])
    return ask("change_pick", {"said": text[:300]}, Reply("Which lift is changing?", options))


def step(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """One answer while moving a lift."""
    if intent is Intent.CANCEL or answer_yes_no(text, choice) is False and \
            snap.state != "change_confirm":
        return Outcome("idle", {}, say("OK, nothing has been changed."))
    if snap.state == "change_pick":
        wanted = choice_id(choice, "lift:")
        lift = next((x for x in _upcoming(snap) if x.id == wanted), None)
        if lift is None:
            outcome = start(snap, str(snap.data.get("said") or ""))
            outcome.understood = False
            return outcome
        return _to_when(snap, lift, str(snap.data.get("said") or ""))
    lift = next((x for x in _upcoming(snap) if x.id == snap.data.get("lift")), None)
    if lift is None:
        return Outcome("idle", {}, say("Sorry, I can't find that lift any more. Nothing has "
                                       "been changed."))
    if snap.state == "change_when":
        return _to_when(snap, lift, text, asked=True)
    return _confirm(snap, lift, text, choice)


def _to_when(snap: Snapshot, lift: LiftView, text: str, *, asked: bool = False) -> Outcome:
    """Read the new day and time from the text; ask for them if it names neither."""
    tz = snap.rules.tz
    parts = extract_request(text, snap.now, tz, place_names(snap))
    at = parts.time or correction_time(text)
    if parts.day is None and at is None:
        if parts.places and not asked:
            return Outcome("idle", {}, say(
                "I can only change the day or time by text. To go somewhere else, please "
                f"cancel this lift (reply CANCEL {lift.id}) and book again."))
        outcome = ask("change_when", {"lift": lift.id}, Reply(
            f"What is the new day and time for your lift on "
            f"{when_text(lift.appointment_at, tz)}? (e.g. Wednesday 11am)"))
        outcome.understood = not asked
        return outcome
    old = lift.appointment_at.astimezone(tz)
    new = local_instant(parts.day or old.date(), at or old.time().replace(tzinfo=None), tz)
    verdict = judge_appointment(new, snap.now, snap.rules, snap.closures)
    if new == lift.appointment_at:
        return Outcome("idle", {}, say(f"Your lift is already booked for {when_text(new, tz)}, "
                                       "so nothing needs changing."))
    if verdict is Verdict.BEYOND_HORIZON:
        weeks = snap.rules.booking_horizon_days // 7
        return Outcome("idle", {}, say(f"That's a long way off: we book up to {weeks} weeks "
                                       "ahead. Your lift stays as it is."))
    if verdict is Verdict.CLOSED:
        after = next_open_day(new.astimezone(tz).date(), snap.rules, snap.closures)
        offer = f" The next day we run is {after:%a} {after.day} {after:%b}." if after else ""
        return ask("change_when", {"lift": lift.id}, Reply(
            f"{closed_text(snap, new.astimezone(tz).date())}{offer} What is the new day "
            "and time?"))
    if verdict in _REFUSED:
        return ask("change_when", {"lift": lift.id}, Reply(
            f"{_REFUSED[verdict]} What is the new day and time?"))
    return ask("change_confirm", {"lift": lift.id, "at": new.astimezone(UTC).isoformat()},
               Reply(f"Move your lift on {when_text(lift.appointment_at, tz)} to "
                     f"{when_text(new, tz)}?", YES_NO))


def _confirm(snap: Snapshot, lift: LiftView, text: str, choice: str | None) -> Outcome:
    tz = snap.rules.tz
    answer = answer_yes_no(text, choice)
    if answer is not True:
        parts = extract_request(text, snap.now, tz, place_names(snap)) if text else None
        if parts is not None and (parts.day or parts.time or correction_time(text)):
            return _to_when(snap, lift, text)  # "no, 11.30": the new details again
    if answer is None:
        outcome = ask("change_confirm", dict(snap.data), Reply(
            "Sorry, please answer yes or no.", YES_NO))
        outcome.understood = False
        return outcome
    if not answer:
        return Outcome("idle", {}, say(f"OK, your lift stays on "
                                       f"{when_text(lift.appointment_at, tz)}."))
    new = _new_time(snap.data)
    verdict = judge_appointment(new, snap.now, snap.rules, snap.closures) if new else \
        Verdict.PAST
    if new is None or verdict in _REFUSED or verdict in (Verdict.BEYOND_HORIZON,
                                                         Verdict.CLOSED):
        return ask("change_when", {"lift": lift.id}, Reply(
            "Sorry, that time can't be booked now. What is the new day and time?"))
    if verdict is Verdict.SHORT_NOTICE:
        after = ("As it's short notice, our coordinator will find a driver and let you "
                 "know.")
    else:
        after = (f"We'll tell you who is driving by "
                 f"{clock_text(confirm_by(new, snap.now, snap.rules), tz)}.")
    return Outcome("idle", {}, say(f"Thank you, your lift is moving to {when_text(new, tz)}. "
                                   f"{after}"), [ChangeLift(lift.id, new)])


def _new_time(data: dict[str, Any]) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(data.get("at")))
    except ValueError:
        return None
    return value.astimezone(UTC) if value.tzinfo else None


def _upcoming(snap: Snapshot) -> list[LiftView]:
    return [x for x in snap.lifts if x.appointment_at > snap.now]
