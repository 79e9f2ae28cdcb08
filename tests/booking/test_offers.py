"""Offers under concurrency, on SQLite and PostgreSQL: one winner, no double-booked driver."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from booking.domain.outcomes import Answer, OfferAnswer
from booking.intake.effects import RequestLift
from booking.intake.residents import request_lift
from booking.lifecycle.legs import ensure_legs
from booking.messaging import changes
from booking.offers import answers, urgent
from booking.planning.run import plan_day
from booking.rules import local_instant
from routing.travel import Cached, Haversine
from storage.db import transaction
from storage.tables import Leg, LiftRequest, Offer, OutboxMessage, Person, Place
from tests.support.world import LONDON, monday_morning, seed


def _request(engine: Engine, resident: str, at: time, now: datetime) -> int:
    """A Thursday lift request for a seeded resident, with its legs planned at `at`."""
    with transaction(engine) as session:
        person = session.exec(select(Person).where(Person.name == resident)).one()
        place = session.exec(select(Place).where(Place.kind == "gp")).first()
        assert place is not None
        thursday = now.astimezone(LONDON).date() + timedelta(days=3)
        appointment = local_instant(thursday, at, LONDON)
        request = request_lift(session, person, RequestLift(
            place.id or 0, appointment, "wait", False), now=now, channel="sms")
        for leg in ensure_legs(session, request, now):
            leg.pickup_at = appointment - timedelta(minutes=30)
            leg.dropoff_at = appointment + timedelta(minutes=60)
            session.add(leg)
        return request.id or 0


def _said(answer: OfferAnswer) -> str:
    """What the driver is told."""
    return changes.answer_text(answer, LONDON)


def _drivers(engine: Engine, *names: str) -> list[Person]:
    with Session(engine) as session:
        return [session.exec(select(Person).where(Person.name == n)).one() for n in names]


def _accept_together(engine: Engine, pairs: list[tuple[Person, int]],
                     now: datetime) -> list[OfferAnswer]:
    """Each (driver, offer) accepts in its own thread and transaction, all at once."""
    barrier = threading.Barrier(len(pairs))
    replies: list[OfferAnswer] = [OfferAnswer(Answer.NOT_FOUND, 0)] * len(pairs)

    def accept(i: int, driver: Person, offer_id: int) -> None:
        barrier.wait()
        with transaction(engine) as session:
            replies[i] = answers.accept(session, driver, offer_id, now)

    threads = [threading.Thread(target=accept, args=(i, d, o)) for i, (d, o) in enumerate(pairs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return replies


def test_two_drivers_accepting_a_broadcast_at_once_one_wins(any_engine: Engine) -> None:
    """Exactly one of two simultaneous accepts gets the trip; the other is told politely."""
    now = monday_morning()
    seed(any_engine, now)
    request_id = _request(any_engine, "Edith Bainbridge", time(10, 40), now)
    first, second = _drivers(any_engine, "Margaret Allen", "David Brown")
    with transaction(any_engine) as session:
        request = session.get(LiftRequest, request_id)
        assert request is not None
        urgent.offer_to(session, request, [first, second], now)
        ids = [o.id or 0 for o in session.exec(select(Offer).order_by(Offer.id)).all()]
    replies = _accept_together(any_engine, [(first, ids[0]), (second, ids[1])], now)
    said = [changes.answer_text(r, LONDON) for r in replies]
    won = [s for s in said if s.startswith("Thank you! Trip")]
    lost = [s for s in said if "another driver" in s]
    assert len(won) == 1 and len(lost) == 1, said
    with Session(any_engine) as session:
        legs = session.exec(select(Leg).where(Leg.request_id == request_id)).all()
        assert {leg.status for leg in legs} == {"accepted"}
        assert len({leg.driver_id for leg in legs}) == 1
        assert session.get(LiftRequest, request_id).status == "confirmed"  # type: ignore[union-attr]


def test_a_driver_cannot_take_two_overlapping_trips(any_engine: Engine) -> None:
    """Offers of two trips at the same time to one driver: the second accept is refused."""
    now = monday_morning()
    seed(any_engine, now)
    ids = [_request(any_engine, name, time(10, 40), now)
           for name in ("Edith Bainbridge", "Harold Metcalfe")]
    (driver,) = _drivers(any_engine, "Margaret Allen")
    with transaction(any_engine) as session:
        for request_id in ids:
            request = session.get(LiftRequest, request_id)
            assert request is not None
            urgent.offer_to(session, request, [driver], now)
        offer_ids = [o.id or 0 for o in session.exec(select(Offer).order_by(Offer.id)).all()]
    replies = _accept_together(any_engine, [(driver, offer_ids[0]), (driver, offer_ids[1])],
                               now)
    said = [changes.answer_text(r, LONDON) for r in replies]
    assert sum(s.startswith("Thank you! Trip") for s in said) == 1, said
    assert sum("overlaps" in s for s in said) == 1, said
    with Session(any_engine) as session:
        accepted = session.exec(select(Leg).where(Leg.driver_id == driver.id,
                                                  Leg.status == "accepted")).all()
        assert {leg.request_id for leg in accepted} in ({ids[0]}, {ids[1]})


def test_accepting_twice_and_answering_someone_elses_offer(engine: Engine) -> None:
    """A repeated yes is acknowledged, and a driver cannot answer another driver's offer."""
    now = monday_morning()
    seed(engine, now)
    request_id = _request(engine, "Edith Bainbridge", time(10, 40), now)
    mine, theirs = _drivers(engine, "Margaret Allen", "David Brown")
    with transaction(engine) as session:
        request = session.get(LiftRequest, request_id)
        assert request is not None
        urgent.offer_to(session, request, [mine], now)
        offer_id = session.exec(select(Offer)).one().id or 0
    with transaction(engine) as session:
        assert "can't find trip" in _said(answers.accept(session, theirs, offer_id, now))
    with transaction(engine) as session:
        assert _said(answers.accept(session, mine, offer_id, now)).startswith("Thank you!")
    with transaction(engine) as session:
        assert "already accepted" in _said(answers.accept(session, mine, offer_id, now))


