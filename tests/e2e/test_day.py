"""End to end over the real webhooks: a resident books by SMS, the day is planned, a driver on
Telegram is offered the trip and answers, and the resident hears back only after an accept."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, delete, select

from lifts.app import Lifts, asgi, build
from storage.db import transaction
from storage.tables import Availability, Leg, LiftRequest, Offer, OutboxMessage, Person
from tests.e2e.test_sms import RESIDENT, Phone
from tests.e2e.test_telegram import Chat, texts
from tests.support.fakes import FakeTelegram, FakeTwilio, fake_telegram, fake_twilio
from tests.support.live import live_server
from tests.support.world import LONDON, monday_morning, seed, settings

DRIVERS = {"Margaret Allen": 900001, "David Brown": 900002}  # Leyburn and Middleham


class Clock:
    """A clock the test moves forward."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Day:
    """The running app, its fakes, two Telegram drivers and a resident's phone."""

    lifts: Lifts
    engine: Engine
    clock: Clock
    phone: Phone
    telegram: FakeTelegram
    twilio: FakeTwilio
    drivers: dict[str, Chat]

    def run(self, job: str) -> object:
        """Run one of the timed jobs now (the scheduler is off so the test decides when)."""
        assert self.lifts.ticks is not None
        jobs = {"plan": self.lifts.ticks.plan_due_days, "expire": self.lifts.ticks.expire_offers,
                "warn": self.lifts.ticks.early_warnings, "dispatch": self.lifts.dispatch,
                "daily": self.lifts.ticks.daily_messages}
        return asyncio.run(jobs[job]())

    def offers_to(self, name: str) -> list[str]:
        """The button values of the offers sent to a driver's chat."""
        chat = DRIVERS[name]
        values = []
        for call in self.telegram.named("sendMessage"):
            if int(call.params["chat_id"]) == chat and "reply_markup" in call.params:
                markup = json.loads(call.params["reply_markup"])
                values += [b["callback_data"] for row in markup.get("inline_keyboard", [])
                           for b in row if b["callback_data"].startswith("offer:")]
        return values

    def texts_to_resident(self) -> list[str]:
        """Every SMS the outbox sent to the resident."""
        return [str(c.params["Body"]) for c in self.twilio.named("Messages.create")
                if c.params["To"] == RESIDENT]


def _only_two_drivers(engine: Engine) -> None:
    """Two demo drivers on Telegram, free all Thursday; nobody else is free."""
    with transaction(engine) as session:
        session.exec(delete(Availability))  # type: ignore[call-overload]
        for name, chat in DRIVERS.items():
            person = session.exec(select(Person).where(Person.name == name)).one()
            person.telegram_user_id = person.telegram_chat_id = chat
            session.add(person)
            session.add(Availability(driver_id=person.id or 0, weekday=3, start_minute=480,
                                     end_minute=1080))


@pytest.fixture
def day(engine: Engine) -> Iterator[Day]:
    """The whole stack with a movable clock, fake Telegram and fake Twilio."""
    clock = Clock(monday_morning())
    seed(engine, clock.now)
    _only_two_drivers(engine)
    with fake_telegram() as telegram, fake_twilio() as twilio:
        config = settings(engine, telegram_url=telegram.url, twilio_url=twilio.url)
        lifts = build(config.model_copy(update={"planner_time_limit": 1.0}), clock=clock,
                      engine=engine, polling=False)
        with live_server(asgi(lifts, run_scheduler=False)) as url:
            drivers = {name: Chat(url, telegram, user=chat) for name, chat in DRIVERS.items()}
            yield Day(lifts, engine, clock, Phone(url), telegram, twilio, drivers)


def _book(day: Day, text: str = "Lift to Leyburn surgery Thursday 10.40 please") -> None:
    """The resident joins and books by SMS."""
    day.phone.text(text)
    for answer in ("Mary Kettlewell", "4 Chapel Row, Middleham", "DL8 4PU", "1", "no", "no",
                   "yes", "yes"):
        day.phone.text(answer)


def _plan_and_send(day: Day) -> None:
    """Wednesday after the cut-off: plan, and send what the plan owes people."""
    day.clock.now = monday_morning() + timedelta(days=2, hours=8)  # Wed 17:30
    day.run("plan")
    day.run("dispatch")


def _offered_to(day: Day) -> tuple[str, str]:
    """(driver name, offer value) of the one open offer."""
    with Session(day.engine) as session:
        offer = session.exec(select(Offer).where(Offer.status == "open")).one()
        driver = session.get(Person, offer.driver_id)
        assert driver is not None
        return driver.name, f"offer:yes:{offer.id}"


def test_booked_by_sms_offered_on_telegram_accepted_and_confirmed(day: Day) -> None:
    """The resident's confirmation names the driver and car, and comes only after the accept."""
    _book(day)
    _plan_and_send(day)
    name, accept = _offered_to(day)
    assert accept in day.offers_to(name)
    assert day.texts_to_resident() == []  # nothing promised before a driver says yes
    reply = texts(day.drivers[name].press(accept))
    assert "Thank you! Trip" in reply[0] and "4 Chapel Row" in reply[0]
    day.run("dispatch")
    confirmation = day.texts_to_resident()[0]
    first = name.split()[0]
    assert f"{first} will collect you" in confirmation
    assert "Leyburn" not in confirmation  # no clinic on a lock screen
    with Session(day.engine) as session:
        request = session.exec(select(LiftRequest)).one()
        assert request.status == "confirmed"
        kinds = {m.kind for m in session.exec(select(OutboxMessage).where(
            OutboxMessage.status == "pending")).all()}
        assert kinds == {"reminder"}
    day.clock.now = day.clock.now + timedelta(hours=15)  # Thursday morning
    sheet = texts(day.drivers[name].say("today"))[0]
    assert "pick up Mary Kettlewell" in sheet and "Leyburn Medical Practice" in sheet


