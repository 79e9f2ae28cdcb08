"""Every kind of text a resident gets, rendered as SMS with long, realistic values.

Used by test_segments.py, and runnable to measure the share that fits one segment:
`.venv/bin/python -m tests.bot.segment_corpus` prints it for the long values and for the
demo's ordinary ones. Works on older code too (it only drives `step` and the notices), so
the same corpus measures before and after a change.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from booking.rules import SchemeRules
from bot.dialogue.flow import step
from bot.messages import Inbound, Reply
from bot.render import sms_text
from tests.bot.test_flow import NOW, PLACES, SETTLEMENT_VIEWS, at

try:  # the regrouped core
    from booking.intake import residents
    from booking.intake.views import LiftView, PersonView, Snapshot
    from booking.messaging import changes, notices
except ImportError:  # older layouts, for a before/after measure
    from booking.views import LiftView, PersonView, Snapshot  # type: ignore[no-redef]

    from booking import notices  # type: ignore[no-redef]

    changes = residents = None  # type: ignore[assignment]

RULES = SchemeRules()
TZ = RULES.tz


@dataclass(frozen=True)
class Values:
    """The names and places a corpus is rendered with."""

    scheme: str
    resident: str
    driver: str
    car: str
    places: tuple[Any, ...]
    lift_id: int


def _long_places() -> tuple[Any, ...]:
    # Real place names of this length exist in every county (these are the demo's, made long).
    names = ("Central Dales Practice, Aysgarth and Hawes", "Leyburn Medical Practice",
             "Glebe House Surgery, Bedale", "Reeth and Swaledale Medical Centre",
             "Central Dales Practice, Hawes", "The Friarage Hospital, Northallerton")
    return tuple(replace(p, name=n) for p, n in zip(PLACES, names, strict=True))


LONG = Values("Upper Wensleydale Community Car Scheme", "Bartholomew Fotheringham-Smythe",
              "Maximilian Featherstonehaugh", "silver Vauxhall Zafira Tourer",
              _long_places(), 48213)
DEMO = Values("Wensleydale Lifts", "Edith Bainbridge", "Margaret Allen", "blue Skoda Fabia",
              PLACES, 11)


def _lift(v: Values, days: int, hour: int, status: str = "requested", **extra: Any) -> Any:
    known = {f.name for f in fields(LiftView)}
    return LiftView(v.lift_id + days, v.places[0].name, at(days, hour, 40), status, "wait",
                    **{k: x for k, x in extra.items() if k in known})


def _snap(v: Values, person: Any, state: str, data: dict[str, Any],
          lifts: tuple[Any, ...], kind: str = "") -> Any:
    extra: dict[str, Any] = {"closures": CLOSURES[kind]} if kind in CLOSURES else {}
    if kind in STANDING:
        extra["standing"] = STANDING[kind](v)
    if kind in CARERS:
        person, extra["cared"], extra["pending_contacts"] = CARERS[kind](v)
        if kind == "remove a contact":
            extra["trusted_contacts"] = _trusted()
    return Snapshot(now=NOW, scheme_name=v.scheme, rules=RULES, channel="sms",
                    address="+447911123401", person=person, places=v.places,
                    settlements=SETTLEMENT_VIEWS, lifts=lifts, state=state, data=data,
                    **extra)


def _resident(v: Values, companion: bool = False) -> Any:
    return PersonView(7, "resident", v.resident, "+447911123401", "walking_aid", companion,
                      False)


# (kind, stranger?, lifts, messages): each conversation's every reply is collected.
Script = tuple[str, bool, str, tuple[str, ...]]
SCRIPTS: tuple[Script, ...] = (
    ("join", True, "none", ("hello", "Bartholomew Fotheringham-Smythe",
                            "Rose Cottage, Carperby", "dl8 4dh", "2", "yes", "no", "yes")),
    ("join with a request", True, "none", (
        "lift to aysgarth thursday 10.40 please", "Bartholomew Fotheringham-Smythe",
        "Rose Cottage, Carperby DL8 4DH", "banana", "1", "maybe", "no", "no", "yes")),
    ("wrong number", True, "none", ("sorry wrong number",)),
    ("menu", False, "two", ("hello", "purple monkey", "1")),
    ("book step by step", False, "none", ("I need a lift", "1", "wed", "half two", "no",
                                          "5", "yes", "yes")),
    ("book a hospital", False, "none", ("lift to the friarage thursday 2pm", "2", "no", "1",
                                        "3", "thursday", "2pm", "yes")),
    ("book with a companion", False, "none", (
        "aysgarth thursday 10.40 for me and my granddaughter, just there", "yes")),
    ("book refused", False, "none", ("lift to leyburn saturday 10am", "lift to leyburn "
                                     "thursday 7am", "lift to leyburn tomorrow 10am", "yes")),
    ("list and cancel", False, "two", ("my lifts", "cancel", "2", "maybe", "yes")),
    ("change", False, "one", ("can you make it 11 instead", "yes")),
    ("driver coming", False, "today", ("is my driver coming?",)),
    ("driver late", False, "late", ("driver not here yet",)),
    ("faq", False, "none", ("how much does it cost?", "can I bring my dog?",
                            "what do you cover?")),
    ("not medical", False, "none", ("lift to tesco friday", "yes")),
    ("volunteer", False, "none", ("do you need drivers?",)),
    ("bad news", False, "two", ("my husband passed away", "yes")),
    ("keywords", False, "one", ("help", "stop", "start", "thanks", "yes")),
    ("closed day", False, "none", ("lift to the friarage thursday 10am", "purple", "yes",
                                   "1", "yes")),
    ("move onto a closed day", False, "one", ("it's moved to thursday at 11",)),
    ("standing booking", False, "none", (
        "dialysis every mon wed and fri at 8am until the 26th of march to the friarage",
        "1", "yes")),
    ("standing booking step by step", False, "none", (
        "every other tuesday please", "the friarage", "10.40", "2", "no", "4", "1", "yes")),
    ("cancel standing", False, "one", ("cancel my regular lifts", "maybe", "yes")),
    ("cancel two standing", False, "none", ("cancel all my lifts", "1", "yes")),
    ("skip a date", False, "none", ("no lift on monday", "maybe", "yes")),
    ("standing date asked", False, "none", ("have I got a lift on monday?",)),
    ("regular lifts", False, "none", ("my lifts",)),
    ("carer books", False, "none", ("lift to the friarage thursday 10.40", "purple", "1",
                                    "1", "yes", "banana", "2")),
    ("carer lists and cancels", False, "none", ("what lifts has dad got?", "cancel dad's lift",
                                                "yes", "texts to both of us")),
    ("carer not yet", False, "none", ("lift to leyburn thursday 10.40",)),
    ("ask to book for someone", True, "none", (
        "book a lift for my dad, Bartholomew Fotheringham-Smythe",)),
    ("add a contact", False, "none", ("my daughter can book for me, 07700 900123", "maybe",
                                      "2")),
    ("answer a contact request", False, "none", ("yes",)),
    ("refuse a contact request", False, "none", ("3",)),
    ("remove a contact", False, "none", ("please remove my contact", "1", "maybe", "yes")),
    ("moved house", False, "one", ("I've moved to Rose Cottage, Carperby DL8 4DH", "yes",
                                   "we've moved house", "Flat 2, The Green", "no")),
    ("needs changed", False, "one", ("I use a wheelchair now and have a guide dog", "maybe",
                                     "no", "4", "I don't need the wheelchair any more", "yes",
                                     "I use a stick now")),
)
# Scripts run with closure dates (a long reason, as a coordinator might type one).
CLOSURES = {kind: {at(3, 10).astimezone(TZ).date(): "Christmas Eve, the office is shut"}
            for kind in ("closed day", "move onto a closed day")}
CLOSURES["standing booking"] = {at(14, 10).astimezone(TZ).date(): "the volunteers' day out"}


def _standing(v: Values, count: int) -> tuple[Any, ...]:
    try:
        from booking.intake.views import StandingView
    except ImportError:  # older code: no standing bookings
        return ()
    first = at(7, 10).astimezone(TZ).date()
    views = (StandingView(v.lift_id + 100, v.places[5].name, (0, 2, 4), 1, "08:00", first,
                          None, "wait"),
             StandingView(v.lift_id + 101, v.places[0].name, (3,), 2, "14:00", first,
                          None, "collect_later"))
    return views[:count]


def _carers(v: Values, which: str) -> tuple[Any, tuple[Any, ...], tuple[Any, ...]]:
    """(sender, cared for, pending requests) for the carer scripts."""
    try:
        from booking.intake.views import CaredView, PendingContactView
    except ImportError:  # older code: no carers
        return _resident(v), (), ()
    contact = PersonView(40, "contact", "", "+447700900300", "unaided", False, False)
    dad = PersonView(31, "resident", v.resident, "+447700900201", "unaided", False, False)
    mum = PersonView(32, "resident", "Philippa Fotheringham-Smythe", "+447700900202",
                     "unaided", False, False)
    cared = (CaredView(1, dad, "Dad", True, None, (_lift(v, 3, 10),)),
             CaredView(2, mum, "Mum", False, "both", ()))
    pending = (PendingContactView(9, "07700 900300", "Neighbour"),)
    return {"trusted": (_resident(v), (), ()), "contact": (contact, cared, ()),
            "none": (contact, (), ()), "resident": (_resident(v), (), ()),
            "pending": (_resident(v), (), pending)}[which]


def _trusted() -> tuple[Any, ...]:
    from booking.intake.views import PendingContactView
    return (PendingContactView(9, "07700 900300"), PendingContactView(10, "07700 900301"))


CARERS = {"carer books": lambda v: _carers(v, "contact"),
          "carer lists and cancels": lambda v: _carers(v, "contact"),
          "carer not yet": lambda v: _carers(v, "none"),
          "add a contact": lambda v: _carers(v, "resident"),
          "answer a contact request": lambda v: _carers(v, "pending"),
          "refuse a contact request": lambda v: _carers(v, "pending"),
          "remove a contact": lambda v: _carers(v, "trusted")}
STANDING = {"cancel standing": lambda v: _standing(v, 1),
            "cancel two standing": lambda v: _standing(v, 2),
            "skip a date": lambda v: _standing(v, 1),
            "standing date asked": lambda v: _standing(v, 1),
            "regular lifts": lambda v: _standing(v, 2)}


def _lifts(v: Values, which: str) -> tuple[Any, ...]:
    return {
        "none": (),
        "one": (_lift(v, 3, 10),),
        "two": (_lift(v, 3, 10), _lift(v, 8, 14, "confirmed")),
        "today": (_lift(v, 0, 11, "confirmed", driver_first_name=v.driver.split()[0],
                        pickup_at=at(0, 10, 15)),),
        "late": (_lift(v, 0, 10, "confirmed", driver_first_name=v.driver.split()[0],
                       pickup_at=at(0, 9, 0)),),
    }[which]


def dialogue_replies(v: Values) -> Iterator[tuple[str, Reply]]:
    """Every reply of every scripted conversation."""
    for kind, stranger, lifts, messages in SCRIPTS:
        state, data = "idle", {}
        person = None if stranger else _resident(v)
        for text in messages:
            outcome = step(_snap(v, person, state, data, _lifts(v, lifts), kind),
                           Inbound(text=text))
            for reply in outcome.replies:
                yield kind, reply
            state, data = outcome.state, outcome.data


def _call(function: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    """Call a notice with the keyword arguments it knows (older ones take fewer)."""
    known = inspect.signature(function).parameters
    return function(*args, **{k: x for k, x in kwargs.items() if k in known})


def notice_texts(v: Values) -> Iterator[tuple[str, str]]:
    """Every text the core sends a resident."""
    pickup: datetime = at(9, 9, 55)
    when = notices.day_time(pickup, TZ)[:-6]
    first = v.driver.split()[0]
    for plan in ("wait", "collect_later", "one_way"):
        yield f"confirmation ({plan})", _call(
            notices.resident_confirmation, v.driver, v.car, pickup, plan, TZ,
            request_id=v.lift_id)
    yield "confirmation (two drivers)", _call(
        notices.resident_confirmation, v.driver, v.car, pickup, "collect_later", TZ,
        request_id=v.lift_id, home_driver="Christabel")
    for soon in (False, True):
        yield f"reminder (soon={soon})", _call(notices.reminder_text, pickup, first, TZ,
                                               soon=soon, request_id=v.lift_id)
    found = {"unserved_text": getattr(notices, "unserved_text", None),
             "dropped_text": getattr(changes, "driver_lost", None),
             "still_looking_text": getattr(notices, "still_looking_text", None)}
    for name, function in found.items():
        if function is not None:
            yield name, _call(function, when, request_id=v.lift_id)
    for name, text in _inline_notices(when):
        if found.get(name) is None:  # older code wrote these in place
            yield name, text
    if residents is not None:
        yield "address to confirm", residents.ADDRESS_TO_CONFIRM
    yield from _approval_texts(v)
    try:  # choosing a channel (USE WHATSAPP, USE TEXT, USE TELEGRAM)
        from booking import people
    except ImportError:
        people = None  # type: ignore[assignment]
    if people is not None:
        for channel in people.CHANNELS:
            yield f"channel chosen ({channel})", people.chosen_text(channel)
        yield "channel refused (telegram)", people.NO_TELEGRAM
        yield "channel refused (phone)", people.NO_PHONE
    try:
        from booking.standing import skipped_text
    except ImportError:
        return
    from booking.carers import removed_text, request_text, welcome_text
    from booking.messaging.copies import copy_text
    yield "contact request (coordinator)", request_text("07700 900300", v.driver.split()[0],
                                                        v.scheme)
    yield "contact request (contact)", request_text("07700 900300", "", v.scheme)
    yield "contact welcome", welcome_text(v.resident.split()[0], v.scheme)
    yield "contact removed", removed_text(v.resident.split()[0])
    for plan in ("wait", "collect_later", "one_way"):
        yield f"contact copy of a confirmation ({plan})", copy_text(
            v.resident.split()[0], _call(notices.resident_confirmation, v.driver, v.car,
                                         pickup, plan, TZ, request_id=v.lift_id,
                                         home_driver="Christabel"))
    yield "contact copy of the unserved text", copy_text(
        v.resident.split()[0], notices.unserved_text(when, request_id=v.lift_id))
    yield "standing date skipped", skipped_text(pickup.astimezone(TZ).date(),
                                                "Christmas Eve, the office is shut",
                                                "every Mon, Wed and Fri")


def _approval_texts(v: Values) -> Iterator[tuple[str, str]]:
    """Waiting for a coordinator's approval, and hearing it came (where the code has them)."""
    try:
        from booking.people.approval import approved_resident_text
        from bot.dialogue.wording import NOT_ACTIVE, waiting_for_approval
    except ImportError:  # older layouts
        return
    first = v.resident.split()[0]
    yield "waiting for approval", waiting_for_approval(first)
    yield "approved", approved_resident_text(first, v.scheme)
    yield "not active", NOT_ACTIVE


