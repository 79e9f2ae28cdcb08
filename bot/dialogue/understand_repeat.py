"""Repeat requests: "every Tuesday at 10.40", "fortnightly on Mondays", "every weekday until
20 Feb", "Mondays, Wednesdays and Fridays for 6 weeks" (dialysis, physio, chemo courses).

Pure: reads the words, returns the weekdays, how many weeks apart, the last day if one is
said, and the text with that "until ..." part blanked (so the booking's own day reader does
not take the last day for the first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.dialogue.understand_text import normalise
from bot.dialogue.understand_when import parse_date

_DAY = {
    "mon": 0, "monday": 0, "mondays": 0, "mons": 0,
    "tue": 1, "tues": 1, "tuesday": 1, "tuesdays": 1, "tu": 1,
    "wed": 2, "weds": 2, "wednesday": 2, "wednesdays": 2, "wednesdys": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "thursdays": 3,
    "fri": 4, "friday": 4, "fridays": 4, "fris": 4,
    "sat": 5, "saturday": 5, "saturdays": 5, "sun": 6, "sunday": 6, "sundays": 6,
}
_PLURAL = {"mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays",
           "sundays", "mons", "weds", "fris"}
_DAY_WORD = r"(?:" + "|".join(sorted(_DAY, key=len, reverse=True)) + r")"
# "every Tuesday", "each week", "weekly": not "every time" or "as I do every so often".
_EVERY = re.compile(r"\bweekly\b|\b(?:every|each|evry|ever)\s+(?:single\s+|other\s+|second\s+)?"
                    r"(?:week|day|weekday|working day|" + _DAY_WORD + r")s?\b")
_FORTNIGHT = re.compile(r"\b(?:fortnightly|fortnight|every (?:other|second|alternate) "
                        r"(?:week|" + _DAY_WORD + r")|alternate " + _DAY_WORD + r"|every "
                        r"(?:two|2) weeks|once every (?:two|2) weeks|biweekly)\b")
_WEEKDAYS = re.compile(r"\b(?:every ?(?:week ?day|workday|working day)s?|week ?days|"
                       r"every day|daily|each day|mon(?:day)? to fri(?:day)?|"
                       r"monday (?:through|thru) friday|mon ?- ?fri)\b")
_ORD = r"(?:st|nd|rd|th)?"
_DATE = (r"(?:next\s+)?" + _DAY_WORD + r"(?:\s+(?:the\s+)?\d{1,2}" + _ORD
         + r"(?:\s+of)?(?:\s+[a-z]{3,9})?)?|(?:the\s+)?\d{1,2}" + _ORD
         + r"(?:\s+of)?\s+[a-z]{3,9}|[a-z]{3,9}\s+(?:the\s+)?\d{1,2}" + _ORD
         + r"|\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?|the\s+\d{1,2}" + _ORD)
_UNTIL = re.compile(r"\b(?:until|till|til|untill|up to|upto|up until|ending|ends|ending on|"
                    r"finishing|through to|thru to)\b(?:\s+(?:the|on))?\s+(?P<rest>"
                    + _DATE + r")\b")
# "to 20 Feb" ends a course, "to the Friarage" or "Mon to Fri" does not: numbers only.
_TO_DATE = re.compile(r"\bto\s+(?P<rest>(?:the\s+)?\d{1,2}" + _ORD + r"(?:\s+of)?\s+"
                      r"[a-z]{3,9}|\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?)\b")
_FOR_WEEKS = re.compile(r"\bfor (?:the next )?(?P<n>\d{1,2}|one|two|three|four|five|six|"
                        r"seven|eight|nine|ten|eleven|twelve) (?P<unit>weeks?|months?)\b")
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}


@dataclass(frozen=True)
class Repeat:
    """What a repeat request said."""

    weekdays: tuple[int, ...]  # () : the weekday of the day the message names
    every_weeks: int
    until: date | None
    text: str  # the message with the "until ..." words blanked


def repeat_in(text: str, today: date) -> Repeat | None:
    """The repeat a message asks for, or None when it asks for one lift."""
    norm = normalise(text)
    named = [(m.group(), _DAY[m.group()]) for m in re.finditer(r"\b" + _DAY_WORD + r"\b",
                                                                norm)]
    every_day = _WEEKDAYS.search(norm) is not None
    fortnightly = _FORTNIGHT.search(norm) is not None
    plural = any(word in _PLURAL for word, _d in named)
    weekly = _EVERY.search(norm) is not None or re.search(r"\bon (?:a |the )?" + _DAY_WORD
                                                          + r"s\b", norm) is not None
    if not (every_day or fortnightly or plural or weekly):
        return None
    masked, until = _until(norm, today)
    # Weekdays inside "until Friday 20 Feb" are the end, not the pattern.
    days = {_DAY[m.group()] for m in re.finditer(r"\b" + _DAY_WORD + r"\b", masked)}
    weekdays = (0, 1, 2, 3, 4) if every_day else tuple(sorted(days))
    # The pattern's own words are not a date ("every two weeks" is not "in two weeks").
    for words in (_FORTNIGHT, _WEEKDAYS, re.compile(r"\b" + _DAY_WORD + r"\b")):
        masked = words.sub(lambda m: " " * len(m.group()), masked)
    return Repeat(weekdays, 2 if fortnightly else 1, until, masked)


def _until(norm: str, today: date) -> tuple[str, date | None]:
    """The last day said ("until 20 Feb", "for 6 weeks"), and the text without those words."""
    found = _FOR_WEEKS.search(norm)
    if found is not None:
        count = int(found.group("n")) if found.group("n").isdigit() else \
            _NUMBERS[found.group("n")]
        days = count * (7 if found.group("unit").startswith("week") else 30)
        blank = norm[:found.start()] + " " * (found.end() - found.start()) + norm[found.end():]
        return blank, today + timedelta(days=days)
    found = _UNTIL.search(norm) or _TO_DATE.search(norm)
    if found is None:
        return norm, None
    result = parse_date(found.group("rest"), today)
    if result.day is None:
        return norm, None  # "to the Friarage": not an end date
    blank = norm[:found.start()] + " " * (found.end() - found.start()) + norm[found.end():]
    return blank, result.day


def weekdays_named(text: str) -> set[int]:
    """The weekdays a message names ("cancel my Tuesday lifts": {1})."""
    return {_DAY[m.group()] for m in re.finditer(r"\b" + _DAY_WORD + r"\b", normalise(text))}
