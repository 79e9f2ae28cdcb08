"""A coordinator's chat commands: /roster, /unassigned, /plan, /broadcast, /assign,
/unassign, /for, /report, /invite, /channel, /call."""

from __future__ import annotations

import re
from datetime import date, timedelta

from booking.intake.effects import (
    ActFor,
    AddContactFor,
    AssignByHand,
    Broadcast,
    CreateInvitation,
    PlanNow,
    SetReachFor,
    ShowReport,
    ShowRoster,
    ShowStanding,
    Unassign,
)
from booking.intake.views import Snapshot
from booking.phones import to_e164
from booking.rules import month_end
from bot.dialogue.asking import say
from bot.dialogue.understand import Intent, classify, parse_date
from bot.messages import Outcome

HELP = ("Commands: /roster [day], /unassigned [day], /plan [day], /broadcast <request no.>, "
        "/assign <request no.> <driver's name> [override], /unassign <request no.>, "
        "/for <resident's phone> <what they said>, "
        "/report [month], /invite <driver's name>, /standing, "
        "/channel <phone> sms|whatsapp|telegram, /call <phone> on|off, "
        "/contact <resident's phone> <contact's phone> [what they call them]. Days like "
        "'tomorrow', 'tue' or '3 Dec'; default today (tomorrow for /plan).")
_COMMAND = re.compile(
    r"^\s*/?(roster|unassigned|unassign|plan|broadcast|assign|for|report|invite|standing|"
    r"channel|call|contact)\b\s*(.*)$",
    re.I)


def step(snap: Snapshot, text: str) -> Outcome:
    """One command from a coordinator."""
    match = _COMMAND.match(text)
    # "for" (and "call") alone is an ordinary word: only "/for" speaks for a resident
    if match is None or (match.group(1).lower() in ("for", "call", "channel")
                         and not text.lstrip().startswith("/")):
        name = snap.person.first_name if snap.person else ""
        if classify(text) is Intent.HELP:
            # A coordinator's own "help" or "ring me" would alert the coordinators: themselves.
            return Outcome("idle", {}, say(f"You're one of the coordinators, {name}, so I "
                                           f"haven't alerted anyone. {HELP}"))
        return Outcome("idle", {}, say(f"Hello {name}. {HELP}"))
    command, rest = match.group(1).lower(), match.group(2).strip()
    today = snap.now.astimezone(snap.rules.tz).date()
    if command == "contact":
        resident, rest_words = _phone_then_text(rest)
        contact, label = _phone_then_text(rest_words)
        if resident is None or contact is None:
            return Outcome("idle", {}, say("Please give both numbers: /contact <resident's "
                                           "phone> <contact's phone> [what they call them]"))
        return Outcome("idle", {}, [], [AddContactFor(resident, contact, label[:40])])
    if command == "standing":
        return Outcome("idle", {}, [], [ShowStanding()])
    if command == "invite":
        if not re.search(r"[A-Za-z]{2}", rest):
            return Outcome("idle", {}, say("Please give the driver's name: /invite Jo Smith"))
        return Outcome("idle", {}, [], [CreateInvitation(rest[:120])])
    if command in ("broadcast", "unassign"):
        number = re.search(r"\d+", rest)
        if number is None:
            return Outcome("idle", {}, say(f"Which request? e.g. /{command} 42"))
        effect = Broadcast if command == "broadcast" else Unassign
        return Outcome("idle", {}, [], [effect(int(number.group()))])
    if command == "for":
        phone, said = _phone_then_text(rest)
        if phone is None or not said:
            return Outcome("idle", {}, say(
                "Whose phone, and what did they say? e.g. /for 07911 123401 lift to the "
                "surgery Tuesday 10.40. I'll answer as I would answer them, and they'll get the "
                "confirmation by text."))
        return Outcome("idle", {}, [], [ActFor(phone, said)])
    if command in ("channel", "call"):
        return _reach(command, rest)
    if command == "report":
        period = _month(rest, today)
        if period is None:
            return Outcome("idle", {}, say("Which month? e.g. /report, /report last month, "
                                           "/report October or /report 2026-10"))
        return Outcome("idle", {}, [], [ShowReport(*period)])
    if command == "assign":
        parts = re.match(r"#?(\d+)\s*(?:to\s+)?(.*[A-Za-z].*)$", rest)
        if parts is None:
            return Outcome("idle", {}, say("Which request, and which driver? "
                                           "e.g. /assign 42 Sue Allen"))
        name = parts.group(2).strip()
        override = re.search(r"\s+(override|anyway)\s*!?$", name, re.I)
        if override:
            name = name[:override.start()].strip()
        return Outcome("idle", {}, [], [AssignByHand(int(parts.group(1)), name[:120],
                                                     override=override is not None)])
    day = _day(rest, today, default=today + timedelta(days=1) if command == "plan" else today)
    if day is None:
        return Outcome("idle", {}, say(f"Sorry, I didn't understand the day. {HELP}"))
    if command == "plan":
        return Outcome("idle", {}, [], [PlanNow(day)])
    return Outcome("idle", {}, [], [ShowRoster(day, unassigned_only=command == "unassigned")])


