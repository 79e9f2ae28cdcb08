"""`lifts seed-demo --with-bookings`: a realistic past month and next week of lifts, so plan,
roster, report and mileage have something to show on a newcomer's first run.

Nothing is written behind the services' backs: requests are booked, planned at each cut-off,
offered, accepted, driven (picked up, dropped off, now and then a no-show) and cancelled
through the same code a real day takes, with the clock set to each moment in turn; what they
owe people is "sent" by a sender that keeps it (fictional numbers, nobody to tell). It works
for any scheme's residents, drivers and destinations: nothing here is about the demo's places.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking.domain.outcomes import Refused
from booking.domain.status import LegStatus, OfferStatus
from booking.intake.effects import JoinResident, RequestLift
from booking.intake.residents import cancel_lift, join_resident, request_lift
from booking.lifecycle.progress import report_progress
from booking.messaging.dispatch import dispatch_due
from booking.messaging.sending import Outgoing, Sender
from booking.offers.answers import accept, expire_due
from booking.planning.run import plan_day
from booking.planning.warnings import warn_unserved
from booking.rules import WEEKDAYS, SchemeRules, Verdict, judge_appointment, local_instant
from booking.schemes import rules_for
from routing.travel import Cached, Haversine
from storage.db import transaction
from storage.tables import Leg, LiftRequest, Offer, Person, Place, Scheme

PAST_DAYS, NEXT_DAYS = 28, 7
RESIDENTS = 24  # a scheme with fewer gets fictional ones, so a month looks like a month
# Fictional people on Ofcom's numbers kept for drama (07700 900000-900999): never anyone's.
FIRST = ("Ada", "Albert", "Beryl", "Cyril", "Doris", "Eric", "Freda", "George", "Gladys",
         "Harry", "Irene", "Jack", "Kathleen", "Leonard", "Mabel", "Norman", "Olive", "Percy",
         "Rita", "Stanley", "Vera", "Walter")
LAST = ("Atkinson", "Bell", "Dent", "Fawcett", "Hunter", "Kirk", "Lambert", "Pratt", "Raw",
        "Scott", "Sunter", "Thompson", "Wood")
MOBILITY = ("unaided", "unaided", "walking_aid", "walking_aid", "folding_wheelchair")
PER_DAY = (2, 5)  # lifts booked on each service day, at random between these
RETURNS = ("wait", "wait", "wait", "collect_later", "one_way")
NO_SHOW_ONE_IN, CANCEL_ONE_IN = 25, 12


@dataclass
class Loaded:
    """What was loaded, for the command's last line."""

    booked: int = 0
    driven: int = 0
    no_shows: int = 0
    cancelled: int = 0
    waiting: int = 0


