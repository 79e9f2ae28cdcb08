"""The service calendar, pure: England and Wales bank holidays, and a scheme's own closures.

A day is open when it is one of the scheme's service days, not a bank holiday (unless the
scheme runs on them: rule `open_on_bank_holidays`) and not one of its closure dates (stored
per scheme, see booking/closures.py). Closed days are refused with the next open day, and
planning and standing bookings skip them.

The bank holidays are a small table kept here rather than fetched, so nothing depends on a
network at booking time. Source: https://www.gov.uk/bank-holidays (England and Wales, also
as https://www.gov.uk/bank-holidays.json), 2025 to 2027 as published there; 2028 follows the
same statutory pattern (substitute days when a holiday falls at a weekend) and should be
checked against gov.uk when it is published. A test checks the table against those rules.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

BANK_HOLIDAYS: Mapping[date, str] = {
    date(2025, 1, 1): "New Year's Day",
    date(2025, 4, 18): "Good Friday",
    date(2025, 4, 21): "Easter Monday",
    date(2025, 5, 5): "Early May bank holiday",
    date(2025, 5, 26): "Spring bank holiday",
    date(2025, 8, 25): "Summer bank holiday",
    date(2025, 12, 25): "Christmas Day",
    date(2025, 12, 26): "Boxing Day",
    date(2026, 1, 1): "New Year's Day",
    date(2026, 4, 3): "Good Friday",
    date(2026, 4, 6): "Easter Monday",
    date(2026, 5, 4): "Early May bank holiday",
    date(2026, 5, 25): "Spring bank holiday",
    date(2026, 8, 31): "Summer bank holiday",
    date(2026, 12, 25): "Christmas Day",
    date(2026, 12, 28): "Boxing Day (substitute day)",
    date(2027, 1, 1): "New Year's Day",
    date(2027, 3, 26): "Good Friday",
    date(2027, 3, 29): "Easter Monday",
    date(2027, 5, 3): "Early May bank holiday",
    date(2027, 5, 31): "Spring bank holiday",
    date(2027, 8, 30): "Summer bank holiday",
    date(2027, 12, 27): "Christmas Day (substitute day)",
    date(2027, 12, 28): "Boxing Day (substitute day)",
    date(2028, 1, 3): "New Year's Day (substitute day)",
    date(2028, 4, 14): "Good Friday",
    date(2028, 4, 17): "Easter Monday",
    date(2028, 5, 1): "Early May bank holiday",
    date(2028, 5, 29): "Spring bank holiday",
    date(2028, 8, 28): "Summer bank holiday",
    date(2028, 12, 25): "Christmas Day",
    date(2028, 12, 26): "Boxing Day",
}

# How far ahead next_open looks before giving up (a scheme closed for weeks is a coordinator's
# matter, not a date to offer).
SEARCH_DAYS = 31


def closed_reason(day: date, closures: Mapping[date, str], *,
                  bank_holidays: bool = True) -> str | None:
    """Why `day` is closed ("Christmas Day", "the scheme is closed"), or None when it is not
    a holiday or closure. Weekdays the scheme never runs on are the rules' business."""
    if day in closures:
        return closures[day] or "the scheme is closed"
    if bank_holidays and day in BANK_HOLIDAYS:
        return BANK_HOLIDAYS[day]
    return None


def is_open(day: date, service_days: Collection[str], closures: Mapping[date, str], *,
            bank_holidays: bool = True) -> bool:
    """Whether lifts run on `day`."""
    return WEEKDAYS[day.weekday()] in service_days and closed_reason(
        day, closures, bank_holidays=bank_holidays) is None


def next_open(day: date, service_days: Collection[str], closures: Mapping[date, str], *,
              bank_holidays: bool = True) -> date | None:
    """The first open day after `day` (None if none within a month)."""
    for offset in range(1, SEARCH_DAYS + 1):
        candidate = day + timedelta(days=offset)
        if is_open(candidate, service_days, closures, bank_holidays=bank_holidays):
            return candidate
    return None


def reason_text(reason: str) -> str:
    """A closure reason as it reads after a date: "(Christmas Day)", or "" for none."""
    return f" ({reason})" if reason else ""
