"""How we say things: short, friendly, plain GSM characters (no emoji, no curly quotes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from booking.intake.views import PlaceView
from bot.dialogue.asking import ask
from bot.messages import Option, Outcome, Reply

YES_NO = (Option("yes", "Yes"), Option("no", "No"))

# Labels are typed back as answers, so none may contain a keyword (HELP, STOP, CANCEL):
# "I walk without help" once called a coordinator and threw a half-done join away.
MOBILITY_OPTIONS = (
    Option("mob:unaided", "I walk unaided"),
    Option("mob:walking_aid", "I use a stick or walker"),
    Option("mob:folding_wheelchair", "Folding wheelchair"),
    Option("mob:wheelchair_vehicle", "I need a wheelchair car"),
)

MENU = (
    Option("menu:book", "Book a lift"),
    Option("menu:list", "My lifts"),
    Option("menu:cancel", "Cancel a lift"),
    Option("menu:help", "Talk to a person"),
)

RETURN_OPTIONS = (
    Option("ret:wait", "Driver waits, brings me home"),
    Option("ret:collect_later", "Driver collects me later"),
    Option("ret:one_way", "Lift there only"),
)

RETURN_READBACK = {
    "wait": "the driver waits and brings you home",
    "collect_later": "a driver collects you after",
    "one_way": "a lift there only, not home",
}

def booking_example(places: Sequence[PlaceView]) -> str:
    """An example booking in the scheme's own words: its first surgery's town ('"Holt
    surgery Tuesday 10.40"'), so no scheme's newcomers are shown another's places."""
    gp = next((p for p in places if p.kind == "gp"), places[0] if places else None)
    if gp is None:
        return '"the surgery, Tuesday 10.40"'
    what = "hospital" if gp.kind == "hospital" else "surgery"
    return f'"{gp.town} {what} Tuesday 10.40"' if gp.town else f'"{gp.name} Tuesday 10.40"'


def idle_menu(opening: str, *, understood: bool = True) -> Outcome:
    """The resident's menu after `opening`. Kept to one text: the example of a booking is
    left to the "Book a lift" question, which the menu leads to."""
    outcome = ask("idle", {}, Reply(f"{opening} What would you like to do?"
                                    if not opening.endswith("?") else opening, MENU))
    outcome.understood = understood
    return outcome


def day_text(instant: datetime, tz: ZoneInfo) -> str:
    """'Tue 1 Dec' in the scheme's time zone."""
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}"


def time_text(instant: datetime, tz: ZoneInfo) -> str:
    """'10:40' in the scheme's time zone."""
    return f"{instant.astimezone(tz):%H:%M}"


def when_text(instant: datetime, tz: ZoneInfo) -> str:
    """'Tue 1 Dec at 10:40'."""
    return f"{day_text(instant, tz)} at {time_text(instant, tz)}"


def clock_text(instant: datetime, tz: ZoneInfo) -> str:
    """'7pm Mon 30 Nov' or '7:30pm Mon 30 Nov': how we promise a time."""
    local = instant.astimezone(tz)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{suffix} {day_text(instant, tz)}"


def reason_text(reason: str) -> str:
    """A closure's reason after a date: ' (Christmas Day)', or nothing."""
    return f" ({reason})" if reason else ""


def waiting_for_approval(first: str) -> str:
    """A newcomer the scheme confirms before they book (one text)."""
    return (f"Thank you, {first}! A coordinator will confirm your details soon, then you "
            "can book lifts. We'll text you as soon as that's done.")


NOT_ACTIVE = ("Sorry, your details aren't active with us at the moment, so I can't book a "
              "lift. Send HELP and a coordinator will get in touch.")