class KeepSender:
    """Takes what the outbox sends and keeps it: the demo's people are fictional."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent = 0

    async def send(self, message: Outgoing) -> str:
        """Count one message as sent."""
        self.sent += 1
        return f"demo-history-{self.sent}"


def load_bookings(engine: Engine, scheme_id: int, now: datetime, *,
                  step: Callable[[str], None] = lambda _: None, seed: int = 7,
                  past_days: int = PAST_DAYS) -> Loaded:
    """Book, plan and drive the scheme's last four weeks, then book its next week."""
    rng = random.Random(seed)
    _ensure_residents(engine, scheme_id, now - timedelta(days=past_days + 7), rng)
    with Session(engine) as session:
        rules = rules_for(session, scheme_id)
        residents = [p.id or 0 for p in session.exec(select(Person).where(
            Person.scheme_id == scheme_id, Person.role == "resident", Person.active == True,  # noqa: E712
            col(Person.lat).is_not(None))).all()]
        places = [p.id or 0 for p in session.exec(select(Place).where(
            Place.scheme_id == scheme_id, Place.active == True,  # noqa: E712
            col(Place.kind) != "settlement")).all()]
    if not residents or not places:
        raise Refused("This scheme has no located residents or no destinations to book.")
    tz, loaded = rules.tz, Loaded()
    today = now.astimezone(tz).date()
    senders: dict[str, Sender] = {c: KeepSender(c) for c in ("sms", "telegram", "whatsapp")}
    travel = Cached(Haversine())
    days = [today + timedelta(days=d) for d in range(-past_days, NEXT_DAYS + 1)]
    for day in (d for d in days if WEEKDAYS[d.weekday()] in rules.service_days):
        past = day < today
        booked_at = local_instant(day - timedelta(days=6), time(10, 0), tz) if past else now
        requests = _book_day(engine, rng, day, booked_at, residents, places, rules, loaded)
        if not past:
            loaded.waiting += len(requests)
            continue
        step(f"{day:%a %d %b}: {len(requests)} lift(s)")
        if requests and rng.randrange(CANCEL_ONE_IN // 2) == 0:
            _cancel(engine, requests.pop(), booked_at + timedelta(days=2), loaded)
        cutoff = local_instant(day - timedelta(days=1), rules.planning_cutoff, tz)
        for round_ in range(2):  # plan, accept, re-plan what is left
            at = cutoff + timedelta(minutes=5 + 20 * round_)
            plan_day(engine, scheme_id, day, now=at, trigger="demo history",
                     matrices=travel.matrices, time_limit=1.0, seed=seed)
            _accept_offers(engine, scheme_id, at + timedelta(minutes=5))
            _send_due(engine, senders, at + timedelta(minutes=6))
        _timers(engine, local_instant(day, time(7, 0), tz))  # as the scheduler's ticks would
        _send_due(engine, senders, local_instant(day, time(8, 30), tz))  # the day's reminders
        _drive(engine, rng, scheme_id, day, tz, loaded)
        _timers(engine, local_instant(day, time(19, 0), tz))
        _send_due(engine, senders, local_instant(day, time(20, 0), tz))
    return loaded


def _timers(engine: Engine, at: datetime) -> None:
    """Offers left unanswered expire; whoever still has no driver is told (and counted)."""
    with transaction(engine) as session:
        expire_due(session, at)
        warn_unserved(session, at)


def _send_due(engine: Engine, senders: dict[str, Sender], at: datetime) -> None:
    """Everything due by `at`, in as many batches as it takes."""
    while asyncio.run(dispatch_due(engine, senders, at, limit=200)).sent:
        pass


def _ensure_residents(engine: Engine, scheme_id: int, joined: datetime,
                      rng: random.Random) -> None:
    """Fictional residents in the scheme's villages, joined as a text would join them."""
    with transaction(engine) as session:
        scheme = session.get(Scheme, scheme_id)
        assert scheme is not None
        have = len(session.exec(select(Person.id).where(
            Person.scheme_id == scheme_id, Person.role == "resident")).all())
        villages = session.exec(select(Place).where(
            Place.scheme_id == scheme_id, Place.kind == "settlement")).all()
        taken = set(session.exec(select(Person.phone)).all())
        numbers = (f"+447700900{n:03d}" for n in range(1000))
        for _ in range(max(0, RESIDENTS - have) if villages else 0):
            phone = next(n for n in numbers if n not in taken)
            village = rng.choice(villages)
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            join_resident(session, scheme, JoinResident(
                name, f"{rng.randint(1, 40)} Main Street, {village.name}", "",
                village.id, rng.choice(MOBILITY), companion=rng.random() < 0.15,
                assistance_dog=rng.random() < 0.05), now=joined, channel="sms",
                address=phone, existing=None)


def _book_day(engine: Engine, rng: random.Random, day: date, at: datetime, residents: list[int],
              places: list[int], rules: SchemeRules, loaded: Loaded) -> list[int]:
    made: list[int] = []
    who = rng.sample(residents, min(len(residents), rng.randint(*PER_DAY)))
    start = rules.service_start.hour * 60 + 90  # leave the first hour and a half to drive
    end = rules.service_end.hour * 60 - 120  # ...and two hours to get home afterwards
    for resident_id in who:
        minute = rng.randrange(start, max(start + 10, end), 10)
        appointment = local_instant(day, time(minute // 60, minute % 60), rules.tz)
        if judge_appointment(appointment, at, rules) is not Verdict.OK:
            continue
        with transaction(engine) as session:
            person = session.get(Person, resident_id)
            assert person is not None
            try:
                request = request_lift(session, person, RequestLift(
                    rng.choice(places), appointment, rng.choice(RETURNS), short_notice=False),
                    now=at, channel=person.preferred_channel)
            except Refused:
                continue
            made.append(request.id or 0)
        loaded.booked += 1
    return made


def _cancel(engine: Engine, request_id: int, at: datetime, loaded: Loaded) -> None:
    with transaction(engine) as session:
        request = session.get(LiftRequest, request_id)
        person = session.get(Person, request.resident_id) if request else None
        if person is not None:
            cancel_lift(session, person, request_id, now=at)
            loaded.cancelled += 1


def _accept_offers(engine: Engine, scheme_id: int, at: datetime) -> None:
    with transaction(engine) as session:
        offers = session.exec(select(Offer).join(
            LiftRequest, col(LiftRequest.id) == Offer.request_id).where(
            LiftRequest.scheme_id == scheme_id, Offer.status == OfferStatus.OPEN)
            .order_by(col(Offer.id))).all()
        for offer in offers:
            driver = session.get(Person, offer.driver_id)
            if driver is not None:
                accept(session, driver, offer.id or 0, at)


def _drive(engine: Engine, rng: random.Random, scheme_id: int, day: date, tz: ZoneInfo,
           loaded: Loaded) -> None:
    """Each accepted leg of the day, in pickup order: picked up then dropped off, as the
    driver would text it; now and then the passenger is not there."""
    start, end = local_instant(day, time(0, 0), tz), local_instant(day, time(23, 59), tz)
    with Session(engine) as session:
        legs = session.exec(select(Leg).join(
            LiftRequest, col(LiftRequest.id) == Leg.request_id).where(
            LiftRequest.scheme_id == scheme_id, Leg.status == LegStatus.ACCEPTED,
            col(Leg.pickup_at) >= start, col(Leg.pickup_at) <= end)
            .order_by(col(Leg.pickup_at))).all()
        plan = [(leg.id or 0, leg.driver_id or 0, leg.pickup_at, leg.dropoff_at) for leg in legs]
    for leg_id, driver_id, pickup, dropoff in plan:
        if pickup is None:
            continue
        with transaction(engine) as session:
            leg = session.get(Leg, leg_id)
            driver = session.get(Person, driver_id)
            if leg is None or driver is None or leg.status != LegStatus.ACCEPTED:
                continue  # a no-show earlier in the day stood this leg down
            if rng.randrange(NO_SHOW_ONE_IN) == 0:
                report_progress(session, driver, "no_show", pickup + timedelta(minutes=10))
                loaded.no_shows += 1
                continue
            report_progress(session, driver, "picked_up", pickup)
            report_progress(session, driver, "dropped_off",
                            dropoff or pickup + timedelta(minutes=30))
            loaded.driven += 1
