"""A test world: the Wensleydale demo scheme, a fixed clock, settings pointing at the fakes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking import coordinator
from booking.audit import Actor
from booking.intake.effects import RequestLift
from booking.intake.residents import request_lift
from booking.lifecycle import progress
from booking.lifecycle.legs import ensure_legs
from booking.planning.run import plan_day
from booking.rules import local_instant
from lifts.demo_scheme import SETTLEMENTS
from lifts.seed import seed_demo
from lifts.settings import Settings
from routing.travel import Cached, Haversine
from storage.db import transaction
from storage.tables import Person, Place

LONDON = ZoneInfo("Europe/London")
TRAVEL = Cached(Haversine())  # offline road estimates, shared by the tests
PUBLIC_URL = "https://lifts.example.org"
TWILIO_TOKEN = "test-auth-token-0123456789"
TWILIO_SID = "AC" + "0" * 32
SCHEME_NUMBER = "+447911123000"
WEBHOOK_SECRET = "test-secret_ABC-123"
BOT_TOKEN = "123456:TEST-token"


def monday_morning() -> datetime:
    """Next Monday 09:30 London time, in UTC: weekday names in tests then mean fixed dates."""
    today = datetime.now(LONDON).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return datetime.combine(monday, time(9, 30), tzinfo=LONDON).astimezone(UTC)


def seed(engine: Engine, now: datetime) -> None:
    """Load the demo scheme with the SMS number the tests send to."""
    with transaction(engine) as session:
        seed_demo(session, now=now, sms_number=SCHEME_NUMBER)


def settings(engine: Engine, *, telegram_url: str = "", twilio_url: str = "") -> Settings:
    """Settings for a test: real values for our code, fakes' URLs for the providers."""
    values: dict[str, str] = {
        "database_url": engine.url.render_as_string(hide_password=False),
        "public_base_url": PUBLIC_URL,
        "twilio_auth_token": TWILIO_TOKEN,
    }
    if telegram_url:
        values.update(telegram_bot_token=BOT_TOKEN, telegram_webhook_secret=WEBHOOK_SECRET,
                      telegram_api_base_url=telegram_url)
    if twilio_url:
        values.update(twilio_account_sid=TWILIO_SID, twilio_from_number=SCHEME_NUMBER,
                      twilio_api_base_url=twilio_url)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


MOBILITY = ["unaided"] * 6 + ["walking_aid"] * 2 + ["folding_wheelchair", "wheelchair_vehicle"]


def generated_day(engine: Engine, now: datetime, count: int, seed_: int) -> None:
    """`count` residents across the villages, each asking for a Thursday GP or hospital lift."""
    rng = random.Random(seed_)
    thursday = now.astimezone(LONDON).date() + timedelta(days=3)
    with transaction(engine) as session:
        places = session.exec(select(Place).where(col(Place.kind).in_(("gp", "hospital")))).all()
        for n in range(count):
            village = rng.choices(SETTLEMENTS, weights=[s.weight for s in SETTLEMENTS])[0]
            person = Person(scheme_id=1, role="resident", name=f"Resident {seed_}-{n}",
                            phone=f"+447911{seed_ % 100:02d}{n:04d}",
                            address=f"{n} Main St, {village.name}",
                            lat=village.lat, lon=village.lon, mobility=rng.choice(MOBILITY),
                            consent_at=now)
            session.add(person)
            session.flush()
            minutes = rng.randrange(9 * 60, 16 * 60, 5)
            appointment = local_instant(thursday, time(minutes // 60, minutes % 60), LONDON)
            place = rng.choice(places)
            request_lift(session, person, RequestLift(
                place.id or 0, appointment, rng.choice(["wait", "wait", "one_way"]), False),
                now=now, channel="sms")


def planned_thursday(engine: Engine, count: int, seed_: int) -> tuple[datetime, date]:
    """The demo scheme with a generated Thursday of `count` requests, planned (offers out).
    Returns the clock (Monday morning) and the Thursday."""
    now = monday_morning()
    seed(engine, now)
    generated_day(engine, now, count, seed_)
    thursday = now.astimezone(LONDON).date() + timedelta(days=3)
    plan_day(engine, 1, thursday, now=now, trigger="test", matrices=TRAVEL.matrices,
             time_limit=1.0)
    return now, thursday


def driven_lift(engine: Engine, day: date, *, driver_miles: float, passenger_miles: float = 0.0,
                companion: bool = False, resident: str = "Edith Bainbridge",
                driver: str = "Margaret Allen") -> int:
    """A one-way 10:00 GP lift on `day`, assigned by hand (override) and driven through the
    life-cycle with these miles; returns the request id."""
    appointment = local_instant(day, time(10), LONDON)
    now = appointment - timedelta(days=3)
    actor = Actor("Test Coordinator", "cli")
    with transaction(engine) as session:
        person = session.exec(select(Person).where(Person.name == resident)).one()
        person.companion = companion
        place = session.exec(select(Place).where(Place.kind == "gp")).first()
        assert place is not None
        request = request_lift(session, person, RequestLift(place.id or 0, appointment,
                                                            "one_way", False),
                               now=now, channel="sms")
        (leg,) = ensure_legs(session, request, now)
        leg.driver_miles, leg.passenger_miles = driver_miles, passenger_miles
        session.add(leg)
        taker = session.exec(select(Person).where(Person.name == driver)).one()
        result = coordinator.assign(session, 1, request.id or 0, taker.id or 0, actor, now,
                                    override=True)
        assert isinstance(result, coordinator.Done), result
        assert leg.pickup_at is not None
        progress.report_progress(session, taker, "picked_up", leg.pickup_at)
        progress.report_progress(session, taker, "dropped_off", leg.pickup_at)
        return request.id or 0


def assigned_lift(session: Session, person: Person, day: date, now: datetime, *,
                  channel: str, driver: str = "Margaret Allen") -> int:
    """A 10:00 GP lift with a wait on `day`, given to `driver` by hand (override), so a
    confirmation and reminders are owed; returns the request id."""
    place = session.exec(select(Place).where(Place.kind == "gp")).first()
    assert place is not None
    request = request_lift(session, person, RequestLift(
        place.id or 0, local_instant(day, time(10), LONDON), "wait", False),
        now=now, channel=channel)
    taker = session.exec(select(Person).where(Person.name == driver)).one()
    done = coordinator.assign(session, 1, request.id or 0, taker.id or 0,
                              Actor("Pat", "cli"), now, override=True)
    assert isinstance(done, coordinator.Done), done
    return request.id or 0
