"""Listing and cancelling one's own lifts.

Our texts invite "CANCEL 482" (the lift's number), never a bare CANCEL: Twilio's default
opt-out handling on long codes treats a one-word CANCEL as STOP and blocks every later text.
Two words never trigger it. A bare CANCEL is still understood here, for schemes whose
Messaging Service has Advanced Opt-Out with CANCEL removed (see the README).
"""

from __future__ import annotations

import re
from datetime import date

from booking.intake.effects import CancelLift
from booking.intake.views import LiftView, Snapshot
from bot.dialogue import repeating
from bot.dialogue.asking import answer_yes_no, ask, choice_id, say
from bot.dialogue.book import place_labels
from bot.dialogue.understand import Intent, parse_when
from bot.dialogue.understand_text import normalise
from bot.dialogue.wording import YES_NO, when_text
from bot.messages import Option, Outcome, Reply

STATUS_TEXT = {
    "requested": "waiting for a driver",
    "needs_coordinator": "with our coordinator",
    "planned": "waiting for a driver",
    "offered": "waiting for a driver",
    "confirmed": "driver confirmed",
}
_SHORT_STATUS = {"confirmed": "confirmed", "needs_coordinator": "with coordinator"}
# "cancel 482", "CANCEL #482", "cancel lift 482", "cancel no. 482"
_NUMBERED = re.compile(r"^\W*(?:cancel|cancle|cansel)\w*\W*(?:my\s+)?(?:lift|trip|booking|"
                       r"number|no\.?|#)?\s*#?\s*(\d{1,9})\W*$")


def cancelling_hint(lift_id: int) -> str:
    """How to cancel one lift by text: two words, so Twilio never reads it as STOP."""
    return f"Reply CANCEL {lift_id} to cancel."


def _upcoming(snap: Snapshot) -> list[LiftView]:
    return [lift for lift in snap.lifts if lift.appointment_at > snap.now]


def _short_names(snap: Snapshot) -> dict[str, str]:
    """Each place's short name ("Hawes surgery"), so a list of lifts fits one text."""
    places = list(snap.places)
    return dict(zip((p.name for p in places), place_labels(places), strict=True))


def _label(snap: Snapshot, lift: LiftView) -> str:
    """'Thu 3 Dec 10:40, Leyburn surgery': short, so a list of them fits one text."""
    places = list(snap.places)
    labels = dict(zip((p.name for p in places), place_labels(places), strict=True))
    when = when_text(lift.appointment_at, snap.rules.tz).replace(" at ", " ")
    return f"{when}, {labels.get(lift.destination, lift.destination)}"


def _on_day(snap: Snapshot, lifts: list[LiftView], text: str) -> tuple[date | None,
                                                                       list[LiftView]]:
    """The day a message names, and the lifts on it (all of them when it names none)."""
    day = parse_when(text, snap.now, snap.rules.tz).day if text else None
    if day is None:
        return None, lifts
    tz = snap.rules.tz
    return day, [x for x in lifts if x.appointment_at.astimezone(tz).date() == day]


def list_lifts(snap: Snapshot, text: str = "") -> Outcome:
    """Tell the resident what lifts they have coming up (on the day asked about, if any)."""
    day, lifts = _on_day(snap, _upcoming(snap), text)
    if day is not None and not lifts:
        covered = repeating.covering(snap, day)
        if covered is not None:  # a standing booking's date, not made into a lift yet
            return Outcome("idle", {}, say(covered))
        return Outcome("idle", {}, say(
            f"You have no lift booked on {day:%a} {day.day} {day:%b}. To book one, tell me "
            "where and when."))
    if not lifts and snap.standing:
        return Outcome("idle", {}, say(repeating.regular_lifts(snap)))
    if not lifts:
        return Outcome("idle", {}, say("You have no lifts booked. To book one, tell me where "
                                       "and when."))
    # Two lifts fit one text; three or more take two (each line is about 50 characters).
    if len(lifts) == 1:
        lift = lifts[0]
        return Outcome("idle", {}, say(
            f"Your lift: {_label(snap, lift)} ({STATUS_TEXT.get(lift.status, lift.status)}). "
            f"{cancelling_hint(lift.id)}"))
    lines = [f"{lift.id}: {_label(snap, lift)} ({_SHORT_STATUS.get(lift.status, 'waiting')})"
             for lift in lifts[:5]]
    hint = "To cancel one, reply CANCEL and its number."
    heading = "Your lifts:"
    return Outcome("idle", {}, say(heading + "\n" + "\n".join(lines) + "\n" + hint))


_NO_LIFT = re.compile(r"^\W*(?:no|not|dont need (?:a|my|the)|do not need (?:a|my|the)|"
                      r"skip(?: my| the)?) (?:lift|ride|pick ?up)s?\b")


