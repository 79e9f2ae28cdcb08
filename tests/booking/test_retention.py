"""Retention on SQLite and PostgreSQL: message words, abandoned conversations, strangers' HELP
numbers, inactive people and old requests, with last year's impact report unchanged."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from itertools import count

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from booking import coordinator
from booking.audit import Actor
from booking.domain.status import LegStatus, RequestStatus
from booking.domain.transitions import Cause
from booking.help import mark_handled, open_help
from booking.intake.effects import RequestLift
from booking.intake.inbox import Envelope, handle
from booking.intake.residents import cancel_request, request_lift
from booking.lifecycle import progress
from booking.lifecycle.legs import ensure_legs, move_leg
from booking.lifecycle.requests import set_status
from booking.messaging.outbox import enqueue
from booking.privacy.retention import due, purge, run_due, sweep_bodies
from booking.reports.impact import Impact, impact
from booking.rules import local_instant, month_end
from booking.schemes import rules_for
from bot.dialogue.flow import step
from bot.messages import Inbound
from scheduler.ticks import Ticks
from storage.db import transaction
from storage.tables import (
    AuditEntry,
    Conversation,
    HelpRequest,
    Leg,
    LiftRequest,
    OutboxMessage,
    Person,
    Place,
    Scheme,
)
from tests.support.traces import held
from tests.support.world import LONDON, SCHEME_NUMBER, TRAVEL, driven_lift, monday_morning, seed

NOW = monday_morning()
STRANGER = "+447911123777"
EDITH = "+447911123401"
_ids = count(1)


def _scheme(session: Session) -> Scheme:
    return session.exec(select(Scheme)).one()


def _text(engine: Engine, address: str, text: str, at: datetime) -> None:
    """One SMS in through the real message path and dialogue."""
    env = Envelope("sms", address, f"SM{next(_ids):06d}", to_number=SCHEME_NUMBER)
    assert handle(engine, env, now=at, decide=lambda snap: step(snap, Inbound(text=text)))


def _purge(engine: Engine, at: datetime) -> dict[str, int]:
    with transaction(engine) as session:
        return purge(session, _scheme(session), at).counts


def test_words_go_once_a_message_is_done_with(any_engine: Engine) -> None:
    """Sent, delivered, failed, cancelled and expired messages lose their words; a text
    still waiting for its delivery report, and anything unsent, keep them."""
    seed(any_engine, NOW)
    cases = {  # key: (channel, status, sent how long ago, words kept?)
        "pending": ("sms", "pending", None, True),
        "sending": ("sms", "sending", None, True),
        "sent-telegram": ("telegram", "sent", timedelta(minutes=1), False),
        "sent-sms-just-now": ("sms", "sent", timedelta(hours=1), True),
        "sent-sms-3-days": ("sms", "sent", timedelta(days=3), False),
        "delivered": ("sms", "delivered", timedelta(minutes=1), False),
        "failed": ("sms", "failed", None, False),
        "cancelled": ("sms", "cancelled", None, False),
        "expired": ("sms", "expired", None, False),
    }
    with transaction(any_engine) as session:
        edith = session.exec(select(Person).where(Person.phone == EDITH)).one()
        for key, (channel, status, ago, _) in cases.items():
            row = enqueue(session, key=key, person=edith, kind="reminder", due_at=NOW,
                          body=f"Words of {key}")
            assert row is not None
            row.channel, row.status = channel, status
            row.sent_at = NOW - ago if ago else None
            session.add(row)
    with transaction(any_engine) as session:
        blanked = sweep_bodies(session, NOW)
    with Session(any_engine) as session:
        bodies = {m.idempotency_key: m.body for m in session.exec(select(OutboxMessage))}
    assert blanked == sum(not kept for *_, kept in cases.values())
    assert bodies == {key: f"Words of {key}" if kept else "" for key, (*_, kept)
                      in cases.items()}


def test_an_abandoned_first_message_and_half_finished_join_leave_nothing(
        any_engine: Engine) -> None:
    """A stranger starts to join ("...for my chemotherapy...", name, address) and stops: kept
    for the week it might be finished in, then not a word of it anywhere in the database."""
    seed(any_engine, NOW)
    for n, text in enumerate(("Hi, I need a lift to Leyburn surgery for my chemotherapy on "
                              "Monday", "Mary Kettlewell", "4 Chapel Row, Middleham")):
        _text(any_engine, STRANGER, text, NOW + timedelta(minutes=n))
    needles = ("chemotherapy", "Kettlewell", "Chapel Row", STRANGER)
    assert set(held(any_engine, *needles)) == set(needles)  # the join is under way
    six_days = _purge(any_engine, NOW + timedelta(days=6))
    assert set(held(any_engine, *needles)) == set(needles)
    assert not any(what.startswith("conversation") for what in six_days)
    with transaction(any_engine) as session:
        counts = purge(session, _scheme(session), NOW + timedelta(days=8)).counts
    assert counts["conversation: deleted (a stranger, abandoned)"] == 1
    assert held(any_engine, *needles) == {}


def test_a_known_persons_abandoned_booking_goes_back_to_the_start(any_engine: Engine) -> None:
    """A resident's half-finished booking is cleared after a week; the person stays, and a
    verified phone is the only thing the conversation keeps."""
    seed(any_engine, NOW)
    _text(any_engine, EDITH, "I need a lift to Leyburn surgery", NOW)
    with transaction(any_engine) as session:
        edith = session.exec(select(Person).where(Person.phone == EDITH)).one()
        sms = session.exec(select(Conversation).where(Conversation.address == EDITH)).one()
        assert sms.state.startswith("book_") and sms.data
        session.add(Conversation(channel="telegram", address="555", scheme_id=1,
                                 person_id=edith.id, state="book_when", updated_at=NOW,
                                 data={"verified_phone": EDITH, "destination": 3}))
    _purge(any_engine, NOW + timedelta(days=8))
    with Session(any_engine) as session:
        rows = {c.channel: (c.state, c.data) for c in session.exec(select(Conversation))}
        assert session.exec(select(Person).where(Person.phone == EDITH)).one().name == \
            "Edith Bainbridge"
    assert rows == {"sms": ("idle", {}), "telegram": ("idle", {"verified_phone": EDITH})}


def test_a_strangers_help_number_goes_once_handled_or_old(any_engine: Engine) -> None:
    """A stranger's HELP keeps their number until a coordinator handles it, or 30 days."""
    seed(any_engine, NOW)
    with transaction(any_engine) as session:
        handled = open_help(session, 1, None, channel="sms", address="+447911123771", now=NOW)
        mark_handled(session, handled, by="Pat", note="rang back", now=NOW)
        open_help(session, 1, None, channel="sms", address="+447911123772", now=NOW)
        open_help(session, 1, None, channel="sms", address="+447911123773",
                  now=NOW - timedelta(days=31))
    counts = _purge(any_engine, NOW + timedelta(hours=1))
    with Session(any_engine) as session:
        kept = sorted(h.address for h in session.exec(select(HelpRequest)))
    assert kept == ["", "", "+447911123772"]
    assert counts["helprequest: stranger's number cleared"] == 2