def _inline_notices(when: str) -> list[tuple[str, str]]:
    """The texts older code built in place (offers.py, timers.py), word for word."""
    return [
        ("unserved_text", f"Sorry, we haven't found a driver yet for your lift on {when}. Our "
         "coordinator is still trying and will be in touch, but you may want to make other "
         "plans. Reply CANCEL if you no longer need it."),
        ("dropped_text", f"Sorry, your driver for {when} can no longer make it. We're "
         "finding someone else and will let you know."),
        ("still_looking_text", f"We're still looking for a driver for your lift on {when}. "
         "Our coordinator is helping and we'll tell you as soon as someone is found."),
    ]


def corpus(v: Values) -> list[tuple[str, str, str]]:
    """(kind, raw text, text as sent by SMS) for every resident-facing message."""
    rows = [(kind, reply.text + "".join(o.label for o in reply.options), sms_text(reply))
            for kind, reply in dialogue_replies(v)]
    rows += [(kind, text, sms_text(Reply(text))) for kind, text in notice_texts(v)]
    return rows


def one_segment_share(v: Values) -> tuple[int, int]:
    """(texts fitting one GSM-7 segment, texts) for a corpus."""
    rows = corpus(v)
    fits = sum(1 for _kind, _raw, sent in rows if _segments(sent) == 1)
    return fits, len(rows)


def _segments(text: str) -> int:
    gsm = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOP"
              "QRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
    ext = set("^{}\\[~]|€\f")
    if all(c in gsm or c in ext for c in text):
        size = sum(2 if c in ext else 1 for c in text)
        return 1 if size <= 160 else -(-size // 153)
    return 1 if len(text) <= 70 else -(-len(text) // 67)


if __name__ == "__main__":
    for label, values in (("long values", LONG), ("demo values", DEMO)):
        fits, total = one_segment_share(values)
        print(f"{label}: {fits}/{total} resident texts fit one segment "
              f"({100 * fits / total:.0f}%)")
        for kind, _raw, sent in corpus(values):
            if _segments(sent) > 1:
                print(f"  {_segments(sent)} segments, {len(sent)} chars: {kind}: "
                      f"{sent[:60]!r}...")
