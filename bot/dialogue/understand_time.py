"""Times of day in elderly people's texts ("half ten", "10.40", "2pm", "at 9"): pure functions.

Our own regexes rather than dateparser: fast from the first call, never reading "at 9" as the
9th, and applying the GP-hours rule when am/pm is missing (GP surgeries open about
08:00-18:30, so 1-7 mean pm, 8-11 am, 12 noon; a leading zero, "07:45", means the 24-hour
clock). Callers blank date phrases first, so "3/12/2026" never yields 20:26.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.dialogue.understand_text import overlaps

NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1}
_MINUTE_WORDS = {"five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "twenty five": 25,
                 "twenty-five": 25, "twentyfive": 25, "thirty": 30, "forty": 40,
                 "forty five": 45, "forty-five": 45, "fourty five": 45, "fifty": 50,
                 "fifty five": 55, "o five": 5, "oh five": 5}
_HOUR_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_HOUR = r"(?P<h>(?<![\d.:/£$])\d{1,2}(?![\d/])|" + _HOUR_WORDS + ")"
_MINW = "|".join(sorted((re.escape(w) for w in _MINUTE_WORDS), key=len, reverse=True))
_AP = r"(?:\s*(?P<ap>am|pm)\b)?"
# "9 in the morning", "2 in the afternoon": the day-part settles am/pm.
_STREET = (r"(?:lane|road|rd|street|st|close|avenue|ave|drive|way|terrace|crescent|court|"
           r"green|cottages?|farm|house|gardens|grove|place|row|square|walk|view|hill|bank|"
           r"garth|fold|yard|croft|mews|flats?)")
_PART = r"(?:\s+(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|night))?"

# Tried in this order; a later pattern never reuses text an earlier one took.
_TIME_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rx)) for kind, rx in (
        ("noon", r"\b(?:12\s*)?(?:noon|mid\s?-?day)\b"),
        ("midnight", r"\bmidnight\b"),
        ("quarter", r"\b(?:a\s+)?quarter\s+(?P<dir>past|after|to|til|till|of)\s+"
                    + _HOUR + r"\b" + _AP),
        ("minutes", r"\b(?P<m>\d{1,2}|" + _MINW + r")\s*(?:minutes?|mins?)?\s+"
                    r"(?P<dir>past|after|to|til|till)\s+" + _HOUR + r"\b" + _AP),
        ("half", r"\bhalf\s*-?\s*(?:past\s+|after\s+)?" + _HOUR + r"\b" + _AP + _PART),
        ("hh:mm", r"(?<![\d./:£$])(?P<h>\d{1,2})\s?[:.;]\s?(?P<m>\d{2})(?!\d)(?![./:]\d)"
                  + _AP + _PART),
        ("hh mm ap", r"(?<![\d./:£$])(?P<h>\d{1,2})\s(?P<m>[0-5]\d)\s*(?P<ap>am|pm)\b"),
        ("hhmm", r"(?P<at>\b(?:at|@)\s*)?(?<![\d./:£$])(?P<hm>\d{3,4})(?![\d/])(?![.:]\d)" + _AP),
        ("h ap", _HOUR + r"\s*(?P<ap>am|pm)\b"),
        ("oclock", _HOUR + r"\s*oclock\b" + _PART),
        ("ish", _HOUR + r"\s*-?\s*ish\b" + _PART),
        ("words", r"\b(?P<h>" + _HOUR_WORDS + r")\s+"
                  r"(?P<m>" + _MINW + r")\b" + _AP),
        ("part", _HOUR + r"\s+in\s+the\s+(?P<part>morning|afternoon|evening|night)\b"),
        ("at", r"(?:\b(?:at|about|around|arround|abt|approx|by|for|from|after|before)\b|@)\s*"
               + _HOUR + r"(?!\s*(?:st|nd|rd|th)\b)(?![.:/-]\s?\d)"
               r"(?!\s*(?:days?|weeks?|months?|years?|mins?|minutes?|hours?|hrs?|people|of\b|"
               r"pounds?|miles?|persons?|passengers?|x\b|%))"
               # "at 4 church lane" is an address, not four o'clock.
               r"(?!\s+(?:[a-z]+\s+){0,2}?" + _STREET + r"\b)" + _PART),
    )
)


def _hour_value(raw: str) -> int:
    """The number in an hour token ("10", "ten")."""
    return int(raw) if raw.isdigit() else NUM_WORDS.get(raw, 99)


def _clock(hour: int, minute: int, ap: str | None, part: str | None = None,
           twenty_four: bool = False) -> time | None:
    """A time of day from an hour as written, applying am/pm or the GP-hours rule."""
    if not 0 <= minute <= 59 or not 0 <= hour <= 23:
        return None
    if ap is None and part:
        ap = "am" if part == "morning" else "pm"
    if ap == "am":
        hour = 0 if hour == 12 else hour
    elif ap == "pm":
        hour = hour + 12 if hour < 12 else hour
    elif not twenty_four and 1 <= hour <= 7:
        # GP surgeries open about 08:00-18:30, so a bare 1-7 is an afternoon time.
        hour += 12
    return time(hour, minute)


def _match_time(kind: str, m: re.Match[str]) -> time | None:
    """The time one pattern match stands for, or None when it is impossible or not a time."""
    g = m.groupdict()
    ap, part = g.get("ap"), g.get("part")
    if kind == "noon":
        return time(12, 0)
    if kind == "midnight":
        return time(0, 0)
    if kind in ("quarter", "minutes"):
        mins = 15 if kind == "quarter" else _minutes(g["m"])
        back = g["dir"] in ("to", "til", "till", "of")
        at = _clock(_hour_value(g["h"]), 0, ap)
        if at is None or mins is None or not 0 < mins <= 30:
            return None
        moved = datetime.combine(date(2000, 1, 2), at) + timedelta(minutes=-mins if back else mins)
        return moved.time()
    if kind == "hhmm":
        digits = g["hm"]
        hour, minute = int(digits[:-2]), int(digits[-2:])
        clear = bool(ap or g.get("at"))
        # A bare 4-digit number is a time only inside surgery-ish hours: "1040" yes, "2026" no.
        if not clear and (len(digits) == 3 or not 7 <= hour <= 19):
            return None
        return _clock(hour, minute, ap, None, twenty_four=digits.startswith("0"))
    h = g["h"]
    hour = _hour_value(h)
    twenty_four = h.isdigit() and len(h) == 2 and h.startswith("0")
    if kind == "half":
        return _clock(hour, 30, ap, part)
    minute = 0
    if kind == "hh:mm" or kind == "hh mm ap":
        minute = int(g["m"])
    elif kind == "words":
        minute = _minutes(g["m"]) or 0
    if kind == "at" and hour > 23:
        return None
    return _clock(hour, minute, ap, part, twenty_four)


def _minutes(raw: str) -> int | None:
    """Minutes written as digits or words."""
    if raw.isdigit():
        return int(raw)
    return _MINUTE_WORDS.get(raw.replace("  ", " "))


def _times(norm: str) -> list[tuple[int, time | None]]:
    """Every time-like phrase in normalised text as (position, time or None if impossible)."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, time | None]] = []
    for kind, pattern in _TIME_PATTERNS:
        for m in pattern.finditer(norm):
            if overlaps(m.span(), taken):
                continue
            value = _match_time(kind, m)
            if value is None and kind in ("hhmm", "at", "h ap", "words", "ish"):
                continue  # not clearly a time: a year, a count, a house number
            taken.append(m.span())
            found.append((m.start(), value))
    return sorted(found, key=lambda item: item[0])


def first_time(norm: str) -> time | None:
    """The earliest valid time in already date-masked text."""
    for _pos, value in _times(norm):
        if value is not None:
            return value
    return None


def time_spans(norm: str) -> list[tuple[int, int]]:
    """Spans of normalised text that read as times (so the place matcher can skip them)."""
    taken: list[tuple[int, int]] = []
    for _kind, pattern in _TIME_PATTERNS:
        taken.extend(m.span() for m in pattern.finditer(norm) if not overlaps(m.span(), taken))
    return taken
