"""Numbers in drivers' answers: trips a day, miles, passenger seats. Pure, never raising."""

from __future__ import annotations

import re

from bot.dialogue.understand_text import normalise, words_only

# Digits or number words; "a"/"an" are left out on purpose ("a day" is not one trip).
_UNITS = {"zero": 0, "nil": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
          "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
          "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
          "a hundred": 100, "once": 1, "twice": 2, "a couple": 2, "couple": 2,
          "a couple of": 2, "just the one": 1, "single": 1}
_TEENS = {"thirteen": 13, "fourteen": 14, "sixteen": 16, "seventeen": 17, "eighteen": 18,
          "nineteen": 19}
_UNITS.update(_TEENS)
_TENS = {20, 30, 40, 50, 60, 70, 80, 90}
_WORDS = "|".join(sorted((re.escape(w) for w in _UNITS), key=len, reverse=True))
_NUMBER = re.compile(r"(?<![\w.])(?P<n>\d{1,4}(?:\.\d+)?|(?:" + _WORDS + r")"
                     r"(?:[\s-](?P<u>one|two|three|four|five|six|seven|eight|nine))?)(?![\w])")
_NO_LIMIT = re.compile(r"\b(?:no (?:limit|max\w*|maximum|preference)|unlimited|limitless|"
                       r"any(?:thing| number| amount| distance|where)?|as many as|as far as|"
                       r"doesnt matter|dont mind|not bothered|whatever|no restriction\w*)\b")
_RANGE = re.compile(r"\b(?:or|to|-)\b|-")


def _numbers(clean: str) -> list[float]:
    """Every number in words-only or normalised text, in order ("twenty five" is 25)."""
    found: list[float] = []
    for m in _NUMBER.finditer(clean):
        raw, unit = m.group("n"), m.group("u")
        if raw[0].isdigit():
            found.append(float(raw))
            continue
        head = raw[: len(raw) - len(unit) - 1] if unit else raw
        value = _UNITS.get(head.replace("-", " "), 0)
        if unit and value in _TENS:
            found.append(float(value + _UNITS[unit]))  # "twenty five"
        else:
            found.extend(float(v) for v in ((value, _UNITS[unit]) if unit else (value,)))
    return found


def _one_number(norm: str) -> float | None:
    """The single number a short answer gives; the smaller of "2 or 3" / "15-20"."""
    values = _numbers(norm)
    if not values:
        return None
    if len(set(values)) == 1:
        return values[0]
    # Two different numbers are only clear as a range or a choice, and then the lower
    # limit is the one a volunteer can certainly keep.
    if len(values) == 2 and _RANGE.search(norm):
        return min(values)
    return None


def parse_max_trips(text: str) -> int | None:
    """Most trips a day ("2", "two a day", "no more than 3"); 0 means no limit; None unclear."""
    norm = normalise(text)
    clean = words_only(norm)
    if re.search(r"\b(?:week|weekly|month|monthly|fortnight|year)\b", clean):
        return None  # a weekly cap is not a daily one: ask again
    value = _one_number(norm.replace("-", " - "))
    if value is None:
        return 0 if _NO_LIMIT.search(clean) else None
    if value != int(value) or not 1 <= value <= 10:
        return None
    return int(value)


def parse_miles(text: str) -> float | None:
    """How far a driver will go ("15", "up to 20 mi", "30 km"); 0 means no limit; None unclear."""
    norm = normalise(text)
    clean = words_only(norm)
    value = _one_number(norm.replace(" - ", "-"))
    if value is None:
        return 0.0 if _NO_LIMIT.search(clean) else None
    if re.search(r"\d\s*(?:km|kms|kilomet\w*)\b|\b(?:km|kms|kilomet\w*)\b", norm):
        value = round(value / 1.609344, 1)
    return float(value) if 0 < value <= 200 else None


def parse_seats(text: str) -> int | None:
    """Passenger seats, 1 to 8 ("3", "three", "4 seats"; a "5 seater" has 4), else None."""
    norm = normalise(text)
    value = _one_number(norm)
    if value is None or value != int(value):
        return None
    seats = int(value)
    if re.search(r"\bseater\b|\d\s*-?\s*seater", norm) and "passenger" not in norm:
        seats -= 1  # a "5 seater" counts the driver
    return seats if 1 <= seats <= 8 else None
