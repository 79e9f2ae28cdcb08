"""A hypothesis state machine over the real services on a real database (SQLite and
PostgreSQL): random sequences of book, plan, accept, decline, expire, drop out, assign,
unassign, cancel, broadcast, picked up, dropped off and no show, with the life-cycle's
invariants checked after every step."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, time, timedelta
from typing import ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from booking import coordinator
from booking.audit import Actor
from booking.domain.outcomes import Refused
from booking.domain.status import (
    LEG_DRIVEN,
    LEG_FREE,
    LEG_HELD,
    LEG_ON_THE_ROAD,
    REQUEST_CLOSED,
    LegStatus,
    OfferStatus,
    RequestStatus,
)
from booking.domain.transitions import InvalidTransition
from booking.intake.effects import RequestLift
from booking.intake.residents import cancel_lift, request_lift
from booking.lifecycle import progress
from booking.offers import answers
from booking.planning.run import plan_day
from booking.rules import local_instant
from storage.db import transaction
from storage.tables import (
    AuditEntry,
    HelpRequest,
    Leg,
    LiftRequest,
    LiftRequestEvent,
    MileageEntry,
    Offer,
    OutboxMessage,
    Person,
    Place,
    PlanJob,
    PlanRun,
    Vehicle,
)
from tests.support.world import LONDON, TRAVEL, monday_morning, seed

NOW = monday_morning()
THURSDAY = NOW.astimezone(LONDON).date() + timedelta(days=3)
PAT = Actor("Pat Coordinator", "cli")
VILLAGE_HOMES = ((54.300, -1.862), (54.293, -2.032), (54.297, -2.000), (54.309, -1.826),
                 (54.279, -1.976), (54.306, -1.929))
STEPS: Counter[str] = Counter()  # steps run, by rule (reported by the test)


def pick(rows: list[int], index: int) -> int | None:
    """One of `rows`, chosen by a drawn index (None when there are none)."""
    return rows[index % len(rows)] if rows else None


class LifeCycle(RuleBasedStateMachine):
    """The services driven in random order; the database must stay consistent."""

    engine: ClassVar[Engine]
    now: datetime

    @initialize()
    def clean_day(self) -> None:
        """Each example starts from the seeded scheme with no trips, on Monday morning."""
        self.now = NOW
        with transaction(self.engine) as session:
            for table in (MileageEntry, OutboxMessage, AuditEntry, HelpRequest, PlanJob,
                          LiftRequestEvent):
                session.exec(delete(table))  # type: ignore[call-overload]
            session.exec(delete(Leg))  # type: ignore[call-overload]
            session.exec(delete(Offer))  # type: ignore[call-overload]
            session.exec(delete(PlanRun))  # type: ignore[call-overload]
            session.exec(delete(LiftRequest))  # type: ignore[call-overload]

    def _ids(self, query: object) -> list[int]:
        with Session(self.engine) as session:
            return [i for i in session.exec(query).all() if i is not None]  # type: ignore[call-overload]

    def _run(self, name: str, action: object) -> None:
        """One step in one transaction; a refusal is an answer, a refused move is a bug."""
        STEPS[name] += 1
        try:
            with transaction(self.engine) as session:
                action(session)  # type: ignore[operator]
        except InvalidTransition:
            raise
        except Refused:
            pass

    @rule(who=st.integers(0, 99), hour=st.sampled_from([9, 10, 11, 13, 14, 15]),
          plan=st.sampled_from(["wait", "wait", "collect_later", "one_way"]))
    def book(self, who: int, hour: int, plan: str) -> None:
        residents = self._ids(select(Person.id).where(Person.role == "resident"))

        def act(session: Session) -> None:
            person = session.get(Person, pick(residents, who))
            place = session.exec(select(Place).where(Place.kind == "gp")).first()
            assert person is not None and place is not None
            request_lift(session, person, RequestLift(
                place.id or 0, local_instant(THURSDAY, time(hour, 20), LONDON), plan, False),
                now=self.now, channel="sms")
        self._run("book", act)

    @rule()
    def plan(self) -> None:
        STEPS["plan"] += 1
        plan_day(self.engine, 1, THURSDAY, now=self.now, trigger="test",
                 matrices=TRAVEL.matrices, time_limit=0.3)

    def _open_offers(self) -> list[int]:
        return self._ids(select(Offer.id).where(Offer.status == OfferStatus.OPEN))

    @rule(which=st.integers(0, 99), yes=st.booleans())
    def answer(self, which: int, yes: bool) -> None:
        offer_id = pick(self._open_offers(), which)
        if offer_id is None:
            return

        def act(session: Session) -> None:
            offer = session.get(Offer, offer_id)
            assert offer is not None
            driver = session.get(Person, offer.driver_id)
            assert driver is not None
            (answers.accept if yes else answers.decline)(session, driver, offer_id, self.now)
        self._run("accept" if yes else "decline", act)

    @rule()
    def wait(self) -> None:
        """Half an hour passes: offers made two hours ago expire."""
        self.now += timedelta(minutes=30)
        self._run("wait", lambda session: answers.expire_due(session, self.now))

    @rule(which=st.integers(0, 99))
    def drop_out(self, which: int) -> None:
        offer_id = pick(self._ids(select(Offer.id).where(
            Offer.status == OfferStatus.ACCEPTED)), which)
        if offer_id is None:
            return

        def act(session: Session) -> None:
            offer = session.get(Offer, offer_id)
            assert offer is not None
            driver = session.get(Person, offer.driver_id)
            assert driver is not None
            answers.decline(session, driver, offer_id, self.now)
        self._run("drop_out", act)

    def _requests(self) -> list[int]:
        return self._ids(select(LiftRequest.id).order_by(col(LiftRequest.id)))

    @rule(which=st.integers(0, 99), who=st.integers(0, 99), override=st.booleans())
    def assign(self, which: int, who: int, override: bool) -> None:
        request_id = pick(self._requests(), which)
        driver_id = pick(self._ids(select(Person.id).where(Person.role == "driver")), who)
        if request_id is None or driver_id is None:
            return
        self._run("assign", lambda session: coordinator.assign(
            session, 1, request_id, driver_id, PAT, self.now, override=override))

    @rule(which=st.integers(0, 99))
    def unassign(self, which: int) -> None:
        request_id = pick(self._requests(), which)
        if request_id is not None:
            self._run("unassign", lambda session: coordinator.unassign(
                session, 1, request_id, PAT, self.now))

    @rule(which=st.integers(0, 99))
    def broadcast(self, which: int) -> None:
        request_id = pick(self._requests(), which)
        if request_id is not None:
            self._run("broadcast", lambda session: coordinator.broadcast(
                session, 1, request_id, PAT, self.now))

    @rule(which=st.integers(0, 99), by_resident=st.booleans())
    def cancel(self, which: int, by_resident: bool) -> None:
        request_id = pick(self._requests(), which)
        if request_id is None:
            return

        def act(session: Session) -> None:
            request = session.get(LiftRequest, request_id)
            assert request is not None
            if by_resident:
                resident = session.get(Person, request.resident_id)
                assert resident is not None
                cancel_lift(session, resident, request_id, now=self.now)
            else:
                coordinator.cancel(session, 1, request_id, "test", PAT, self.now)
        self._run("cancel", act)

    @rule(who=st.integers(0, 99), what=st.sampled_from(["picked_up", "dropped_off",
                                                        "no_show"]))
    def progress(self, who: int, what: str) -> None:
        driver_id = pick(self._ids(select(Leg.driver_id).where(
            col(Leg.status).in_(LEG_ON_THE_ROAD)).distinct()), who)
        if driver_id is None:
            return

        def act(session: Session) -> None:
            driver = session.get(Person, driver_id)
            first = session.exec(select(Leg.pickup_at).where(
                Leg.driver_id == driver_id, col(Leg.status).in_(LEG_ON_THE_ROAD))
                .order_by(col(Leg.pickup_at))).first()
            assert driver is not None and first is not None
            progress.report_progress(session, driver, what, first)
        self._run(what, act)

    # --- what must always hold -------------------------------------------------------------

    @invariant()
    def offers_point_at_offered_legs(self) -> None:
        """No open offer points at a leg that is not offered; an offered leg's offer is open
        and is its driver's; an open broadcast still has a free leg to take."""
        with Session(self.engine) as session:
            for offer in session.exec(select(Offer).where(
                    Offer.status == OfferStatus.OPEN)).all():
                legs = session.exec(select(Leg).where(Leg.offer_id == offer.id)).all()
                if offer.broadcast:
                    free = session.exec(select(Leg).where(
                        Leg.request_id == offer.request_id,
                        col(Leg.status).in_(LEG_FREE))).all()
                    assert free, f"open broadcast {offer.id} with nothing to take"
                else:
                    assert legs and all(leg.status == LegStatus.OFFERED for leg in legs), \
                        f"open offer {offer.id}: {[leg.status for leg in legs]}"
            for leg in session.exec(select(Leg).where(Leg.status == LegStatus.OFFERED)).all():
                offer = session.get(Offer, leg.offer_id)
                assert offer is not None and offer.status == OfferStatus.OPEN
                assert offer.driver_id == leg.driver_id

    @invariant()
    def drivers_and_legs_agree(self) -> None:
        """A held leg has exactly one driver (its accepted offer's); a free one has none but
        the planned driver; a request's status follows its legs."""
        with Session(self.engine) as session:
            for leg in session.exec(select(Leg)).all():
                if leg.status in LEG_HELD:
                    offer = session.get(Offer, leg.offer_id)
                    assert leg.driver_id is not None and offer is not None
                    assert offer.driver_id == leg.driver_id
                if leg.status in (LegStatus.OPEN, LegStatus.UNSERVED, LegStatus.CANCELLED):
                    assert leg.driver_id is None and leg.offer_id is None
            for request in session.exec(select(LiftRequest)).all():
                legs = [leg.status for leg in session.exec(select(Leg).where(
                    Leg.request_id == request.id)).all()]
                if request.status == RequestStatus.CONFIRMED:
                    assert legs and all(s in LEG_HELD for s in legs), legs
                if request.status in REQUEST_CLOSED:
                    assert not any(s in (LegStatus.OFFERED, LegStatus.ACCEPTED,
                                         LegStatus.PLANNED) for s in legs), (request.status,
                                                                              legs)

    @invariant()
    def the_resident_hears_of_the_right_driver(self) -> None:
        """A confirmed request's newest confirmation and pending reminders name the driver
        who collects them, and the confirmation their car."""
        with Session(self.engine) as session:
            for request in session.exec(select(LiftRequest).where(
                    LiftRequest.status == RequestStatus.CONFIRMED)).all():
                legs = {leg.direction: leg for leg in session.exec(select(Leg).where(
                    Leg.request_id == request.id)).all()}
                first = next(legs[d] for d in ("out", "back") if d in legs
                             and legs[d].status == LegStatus.ACCEPTED) if any(
                    leg.status == LegStatus.ACCEPTED for leg in legs.values()) else None
                if first is None:
                    continue
                driver = session.get(Person, first.driver_id)
                car = session.exec(select(Vehicle).where(Vehicle.driver_id == first.driver_id)
                                   ).one()
                assert driver is not None
                name = driver.name.split()[0]
                messages = session.exec(select(OutboxMessage).where(
                    OutboxMessage.request_id == request.id,
                    col(OutboxMessage.kind).in_(("confirmation", "reminder")),
                    OutboxMessage.status == "pending").order_by(col(OutboxMessage.id))).all()
                confirmations = [m for m in messages if m.kind == "confirmation"]
                assert confirmations, f"request {request.id} confirmed without a confirmation"
                assert f"{name} will collect you" in confirmations[-1].body
                assert car.description in confirmations[-1].body
                for reminder in (m for m in messages if m.kind == "reminder"):
                    assert reminder.body.startswith(f"Reminder: {name} ")

    @invariant()
    def no_driver_holds_overlapping_trips(self) -> None:
        """A driver's held legs overlap only when one plan gave them together (two passengers
        aboard), or the plan was made knowing of the other."""
        with Session(self.engine) as session:
            rows = session.exec(select(Leg, Offer).join(Offer, col(Offer.id) == Leg.offer_id)
                                .where(col(Leg.status).in_(LEG_ON_THE_ROAD))).all()
            for a, a_offer in rows:
                for b, b_offer in rows:
                    if a.id >= b.id or a.driver_id != b.driver_id \
                            or a.request_id == b.request_id:  # type: ignore[operator]
                        continue
                    assert a.pickup_at and a.dropoff_at and b.pickup_at and b.dropoff_at
                    if not (a.pickup_at < b.dropoff_at and b.pickup_at < a.dropoff_at):
                        continue
                    assert _planned_together(a, a_offer, b, b_offer), (a.id, b.id)

    @invariant()
    def nothing_is_owed_for_finished_trips(self) -> None:
        """A cancelled or finished request has no reminder waiting to go out."""
        with Session(self.engine) as session:
            closed = session.exec(select(LiftRequest.id).where(
                col(LiftRequest.status).in_(REQUEST_CLOSED))).all()
            if closed:
                waiting = session.exec(select(OutboxMessage).where(
                    col(OutboxMessage.request_id).in_(closed),
                    OutboxMessage.kind == "reminder",
                    OutboxMessage.status == "pending")).all()
                assert waiting == [], [m.request_id for m in waiting]

    @invariant()
    def mileage_once_per_driven_leg(self) -> None:
        """Every driven leg has exactly one mileage entry; nothing else has one."""
        with Session(self.engine) as session:
            entries = Counter(session.exec(select(MileageEntry.leg_id)).all())
            driven = set(session.exec(select(Leg.id).where(
                col(Leg.status).in_(LEG_DRIVEN))).all())
            assert set(entries) == driven and all(n == 1 for n in entries.values())


