"""Standing bookings in the core: occurrences made ahead as ordinary requests, once each,
at the same wall-clock time across a clock change, skipping bank holidays and closures (and
saying so), cancelled one date at a time or all together; the coordinator's listing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking import closures, standing
from booking.audit import Actor
from booking.domain.outcomes import Refused
from booking.intake.effects import StartStanding
from storage.db import transaction
from storage.tables import LiftRequest, OutboxMessage, Person, Place, StandingOccurrence
from tests.support.world import seed

LONDON = ZoneInfo("Europe/London")
# Mon 15 Mar 2027: the clocks go forward on Sun 28 Mar, and Mon 29 Mar is Easter Monday.
START = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
MONDAYS = StartStanding(destination_id=0, weekdays=(0,), every_weeks=1, local_time="10:40",
                        first_day=date(2027, 3, 22), until=date(2027, 4, 19),
                        return_plan="collect_later")


def _resident(session: Session) -> Person:
    person = session.exec(select(Person).where(Person.role == "resident",
                                               col(Person.phone).is_not(None))).first()
    assert person is not None
    return person


def _hospital(session: Session) -> int:
    place = session.exec(select(Place).where(Place.kind == "hospital")).first()
    assert place is not None and place.id is not None
    return place.id


def _start(engine: Engine, cmd: StartStanding = MONDAYS) -> int:
    seed(engine, START)
    with transaction(engine) as session:
        person = _resident(session)
        cmd = StartStanding(**{**cmd.__dict__, "destination_id": _hospital(session)})
        booking, made = standing.start_standing(session, person, cmd, now=START,
                                                channel="sms")
        assert [r.appointment_at for r in made.requests] == [
            datetime(2027, 3, 22, 10, 40, tzinfo=UTC)]  # GMT: 10:40 is 10:40 UTC
        assert made.skipped == [(date(2027, 3, 29), "Easter Monday")]
        return booking.id or 0


def _daily(engine: Engine, *, until: date) -> None:
    """The job as the scheduler runs it: every day (twice, as after a restart)."""
    day = START
    while day.date() <= until:
        for _run in range(2):  # a restarted or repeated job makes nothing twice
            with transaction(engine) as session:
                standing.extend_all(session, day)
        day += timedelta(days=1)


def _requests(engine: Engine) -> list[LiftRequest]:
    with Session(engine) as session:
        return list(session.exec(select(LiftRequest).order_by(
            col(LiftRequest.appointment_at))).all())


def test_occurrences_across_a_bank_holiday_and_the_clock_change(any_engine: Engine) -> None:
    """Weekly on Mondays at 10:40: the 22nd (GMT), not Easter Monday, then 5, 12 and 19 April
    at 10:40 British Summer Time (09:40 UTC), each made once however often the job runs."""
    _start(any_engine)
    _daily(any_engine, until=date(2027, 4, 5))
    made = _requests(any_engine)
    assert [r.appointment_at for r in made] == [
        datetime(2027, 3, 22, 10, 40, tzinfo=UTC), datetime(2027, 4, 5, 9, 40, tzinfo=UTC),
        datetime(2027, 4, 12, 9, 40, tzinfo=UTC), datetime(2027, 4, 19, 9, 40, tzinfo=UTC)]
    assert {r.appointment_at.astimezone(LONDON).time() for r in made} == {time(10, 40)}
    assert {(r.status, r.return_plan) for r in made} == {("requested", "collect_later")}
    with Session(any_engine) as session:
        rows = session.exec(select(StandingOccurrence).order_by(
            col(StandingOccurrence.day))).all()
        assert [(o.day.isoformat(), o.skipped) for o in rows] == [
            ("2027-03-22", ""), ("2027-03-29", "Easter Monday"), ("2027-04-05", ""),
            ("2027-04-12", ""), ("2027-04-19", "")]
        # Easter Monday was in the booking's own answer: no second message about it.
        assert session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "standing_skip")).all() == []
    with transaction(any_engine) as session:  # the course has ended: nothing more is made
        standing.extend_all(session, datetime(2027, 4, 26, 8, 0, tzinfo=UTC))
    assert len(_requests(any_engine)) == 4


def test_a_closure_added_later_is_skipped_and_the_resident_told(any_engine: Engine) -> None:
    """A day the coordinator closes after the booking: no lift made, one text saying so."""
    _start(any_engine)
    with transaction(any_engine) as session:
        closures.close_day(session, 1, date(2027, 4, 12), "volunteers' training",
                           Actor("Pat", "cli"), datetime(2027, 3, 20, 9, 0, tzinfo=UTC))
    _daily(any_engine, until=date(2027, 4, 5))
    days = [r.appointment_at.astimezone(LONDON).date() for r in _requests(any_engine)]
    assert date(2027, 4, 12) not in days and date(2027, 4, 19) in days
    with Session(any_engine) as session:
        told = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "standing_skip")).all()
    assert [m.body for m in told] == [
        "No lift on Mon 12 Apr (volunteers' training): we're closed that day. Your lifts "
        "every Mon go on as booked."]


def test_one_date_cancelled_before_and_after_it_is_made(any_engine: Engine) -> None:
    """'No lift on the 22nd' cancels that request; 'no lift on the 12th', not yet made, is
    never made; a date the booking does not fall on is refused."""
    booking_id = _start(any_engine)
    with transaction(any_engine) as session:
        person = _resident(session)
        standing.skip_occurrence(session, person, booking_id, date(2027, 3, 22), now=START)
        standing.skip_occurrence(session, person, booking_id, date(2027, 4, 12), now=START)
        with pytest.raises(Refused, match="don't fall on Tue 23 Mar"):
            standing.skip_occurrence(session, person, booking_id, date(2027, 3, 23),
                                     now=START)
    _daily(any_engine, until=date(2027, 4, 5))
    made = {r.appointment_at.astimezone(LONDON).date(): r.status for r in _requests(any_engine)}
    assert made == {date(2027, 3, 22): "cancelled", date(2027, 4, 5): "requested",
                    date(2027, 4, 19): "requested"}


def test_cancelling_all_ends_it_and_cancels_what_was_made(any_engine: Engine) -> None:
    """'Cancel my Monday lifts': the lifts made are cancelled and no more are made."""
    booking_id = _start(any_engine)
    with transaction(any_engine) as session:
        person = _resident(session)
        assert standing.cancel_standing(session, person, booking_id, now=START) == 1
        with pytest.raises(Refused, match="already cancelled"):
            standing.cancel_standing(session, person, booking_id, now=START)
        assert standing.standing_of(session, person.id or 0) == []
    with transaction(any_engine) as session:
        standing.extend_all(session, datetime(2027, 4, 5, 8, 0, tzinfo=UTC))
    assert [r.status for r in _requests(any_engine)] == ["cancelled"]


def test_the_coordinator_sees_every_standing_booking(any_engine: Engine) -> None:
    """The core query behind /standing (and the console): who, what, when, the next lift."""
    booking_id = _start(any_engine)
    with transaction(any_engine) as session:
        person = _resident(session)
        listed = standing.listing(session, 1, START)
        assert [(s.id, s.resident, s.pattern, s.local_time, s.next_day, s.until) for s in
                listed] == [(booking_id, person.name, "every Mon", "10:40",
                             date(2027, 3, 22), date(2027, 4, 19))]
        text = standing.listing_text(listed)
        assert f"#{booking_id} {person.name}: every Mon 10:40 to" in text
        assert "until Mon 19 Apr; next Mon 22 Mar" in text


def test_a_second_identical_booking_and_bad_days_are_refused(any_engine: Engine) -> None:
    """The same repeat twice, a first day off the pattern, an end before the start."""
    _start(any_engine)
    with transaction(any_engine) as session:
        person, place = _resident(session), _hospital(session)
        same = StartStanding(**{**MONDAYS.__dict__, "destination_id": place})
        with pytest.raises(Refused, match="already have those lifts"):
            standing.start_standing(session, person, same, now=START, channel="sms")
        off = StartStanding(**{**same.__dict__, "weekdays": (1,)})
        with pytest.raises(Refused, match="which days"):
            standing.start_standing(session, person, off, now=START, channel="sms")
        early = StartStanding(**{**same.__dict__, "local_time": "11:00",
                                 "until": date(2027, 3, 1)})
        with pytest.raises(Refused, match="before the first lift"):
            standing.start_standing(session, person, early, now=START, channel="sms")
