"""A coordinator's /plan runs in the background: answered at once, planned by a worker with
the day locked, the result sent back by message."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from booking.intake.inbox import Envelope, handle
from booking.planning import jobs
from bot.dialogue.flow import step
from bot.messages import Inbound
from lifts.seed import DEMO_COORDINATOR_PHONE
from storage.tables import OutboxMessage, PlanJob, PlanRun
from tests.support.world import LONDON, SCHEME_NUMBER, TRAVEL, generated_day, monday_morning, seed

NOW = monday_morning()
THURSDAY = NOW.astimezone(LONDON).date() + timedelta(days=3)


def _coordinator_says(engine: Engine, text: str, n: int) -> list[str]:
    handled = handle(engine, Envelope("sms", DEMO_COORDINATOR_PHONE, f"SMplan{n}",
                                      to_number=SCHEME_NUMBER), now=NOW,
                     decide=lambda snap: step(snap, Inbound(text=text)))
    assert handled is not None
    return [r.text for r in handled.decision.replies] + handled.said


def test_plan_now_answers_at_once_and_reports_when_done(engine: Engine) -> None:
    """/plan queues the day (no solve inside the message: it took 10-25 s and Twilio waits
    15 s), a worker plans it and the coordinator is sent the result."""
    seed(engine, NOW)
    generated_day(engine, NOW, 6, 3)
    said = _coordinator_says(engine, "/plan thursday", 1)
    assert said == [f"Planning {THURSDAY:%a} {THURSDAY.day} {THURSDAY:%b} now; I'll message "
                    "you the result in a minute or two."]
    with Session(engine) as session:
        assert session.exec(select(PlanRun)).all() == []  # nothing solved yet
        (job,) = session.exec(select(PlanJob)).all()
        assert (job.state, job.service_day) == ("queued", THURSDAY)
    view = jobs.run_next(engine, NOW, matrices=TRAVEL.matrices, time_limit=1.0)
    assert view is not None and view.state == "done"
    assert view.summary.startswith(f"Planned {THURSDAY:%a}") and "of 6 served" in view.summary
    with Session(engine) as session:
        (result,) = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "plan_result")).all()
        assert result.address == DEMO_COORDINATOR_PHONE and result.body == view.summary
    assert jobs.run_next(engine, NOW, matrices=TRAVEL.matrices, time_limit=1.0) is None


def test_two_plans_of_one_day_never_run_at_once(engine: Engine) -> None:
    """While the day is being planned, a second plan of it steps aside and says so."""
    seed(engine, NOW)
    generated_day(engine, NOW, 3, 4)
    _coordinator_says(engine, "/plan thursday", 2)
    with jobs.day_lock(engine, 1, THURSDAY) as got:
        assert got
        view = jobs.run_next(engine, NOW, matrices=TRAVEL.matrices, time_limit=1.0)
    assert view is not None and "being planned already" in view.summary
    with Session(engine) as session:
        assert session.exec(select(PlanRun)).all() == []