_END_ALL = re.compile(r"\b(?:(?:dont|do not|no longer) (?:\w+ )?(?:need|want)|any ?more|"
                      r"no more|(?:stop|end|cancel) (?:my|the|all|every|those|these))\b")


def ends_standing(text: str) -> bool:
    """'I don't need my regular lifts any more': a standing booking to end."""
    return repeating.means_all(text) and _END_ALL.search(
        normalise(text).replace("'", "")) is not None


def no_lift(text: str) -> bool:
    """'No lift next Tuesday', 'skip my lift on the 15th': one date off."""
    return _NO_LIFT.match(normalise(text)) is not None


def start(snap: Snapshot, text: str = "") -> Outcome:
    """Ask which lift to cancel (or confirm the one meant: by number, by day, or the only);
    a standing booking's lifts all together, or one date of it not yet booked."""
    if snap.standing and text and repeating.means_all(text):
        return repeating.ask_cancel_all(repeating.which_standing(snap, text),
                                          _short_names(snap))
    lifts = _upcoming(snap)
    day_asked, _on = _on_day(snap, lifts, text)
    if day_asked is not None and not _on and snap.standing:
        skip = repeating.skip_question(snap, day_asked)
        if skip is not None:
            return skip
    if not lifts:
        return Outcome("idle", {}, say("You have no lifts booked, so there's nothing to cancel."))
    numbered = _NUMBERED.match(normalise(text)) if text else None
    if numbered is not None:
        wanted = int(numbered.group(1))
        lift = next((x for x in lifts if x.id == wanted), None)
        if lift is not None:
            return _ask_confirm(snap, lift)
    else:
        _day, on_day = _on_day(snap, lifts, text)
        lifts = on_day or lifts
    if len(lifts) == 1:
        return _ask_confirm(snap, lifts[0])
    options = tuple(Option(f"lift:{lift.id}", _label(snap, lift)) for lift in lifts[:6])
    return ask("cancel_pick", {}, Reply("Which lift should I cancel?", options))


def step(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """One answer while cancelling."""
    if snap.state in ("cancel_standing", "cancel_standing_pick", "cancel_skip"):
        return _standing_step(snap, text, choice, intent)
    if snap.state == "cancel_pick":
        lift = _chosen(snap, choice)
        if lift is None:
            if intent is Intent.NO:
                return Outcome("idle", {}, say("OK, nothing has been cancelled."))
            outcome = start(snap, text)
            outcome.understood = False
            return outcome
        return _ask_confirm(snap, lift)
    lift_id = snap.data.get("lift")
    lift = next((x for x in snap.lifts if x.id == lift_id), None)
    answer = answer_yes_no(text, choice)
    if lift is None or answer is False:
        return Outcome("idle", {}, say("OK, nothing has been cancelled."))
    if answer is None:
        outcome = _ask_confirm(snap, lift, "Sorry, please answer yes or no.")
        outcome.understood = False
        return outcome
    return Outcome("idle", {}, say(
        f"Your lift on {when_text(lift.appointment_at, snap.rules.tz)} is cancelled. "
        "Thank you for letting us know."), [CancelLift(lift.id)])


def _standing_step(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """Answers about a standing booking: which one, and the yes to end it or skip a date."""
    if snap.state == "cancel_standing_pick":
        wanted = choice_id(choice, "standing:")
        picked = next((s for s in snap.standing if s.id == wanted), None)
        if picked is None:
            if intent is Intent.NO:
                return Outcome("idle", {}, say("OK, nothing has been cancelled."))
            outcome = repeating.ask_cancel_all(list(snap.standing), _short_names(snap))
            outcome.understood = False
            return outcome
        return repeating.ask_cancel_all([picked], _short_names(snap))
    standing = next((s for s in snap.standing if s.id == snap.data.get("standing")), None)
    answer = answer_yes_no(text, choice)
    if standing is None or answer is False:
        return Outcome("idle", {}, say("OK, nothing has been cancelled."))
    if answer is None:
        outcome = ask(snap.state, dict(snap.data), Reply("Sorry, please answer yes or no.",
                                                         YES_NO))
        outcome.understood = False
        return outcome
    if snap.state == "cancel_skip":
        return repeating.skip_done(standing.id, date.fromisoformat(
            str(snap.data.get("day"))))
    return repeating.cancel_all(standing, _short_names(snap))


def _chosen(snap: Snapshot, choice: str | None) -> LiftView | None:
    wanted = choice_id(choice, "lift:")
    if wanted is None:
        return None
    return next((x for x in snap.lifts if x.id == wanted), None)


def _ask_confirm(snap: Snapshot, lift: LiftView, opening: str = "") -> Outcome:
    text = f"Cancel your lift on {_label(snap, lift)}?"
    return ask("cancel_confirm", {"lift": lift.id},
               Reply(f"{opening} {text}".strip(), YES_NO))
