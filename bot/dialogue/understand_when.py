"""Days in elderly people's texts ("tues", "2moro", "3rd Dec", "3/12"), and day plus time.

Our own regexes rather than dateparser: fast from the first call and never reading "at 9" as
the 9th. Dates are UK style (day first). A weekday means the first such day strictly after
today ("tuesday" said on a Tuesday is next week's, unless the text also says "today"), and
"next Thursday" is read the same way, as the first Thursday after today: British usage is split
between that and "Thursday of next week", so the bot confirms the date back. "Thursday next
week" and "Thursday week" do mean next week's. Every date phrase's span is blanked before the
time search, so "3/12/2026" never yields 20:26; "10.40" (a dot, no year) is never a date.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from bot.dialogue.understand_text import mask, normalise, overlaps
from bot.dialogue.understand_time import NUM_WORDS, first_time, time_spans

# Problem codes (DateResult.problem / When.problem). Whenever a problem is set, `day` is None,
# so a caller that forgets to check the problem can never book the wrong day.
PAST = "past"
NO_SUCH_DATE = "no_such_date"
UNCLEAR = "unclear"


@dataclass(frozen=True)
class DateResult:
    """A day found in a message, or why none could be settled."""

    day: date | None
    problem: str | None


@dataclass(frozen=True)
class When:
    """The day and the time of day found in one message."""

    day: date | None
    time: time | None
    problem: str | None


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBR = {"mon": 0, "tue": 1, "tues": 1, "tu": 1, "wed": 2, "weds": 2, "wednes": 2,
                 "thu": 3, "thur": 3, "thurs": 3, "thr": 3, "thurz": 3, "fri": 4, "sat": 5,
                 "sun": 6, "wensday": 2, "wenesday": 2, "weds.": 2}
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_MONTH_ABBR = {"jan": 1, "feb": 2, "febuary": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7,
               "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}
_ORDINAL_WORDS = {w: i for i, w in enumerate(
    ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
     "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
     "twentieth").split(),
    start=1)}
_ORDINAL_WORDS.update({f"twenty {w}": 20 + i for w, i in list(_ORDINAL_WORDS.items())[:9]})
_ORDINAL_WORDS.update({"thirtieth": 30, "thirty first": 31})
_ORDW = "|".join(sorted((w.replace(" ", r"[\s-]") for w in _ORDINAL_WORDS), key=len, reverse=True))
_TOMORROW = ("tomorrow|tomorow|tommorow|tommorrow|tomorro|tomoro|tomorrw|tmrw|tmrow|tmorow|tmr|"
             "tmw|tomoz|tmoz|2moro|2morro|2morrow|2morow|2mrw|2mro|2moz|2mora|2morra|tomorra")
_COUNT = r"(?P<n>\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten)"


def _fuzzy_lookup(word: str, full: tuple[str, ...], abbr: dict[str, int], base: int) -> int | None:
    """Index of a weekday/month name, forgiving typos in words of five letters or more."""
    if word in abbr:
        return abbr[word]
    for i, name in enumerate(full):
        if word == name or (len(word) >= 3 and name.startswith(word) and len(word) >= 4):
            return i + base
    if len(word) >= 5:
        best = max(range(len(full)), key=lambda i: fuzz.ratio(word, full[i]))
        # Same first letter: typos rarely hit it, and it keeps "money" from being Monday.
        if word[0] == full[best][0] and fuzz.ratio(word, full[best]) >= 80:
            return best + base
    return None


def weekday_of(word: str) -> int | None:
    """0-6 for a weekday name or abbreviation ("tues", "thurs", "wensday"), else None."""
    return _fuzzy_lookup(word.rstrip("s") if word.endswith("days") else word, _WEEKDAYS,
                         _WEEKDAY_ABBR, 0)


def month_of(word: str) -> int | None:
    """1-12 for a month name or abbreviation ("dec", "febuary"), else None."""
    return _fuzzy_lookup(word, _MONTHS, _MONTH_ABBR, 1)


@dataclass(frozen=True)
class _Cand:
    """One date phrase: a calendar date, a day offset, a weekday or a vague phrase."""

    span: tuple[int, int]
    kind: str  # "dmy" | "ordinal" | "offset" | "weekday" | "vague"
    day: int = 0
    month: int = 0
    year: int | None = None
    offset: int = 0
    weeks_on: int = 0


def _year(raw: str | None) -> int | None:
    """A four-digit year from "26", "'26" or "2026"."""
    if not raw:
        return None
    value = int(raw.lstrip("'"))
    return value + 2000 if value < 100 else value


def _numeric_dates(m: re.Match[str]) -> _Cand | None:
    """Day-first numeric dates: 3/12, 03/12/2026, 3.12.26, 2026-12-03."""
    g = m.groupdict()
    if g.get("iso"):
        return _Cand(m.span(), "dmy", int(g["id"]), int(g["im"]), int(g["iy"]))
    return _Cand(m.span(), "dmy", int(g["d"]), int(g["m"]), _year(g.get("y")))


def _month_dates(m: re.Match[str]) -> _Cand | None:
    """Dates with a month name: "3rd Dec", "3 of december 2026", "Dec 3rd", "the third of May"."""
    g = m.groupdict()
    month = month_of(g["mon"])
    if month is None:
        return None
    return _Cand(m.span(), "dmy", _day_number(g["d"]), month, _year(g.get("y")))


def _relative(m: re.Match[str]) -> _Cand | None:
    """Day offsets: today, 2moro, yesterday, day after tomorrow, in 3 days, a week today."""
    g = {k: v for k, v in m.groupdict().items() if v}
    if "n" in g:
        n = int(g["n"]) if g["n"].isdigit() else NUM_WORDS[g["n"]]
        unit = g["unit"]
        days = n * (14 if unit.startswith("fortnight") else 7 if unit.startswith("week") else 1)
        return _Cand(m.span(), "offset", offset=days) if days <= 400 else None
    offsets = {"dat": 2, "dby": -2, "tom": 1, "today": 0, "yest": -1, "wt": 7, "wtom": 8,
               "ft": 14}
    key = next(k for k in offsets if k in g)
    return _Cand(m.span(), "offset", offset=offsets[key])


_AMBIGUOUS_DAYS = frozenset({"sat", "sun", "wed", "mon", "tu"})
_DAY_CONTEXT = re.compile(r"\s*(?:$|[,.!?;:]|\d|the\b|at\b|@|for\b|please\b|pls\b|morning\b|"
                          r"afternoon\b|evening\b|next\b|week\b|[a-z]+day\b)")


def _weekday(m: re.Match[str]) -> _Cand | None:
    """A weekday, with "tuesday week" / "a week on tuesday" meaning a week later."""
    word = m.group("wd")
    wd = weekday_of(word)
    if wd is None:
        return None
    if word in _AMBIGUOUS_DAYS and not m.group("lead") and not m.group("pre"):
        # "sat", "sun", "wed", "mon" are also words: a day only near a date, a time or the end.
        after = m.string[m.end():]
        short = len(m.string.split()) <= 2
        if not short and not _DAY_CONTEXT.match(after):
            return None
    count = m.group("wn") or "1"
    weeks = int(count) if count.isdigit() else NUM_WORDS[count]
    later = bool(m.group("pre") or m.group("post"))
    return _Cand(m.span(), "weekday", day=wd, weeks_on=weeks if later else 0)


_MON = r"(?P<mon>[a-z]{3,10})\.?"
_DAYNUM = r"(?P<d>\d{1,2}(?![\d.:])(?:\s?(?:st|nd|rd|th)\b)?|" + _ORDW + r")"
_YEAR = r"(?:\s*,?\s*(?P<y>(?:19|20)\d\d)\b)?"
_DATE_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], _Cand | None]], ...] = (
    (re.compile(r"(?<![\d/])(?P<iso>(?P<iy>20\d\d)-(?P<im>\d{1,2})-(?P<id>\d{1,2}))(?![\d/])"),
     _numeric_dates),
    (re.compile(r"(?<![\d./:£$])(?P<d>\d{1,2})\s?([/.-])\s?(?P<m>\d{1,2})\s?\2\s?"
                r"(?P<y>\d{4}|\d{2})(?![\d/])"), _numeric_dates),
    (re.compile(r"(?<![\d./:£$])(?P<d>\d{1,2})/(?P<m>\d{1,2})(?![\d/])"), _numeric_dates),
    (re.compile(r"\b(?:the\s+)?" + _DAYNUM + r"\s*(?:of\s+)?" + _MON + r"(?![a-z])" + _YEAR),
     _month_dates),
    (re.compile(r"\b" + _MON + r"\s+(?:the\s+)?" + _DAYNUM + _YEAR), _month_dates),
    (re.compile(r"\b(?P<dat>(?:the\s+)?day\s+after\s+(?:" + _TOMORROW + r")|overmorrow)\b"
                r"|\b(?P<dby>(?:the\s+)?day\s+before\s+yesterday)\b"
                r"|\b(?P<wtom>a\s+week\s+(?:from\s+)?(?:" + _TOMORROW + r"))\b"
                r"|\b(?P<wt>a\s+week\s+(?:from\s+)?today|a\s+week\s+tonight)\b"
                r"|\b(?P<ft>a\s+fortnight\s+(?:from\s+)?today)\b"
                r"|\b(?P<tom>" + _TOMORROW + r")\b"
                r"|\b(?P<today>today|2day|tday|todays|tonight|2nite|"
                r"this\s+(?:morning|afternoon|evening))\b"
                r"|\b(?P<yest>yesterday|yesterdy|yday)\b"
                r"|\bin\s+" + _COUNT + r"\s+(?P<unit>days?|weeks?|fortnights?)\b"), _relative),
    (re.compile(r"(?P<pre>\b(?:(?P<wn>a|one|two|three|four|[1-4])\s+)?weeks?\s+"
                r"(?:on|next|from)\s+)?\b(?P<lead>(?:next|this|on|coming)\s+)?"
                r"(?P<wd>[a-z]{2,10})\b(?P<post>\s+week\b(?!\s+(?:on|next)\b))?"), _weekday),
    # Word ordinals only after "on/for/by the" or "<weekday> the": "the second one" is no date.
    (re.compile(r"\b(?:the\s+)?(?P<d>\d{1,2})\s?(?:st|nd|rd|th)\b"
                r"|(?:\b(?:on|for|by|till|until)\s+|(?<=day\s))the\s+(?P<dw>" + _ORDW + r")\b"),
     lambda m: _ordinal_any(m)),
    # Vague days make the bot ask; "soon" or "sometime" alone are not worth asking about.
    (re.compile(r"\b(?:next|this|the)\s+(?:week|month|weekend)\b|\bweekend\b|\bnext\s+month\b"),
     lambda m: _Cand(m.span(), "vague")),
)


def _ordinal_any(m: re.Match[str]) -> _Cand | None:
    """An ordinal written as digits or as a word."""
    return _Cand(m.span(), "ordinal", _day_number(m.group("d") or m.group("dw")))


def _day_number(raw: str) -> int:
    """The day of the month in "3", "3rd", "3 rd" or "third" (0 when unreadable)."""
    digits = re.match(r"\d+", raw)
    if digits:
        return int(digits.group())
    return _ORDINAL_WORDS.get(re.sub(r"[\s-]+", " ", raw), 0)


def _scan(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Matches of `pattern`, retrying one character on when a match is rejected later."""
    pos = 0
    while pos <= len(text):
        m = pattern.search(text, pos)
        if m is None:
            return
        yield m
        pos = m.start() + 1


