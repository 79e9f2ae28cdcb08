"""Answers to messages that are not bookings: a wrong number, "is my driver coming?", the
FAQ (cost, dogs, what the scheme covers), trips the scheme doesn't make, offers to drive,
and bad news. Coordinator alerts here never carry medical words: only who, and what to do.
"""

from __future__ import annotations

from booking.intake.effects import AlertCoordinator, CancelLift
from booking.intake.views import LiftView, Snapshot
from booking.rules import PICKUP_WINDOW_AFTER, PICKUP_WINDOW_BEFORE
from bot.dialogue import joining
from bot.dialogue.asking import answer_yes_no, ask, say
from bot.dialogue.understand import Intent, parse_when
from bot.dialogue.understand_text import normalise, words_only
from bot.dialogue.understand_topics import Faq, faq_topic
from bot.dialogue.wording import YES_NO, day_text, time_text
from bot.messages import Outcome, Reply

HOW_TO_JOIN = "If you ever need a lift, text JOIN."


def answer(snap: Snapshot, text: str, intent: Intent) -> Outcome:
    """One answer that needs no booking. FAQ answers keep an open question standing."""
    if intent is Intent.MISTAKE:
        return _mistake(snap)
    if intent is Intent.ETA:
        return eta(snap)
    if intent is Intent.VOLUNTEER:
        return _volunteer(snap)
    if intent is Intent.NOT_MEDICAL:
        return ask("answer_other", {}, Reply(
            f"{snap.rules.faq_covers} Shall I ask a coordinator if they can help?", YES_NO))
    if intent is Intent.JOIN:
        if snap.person is None:
            return joining.start(snap, "")
        return Outcome("idle", {}, say(f"You're already on our list, {snap.person.first_name}. "
                                       "To book, tell me where and when."))
    return _faq(snap, text)


def step(snap: Snapshot, text: str, choice: str | None, intent: Intent) -> Outcome:
    """An answer to one of our yes/no offers (cancel after bad news; ask a coordinator)."""
    del intent
    answer_ = answer_yes_no(text, choice)
    if answer_ is None:
        return ask(snap.state, snap.data, Reply("Sorry, please answer yes or no.", YES_NO))
    if snap.state == "answer_news":
        return _after_bad_news(snap, answer_)
    if not answer_:
        return Outcome("idle", {}, say("OK. Text me any time you need a lift to the doctor's."))
    return Outcome("idle", {}, say("I've asked a coordinator to ring you. Thank you."),
                   [AlertCoordinator(f"{_who(snap)} asked about a trip we don't usually give "
                                     f"(not a medical one). Please get in touch ({_via(snap)}).")])


def _faq(snap: Snapshot, text: str) -> Outcome:
    norm = normalise(text)
    topic = faq_topic(norm, words_only(norm)) or Faq.COVERS
    rules = snap.rules
    reply = {Faq.COST: rules.faq_cost, Faq.DOGS: rules.faq_dogs,
             Faq.COVERS: rules.faq_covers}[topic]
    if snap.person is None and snap.state == "idle":
        return Outcome("idle", {}, say(reply, HOW_TO_JOIN))
    # The question asked before still stands: its options keep working.
    return Outcome(snap.state, dict(snap.data), say(reply))


def _mistake(snap: Snapshot) -> Outcome:
    if snap.person is not None:
        return Outcome("idle", {}, say(f"No problem, {snap.person.first_name}. Text me any "
                                       "time you need a lift."))
    return Outcome("idle", {}, say(
        f"No problem, sorry to bother you! This is {snap.scheme_name}, volunteer lifts to GP "
        f"and hospital. {HOW_TO_JOIN}"))


def _volunteer(snap: Snapshot) -> Outcome:
    alert = AlertCoordinator(f"{_who(snap)} would like to volunteer as a driver. Please get "
                             f"in touch ({_via(snap)}).")
    return Outcome("idle", {}, say(snap.rules.faq_volunteer), [alert])


