"""Which period a coordinator's /report means."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dialogue.coordinating import _month

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(("text", "period"), [
    ("", (date(2026, 11, 1), TODAY)),
    ("this month", (date(2026, 11, 1), TODAY)),
    ("last month", (date(2026, 10, 1), date(2026, 10, 31))),
    ("last", (date(2026, 10, 1), date(2026, 10, 31))),
    ("October", (date(2026, 10, 1), date(2026, 10, 31))),
    ("oct", (date(2026, 10, 1), date(2026, 10, 31))),
    ("december", (date(2025, 12, 1), date(2025, 12, 31))),  # the latest one, not next month
    ("February 2024", (date(2024, 2, 1), date(2024, 2, 29))),
    ("2026-09", (date(2026, 9, 1), date(2026, 9, 30))),
    ("2026-9", (date(2026, 9, 1), date(2026, 9, 30))),
    ("November", (date(2026, 11, 1), TODAY)),  # so far
    ("2026-13", None),
    ("2027-01", None),  # the future
    ("blah", None),
    ("ma", None),
])
def test_report_periods(text: str, period: tuple[date, date] | None) -> None:
    assert _month(text, TODAY) == period
