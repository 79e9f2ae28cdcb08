"""Dates in drivers' messages: time away ("away 1-14 Dec") and check or expiry dates.

Pure functions, never raising. Single days reuse `understand_when.parse_date`, so "next
Tuesday" is the first Tuesday after today, exactly as for residents (the bot reads it back).
A range's end is read from its start ("28 Dec to 3 Jan" crosses the year); an absence that
has already begun ("away 20-30 Nov" on the 23rd) keeps its real first day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.dialogue.understand_text import mask, normalise
from bot.dialogue.understand_time import NUM_WORDS
from bot.dialogue.understand_when import date_spans, month_of, parse_date


@dataclass(frozen=True)
class Away:
    """Not available on these days, inclusive."""

    first_day: date
    last_day: date


# An absence already under way may have begun this long ago; older readings roll forward.
_LOOKBACK = timedelta(days=62)
# Longer absences, or ones further off, are more likely misreadings than plans.
_MAX_LENGTH = timedelta(days=366)
_HORIZON = timedelta(days=730)
_ONE_DAY = timedelta(days=1)
# Check dates a decade either side are typos ("2042", "1924"), not certificates.
_CHECK_RANGE = timedelta(days=3653)

_ORD = r"(?:\s?(?:st|nd|rd|th)\b)?"
_TO = r"\s*(?P<to>-|to|till?|until|untill|through|thru|and|&)\s*(?:the\s+)?"
_YR = r"(?:\s*,?\s*(?P<y>20\d\d))?"
_DAY_THEN_MONTH = re.compile(r"(?<![\d/.])(?:the\s+)?(?P<d1>\d{1,2})" + _ORD + _TO
                             + r"(?P<d2>\d{1,2})" + _ORD + r"\s*(?:of\s+)?(?P<mon>[a-z]{3,10})"
                             r"\.?(?![a-z])" + _YR)
_MONTH_THEN_DAY = re.compile(r"\b(?P<mon>[a-z]{3,10})\.?\s+(?:the\s+)?(?P<d1>\d{1,2})" + _ORD
                             + _TO + r"(?P<d2>\d{1,2})" + _ORD + r"(?![\d/.])" + _YR)
_COUNT = r"(?P<n>\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a couple of)"
_DURATION = re.compile(r"\bfor\s+(?:the\s+(?:next\s+)?)?(?:" + _COUNT + r"\s+)?"
                       r"(?P<unit>days?|nights?|weeks?|fortnights?)\b")
_WEEK = re.compile(r"\b(?P<after>(?:the\s+)?week\s+after\s+next)\b"
                   r"|\b(?:(?P<which>next|this|the|coming)\s+)?(?P<unit>weekend|week)\b")
_BACK = re.compile(r"\b(?:back|home|returning|return|available again|free again)\b"
                   r"(?:\s+(?:on|from|by|for))?")
_UNTIL = re.compile(r"\b(?:until|untill|till|til|to|through|thru|up to|before)\s*$")
_FROM = re.compile(r"\b(?:from|after|starting|start|as of)\s*(?:on\s+)?$")
_VAGUE = re.compile(r"^(?:(?:next|this|the)\s+(?:week|month|weekend)|weekend|next\s+month)$")
_MONTH_ONLY = re.compile(r"\b(?P<lead>all\s+(?:of\s+)?|(?:the\s+)?whole\s+of\s+|in\s+|during\s+"
                         r"|for\s+)?(?P<mon>[a-z]{3,9})\b" + _YR)
_MONTH_NAMES = {name[:3] for name in calendar.month_name[1:]} | {
    n.lower() for n in calendar.month_name[1:]} | {"sept"}


def _expand_ranges(norm: str) -> str:
    """ "1-14 dec" and "dec 1-14" as "1 dec to 14 dec", so both ends carry the month."""
    for pattern in (_DAY_THEN_MONTH, _MONTH_THEN_DAY):
        m = pattern.search(norm)
        if m and month_of(m.group("mon")) is not None:
            year = f" {m.group('y')}" if m.group("y") else ""
            mon = m.group("mon")
            text = f"{m.group('d1')} {mon}{year} {m.group('to')} {m.group('d2')} {mon}{year}"
            return norm[: m.start()] + text + norm[m.end():]
    return norm


def _spans(norm: str) -> list[tuple[int, int]]:
    """Spans of definite date phrases (not "next week") in normalised text."""
    return [s for s in date_spans(norm) if not _VAGUE.match(norm[s[0]:s[1]].strip())]


def _day(text: str, ref: date) -> date | None:
    """The day a phrase means on or after `ref` (weekdays strictly after), else None."""
    return parse_date(text, ref).day


def _pair(start: str | None, end: str, today: date, back: bool) -> Away | None:
    """An absence from `start` (today when None) to `end`, or the day before a "back" day."""
    # An ongoing absence first ("20-30 Nov" on the 23rd), then the usual forward reading.
    for ref in (today - _LOOKBACK, today):
        first = today if start is None else _day(start, ref)
        if first is None:
            continue
        last = _day(end, first)
        if last is None:
            continue
        if back:
            last -= timedelta(days=1)
        if ref < today and not first < today <= last:
            continue
        return _checked(first, last, today)
    return None


def _checked(first: date, last: date, today: date) -> Away | None:
    """The absence if it is sensible: in order, not over, not too long or too far off."""
    if first > last or last < today or last - first > _MAX_LENGTH or first > today + _HORIZON:
        return None
    return Away(first, last)


def _duration(norm: str) -> tuple[int, tuple[int, int]] | None:
    """Days in "for two weeks" / "for 10 days", with the phrase's span."""
    m = _DURATION.search(norm)
    if not m:
        return None
    raw = (m.group("n") or "1").replace("a couple of", "two")
    n = int(raw) if raw.isdigit() else NUM_WORDS.get(raw, 1)
    unit = m.group("unit")
    days = n * (14 if unit.startswith("fortnight") else 7 if unit.startswith("week") else 1)
    return (days, m.span()) if 0 < days <= 366 else None