def test_the_daily_purge_runs_once_a_day_after_two(any_engine: Engine) -> None:
    """Due from 02:00 local time, once a day; the timed job (Ticks.retention) runs it and
    leaves one audit entry per day; the word sweep runs on every tick."""
    seed(any_engine, NOW)
    day = NOW.astimezone(LONDON).date()
    night, morning = (local_instant(day, time(1, 30), LONDON),
                      local_instant(day, time(2, 5), LONDON))
    with Session(any_engine) as session:
        scheme = _scheme(session)
        assert not due(session, scheme, night)
        assert due(session, scheme, morning)
    with transaction(any_engine) as session:
        edith = session.exec(select(Person).where(Person.phone == EDITH)).one()
        row = enqueue(session, key="k", person=edith, kind="reminder", due_at=NOW, body="Hi")
        assert row is not None
        row.status = "delivered"
    clock = [night]
    ticks = Ticks(any_engine, lambda: clock[0], TRAVEL.matrices)
    assert asyncio.run(ticks.retention()) == []  # before 02:00: only the sweep
    for clock[0] in (morning, morning + timedelta(minutes=10), morning + timedelta(hours=5)):
        asyncio.run(ticks.retention())
    with Session(any_engine) as session:
        runs = session.exec(select(AuditEntry).where(AuditEntry.action == "retention")).all()
        assert session.exec(select(OutboxMessage)).one().body == ""
        assert not due(session, _scheme(session), morning + timedelta(hours=5))
        assert due(session, _scheme(session), morning + timedelta(days=1))
    assert len(runs) == 1 and runs[0].actor_role == "system"


# --- a year of lifts, purged a year later -------------------------------------------------

SEEDED = NOW - timedelta(days=450)
ACTOR = Actor("Test Coordinator", "cli")


def _old_day(week: int, weekday: int) -> date:
    start = (SEEDED + timedelta(days=7)).astimezone(LONDON).date()
    monday = start - timedelta(days=start.weekday()) + timedelta(weeks=week)
    return monday + timedelta(days=weekday)