def _reach(command: str, rest: str) -> Outcome:
    """/channel <phone> sms|whatsapp|telegram, /call <phone> on|off: how someone is reached."""
    phone, value = _phone_then_text(rest)
    value = value.lower().strip(" .")
    if command == "channel":
        channel = {"text": "sms", "texts": "sms", "whats app": "whatsapp"}.get(value, value)
        if phone is None or channel not in ("sms", "whatsapp", "telegram"):
            return Outcome("idle", {}, say("Whose phone, and which channel? e.g. /channel "
                                           "07911 123401 whatsapp (or sms, telegram)"))
        return Outcome("idle", {}, [], [SetReachFor(phone, channel=channel)])
    on = {"on": True, "yes": True, "off": False, "no": False}.get(value)
    if phone is None or on is None:
        return Outcome("idle", {}, say("Whose phone, and on or off? e.g. /call 01969 623123 on "
                                       "(their confirmations and reminders then ring them)"))
    return Outcome("idle", {}, [], [SetReachFor(phone, prefers_call=on)])


def _day(text: str, today: date, *, default: date) -> date | None:
    if not text:
        return default
    result = parse_date(text, today)
    if result.day is None and result.problem == "past":
        return None
    return result.day


def _phone_then_text(rest: str) -> tuple[str | None, str]:
    """A phone number typed with or without spaces, then the words to send: the longest
    leading run of number groups that makes a possible number."""
    groups = re.match(r"^([+\d()\- ]+)", rest)
    if groups is None:
        return None, ""
    tokens = groups.group(1).split()
    for n in range(len(tokens), 0, -1):
        phone = to_e164(" ".join(tokens[:n]))
        if phone is not None:
            parts = rest.split(None, n)
            return phone, parts[n].strip() if len(parts) > n else ""
    return None, ""


MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")


def _month(text: str, today: date) -> tuple[date, date] | None:
    """This month so far (no text), last month, a month by name (the latest one not in the
    future) or YYYY-MM; None if it is none of those."""
    words = text.lower().strip()
    this = today.replace(day=1)
    if not words or words in ("this month", "this"):
        return this, today
    if words in ("last month", "last"):
        first = (this - timedelta(days=1)).replace(day=1)
    elif numbered := re.fullmatch(r"(\d{4})-(\d{1,2})", words):
        year, month = int(numbered.group(1)), int(numbered.group(2))
        if not 1 <= month <= 12:
            return None
        first = date(year, month, 1)
    elif named := re.fullmatch(r"([a-z]{3,})\s*(\d{4})?", words):
        month = next((n for n, m in enumerate(MONTHS, 1) if m.startswith(named.group(1))), 0)
        if not month:
            return None
        first = this.replace(month=month)
        if named.group(2):
            first = first.replace(year=int(named.group(2)))
        elif first > this:
            first = first.replace(year=first.year - 1)
    else:
        return None
    if first > this:
        return None
    return first, min(month_end(first), today)
