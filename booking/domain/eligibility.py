"""Whether a driver may take a trip: one rule, used by the planner, broadcasts and /assign."""

from __future__ import annotations

from datetime import date

DBS_VALID_DAYS = 3 * 365
LICENCE_CHECK_VALID_DAYS = 365


def checks_in_date(*, dbs_checked_on: date | None, licence_checked_on: date | None,
                   insurance_expires_on: date | None, on: date) -> list[str]:
    """What stops a driver being assigned on `on` (empty: nothing). Missing counts as expired."""
    problems = []
    if dbs_checked_on is None or (on - dbs_checked_on).days > DBS_VALID_DAYS:
        problems.append("DBS check out of date")
    if licence_checked_on is None or (on - licence_checked_on).days > LICENCE_CHECK_VALID_DAYS:
        problems.append("licence check out of date")
    if insurance_expires_on is None or insurance_expires_on < on:
        problems.append("insurance expired")
    return problems