def test_broadcasting_a_request_no_plan_has_timed_still_confirms_with_a_time(
        engine: Engine) -> None:
    """A short-notice request the coordinator broadcasts at once (never planned): the offer
    names a pickup before the appointment, and the accept confirms to the resident with a
    pickup time and queues their reminders."""
    now = monday_morning()
    seed(engine, now)
    with transaction(engine) as session:
        person = session.exec(select(Person).where(Person.name == "Edith Bainbridge")).one()
        place = session.exec(select(Place).where(Place.kind == "gp")).first()
        assert place is not None
        appointment = local_instant(now.astimezone(LONDON).date() + timedelta(days=2),
                                    time(10, 40), LONDON)
        request = request_lift(session, person, RequestLift(
            place.id or 0, appointment, "wait", False), now=now, channel="sms")
        sent = urgent.broadcast_request(session, 1, request.id or 0, now)
        assert sent
        offer = session.exec(select(Offer).order_by(Offer.id)).first()
        assert offer is not None
        driver = session.get(Person, offer.driver_id)
        assert driver is not None
        assert _said(answers.accept(session, driver, offer.id or 0, now)).startswith(
            "Thank you!")
        request_id = request.id or 0
    with Session(engine) as session:
        out = session.exec(select(Leg).where(Leg.request_id == request_id,
                                             Leg.direction == "out")).one()
        back = session.exec(select(Leg).where(Leg.request_id == request_id,
                                              Leg.direction == "back")).one()
        assert out.pickup_at is not None and out.dropoff_at is not None
        assert back.pickup_at is not None
        early = appointment - out.dropoff_at.astimezone(UTC)
        assert timedelta(minutes=10) <= early <= timedelta(minutes=20)
        assert back.pickup_at.astimezone(UTC) > appointment
        kinds = [m.kind for m in session.exec(select(OutboxMessage).where(
            OutboxMessage.request_id == request_id)).all()]
        assert "confirmation" in kinds and "reminder" in kinds
        offer_text = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "offer")).first()
        assert offer_text is not None
        pickup_local = out.pickup_at.astimezone(LONDON)
        assert f"{pickup_local:%-H:%M}" in offer_text.body or \
            f"{pickup_local:%H:%M}" in offer_text.body
    # the next plan of that day keeps the accepted times and fills in the driver's miles
    plan_day(engine, 1, appointment.astimezone(LONDON).date(), now=now, trigger="test",
             matrices=Cached(Haversine()).matrices, time_limit=1.0)
    with Session(engine) as session:
        again = session.get(Leg, out.id)
        assert again is not None and again.status == "accepted"
        assert again.pickup_at == out.pickup_at and again.driver_miles > 0
