"""Mileage claims at the scheme's HMRC rates, from the entries the life-cycle records once per
driven leg: the 10,000-mile threshold, and the extra-passenger rate on miles with them aboard."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import select

from booking.reports.mileage import claims, tax_year_start
from booking.rules import SchemeRules
from storage.db import transaction
from storage.tables import MileageEntry
from tests.support.world import driven_lift, monday_morning, seed


def test_claim_at_45p_with_the_companion_rate_on_miles_they_are_aboard(engine: Engine) -> None:
    """12 miles driven, 5 of them with the resident and a companion aboard: 12 x 45p + 5 x 5p.
    (The extra-passenger rate was once paid on every mile, with nobody aboard too.)"""
    seed(engine, monday_morning())
    driven_lift(engine, date(2026, 11, 10), driver_miles=12.0, passenger_miles=5.0,
                companion=True)
    driven_lift(engine, date(2026, 10, 13), driver_miles=99.0)  # another month: not claimed
    with transaction(engine) as session:
        (claim,) = claims(session, 1, date(2026, 11, 1), date(2026, 11, 30), SchemeRules())
    assert (claim.driver, claim.trips, claim.miles, claim.extra_passenger_miles,
            claim.pence) == ("Margaret Allen", 1, 12.0, 5.0, 12 * 45 + 5 * 5)


def test_miles_past_the_threshold_are_paid_at_25p(engine: Engine) -> None:
    """With 9,990 miles already driven this tax year, 20 more pay 10 x 45p + 10 x 25p."""
    seed(engine, monday_morning())
    driven_lift(engine, date(2026, 5, 5), driver_miles=9990.0)
    driven_lift(engine, date(2026, 11, 10), driver_miles=20.0)
    with transaction(engine) as session:
        (claim,) = claims(session, 1, date(2026, 11, 1), date(2026, 11, 30), SchemeRules())
    assert claim.pence == 10 * 45 + 10 * 25


def test_a_driven_leg_is_recorded_once(engine: Engine) -> None:
    """Saying "dropped off" twice records the leg's miles once."""
    seed(engine, monday_morning())
    driven_lift(engine, date(2026, 11, 10), driver_miles=7.0)
    with transaction(engine) as session:
        entries = session.exec(select(MileageEntry)).all()
    assert [e.miles for e in entries] == [7.0]


def test_tax_year_starts_on_6_april() -> None:
    """The UK tax year turns on 6 April."""
    assert tax_year_start(date(2026, 4, 5)) == date(2025, 4, 6)
    assert tax_year_start(date(2026, 4, 6)) == date(2026, 4, 6)
    assert tax_year_start(datetime(2026, 12, 1).date() + timedelta(days=0)) == date(2026, 4, 6)
