"""What we tell drivers and residents about trips: short, plain, GSM-safe texts.

Residents' texts never name the clinic or the reason (they can show on a lock screen);
drivers get only what the trip needs, and full addresses only once they have accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from booking.intake.views import MOBILITY_LABELS
from booking.rules import PICKUP_WINDOW_AFTER, PICKUP_WINDOW_BEFORE


@dataclass(frozen=True)
class TripFacts:
    """The facts of one driver's trip for one resident (out, and maybe back)."""

    offer_id: int
    passenger: str  # full name; notices shorten it
    village: str
    destination: str
    destination_notes: str
    pickup_at: datetime
    back_pickup_at: datetime | None
    home_at: datetime | None
    return_plan: str
    mobility: str
    companion: bool
    dog: bool
    miles: float


def short_name(name: str) -> str:
    """'Edith Bainbridge' -> 'Edith B.'."""
    parts = name.split()
    return f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 else (parts[0] if parts else "")


def day_time(instant: datetime, tz: ZoneInfo) -> str:
    """'Tue 1 Dec 10:05'."""
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"


def hm(instant: datetime, tz: ZoneInfo) -> str:
    """'10:05'."""
    return f"{instant.astimezone(tz):%H:%M}"


def needs_text(facts: TripFacts) -> str:
    """'walking aid, with a companion' or ''."""
    bits = []
    if facts.mobility != "unaided":
        bits.append(MOBILITY_LABELS.get(facts.mobility, facts.mobility))
    if facts.companion:
        bits.append("with a companion")
    if facts.dog:
        bits.append("assistance dog")
    return ", ".join(bits)


def _duration(facts: TripFacts) -> str:
    end = facts.home_at or facts.pickup_at
    minutes = max(15, int((end - facts.pickup_at).total_seconds() // 60))
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes} min"


def offer_text(facts: TripFacts, tz: ZoneInfo) -> str:
    """The offer a driver accepts or declines."""
    needs = needs_text(facts)
    who = short_name(facts.passenger) + (f" ({needs})" if needs else "")
    back = {"wait": f", wait and bring home ~{hm(facts.home_at, tz)}" if facts.home_at else "",
            "collect_later": ", collect later" if facts.back_pickup_at else "",
            }.get(facts.return_plan, "")
    return (f"Trip {facts.offer_id}: can you take {who} from {facts.village} to "
            f"{facts.destination}, {day_time(facts.pickup_at, tz)}{back}? "
            f"About {facts.miles:.0f} miles, {_duration(facts)}.")


def offer_sms_hint(offer_id: int) -> str:
    """How to answer an offer by text."""
    return f"Reply YES {offer_id} or NO {offer_id}."


def driver_details(facts: TripFacts, address: str, phone: str | None, tz: ZoneInfo) -> str:
    """What the driver needs once they have accepted, and nothing more."""
    needs = needs_text(facts)
    lines = [f"Thank you! Trip {facts.offer_id} is yours.",
             f"{facts.passenger}, {address}" + (f", tel {phone}" if phone else "") + ".",
             f"Pick up {day_time(facts.pickup_at, tz)} for {facts.destination}."]
    if needs:
        lines.append(f"Needs: {needs}.")
    if facts.destination_notes:
        lines.append(facts.destination_notes)
    if facts.return_plan == "wait" and facts.home_at:
        lines.append(f"Wait and bring them home (~{hm(facts.home_at, tz)}).")
    return " ".join(lines)


def cancel_hint(request_id: int | None) -> str:
    """' Reply CANCEL 482 to cancel.': two words, because Twilio's default opt-out handling
    reads a bare CANCEL on a long code as STOP and blocks every later text."""
    return f" Reply CANCEL {request_id} to cancel." if request_id else ""


def resident_confirmation(driver_name: str, car: str, pickup_at: datetime, return_plan: str,
                          tz: ZoneInfo, *, home_driver: str = "",
                          request_id: int | None = None) -> str:
    """Sent only once every leg is accepted: who, which car, when, and the way home
    (`home_driver`: the first name of another driver who brings them home). One segment
    with a long name and car ("Maximilian", "silver Vauxhall Zafira Tourer")."""
    start, end = pickup_at - PICKUP_WINDOW_BEFORE, pickup_at + PICKUP_WINDOW_AFTER
    home = {"wait": " and brings you home", "collect_later": "; we'll collect you after"
            }.get(return_plan, "")
    if home_driver and return_plan != "one_way":
        home = f"; {home_driver} takes you home"
    first = driver_name.split()[0] if driver_name else "Your driver"
    return (f"Confirmed for {day_time(pickup_at, tz)[:-6]}: {first} will collect you "
            f"{hm(start, tz)}-{hm(end, tz)} in a {car}{home}.{cancel_hint(request_id)}")


def confirmation_facts(driver_name: str, car: str, pickup_at: datetime, return_plan: str,
                       tz: ZoneInfo, *, home_driver: str = "",
                       request_id: int | None = None) -> dict[str, str]:
    """The confirmation's facts, for its WhatsApp template and its call (templates.py)."""
    start, end = pickup_at - PICKUP_WINDOW_BEFORE, pickup_at + PICKUP_WINDOW_AFTER
    home = {"wait": "They will bring you home.", "collect_later": "We'll collect you after.",
            }.get(return_plan, "No lift home is booked.")
    if home_driver and return_plan != "one_way":
        home = f"{home_driver} will take you home."
    return {"day": day_time(pickup_at, tz)[:-6],
            "driver": driver_name.split()[0] if driver_name else "Your driver",
            "window": f"{hm(start, tz)}-{hm(end, tz)}", "car": car, "home": home,
            "ref": str(request_id or "")}


def reminder_facts(pickup_at: datetime, driver_first: str, tz: ZoneInfo, *, soon: bool,
                   request_id: int | None = None) -> dict[str, str]:
    """A reminder's facts, for its WhatsApp template and its call."""
    when = f"today at {hm(pickup_at, tz)}" if soon else f"tomorrow, {day_time(pickup_at, tz)}"
    return {"driver": driver_first, "when": when, "ref": str(request_id or "")}


def reminder_text(pickup_at: datetime, driver_first: str, tz: ZoneInfo, *, soon: bool,
                  request_id: int | None = None) -> str:
    """A reminder for the resident (no clinic name: it may show on a lock screen)."""
    when = f"today at {hm(pickup_at, tz)}" if soon else f"tomorrow, {day_time(pickup_at, tz)}"
    return f"Reminder: {driver_first} will collect you {when}.{cancel_hint(request_id)}"


def unserved_text(when: str, *, request_id: int | None = None) -> str:
    """The early warning that no driver has been found (`when`: 'Wed 16 Dec')."""
    hint = f" Reply CANCEL {request_id} if you don't need it." if request_id else ""
    return (f"Sorry, no driver yet for your lift on {when}. A coordinator is still trying,"
            f" but you may want to make other plans.{hint}")


def unserved_facts(when: str, *, request_id: int | None = None) -> dict[str, str]:
    """The early warning's facts, for its WhatsApp template and its call."""
    return {"day": when, "ref": str(request_id or "")}


def offer_facts(offer_id: int, text: str) -> dict[str, str]:
    """An offer's facts, for its WhatsApp template (its words, and the number to answer)."""
    return {"details": text, "ref": str(offer_id)}


def still_looking_text(when: str) -> str:
    """Several drivers have said no; a coordinator is helping."""
    return (f"We're still looking for a driver for your lift on {when}. Our coordinator is "
            "helping and we'll tell you as soon as someone is found.")