def _date_candidates(norm: str) -> list[_Cand]:
    """Every date phrase in normalised text, each piece of text used at most once."""
    taken: list[tuple[int, int]] = []
    found: list[_Cand] = []
    next_week = re.search(r"\bnext\s+week\b|\bweek\s+after\s+next\b", norm)
    for pattern, build in _DATE_PATTERNS:
        for m in _scan(pattern, norm):
            if overlaps(m.span(), taken):
                continue
            cand = build(m)
            if cand is None:
                continue
            if cand.kind == "vague" and next_week and any(c.kind == "weekday" for c in found):
                # "tuesday next week": the weekday already carries it.
                taken.append(m.span())
                continue
            taken.append(m.span())
            found.append(cand)
    # Misspellings of "tomorrow" beyond the list above ("tomrrow", "2morrw").
    for m in re.finditer(r"\b[t2][a-z0-9]{4,9}\b", norm):
        word = "to" + m.group()[1:] if m.group().startswith("2") else m.group()
        if not overlaps(m.span(), taken) and fuzz.ratio(word, "tomorrow") >= 75:
            taken.append(m.span())
            found.append(_Cand(m.span(), "offset", offset=1))
    return found


def _resolve(c: _Cand, today: date, next_week: bool) -> DateResult:
    """The calendar day one candidate stands for."""
    if c.kind == "offset":
        day = today + timedelta(days=c.offset)
        return DateResult(None, PAST) if day < today else DateResult(day, None)
    if c.kind == "weekday":
        if next_week:
            monday = today + timedelta(days=7 - today.weekday())
            return DateResult(monday + timedelta(days=c.day), None)
        # Strictly after today: "tuesday" said on a Tuesday means next week's.
        ahead = (c.day - today.weekday()) % 7 or 7
        return DateResult(today + timedelta(days=ahead + 7 * c.weeks_on), None)
    if c.kind == "ordinal":
        if not 1 <= c.day <= 31:
            return DateResult(None, NO_SUCH_DATE)
        year, month = today.year, today.month
        for _ in range(13):
            if c.day <= calendar.monthrange(year, month)[1]:
                day = date(year, month, c.day)
                if day >= today:
                    return DateResult(day, None)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return DateResult(None, NO_SUCH_DATE)
    # A calendar date, with or without a year.
    if not 1 <= c.month <= 12 or not 1 <= c.day <= 31:
        return DateResult(None, NO_SUCH_DATE)
    if c.year is not None:
        try:
            day = date(c.year, c.month, c.day)
        except ValueError:
            return DateResult(None, NO_SUCH_DATE)
        return DateResult(None, PAST) if day < today else DateResult(day, None)
    if c.day > calendar.monthrange(2024, c.month)[1]:  # 2024 is a leap year: 29/2 exists
        return DateResult(None, NO_SUCH_DATE)
    for year in range(today.year, today.year + 9):
        try:
            day = date(year, c.month, c.day)
        except ValueError:
            continue  # 29 February outside a leap year
        if day >= today:
            return DateResult(day, None)
    return DateResult(None, NO_SUCH_DATE)


