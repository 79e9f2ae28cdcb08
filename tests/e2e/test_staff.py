"""End to end for the scheme's people: a coordinator invites a driver by text, the driver
joins on Telegram with the code, and the coordinator reads the roster."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from booking.intake.effects import RequestLift
from booking.intake.residents import request_lift
from booking.planning.run import plan_day
from booking.rules import local_instant
from lifts.app import asgi, build
from storage.db import transaction
from storage.tables import (
    Availability,
    Invitation,
    Leg,
    LiftRequest,
    OutboxMessage,
    Person,
    Place,
    Vehicle,
)
from tests.e2e.test_sms import COORDINATOR, Phone
from tests.e2e.test_telegram import Chat, texts
from tests.support.fakes import fake_telegram
from tests.support.live import live_server
from tests.support.world import LONDON, TRAVEL, monday_morning, seed, settings

NEW_DRIVER = 880001


@dataclass
class Staff:
    """The coordinator's phone, a new driver's Telegram chat, and the database."""

    coordinator: Phone
    driver: Chat
    engine: Engine


@pytest.fixture
def staff(engine: Engine) -> Iterator[Staff]:
    """The app with the demo scheme; the seeded coordinator texts from their phone."""
    now = monday_morning()
    seed(engine, now)
    with fake_telegram() as telegram:
        lifts = build(settings(engine, telegram_url=telegram.url), clock=lambda: now,
                      engine=engine, polling=False)
        with live_server(asgi(lifts, run_scheduler=False)) as url:
            yield Staff(Phone(url, COORDINATOR), Chat(url, telegram, user=NEW_DRIVER), engine)


def test_coordinator_invites_and_the_driver_joins_on_telegram(staff: Staff) -> None:
    """The code from /invite lets a new driver join; car, checks and free times are stored."""
    invited = staff.coordinator.text("/invite Jo Smith")[0]
    code = re.search(r"code ([A-Z0-9]{6})", invited)
    assert code is not None
    first = texts(staff.driver.say(f"/start {code.group(1)}"))[0]
    assert "thank you for volunteering" in first and "Share my phone number" in first
    answers = ["Jo Smith", "Middleham", "blue Ford Focus", "3"]
    staff.driver.share_contact("+447911555001")
    for answer in answers:
        staff.driver.say(answer)
    for press in ("yes", "no", "yes"):  # folding wheelchair, accessible, dogs
        staff.driver.press(press)
    staff.driver.say("3/2025")
    staff.driver.say("10/2026")
    summary = texts(staff.driver.say("31/8/2027") + staff.driver.say(
        "Mondays and Thursdays 9 till 1"))
    assert "Mon 09:00-13:00" in summary[-1] and "blue Ford Focus" in summary[-1]
    assert "may we keep these details" in texts(staff.driver.press("yes"))[0]
    assert "Welcome aboard" in texts(staff.driver.press("yes"))[0]
    with Session(staff.engine) as session:
        jo = session.exec(select(Person).where(Person.name == "Jo Smith")).one()
        assert (jo.role, jo.telegram_user_id, jo.phone) == ("driver", NEW_DRIVER,
                                                            "+447911555001")
        car = session.exec(select(Vehicle).where(Vehicle.driver_id == jo.id)).one()
        assert (car.seats, car.folding_wheelchair, car.accepts_dogs) == (3, True, True)
        slots = session.exec(select(Availability).where(Availability.driver_id == jo.id)).all()
        assert sorted((s.weekday, s.start_minute, s.end_minute) for s in slots) == [
            (0, 540, 780), (3, 540, 780)]
        assert session.exec(select(Invitation)).one().used_by == jo.id


def test_a_used_or_wrong_code_is_refused_politely(staff: Staff) -> None:
    """A made-up code gets a clear answer and creates nobody."""
    reply = texts(staff.driver.say("/start ZZZZZZ"))[0]
    assert "isn't valid" in reply
    with Session(staff.engine) as session:
        assert session.exec(select(Person).where(Person.telegram_user_id == NEW_DRIVER)
                            ).first() is None


def test_coordinator_commands_by_text(staff: Staff) -> None:
    """A coordinator can read the roster and what is unassigned by text."""
    assert "No trips planned" in staff.coordinator.text("/roster tomorrow")[0]
    assert "Nothing unassigned" in staff.coordinator.text("/unassigned")[0]
    assert "/roster" in staff.coordinator.text("hello")[0]
    report = staff.coordinator.text("/report")[0]
    assert report.startswith("Wensleydale Lifts, 1 ") and "lifts requested: 0" in report
    assert "Which month?" in staff.coordinator.text("/report soon")[0]


def _thursday_request(engine: Engine, resident: str) -> int:
    """A Thursday 10:40 GP lift for a seeded resident, not yet planned."""
    now = monday_morning()
    with transaction(engine) as session:
        person = session.exec(select(Person).where(Person.name == resident)).one()
        place = session.exec(select(Place).where(Place.kind == "gp")).first()
        assert place is not None
        thursday = now.astimezone(LONDON).date() + timedelta(days=3)
        request = request_lift(session, person, RequestLift(
            place.id or 0, local_instant(thursday, time(10, 40), LONDON), "wait", False),
            now=now, channel="sms")
        return request.id or 0


def test_coordinator_assigns_a_request_by_hand(staff: Staff) -> None:
    """/assign gives a trip to the named driver, confirms it to the resident, sends the driver
    the details, and the next plan keeps it; a clash or an unknown name is explained. A
    driver the rules would not choose (Margaret does not drive on Thursdays, David only in
    the afternoon) needs an explicit override, and the coordinator is told why."""
    first = _thursday_request(staff.engine, "Edith Bainbridge")
    warned = staff.coordinator.text(f"/assign {first} margaret")[0]
    assert warned.startswith("Not assigned: Margaret Allen not free at that time")
    assert f"/assign {first} margaret override" in warned
    with Session(staff.engine) as session:
        assert {leg.status for leg in session.exec(select(Leg)).all()} <= {"open"}
    reply = staff.coordinator.text(f"/assign {first} margaret override")[0]
    assert "Margaret Allen" in reply and "kept" in reply
    assert "Overriding: not free at that time" in reply
    with Session(staff.engine) as session:
        margaret = session.exec(select(Person).where(Person.name == "Margaret Allen")).one()
        legs = session.exec(select(Leg).where(Leg.request_id == first)).all()
        assert {(leg.status, leg.driver_id) for leg in legs} == {("accepted", margaret.id)}
        assert session.get(LiftRequest, first).status == "confirmed"  # type: ignore[union-attr]
        sent = {m.kind: m for m in session.exec(select(OutboxMessage)).all()}
        assert "Margaret" in sent["confirmation"].body and "reminder" in sent
        assert sent["assigned"].person_id == margaret.id
        assert sent["assigned"].body.startswith("As arranged with Pat: Thank you! Trip")
    assert "No driver called" in staff.coordinator.text(f"/assign {first} Zebedee")[0]
    assert "already Margaret Allen's" in staff.coordinator.text(f"/assign {first} Margaret")[0]
    second = _thursday_request(staff.engine, "Harold Metcalfe")
    clash = staff.coordinator.text(f"/assign {second} Margaret Allen override")[0]
    assert clash.startswith("Not assigned: Margaret Allen has another trip")
    assert "e.g. /assign" in staff.coordinator.text("/assign Margaret")[0]
    # moved to David Brown: Margaret is stood down, Edith is told who comes now
    assert "now David Brown's" in staff.coordinator.text(f"/assign {first} David override")[0]
    with Session(staff.engine) as session:
        david = session.exec(select(Person).where(Person.name == "David Brown")).one()
        legs = session.exec(select(Leg).where(Leg.request_id == first)).all()
        assert {(leg.status, leg.driver_id) for leg in legs} == {("accepted", david.id)}
        rows = session.exec(select(OutboxMessage)).all()
        stood_down = [m for m in rows if m.kind == "trip_change"]
        assert [m.person_id for m in stood_down] == [margaret.id]
        assert "no longer needed" in stood_down[0].body
        confirmations = [m.body for m in rows if m.kind == "confirmation"]
        assert len(confirmations) == 2 and "David" in confirmations[-1]
        pending = [m for m in rows if m.kind == "reminder" and m.status == "pending"]
        assert pending and all(m.body.count("David") for m in pending)
    # a clash undoes the move: the trip stays David's
    third = _thursday_request(staff.engine, "Joan Thwaite")
    assert "now Margaret Allen's" in staff.coordinator.text(
        f"/assign {third} Margaret override")[0]
    refused = staff.coordinator.text(f"/assign {first} Margaret override")[0]
    assert refused.startswith("Not assigned: Margaret Allen has another trip")
    thursday = monday_morning().astimezone(LONDON).date() + timedelta(days=3)
    plan_day(staff.engine, 1, thursday, now=monday_morning(), trigger="test",
             matrices=TRAVEL.matrices, time_limit=1.0)  # and a re-plan keeps both
    with Session(staff.engine) as session:
        for request, driver in ((first, david.id), (third, margaret.id)):
            legs = session.exec(select(Leg).where(Leg.request_id == request)).all()
            assert {(leg.status, leg.driver_id) for leg in legs} == {("accepted", driver)}


def test_coordinator_books_for_a_resident_who_phoned(staff: Staff) -> None:
    """/for runs the resident's own text conversation: the coordinator sees what the resident
    would have been asked, a YES books it in the resident's name, and a newcomer can be
    joined the same way. The resident's own phone gets nothing until there is news."""
    edith = "07911 123401"  # seeded as +447911123401, typed with a space as people do
    readback = staff.coordinator.text(f"/for {edith} Lift to Leyburn surgery Thursday 10.40")
    assert readback[0].startswith("[for +447911123401]")
    assert "Leyburn Medical Practice" in readback[-1] and "Reply YES or NO" in readback[-1]
    done = staff.coordinator.text("/for 07911123401 yes")
    assert "request" in done[0] and done[0].startswith("[for +447911123401]")
    with Session(staff.engine) as session:
        person = session.exec(select(Person).where(Person.phone == "+447911123401")).one()
        lift = session.exec(select(LiftRequest).where(LiftRequest.resident_id == person.id)
                            ).one()
        assert lift.status == "requested"
        assert session.exec(select(OutboxMessage).where(
            OutboxMessage.person_id == person.id)).all() == []
    newcomer = staff.coordinator.text("/for 07700 900123 hello")
    assert newcomer[0].startswith("[for +447700900123]") and "name" in newcomer[0].lower()
    assert "e.g. /for" in staff.coordinator.text("/for lift to Leyburn")[0]
    assert "/roster" in staff.coordinator.text("for tomorrow")[0]