def _planned_together(a: Leg, a_offer: Offer, b: Leg, b_offer: Offer) -> bool:
    """Both from one planning run, or the later plan offer was made after the other was held."""
    if a_offer.plan_run_id is not None and a_offer.plan_run_id == b_offer.plan_run_id:
        return True
    for later, earlier, earlier_leg in ((a_offer, b_offer, b), (b_offer, a_offer, a)):
        held_since = earlier.answered_at or earlier_leg.updated_at
        if later.plan_run_id is not None and held_since <= later.created_at:
            return True
    return False


def _add_residents(engine: Engine) -> None:
    with transaction(engine) as session:
        for n, (lat, lon) in enumerate(VILLAGE_HOMES):
            session.add(Person(scheme_id=1, role="resident", name=f"Resident {n}",
                               phone=f"+4479111300{n:02d}", address=f"{n} Main St",
                               lat=lat, lon=lon, consent_at=NOW,
                               mobility="folding_wheelchair" if n == 2 else "unaided",
                               assistance_dog=n == 4, companion=n == 5))


def test_the_life_cycle_holds_under_random_use(any_engine: Engine) -> None:
    """Random sequences of the services keep every invariant (bounded for CI)."""
    seed(any_engine, NOW)
    _add_residents(any_engine)
    LifeCycle.engine = any_engine
    STEPS.clear()
    examples = int(os.environ.get("LIFTS_STATE_MACHINE_EXAMPLES", "15"))  # more: a deeper run
    run_state_machine_as_test(LifeCycle, settings=settings(
        max_examples=examples, stateful_step_count=40, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
    # Hypothesis enables a random subset of rules per example (swarm testing), so which rules
    # ran varies; enough steps must have, with plans among them.
    assert sum(STEPS.values()) >= 100 and STEPS["plan"], STEPS
    print(f"\nlife-cycle state machine: {sum(STEPS.values())} steps, {dict(STEPS)}")