def test_a_decline_re_plans_with_the_other_driver(day: Day) -> None:
    """After one driver declines, the next plan offers the trip to the other."""
    _book(day)
    _plan_and_send(day)
    first, accept = _offered_to(day)
    reply = texts(day.drivers[first].press(accept.replace("yes", "no")))
    assert "find someone else" in reply[0]
    day.clock.now += timedelta(minutes=2)
    day.run("plan")
    day.run("dispatch")
    second, _ = _offered_to(day)
    assert second != first


def test_an_unanswered_offer_expires_and_a_late_yes_changes_nothing(day: Day) -> None:
    """Past its expiry the offer goes elsewhere, and a late accept is answered clearly."""
    _book(day)
    _plan_and_send(day)
    first, accept = _offered_to(day)
    day.clock.now += timedelta(hours=3)
    assert day.run("expire") == 1
    late = texts(day.drivers[first].press(accept))
    assert "expired" in late[0]
    with Session(day.engine) as session:
        assert session.exec(select(Leg).where(Leg.status == "accepted")).all() == []


def test_cancel_after_confirmation_tells_the_driver(day: Day) -> None:
    """A resident cancelling a confirmed lift frees the driver and drops the reminders."""
    _book(day)
    _plan_and_send(day)
    name, accept = _offered_to(day)
    day.drivers[name].press(accept)
    assert "Cancel your lift" in day.phone.text("cancel")[0]
    assert "is cancelled" in day.phone.text("yes")[0]
    day.clock.now += timedelta(seconds=5)  # Telegram: one message a second to a chat
    day.run("dispatch")
    told = [t for t in texts(day.telegram.named("sendMessage")) if t.startswith("Cancelled")]
    assert told
    with Session(day.engine) as session:
        pending = session.exec(select(OutboxMessage).where(
            OutboxMessage.status == "pending", col(OutboxMessage.kind) == "reminder")).all()
        assert pending == []


def test_cancel_while_the_offer_is_out_withdraws_it(day: Day) -> None:
    """A resident cancelling before anyone accepts withdraws the offer; a later yes is refused."""
    _book(day)
    _plan_and_send(day)
    name, accept = _offered_to(day)
    day.phone.text("cancel")
    day.phone.text("yes")
    answer = texts(day.drivers[name].press(accept))
    assert "isn't needed" in answer[0]


def test_early_warning_when_nobody_can_drive(day: Day) -> None:
    """With no driver free, the resident is told honestly by the deadline, and a coordinator.

    The deadline (24 hours before the Thursday 10:40 appointment) falls before Wednesday's
    17:00 cut-off, so the warning waits until the plan's offers could have been answered
    (19:00): never "make other plans" before planning has even run."""
    with transaction(day.engine) as session:
        session.exec(delete(Availability))  # type: ignore[call-overload]
    _book(day)
    _plan_and_send(day)  # Wednesday 17:30
    assert day.run("warn") == 0
    day.clock.now = monday_morning() + timedelta(days=2, hours=9, minutes=35)  # Wed 19:05
    assert day.run("warn") == 1
    day.run("dispatch")
    assert "no driver yet" in day.texts_to_resident()[0]
    with Session(day.engine) as session:
        request = session.exec(select(LiftRequest)).one()
        assert request.status == "unserved"
        assert "no driver" in request.status_reason
    appointment = request.appointment_at.astimezone(LONDON)
    assert appointment.strftime("%a") == "Thu"


def test_a_driver_dropping_out_tells_the_resident_and_re_plans(day: Day) -> None:
    """'CANCEL <trip>' from a driver who had accepted: the resident is told, another is offered."""
    _book(day)
    _plan_and_send(day)
    name, accept = _offered_to(day)
    day.drivers[name].press(accept)
    day.run("dispatch")
    trip = accept.rsplit(":", 1)[1]
    reply = texts(day.drivers[name].say(f"cancel {trip}"))
    assert "find someone else" in reply[0]
    day.clock.now += timedelta(minutes=2)
    day.run("dispatch")
    assert "can no longer make it" in day.texts_to_resident()[-1]
    day.run("plan")
    other, _ = _offered_to(day)
    assert other != name
    with Session(day.engine) as session:
        reminders = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "reminder", OutboxMessage.status == "pending")).all()
        assert reminders == []


def test_the_evening_run_sheet_reaches_the_driver(day: Day) -> None:
    """At 18:00 the day before, the driver who accepted gets their run sheet on Telegram."""
    _book(day)
    _plan_and_send(day)
    name, accept = _offered_to(day)
    day.drivers[name].press(accept)
    day.clock.now = monday_morning() + timedelta(days=2, hours=8, minutes=35)  # Wed 18:05
    assert day.run("daily") == 2  # the run sheet, and the coordinator's digest
    day.run("dispatch")
    sheets = [t for t in texts(day.telegram.named("sendMessage"))
              if t.startswith("Your trips for Thu")]
    assert sheets and "pick up Mary Kettlewell" in sheets[0]