def eta(snap: Snapshot) -> Outcome:
    """'Is my driver coming?': today's pickup window and driver; a coordinator told when
    the window has passed or nobody has accepted yet."""
    tz = snap.rules.tz
    today = snap.now.astimezone(tz).date()
    lift = next((x for x in snap.lifts if x.appointment_at.astimezone(tz).date() == today),
                None)
    if lift is None:
        upcoming = [x for x in snap.lifts if x.appointment_at > snap.now]
        if not upcoming:
            return Outcome("idle", {}, say("You have no lift booked today. To book one, tell "
                                           "me where and when."))
        first = upcoming[0]
        return Outcome("idle", {}, say(
            f"You have no lift today. Your next one is on {day_text(first.appointment_at, tz)} "
            f"at {time_text(first.appointment_at, tz)}: we'll text you the day before."))
    if lift.status != "confirmed" or lift.pickup_at is None or not lift.driver_first_name:
        return Outcome("idle", {}, say(
            "No driver has confirmed your lift today yet, so I'm telling a coordinator now. "
            "They'll be in touch."), [_late_alert(snap, lift, "has no driver yet")])
    start, end = lift.pickup_at - PICKUP_WINDOW_BEFORE, lift.pickup_at + PICKUP_WINDOW_AFTER
    driver = lift.driver_first_name
    if snap.now <= end:
        return Outcome("idle", {}, say(
            f"Yes: {driver} is due to collect you between {time_text(start, tz)} and "
            f"{time_text(end, tz)}. If they're not there by {time_text(end, tz)}, text me "
            "again."))
    return Outcome("idle", {}, say(
        f"Sorry, {driver} should have been with you by {time_text(end, tz)}. I'm telling a "
        "coordinator now, and they'll ring you."),
        [_late_alert(snap, lift, f"was due to be collected by {time_text(end, tz)} and the "
                                 f"driver ({driver}) hasn't arrived")])


def _late_alert(snap: Snapshot, lift: LiftView, what: str) -> AlertCoordinator:
    return AlertCoordinator(f"{_who(snap)} (request #{lift.id}, today) {what}. Please ring "
                            f"them ({_via(snap)}).")


def bad_news(snap: Snapshot, text: str) -> Outcome:
    """Sad news: a kind word, an offer to cancel what it affects, and a coordinator told."""
    tz = snap.rules.tz
    upcoming = [x for x in snap.lifts if x.appointment_at > snap.now]
    named = parse_when(text, snap.now, tz).day
    affected = [x for x in upcoming if x.appointment_at.astimezone(tz).date() == named] \
        if named else []
    affected = affected or upcoming
    if not affected:
        return Outcome("idle", {}, say(
            "I'm so sorry to hear that. I've let a coordinator know, and they may ring you. "
            "Take care."), [_news_alert(snap, "No lifts are booked.")])
    return ask("answer_news", {"lifts": [x.id for x in affected]}, Reply(
        f"I'm so sorry to hear that. Shall I cancel {_which(snap, affected)}?", YES_NO))


def _after_bad_news(snap: Snapshot, cancel: bool) -> Outcome:
    ids = [i for i in snap.data.get("lifts", []) if isinstance(i, int)]
    booked = {x.id for x in snap.lifts}
    ids = [i for i in ids if i in booked]
    numbers = ", ".join(f"#{i}" for i in ids)
    if cancel and ids:
        return Outcome("idle", {}, say(
            "I've cancelled it for you. A coordinator knows, and may ring you. Take care."
            if len(ids) == 1 else
            "I've cancelled them for you. A coordinator knows, and may ring you. Take care."),
            [*(CancelLift(i) for i in ids), _news_alert(snap, f"Cancelled at their request: "
                                                             f"{numbers}.")])
    return Outcome("idle", {}, say(
        "Of course, I've left your lifts as they are. A coordinator knows, and may ring you. "
        "Take care."), [_news_alert(snap, f"Lifts kept: {numbers or 'none'}.")])


def _news_alert(snap: Snapshot, lifts: str) -> AlertCoordinator:
    # Personal news stays between the resident and the coordinator who rings: no detail here.
    return AlertCoordinator(f"{_who(snap)} has sent us some sad personal news and may "
                            f"welcome a kind call ({_via(snap)}). {lifts}")


def _which(snap: Snapshot, lifts: list[LiftView]) -> str:
    tz = snap.rules.tz
    days = [day_text(x.appointment_at, tz) for x in lifts]
    if len(days) == 1:
        return f"your lift on {days[0]}"
    if len(days) <= 3:
        return f"your lifts on {', '.join(days[:-1])} and {days[-1]}"
    return f"your {len(days)} lifts booked"


def _who(snap: Snapshot) -> str:
    return snap.person.name if snap.person else "Someone new"


def _via(snap: Snapshot) -> str:
    if snap.channel == "telegram":
        phone = snap.person.phone if snap.person else None
        return f"Telegram, phone {phone}" if phone else "Telegram"
    return f"text {snap.address}"