def _request(engine: Engine, resident: str, day: date) -> int:
    appointment = local_instant(day, time(11), LONDON)
    with transaction(engine) as session:
        person = session.exec(select(Person).where(Person.name == resident)).one()
        place = session.exec(select(Place).where(Place.kind == "hospital")).first()
        assert place is not None
        request = request_lift(session, person, RequestLift(
            place.id or 0, appointment, "wait", False), now=appointment - timedelta(days=4),
            channel="sms")
        ensure_legs(session, request, appointment - timedelta(days=4))
        return request.id or 0


def _cancelled(engine: Engine, resident: str, day: date, reason: str) -> None:
    request_id = _request(engine, resident, day)
    with transaction(engine) as session:
        request = session.get(LiftRequest, request_id)
        assert request is not None
        cancel_request(session, request, now=request.appointment_at - timedelta(days=1),
                       actor="coordinator", reason=reason, by=ACTOR)


def _unserved(engine: Engine, resident: str, day: date, leg_reason: str,
              note: str = "") -> None:
    request_id = _request(engine, resident, day)
    with transaction(engine) as session:
        request = session.get(LiftRequest, request_id)
        assert request is not None
        when = request.appointment_at - timedelta(days=1)
        for leg in session.exec(select(Leg).where(Leg.request_id == request_id)).all():
            move_leg(session, leg, LegStatus.UNSERVED, Cause.PLAN, now=when, reason=leg_reason)
        set_status(session, request, RequestStatus.UNSERVED, now=when, actor="system",
                   note=note)


def _no_show(engine: Engine, resident: str, driver: str, day: date) -> None:
    request_id = _request(engine, resident, day)
    with transaction(engine) as session:
        request = session.get(LiftRequest, request_id)
        taker = session.exec(select(Person).where(Person.name == driver)).one()
        assert request is not None
        before = request.appointment_at - timedelta(days=3)
        done = coordinator.assign(session, 1, request_id, taker.id or 0, ACTOR, before,
                                  override=True)
        assert isinstance(done, coordinator.Done)
        leg = session.exec(select(Leg).where(Leg.request_id == request_id,
                                             Leg.direction == "out")).one()
        assert leg.pickup_at is not None
        progress.report_progress(session, taker, "no_show", leg.pickup_at)


def _a_year_of_lifts(engine: Engine) -> list[tuple[date, date]]:
    """Ten weeks of every outcome, a year and more ago; one recent lift for Joan. Returns the
    periods a funder would ask about (each month, and the whole of it)."""
    seed(engine, SEEDED)
    with transaction(engine) as session:
        session.execute(update(Person).values(created_at=SEEDED))
        session.exec(select(Person).where(Person.name == "Stephen Lamb")).one().active = False
    for week in range(10):
        driven_lift(engine, _old_day(week, 1), driver_miles=12.5 + week, passenger_miles=8.0,
                    resident="Edith Bainbridge", driver="Margaret Allen")
        driven_lift(engine, _old_day(week, 2), driver_miles=20.0, passenger_miles=14.0,
                    companion=week % 2 == 0, resident="Harold Metcalfe", driver="David Brown")
        _cancelled(engine, "Joan Thwaite", _old_day(week, 3), "she is in hospital for tests")
        _unserved(engine, "Edith Bainbridge", _old_day(week, 4), "no driver free: Margaret away")
        if week % 3 == 0:
            _no_show(engine, "Harold Metcalfe", "Susan Clark", _old_day(week, 0))
        if week % 4 == 1:
            _unserved(engine, "Harold Metcalfe", _old_day(week, 0), "",
                      note="outside the service area: Harold lives up Snaizeholme")
    driven_lift(engine, (NOW - timedelta(days=30)).astimezone(LONDON).date(),
                driver_miles=9.0, resident="Joan Thwaite", driver="Margaret Allen")
    first, last = _old_day(0, 0), _old_day(9, 4)
    months, start = [], first.replace(day=1)
    while start <= last:
        months.append((start, month_end(start)))
        start = month_end(start) + timedelta(days=1)
    return [(first, last), *months]


def _figures(engine: Engine, periods: list[tuple[date, date]]) -> list[Impact]:
    with Session(engine) as session:
        rules = rules_for(session, 1)
        return [impact(session, 1, first, last, rules) for first, last in periods]


