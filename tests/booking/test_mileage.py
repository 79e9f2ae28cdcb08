"""Mileage claims at the scheme's HMRC rates, including the 10,000-mile threshold."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import select

from booking.reports.mileage import claims, tax_year_start
from booking.rules import SchemeRules, local_instant
from storage.db import transaction
from storage.tables import Leg, LiftRequest, Person, Place
from tests.support.world import LONDON, monday_morning, seed


def _driven(engine: Engine, day: date, miles: float, *, companion: bool = False) -> None:
    """One done leg by Margaret for Edith on `day`."""
    with transaction(engine) as session:
        driver = session.exec(select(Person).where(Person.name == "Margaret Allen")).one()
        edith = session.exec(select(Person).where(Person.name == "Edith Bainbridge")).one()
        place = session.exec(select(Place).where(Place.kind == "gp")).first()
        assert place is not None
        request = LiftRequest(scheme_id=1, resident_id=edith.id or 0,
                              destination_id=place.id or 0, companion=companion,
                              appointment_at=local_instant(day, time(10), LONDON),
                              status="done")
        session.add(request)
        session.flush()
        session.add(Leg(request_id=request.id or 0, direction="out", status="done",
                        driver_id=driver.id, driver_miles=miles))


def test_claim_at_45p_with_a_companion_supplement(engine: Engine) -> None:
    """12 miles with a companion on board: 12 x 45p + 12 x 5p = 600p."""
    seed(engine, monday_morning())
    _driven(engine, date(2026, 11, 10), 12.0, companion=True)
    _driven(engine, date(2026, 10, 10), 99.0)  # another month: not in this claim
    with transaction(engine) as session:
        (claim,) = claims(session, 1, date(2026, 11, 1), date(2026, 11, 30), SchemeRules())
    assert (claim.driver, claim.trips, claim.miles, claim.pence) == ("Margaret Allen", 1,
                                                                     12.0, 600)


def test_miles_past_the_threshold_are_paid_at_25p(engine: Engine) -> None:
    """With 9,990 miles already driven this tax year, 20 more pay 10 x 45p + 10 x 25p."""
    seed(engine, monday_morning())
    _driven(engine, date(2026, 5, 1), 9990.0)
    _driven(engine, date(2026, 11, 10), 20.0)
    with transaction(engine) as session:
        (claim,) = claims(session, 1, date(2026, 11, 1), date(2026, 11, 30), SchemeRules())
    assert claim.pence == 10 * 45 + 10 * 25


def test_tax_year_starts_on_6_april() -> None:
    """The UK tax year turns on 6 April."""
    assert tax_year_start(date(2026, 4, 5)) == date(2025, 4, 6)
    assert tax_year_start(date(2026, 4, 6)) == date(2026, 4, 6)
    assert tax_year_start(datetime(2026, 12, 1).date() + timedelta(days=0)) == date(2026, 4, 6)