def _settle(cands: list[_Cand], today: date, norm: str) -> DateResult:
    """One day from all date phrases, or the reason there isn't one."""
    next_week = bool(re.search(r"\bnext\s+week\b", norm))
    weekdays = [c for c in cands if c.kind == "weekday"]
    fixed = [_resolve(c, today, False) for c in cands if c.kind in ("dmy", "ordinal", "offset")]
    for result in fixed:
        if result.problem:
            return result
    days = {r.day for r in fixed}
    if len(days) > 1:
        return DateResult(None, UNCLEAR)
    if days:
        day = days.pop()
        # "Tuesday 3rd" must agree; a clash means a slip somewhere, so ask.
        if day is None or any(c.day != day.weekday() for c in weekdays):
            return DateResult(None, UNCLEAR)
        return DateResult(day, None)
    named = {_resolve(c, today, next_week).day for c in weekdays}
    if len(named) == 1:
        return DateResult(named.pop(), None)
    if named or any(c.kind == "vague" for c in cands):
        return DateResult(None, UNCLEAR)
    return DateResult(None, None)


def date_spans(norm: str) -> list[tuple[int, int]]:
    """Spans of normalised text that read as dates."""
    return [c.span for c in _date_candidates(norm)]


def parse_time(text: str) -> time | None:
    """The first clear time of day in `text` ("half ten", "10.40", "2pm", "at 9"), else None."""
    norm = normalise(text)
    return first_time(mask(norm, (c.span for c in _date_candidates(norm))))


