"""`lifts seed-demo --with-bookings`: a past of lifts driven through the real services, and a
next week of bookings waiting, so a newcomer's plan, roster, report and mileage show something."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking.domain.status import REQUEST_WAITING, RequestStatus
from booking.reports.impact import impact
from booking.reports.mileage import claims
from booking.schemes import rules_for
from lifts.demo_bookings import RESIDENTS, load_bookings
from storage.tables import LiftRequest, LiftRequestEvent, OutboxMessage, Person
from tests.support.world import monday_morning, seed


def test_a_past_week_is_driven_and_the_next_week_waits(engine: Engine) -> None:
    """Past lifts end done, cancelled or no-show (each through the life-cycle's events), the
    report and mileage count them, fictional residents fill the scheme, nothing owed to anyone
    in the past is left unsent, and the next week's lifts wait to be planned."""
    now = monday_morning()
    seed(engine, now - timedelta(days=30))
    loaded = load_bookings(engine, 1, now, past_days=7)
    assert loaded.driven > 0 and loaded.waiting > 0
    with Session(engine) as session:
        rules = rules_for(session, 1)
        requests = session.exec(select(LiftRequest)).all()
        residents = session.exec(select(Person).where(Person.role == "resident")).all()
        past = [r for r in requests if r.appointment_at.replace(tzinfo=now.tzinfo) < now]
        future = [r for r in requests if r not in past]
        events = {e.request_id for e in session.exec(select(LiftRequestEvent)).all()}
        unsent = session.exec(select(OutboxMessage).where(
            OutboxMessage.status == "pending", col(OutboxMessage.due_at) < now)).all()
        today = now.astimezone(rules.tz).date()
        figures = impact(session, 1, today - timedelta(days=7), today - timedelta(days=1), rules)
        paid = claims(session, 1, today - timedelta(days=7), today - timedelta(days=1), rules)
    assert len(residents) == RESIDENTS
    assert all(p.phone and p.phone.startswith("+447700900") for p in residents[3:])
    assert past and {r.status for r in past} <= {
        RequestStatus.DONE, RequestStatus.CANCELLED, RequestStatus.NO_SHOW,
        RequestStatus.UNSERVED}
    assert all(r.id in events for r in requests), "every status came through the life-cycle"
    assert future and all(r.status in REQUEST_WAITING for r in future)
    assert len(future) == loaded.waiting
    assert figures.done == sum(r.status == RequestStatus.DONE for r in past) > 0
    assert figures.live_miles > 0 and sum(c.miles for c in paid) > 0
    assert unsent == [], [(m.kind, m.due_at) for m in unsent]
