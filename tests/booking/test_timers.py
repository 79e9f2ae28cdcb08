"""Timers: run sheets the evening before and the morning of, and the coordinators' digest."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import Engine
from sqlmodel import select

from booking.intake.effects import RequestLift
from booking.intake.residents import request_lift
from booking.lifecycle.legs import ensure_legs
from booking.messaging.daily import queue_daily_messages
from booking.planning.due import days_due
from booking.rules import local_instant
from storage.db import transaction
from storage.tables import OutboxMessage, Person, Place
from tests.support.world import LONDON, monday_morning, seed


def _accepted_trip_on_tuesday(engine: Engine) -> None:
    now = monday_morning()
    with transaction(engine) as session:
        edith = session.exec(select(Person).where(Person.name == "Edith Bainbridge")).one()
        driver = session.exec(select(Person).where(Person.name == "Margaret Allen")).one()
        place = session.exec(select(Place).where(Place.kind == "gp")).first()
        assert place is not None
        tuesday = now.astimezone(LONDON).date() + timedelta(days=1)
        appointment = local_instant(tuesday, time(10, 40), LONDON)
        request = request_lift(session, edith, RequestLift(place.id or 0, appointment, "wait",
                                                           False), now=now, channel="sms")
        for leg in ensure_legs(session, request, now):
            leg.status, leg.driver_id = "accepted", driver.id
            leg.pickup_at = appointment - timedelta(minutes=25)
            leg.dropoff_at = appointment - timedelta(minutes=12)
            session.add(leg)


def test_run_sheet_and_digest_go_once_the_evening_before(engine: Engine) -> None:
    """At 18:00 the driver's run sheet and the digest are queued once, not on every tick."""
    seed(engine, monday_morning())
    _accepted_trip_on_tuesday(engine)
    monday = monday_morning().astimezone(LONDON).date()
    before = local_instant(monday, time(17, 59), LONDON)
    after = local_instant(monday, time(18, 1), LONDON)
    with transaction(engine) as session:
        assert queue_daily_messages(session, before) == 0
    with transaction(engine) as session:
        assert queue_daily_messages(session, after) == 2
        queue_daily_messages(session, after + timedelta(minutes=5))
    with transaction(engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
        kinds = sorted(r.kind for r in rows)
        assert kinds == ["digest", "run_sheet"]
        sheet = next(r for r in rows if r.kind == "run_sheet")
        assert "pick up Edith Bainbridge" in sheet.body
        digest = next(r for r in rows if r.kind == "digest")
        assert "Margaret Allen" in digest.body


def test_morning_run_sheet_on_the_day(engine: Engine) -> None:
    """From 08:00 on the day, the morning run sheet is queued too."""
    seed(engine, monday_morning())
    _accepted_trip_on_tuesday(engine)
    tuesday = monday_morning().astimezone(LONDON).date() + timedelta(days=1)
    with transaction(engine) as session:
        queue_daily_messages(session, local_instant(tuesday, time(8, 5), LONDON))
        keys = [r.idempotency_key for r in session.exec(select(OutboxMessage)).all()]
    assert any(k.endswith(":morning") for k in keys)


def test_days_are_due_for_planning_only_after_the_cut_off(engine: Engine) -> None:
    """Tuesday's requests are planned from Monday 17:00, not before."""
    seed(engine, monday_morning())
    _accepted_trip_on_tuesday(engine)
    monday = monday_morning().astimezone(LONDON).date()
    with transaction(engine) as session:
        assert days_due(session, local_instant(monday, time(16, 59), LONDON)) == []
        due = days_due(session, local_instant(monday, time(17, 1), LONDON))
    assert [day for _, day in due] == [monday + timedelta(days=1)]


def test_digest_names_drivers_whose_checks_are_out_of_date_or_running_out(
        engine: Engine) -> None:
    """The evening digest says who is kept out of planning by a check, and who soon will be."""
    seed(engine, monday_morning())
    monday = monday_morning().astimezone(LONDON).date()
    with transaction(engine) as session:
        drivers = {p.name: p for p in session.exec(select(Person).where(
            Person.role == "driver")).all()}
        drivers["David Brown"].dbs_checked_on = monday - timedelta(days=4 * 365)
        drivers["Susan Clark"].insurance_expires_on = monday + timedelta(days=10)
        session.add_all([drivers["David Brown"], drivers["Susan Clark"]])
    with transaction(engine) as session:
        queue_daily_messages(session, local_instant(monday, time(18, 1), LONDON))
        digest = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "digest")).first()
    assert digest is not None
    assert "David Brown: DBS check out of date; not offered trips" in digest.body
    assert "Susan Clark: insurance expires within 30 days" in digest.body
    assert "Margaret Allen:" not in digest.body.split("Drivers' checks:")[1]
