"""The impact report from a planned, driven and partly cancelled day, and `lifts report`."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking.intake.residents import cancel_request
from booking.lifecycle import progress
from booking.offers import answers
from booking.reports.impact import AT_RISK_WITHOUT_A_LIFT, impact
from booking.schemes import rules_for
from lifts.report import write_chart
from storage.db import transaction
from storage.tables import Leg, LiftRequest, Offer, Person
from tests.support.world import LONDON, monday_morning, planned_thursday, seed


def _driven_day(engine: Engine) -> tuple[datetime, set[int], int]:
    """Thursday planned and accepted; one driver drives all their trips, one request is
    cancelled. Returns the clock, the requests driven to the end, the cancelled one."""
    now, _ = planned_thursday(engine, 10, 21)
    with transaction(engine) as session:
        for offer in session.exec(select(Offer).where(Offer.status == "open")).all():
            driver = session.get(Person, offer.driver_id)
            assert driver is not None
            answers.accept(session, driver, offer.id or 0, now)
    with transaction(engine) as session:
        legs = session.exec(select(Leg).where(Leg.status == "accepted")
                            .order_by(col(Leg.pickup_at))).all()
        busiest = max({leg.driver_id for leg in legs},
                      key=lambda d: sum(leg.driver_id == d for leg in legs))
        driver = session.get(Person, busiest)
        assert driver is not None
        for leg in [x for x in legs if x.driver_id == busiest]:
            assert leg.pickup_at is not None
            progress.report_progress(session, driver, "picked_up", leg.pickup_at)
            progress.report_progress(session, driver, "dropped_off", leg.pickup_at)
        driven = {r.id or 0 for r in session.exec(
            select(LiftRequest).where(LiftRequest.status == "done")).all()}
        other = session.exec(select(LiftRequest).where(
            col(LiftRequest.id).not_in(driven))).first()
        assert other is not None
        cancel_request(session, other, now=now, actor="resident")
    return now, driven, other.id or 0


def test_the_figures_add_up_from_the_day_as_driven(engine: Engine) -> None:
    now, driven, _ = _driven_day(engine)
    assert driven
    with Session(engine) as session:
        rules = rules_for(session, 1)
        thursday = now.astimezone(LONDON).date() + timedelta(days=3)
        figures = impact(session, 1, thursday - timedelta(days=6), thursday, rules)
        statuses = [r.status for r in session.exec(select(LiftRequest)).all()]
        done_legs = session.exec(select(Leg).where(Leg.status == "done")).all()
        residents = {r.resident_id for r in session.exec(
            select(LiftRequest).where(col(LiftRequest.id).in_(driven))).all()}
    assert figures.requested == 10
    assert figures.done == len(driven)
    assert figures.cancelled == 1
    assert figures.unserved == statuses.count("unserved") == sum(figures.reasons.values())
    assert (figures.done + figures.cancelled + figures.unserved + figures.no_shows
            + figures.open) == figures.requested
    assert figures.passengers == len(residents)
    assert figures.drivers == 1
    assert figures.live_miles == round(sum(leg.passenger_miles for leg in done_legs), 1) > 0
    assert figures.dead_miles >= 0 and figures.volunteer_hours > 0
    assert figures.mileage_pence > 0
    assert sum(w.requested for w in figures.weeks) == 10
    assert all(w.requested == w.done + w.cancelled + w.unserved + w.other
               for w in figures.weeks)
    assert figures.missed_appointments_avoided == figures.done * AT_RISK_WITHOUT_A_LIFT


def test_lifts_report_prints_and_writes_csv_and_chart(engine: Engine, tmp_path: Path) -> None:
    """The command a coordinator runs: a summary on screen, a CSV and a PNG chart."""
    now, driven, _ = _driven_day(engine)
    thursday = now.astimezone(LONDON).date() + timedelta(days=3)
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "TELEGRAM_BOT_TOKEN": "", "TWILIO_AUTH_TOKEN": ""}
    out = subprocess.run(
        [sys.executable, "-m", "lifts.cli", "report", "--month", f"{thursday:%Y-%m}",
         "--csv", str(tmp_path / "impact.csv"), "--chart", str(tmp_path / "impact.png")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert "lifts given" in out.stdout and "people helped" in out.stdout
    rows = list(csv.reader((tmp_path / "impact.csv").open()))
    assert rows[0] == ["week starting", "requested", "done", "cancelled", "unserved"]
    total = next(r for r in rows if r and r[0] == "total")
    assert int(total[2]) == len(driven) and int(total[3]) == 1
    assert (tmp_path / "impact.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "impact.png").stat().st_size > 10_000
    text = out.stdout + (tmp_path / "impact.csv").read_text()
    with Session(engine) as session:  # counts only: no names or numbers leave the scheme
        for person in session.exec(select(Person)).all():
            assert person.name not in text and (person.phone or "#") not in text


def test_a_month_without_lifts_is_all_zero_and_still_charts(engine: Engine,
                                                            tmp_path: Path) -> None:
    now = monday_morning()
    seed(engine, now)
    with Session(engine) as session:
        rules = rules_for(session, 1)
        figures = impact(session, 1, now.date().replace(day=1), now.date(), rules)
    assert (figures.requested, figures.done, figures.mileage_pence) == (0, 0, 0)
    write_chart(figures, tmp_path / "empty.png", "Nothing yet")
    assert (tmp_path / "empty.png").read_bytes()[:4] == b"\x89PNG"