def _week(norm: str, today: date) -> Away | None:
    """ "next week" (Monday to Sunday), "this week", "week after next", "the weekend"."""
    m = _WEEK.search(norm)
    if not m:
        return None
    monday = today - timedelta(days=today.weekday())
    if m.group("after"):
        return Away(monday + timedelta(days=14), monday + timedelta(days=20))
    which = m.group("which") or "this"
    if m.group("unit") == "weekend":
        # The coming Saturday and Sunday (the rest of it when said at the weekend).
        return Away(max(today, monday + timedelta(days=5)), monday + timedelta(days=6))
    if which == "next":
        return Away(monday + timedelta(days=7), monday + timedelta(days=13))
    return Away(today, monday + timedelta(days=6))


def _month(norm: str, today: date) -> Away | None:
    """A whole month ("all of December", "in Jan 2027"), from today if it is this month."""
    for m in _MONTH_ONLY.finditer(norm):
        word = m.group("mon")
        # "may" is usually the verb: only "in May", "all of May" or "May 2027".
        if word not in _MONTH_NAMES or (word == "may" and not (m.group("lead") or m.group("y"))):
            continue
        month = month_of(word) or 1
        year = int(m.group("y")) if m.group("y") else today.year + (month < today.month)
        last = date(year, month, calendar.monthrange(year, month)[1])
        return _checked(max(date(year, month, 1), today), last, today)
    return None


def parse_away(text: str, today: date) -> Away | None:
    """Days a driver is away ("away 1-14 Dec", "not this Friday", "off tomorrow"), else None."""
    norm = _expand_ranges(normalise(text))
    back = _BACK.search(norm)
    if back:
        head, tail = norm[: back.start()], norm[back.end():]
        starts, ends = _spans(head), _spans(tail)
        if not ends or len(starts) > 1:
            return None
        start = head[starts[0][0]:starts[0][1]] if starts else None
        return _pair(start, tail[ends[0][0]:ends[0][1]], today, back=True)
    duration = _duration(norm)
    if duration:
        norm = mask(norm, [duration[1]])  # "for a week from Monday" is not "a week on Monday"
    spans = _spans(norm)
    if len(spans) == 2:
        (s1, e1), (s2, e2) = spans
        found = _pair(norm[s1:e1], norm[s2:e2], today, back=False)
        # "the 3rd and the 10th" are two days, not a week: ask (next to each other is fine).
        joined = re.search(r"\band\b|[,&+]", norm[e1:s2]) and "between" not in norm[:s1]
        return None if found and joined and found.last_day - found.first_day > _ONE_DAY else found
    if len(spans) > 2:
        return None
    if not spans:
        if duration:
            return _checked(today, today + timedelta(days=duration[0] - 1), today)
        return _week(norm, today) or _month(norm, today)
    before = norm[: spans[0][0]]
    day = parse_date(norm, today).day
    if day is None:
        return None
    if _UNTIL.search(before):
        return _checked(today, day, today)
    if duration:
        return _checked(day, day + timedelta(days=duration[0] - 1), today)
    if _FROM.search(before):
        return None  # "away from Monday": until when? ask
    return _checked(day, day, today)


# --- check and expiry dates ------------------------------------------------------------

_MON = r"(?P<mon>[a-z]{3,9})\.?"
_CHECK_PATTERNS = (
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})\s?([/.-])\s?(?P<m>\d{1,2})\s?\2\s?(?P<y>\d{4}|\d\d)"
               r"(?!\d)"),
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})" + _ORD + r"\s*(?:of\s+)?" + _MON
               + r"\s*,?\s*(?P<y>\d{4}|'\d\d)(?!\d)"),
    re.compile(r"\b" + _MON + r"\s+(?P<d>\d{1,2})" + _ORD + r"\s*,?\s*(?P<y>\d{4})(?!\d)"),
    re.compile(r"(?<![\d./])(?P<m>\d{1,2})\s?[/.-]\s?(?P<y>\d{4}|\d\d)(?![\d/])"),
    re.compile(r"\b" + _MON + r"\s*,?\s*(?:of\s+)?(?P<y>\d{4}|'\d\d)(?!\d)"),
)


def _check_match(m: re.Match[str]) -> date | None:
    """The date one check-date pattern match stands for (the 1st when only a month is given)."""
    g = m.groupdict()
    raw_year = g["y"].lstrip("'")
    if len(raw_year) == 2 and g.get("d") is None and g.get("mon") is None and (
            int(raw_year) <= 12):
        return None  # "12/03" is a day and month, not March 2003
    year = int(raw_year) + (2000 if len(raw_year) == 2 else 0)
    month = month_of(g["mon"]) if g.get("mon") else int(g["m"])
    if month is None or not 1 <= month <= 12 or not 1900 <= year <= 2199:
        return None
    day = int(g["d"]) if g.get("d") else 1
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def parse_check_date(text: str, today: date) -> date | None:
    """A DBS, licence or insurance date ("3/2024", "12 March 2024"), within 10 years of today."""
    norm = normalise(text)
    for pattern in _CHECK_PATTERNS:
        for m in pattern.finditer(norm):
            found = _check_match(m)
            if found is not None:
                return found if abs(found - today) <= _CHECK_RANGE else None
    return None