def parse_date(text: str, today: date) -> DateResult:
    """The day a message means, UK style (day first), never in the past unless said so."""
    norm = normalise(text)
    return _settle(_date_candidates(norm), today, norm)


def local_now(now: datetime, tz: ZoneInfo) -> datetime:
    """`now` as wall-clock time in `tz` (a naive `now` is taken to be wall-clock time already)."""
    return now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)


def when_from_norm(norm: str, now: datetime, tz: ZoneInfo) -> tuple[When, list[tuple[int, int]]]:
    """Day and time from normalised text, with the spans they were read from."""
    local = local_now(now, tz)
    cands = _date_candidates(norm)
    spans = [c.span for c in cands]
    result = _settle(cands, local.date(), norm)
    masked = mask(norm, spans)
    at = first_time(masked)
    spans += time_spans(masked)
    if result.day == local.date() and at is not None and at < local.time().replace(tzinfo=None):
        return When(None, at, PAST), spans
    return When(result.day, at, result.problem), spans


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> When:
    """Day and time from one message; "past" also when today's time has already gone."""
    return when_from_norm(normalise(text), now, tz)[0]


_CORRECTION = re.compile(
    r"\b(?:meant|make it|change it to|changed to|moved to|now|instead of|not|its|it is|"
    r"should be|to)\s+(?:at\s+)?(?P<h>\d{1,2})(?:[.:](?P<m>[0-5]\d))?(?!\s*(?:st|nd|rd|th)\b)"
    r"(?![\d/.:])(?!\s*(?:days?|weeks?|months?|miles?|people|of\b))")


def correction_time(text: str) -> time | None:
    """A time in a correction that names only the hour ("make it 11 instead", "sorry, I
    meant 2"): a bare number is a time only after such words (GP hours: 1-7 mean pm)."""
    norm = normalise(text)
    masked = mask(norm, (c.span for c in _date_candidates(norm)))
    # "11 not 10.40", "11 instead of 10.40": the time after "not" is the old one.
    masked = re.sub(r"\b(?:not|instead of|rather than)\s+(?:at\s+)?[\w.:]+",
                    lambda m: " " * len(m.group()), masked)
    found = first_time(masked)
    if found is not None:
        return found
    instead = re.search(r"\b(\d{1,2})(?:[.:]([0-5]\d))?\s+instead\b", norm)
    if instead is not None and 1 <= int(instead.group(1)) <= 12:
        hour = int(instead.group(1))
        return time(hour + 12 if hour <= 7 else hour, int(instead.group(2) or 0))
    for m in _CORRECTION.finditer(masked):
        if m.group(0).startswith(("not", "instead of")):
            continue  # "11 not 10": the time meant is the other one
        hour, minute = int(m.group("h")), int(m.group("m") or 0)
        if 1 <= hour <= 12:
            return time(hour + 12 if hour <= 7 else hour, minute)
        if 13 <= hour <= 19:
            return time(hour, minute)
    return None
