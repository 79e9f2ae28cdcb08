"""Listing and cancelling one's own lifts."""

from __future__ import annotations

from booking.intake.effects import CancelLift
from booking.intake.views import LiftView, Snapshot
from bot.dialogue.asking import answer_yes_no, ask, choice_id, say
from bot.dialogue.understand import Intent
from bot.dialogue.wording import YES_NO, when_text
from bot.messages import Option, Outcome, Reply

STATUS_TEXT = {
    "requested": "waiting for a driver",
    "needs_coordinator": "with our coordinator",
    "planned": "waiting for a driver",
    "offered": "waiting for a driver",
    "confirmed": "driver confirmed",
}


def _upcoming(snap: Snapshot) -> list[LiftView]:
    return [lift for lift in snap.lifts if lift.appointment_at > snap.now]


def _label(snap: Snapshot, lift: LiftView) -> str:
    return f"{when_text(lift.appointment_at, snap.rules.tz)}, {lift.destination}"


def list_lifts(snap: Snapshot) -> Outcome:
    """Tell the resident what lifts they have coming up."""
    lifts = _upcoming(snap)
    if not lifts:
        return Outcome("idle", {}, say("You have no lifts booked. To book one, tell me where "
                                       "and when."))
    lines = [f"{_label(snap, lift)} ({STATUS_TEXT.get(lift.status, lift.status)})"
             for lift in lifts[:5]]
    return Outcome("idle", {}, say("Your lifts:\n" + "\n".join(lines) +
                                   "\nReply CANCEL to cancel one."))


def start(snap: Snapshot) -> Outcome:
    """Ask which lift to cancel (or confirm the only one)."""
    lifts = _upcoming(snap)
    if not lifts:
        return Outcome("idle", {}, say("You have no lifts booked, so there's nothing to cancel."))
    if len(lifts) == 1:
        return _ask_confirm(snap, lifts[0])
    options = tuple(Option(f"lift:{lift.id}", _label(snap, lift)) for lift in lifts[:6])
    return ask("cancel_pick", {}, Reply("Which lift do you want to cancel?", options))


def step(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """One answer while cancelling."""
    if snap.state == "cancel_pick":
        lift = _chosen(snap, choice)
        if lift is None:
            if intent is Intent.NO:
                return Outcome("idle", {}, say("OK, nothing has been cancelled."))
            return start(snap)
        return _ask_confirm(snap, lift)
    lift_id = snap.data.get("lift")
    lift = next((x for x in snap.lifts if x.id == lift_id), None)
    answer = answer_yes_no(text, choice)
    if lift is None or answer is False:
        return Outcome("idle", {}, say("OK, nothing has been cancelled."))
    if answer is None:
        return _ask_confirm(snap, lift, "Sorry, please answer yes or no.")
    return Outcome("idle", {}, say(
        f"Your lift on {when_text(lift.appointment_at, snap.rules.tz)} is cancelled. "
        "Thank you for letting us know."), [CancelLift(lift.id)])


def _chosen(snap: Snapshot, choice: str | None) -> LiftView | None:
    wanted = choice_id(choice, "lift:")
    if wanted is None:
        return None
    return next((x for x in snap.lifts if x.id == wanted), None)


def _ask_confirm(snap: Snapshot, lift: LiftView, opening: str = "") -> Outcome:
    text = f"Cancel your lift on {_label(snap, lift)}?"
    return ask("cancel_confirm", {"lift": lift.id},
               Reply(f"{opening} {text}".strip(), YES_NO))
