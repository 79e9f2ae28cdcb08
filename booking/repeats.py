"""Repeat patterns of standing bookings, pure: which dates "every Tuesday", "fortnightly on
Mondays" or "every weekday until 20 Feb" fall on, and how to say them back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PLURALS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class Pattern:
    """Weekdays (0 = Monday), every `every_weeks` weeks counted from `first_day`'s week,
    from `first_day` until `until` (inclusive; None: open-ended)."""

    weekdays: tuple[int, ...]
    every_weeks: int
    first_day: date
    until: date | None = None

    def falls_on(self, day: date) -> bool:
        """Whether the pattern has an occurrence on `day`."""
        if day < self.first_day or (self.until is not None and day > self.until):
            return False
        if day.weekday() not in self.weekdays:
            return False
        weeks = (_monday(day) - _monday(self.first_day)).days // 7
        return weeks % self.every_weeks == 0

    def dates(self, first: date, last: date) -> Iterator[date]:
        """Occurrence dates from `first` to `last` inclusive."""
        day = max(first, self.first_day)
        end = last if self.until is None else min(last, self.until)
        while day <= end:
            if self.falls_on(day):
                yield day
            day += timedelta(days=1)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def first_on_or_after(weekdays: tuple[int, ...], start: date) -> date:
    """The first date on or after `start` that is one of `weekdays`."""
    day = start
    while day.weekday() not in weekdays:
        day += timedelta(days=1)
    return day


def encode(weekdays: tuple[int, ...]) -> str:
    """Weekdays as stored: "0,2,4"."""
    return ",".join(str(d) for d in sorted(set(weekdays)))


def decode(stored: str) -> tuple[int, ...]:
    """Stored weekdays back as a tuple (anything unreadable is dropped)."""
    return tuple(sorted({int(x) for x in stored.split(",") if x.strip().isdigit()
                         and 0 <= int(x) <= 6}))


def describe(weekdays: tuple[int, ...], every_weeks: int) -> str:
    """How a pattern reads: 'every Tue', 'every other Mon', 'every weekday',
    'every Mon, Wed and Fri'."""
    if tuple(sorted(weekdays)) == WEEKDAYS and every_weeks == 1:
        return "every weekday"
    names = [DAY_NAMES[d] for d in sorted(weekdays)]
    days = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    if every_weeks == 2:
        return f"every other {days}"
    if every_weeks > 2:
        return f"every {every_weeks} weeks on {days}"
    return f"every {days}"


def short_date(day: date) -> str:
    """'Tue 8 Dec'."""
    return f"{DAY_NAMES[day.weekday()]} {day.day} {day:%b}"