def test_last_years_report_is_the_same_number_by_number_after_the_purge(
        any_engine: Engine) -> None:
    """A year on, old lifts and inactive people are anonymised, and every figure of every
    month's impact report (and the whole period's) is exactly what it was."""
    periods = _a_year_of_lifts(any_engine)
    before = _figures(any_engine, periods)
    assert before[0].done == 20 and before[0].cancelled == 10 and before[0].no_shows == 4
    assert before[0].unserved == 13 and before[0].reasons["outside the service area"] == 3
    assert before[0].passengers == 2 and before[0].drivers == 3
    assert before[0].volunteer_hours > 0 and before[0].mileage_pence > 0
    names = ("Edith Bainbridge", "2 Church Lane", EDITH, "Harold Metcalfe", "Snaizeholme",
             "in hospital for tests", "Stephen Lamb")
    assert set(held(any_engine, *names)) == set(names)

    counts = _purge(any_engine, NOW)

    assert _figures(any_engine, periods) == before
    assert counts["liftrequest: anonymised"] == 47
    assert counts["person: anonymised (resident)"] == 2  # Edith and Harold; Joan had a lift
    assert counts["person: anonymised (driver)"] == 1  # Stephen left; the others still drive
    assert held(any_engine, *names) == {}
    assert "Joan Thwaite" in held(any_engine, "Joan Thwaite")  # she is still with us
    with Session(any_engine) as session:
        cutoff = NOW - timedelta(days=365)
        old = session.exec(select(LiftRequest).where(
            col(LiftRequest.appointment_at) < cutoff)).all()
        assert all(r.anonymised_at == NOW for r in old)
        recent = session.exec(select(LiftRequest).where(
            col(LiftRequest.appointment_at) >= cutoff)).one()
        assert recent.anonymised_at is None
        legs = session.exec(select(Leg).where(col(Leg.request_id).in_(
            [r.id for r in old]))).all()
        assert {(leg.pickup_place, leg.dropoff_place, leg.reason) for leg in legs} == {
            ("", "", "")}
    again = _purge(any_engine, NOW + timedelta(days=1))
    assert "liftrequest: anonymised" not in again and _figures(any_engine, periods) == before


def test_a_volunteer_between_trips_is_kept(any_engine: Engine) -> None:
    """Drivers who still volunteer stay however long since their last trip; a resident
    who joined within the retention period stays too."""
    seed(any_engine, NOW)
    with transaction(any_engine) as session:
        session.execute(update(Person).where(col(Person.role) == "driver").values(
            created_at=NOW - timedelta(days=800)))
    counts = _purge(any_engine, NOW)
    assert not any(what.startswith("person") for what in counts)
    with Session(any_engine) as session:
        assert all(p.anonymised_at is None for p in session.exec(select(Person)))


@pytest.mark.parametrize("days", [30, 3650])
def test_the_schemes_retention_days_decide(any_engine: Engine, days: int) -> None:
    """`retention_days` is read: a lift 40 days ago is anonymised at 30, kept at 3650."""
    seed(any_engine, NOW)
    with transaction(any_engine) as session:
        scheme = _scheme(session)
        scheme.rules = {**scheme.rules, "retention_days": days}
        session.add(scheme)
    when = (NOW - timedelta(days=40)).astimezone(LONDON).date()
    driven_lift(any_engine, when, driver_miles=5.0)
    counts = _purge(any_engine, NOW)
    assert counts.get("liftrequest: anonymised", 0) == (1 if days == 30 else 0)
    with Session(any_engine) as session:
        assert (session.exec(select(LiftRequest)).one().anonymised_at is not None) == (
            days == 30)


def test_a_run_at_any_hour_is_safe_to_repeat(any_engine: Engine) -> None:
    """run_due twice at once purges once (the second finds today's entry)."""
    seed(any_engine, NOW)
    at = datetime.combine(NOW.astimezone(LONDON).date(), time(3), tzinfo=LONDON).astimezone(UTC)
    with transaction(any_engine) as session:
        assert len(run_due(session, at)) == 2  # the scheme, and what belongs to none
    with transaction(any_engine) as session:
        assert run_due(session, at + timedelta(minutes=10)) == []


def test_throttling_records_go_after_a_month(any_engine: Engine) -> None:
    """Sign-in and invitation-code tries (hashes, no numbers) are kept a month, then deleted."""
    from booking.privacy.retention import purge_shared
    from storage.tables import CodeAttempt, LoginAttempt

    seed(any_engine, NOW)
    with transaction(any_engine) as session:
        for days in (1, 29, 31, 90):
            at = NOW - timedelta(days=days)
            session.add(LoginAttempt(at=at, client_hash=f"c{days}", success=False))
            session.add(CodeAttempt(at=at, sender_hash=f"s{days}", ok=False))
    with transaction(any_engine) as session:
        counts = purge_shared(session, NOW).counts
    with Session(any_engine) as session:
        logins = sorted(a.client_hash for a in session.exec(select(LoginAttempt)))
        codes = sorted(a.sender_hash for a in session.exec(select(CodeAttempt)))
    assert (logins, codes) == (["c1", "c29"], ["s1", "s29"])
    assert counts["loginattempt: deleted (a month old)"] == 2
