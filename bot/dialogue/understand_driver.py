"""What a volunteer driver's message means: weekly free times, time away, limits, check dates.

Pure functions, no I/O, never raising, reading only the first MAX_CHARS characters (like
`understand`). Times of day reuse `understand_time` (so the GP rule holds: a bare 1-7 is pm)
and day names reuse `understand_when`. Day parts and "all day" use the constants below.
Dates (`parse_away`, `parse_check_date`) live in `understand_driver_dates`, and counts
(`parse_max_trips`, `parse_miles`, `parse_seats`) in `understand_driver_counts`; both are
re-exported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import NamedTuple

from bot.dialogue.understand_driver_counts import parse_max_trips, parse_miles, parse_seats
from bot.dialogue.understand_driver_dates import Away, parse_away, parse_check_date
from bot.dialogue.understand_text import mask, normalise, words_only
from bot.dialogue.understand_time import first_time, time_spans
from bot.dialogue.understand_when import weekday_of

__all__ = [
    "AFTERNOON", "ALL_DAY", "EVENING", "MORNING", "Away", "Slot", "describe_weekly",
    "parse_away", "parse_check_date", "parse_max_trips", "parse_miles", "parse_seats",
    "parse_weekly",
]

# Day parts as (start, end) minutes after midnight. "All day" matches GP hours (08:00-18:30),
# the window residents' lifts fall in; a morning ends before lunch, an afternoon at 17:30.
MORNING = (9 * 60, 12 * 60 + 30)
AFTERNOON = (13 * 60, 17 * 60 + 30)
EVENING = (17 * 60 + 30, 20 * 60)
ALL_DAY = (8 * 60, 18 * 60 + 30)

_SHORT_PLURALS = frozenset({"mons", "fris", "sats", "suns"})
_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Slot:
    """Free every week on `weekday` (0=Monday) from start to end, minutes after local midnight."""

    weekday: int
    start_minute: int
    end_minute: int


# --- the pieces of a message -----------------------------------------------------------

_H = r"(?:[01]?\d|2[0-3]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
# One time of day as people write it; turned into a `time` by `understand_time`.
_T = (r"(?:(?:a\s+)?quarter\s+(?:past|to)\s+" + _H + r"|half\s*(?:past\s+)?" + _H
      + r"|(?:12\s*)?(?:noon|mid\s?-?day)|\d{3,4}|" + _H + r"(?:\s?[:.]\s?[0-5]\d)?)"
      r"(?:\s*(?:am|pm|oclock)(?![a-z]))?")
_TB = r"(?<![\w.:/£$])" + _T + r"(?![\w:/]|\.\d)"
_TO = r"\s*(?:-+|to|'?till?|un?till?|thru|through)\s*"
_DAYW = r"[a-z]{2,10}"
_ITEM = re.compile(
    r"(?P<range>(?:from\s+)?(?P<a>" + _TB + r")" + _TO + r"(?P<b>" + _TB + r"))"
    r"|(?P<btw>between\s+(?P<c>" + _TB + r")\s*(?:and|&|-|to)\s*(?P<d>" + _TB + r"))"
    r"|(?P<open>(?P<op>after|from|before|until|untill|till|til)\s+(?P<e>" + _TB + r"))"
    r"|(?P<dayrange>(?P<d1>" + _DAYW + r")" + _TO + r"(?P<d2>" + _DAYW + r"))(?![a-z])"
    r"|(?P<group>week\s?days?|weekends?|every\s?-?\s?days?|each\s+day|daily|any\s+day|"
    r"all\s+week|(?:7|seven)\s+days(?:\s+a\s+week)?)(?![a-z])"
    r"|(?P<part>mornings?|afternoons?|evenings?|am|pm|all\s+day|any\s?time|all\s+the\s+time|"
    r"whole\s+day|full\s+day|all\s+hours|daytimes?)(?![a-z])"
    r"|(?P<not>except(?:\s+for)?|excluding|apart\s+from|but\s+not|other\s+than|not|no|never|"
    r"cant|can't|cannot)(?![a-z'])"
    r"|(?P<stop>[.;!?]|\bbut\b)"
    r"|(?P<comma>,|\band\b|&|\+)"
    r"|(?P<word>[a-z']+)"
)
_GROUPS = {"weekday": range(5), "weekend": range(5, 7)}
_NONE = re.compile(r"^(?:no|nope|na|n a|nil|zero|0|none|nothing)$|\b(?:none|nothing|"
                   r"not (?:at the moment|now|currently|right now|at present|for now|"
                   r"for a while|available|any)|unavailable|no (?:days|times|availability|"
                   r"slots|regular)|not free|cant at the moment)\b")

_Span = tuple[int, int]


class _Item(NamedTuple):
    """A day set ("days", or "out" after "except") or a time span, in message order."""

    kind: str
    days: frozenset[int]
    span: _Span
    separated: bool  # a comma, "and" or full stop came before it


def _to_time(token: str) -> time | None:
    """A time written loosely ("9", "half nine", "1.30", "0900", "2pm"), GP rule applied."""
    return first_time("at " + token)


def _bare(token: str) -> bool:
    """Whether a time was written without am/pm or 24-hour cues, so the GP rule guessed."""
    return re.search(r"am|pm|noon|mid|^0|^\d{3,4}$|^(?:1[3-9]|2\d)", token) is None


def _minutes(at: time) -> int:
    """Minutes after midnight."""
    return at.hour * 60 + at.minute


def _range(a: str, b: str) -> _Span | None:
    """Start and end minutes of "a till b", fixing the GP guess when it makes no sense."""
    start, end = _to_time(a), _to_time(b)
    if start is None or end is None:
        return None
    s, e = _minutes(start), _minutes(end)
    bare_a, bare_b = _bare(a), _bare(b)
    if bare_a and "pm" in b and s < 720 and s + 720 < e:
        s += 720  # "8-10pm": the pm carries back to the start
    elif bare_a and "am" in b and s >= 780:
        s -= 720  # "7-9am"
    if e <= s and bare_a and s >= 1080 and s - 720 < e:
        s -= 720  # "7 till 9" or "6-8": an early start, not 19:00 ("5-3" stays unclear)
    elif e <= s and bare_b and e < 720 and e + 720 > s:
        e += 720  # "1pm till 9": the end is evening
    return (s, e) if e > s else None


def _open(op: str, token: str) -> _Span | None:
    """An open-ended time ("after 2", "until 12") closed with the all-day bounds."""
    at = _to_time(token)
    if at is None:
        return None
    m = _minutes(at)
    if op in ("after", "from"):
        return (m, ALL_DAY[1]) if m < ALL_DAY[1] else None
    return (ALL_DAY[0], m) if m > ALL_DAY[0] else None


def _part(word: str) -> _Span:
    """The minutes a day part ("mornings", "pm", "all day") stands for."""
    if word.startswith("morning") or word == "am":
        return MORNING
    if word.startswith("afternoon") or word == "pm":
        return AFTERNOON
    if word.startswith("evening"):
        return EVENING
    return ALL_DAY


def _days(m: re.Match[str]) -> set[int] | None:
    """The weekdays a day word, day range or group names, or None when it names none."""
    g = m.lastgroup
    if g == "group":
        word = re.sub(r"\s", "", m.group("group"))
        for key, days in _GROUPS.items():
            if word.startswith(key):
                return set(days)
        return set(range(7))
    if g == "dayrange":
        first, last = _weekday(m.group("d1")), _weekday(m.group("d2"))
        if first is None or last is None:
            # "happy to do mon": only one side is a day.
            one = first if first is not None else last
            return None if one is None else {one}
        return {(first + i) % 7 for i in range((last - first) % 7 + 1)}
    return None if g != "word" else ({w} if (w := _weekday(m.group())) is not None else None)


def _weekday(word: str) -> int | None:
    """A weekday from a word, including plurals like "weds" and "thursdays"."""
    word = word.replace("'", "")
    day = weekday_of(word)
    # Plurals of full names and of "mon"/"fri"/"sat"/"sun", but "thus" is not Thursdays.
    if day is None and word.endswith("s") and (len(word) > 4 or word in _SHORT_PLURALS):
        day = weekday_of(word[:-1])
    return day


# --- weekly availability ---------------------------------------------------------------

def _items(norm: str) -> tuple[list[_Item], list[_Span]] | None:
    """(kind, value, separated) for days, times and "except" in order, and the spans used."""
    items: list[_Item] = []
    used: list[_Span] = []
    negate = separated = False
    for m in _ITEM.finditer(norm):
        kind = m.lastgroup
        span: _Span | None = None
        if kind == "range":
            span = _range(m.group("a"), m.group("b"))
        elif kind == "btw":
            span = _range(m.group("c"), m.group("d"))
        elif kind == "open":
            span = _open(m.group("op"), m.group("e"))
        elif kind == "part":
            span = _part(m.group("part"))
        if kind in ("range", "btw", "open", "part"):
            if span is None:
                return None  # a time we cannot make sense of: ask rather than guess
            items.append(_Item("time", frozenset(), span, separated))
            negate = separated = False
        elif kind == "not":
            negate = True
        elif kind in ("stop", "comma"):
            separated = True
            # "except Fri, Sat" goes on excluding; "no problem, Mondays" does not.
            if kind == "stop" or not (items and items[-1].kind == "out"):
                negate = False
        elif (days := _days(m)) is not None:
            items.append(_Item("out" if negate else "days", frozenset(days), (0, 0), separated))
            separated = False
        else:
            continue
        used.append(m.span())
    return items, used


def _group(items: list[_Item]) -> list[tuple[set[int], list[_Span]]] | None:
    """Pair day sets with their times, days first ("Mon 9-12, Wed 2-5") or times first."""
    groups: list[tuple[set[int], list[_Span]]] = []
    days: set[int] = set()
    times: list[_Span] = []
    times_first = bool(items) and items[0][0] == "time"
    previous = ""
    last_sep = False
    for kind, item_days, span, separated in items:
        if kind == "time":
            if previous == "out" and not separated:
                return None  # "every day except Friday mornings": which way round?
            if times_first and days:
                groups.append((days, times))
                days, times = set(), []
            times.append(span)
            last_sep = separated
        elif kind == "days":
            if not times_first and times:
                # "Monday mornings and all day Thursday": a time after "and" that runs
                # straight into a day belongs to that day.
                moved = times.pop() if last_sep and not separated and len(times) > 1 else None
                groups.append((days, times))
                days, times = set(), [moved] if moved else []
            days |= item_days
        previous = kind
    groups.append((days, times))
    return groups


def parse_weekly(text: str) -> list[Slot] | None:
    """Weekly free times ("Mondays and Thursdays 9 till 1"); [] for "none"; None if unclear."""
    norm = normalise(text)
    found = _items(norm)
    if found is None:
        return None
    items, used = found
    if not items:
        return [] if _NONE.search(words_only(norm)) else None
    # A clock time or number left over ("Monday at 9", "mon 25-30") is not a range we
    # understood: ask rather than guess.
    rest = mask(norm, used)
    if time_spans(rest) or re.search(r"\d", rest):
        return None
    groups = _group(items)
    if groups is None:
        return None
    any_times = any(item.kind == "time" for item in items)
    out = {day for item in items if item.kind == "out" for day in item.days}
    slots: set[Slot] = set()
    for days, times in groups:
        if not days and not times:
            continue
        if not days or (not times and any_times):
            return None  # times with no day, or days whose times are unclear
        for day in days - out:
            for start, end in times or [ALL_DAY]:
                slots.add(Slot(day, start, end))
    return _merge(slots) or None


def _merge(slots: set[Slot]) -> list[Slot]:
    """Slots sorted by day and start, with overlapping ones on the same day joined."""
    merged: list[Slot] = []
    for slot in sorted(slots, key=lambda s: (s.weekday, s.start_minute, s.end_minute)):
        last = merged[-1] if merged else None
        if last and last.weekday == slot.weekday and slot.start_minute <= last.end_minute:
            merged[-1] = Slot(last.weekday, last.start_minute,
                              max(last.end_minute, slot.end_minute))
        else:
            merged.append(slot)
    return merged


def _hhmm(minute: int) -> str:
    """Minutes after midnight as "09:30"."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def describe_weekly(slots: list[Slot]) -> str:
    """A plain-text read-back like "Mon 09:00-13:00, Thu 09:00-13:00" ("none" when empty)."""
    ordered = sorted(slots, key=lambda s: (s.weekday, s.start_minute, s.end_minute))
    parts = [f"{_DAY_ABBR[s.weekday % 7]} {_hhmm(s.start_minute)}-{_hhmm(s.end_minute)}"
             for s in ordered]
    return ", ".join(parts) if parts else "none"
