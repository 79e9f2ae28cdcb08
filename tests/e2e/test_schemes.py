"""Several schemes on one install, end to end by SMS: a scheme made only from a file that is
not the demo (North Norfolk, tests/support/north_norfolk.toml) imported beside the demo; each
text routed to the scheme whose number was texted (Twilio's `To`); a driver invited and
joined, a resident joined and booked, the day planned, the offer accepted and the lift
confirmed, every outgoing text sent from the scheme's own number."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from booking.audit import Actor
from booking.people.approval import Checks, vet_driver
from booking.planning.run import plan_day
from booking.setup.importing import import_scheme
from booking.setup.scheme_file import read_scheme_file
from lifts.app import asgi, build
from storage.db import transaction
from storage.tables import LiftRequest, Person, Place, Scheme
from tests.support.fakes import FakeTwilio, fake_twilio
from tests.support.live import live_server
from tests.support.world import (
    LONDON,
    PUBLIC_URL,
    SCHEME_NUMBER,
    TRAVEL,
    TWILIO_SID,
    TWILIO_TOKEN,
    monday_morning,
    seed,
    settings,
)

NORFOLK_FILE = Path(__file__).parent.parent / "support" / "north_norfolk.toml"
NORFOLK_NUMBER = "+447700900555"  # the file's sms_number
NORFOLK_COORDINATOR = "+447700900501"
_sids = itertools.count(1)


@dataclass
class Phone:
    """Someone's phone texting one scheme's number through 'Twilio'."""

    url: str
    number: str
    to: str

    def text(self, body: str) -> list[str]:
        """Send a signed webhook as Twilio would; the texts we answered with (TwiML)."""
        params = {"From": self.number, "To": self.to, "Body": body,
                  "MessageSid": f"SMs{next(_sids):031d}", "AccountSid": TWILIO_SID,
                  "NumMedia": "0"}
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(
            f"{PUBLIC_URL}/sms/inbound", params)
        response = httpx.post(f"{self.url}/sms/inbound", data=params,
                              headers={"X-Twilio-Signature": signature}, timeout=20)
        assert response.status_code == 200, response.text
        return [m.text or "" for m in ElementTree.fromstring(response.text).iter("Message")]


@dataclass
class Install:
    url: str
    twilio: FakeTwilio
    engine: Engine
    now: datetime


@pytest.fixture
def install(engine: Engine) -> Iterator[Install]:
    """The demo scheme (texted at SCHEME_NUMBER) and North Norfolk from its file, one app."""
    now = monday_morning()
    seed(engine, now)
    with transaction(engine) as session:
        import_scheme(session, read_scheme_file(NORFOLK_FILE.read_text(), "north_norfolk.toml"),
                      now=now, by=Actor("Test Admin", "cli", "admin"))
    with fake_twilio() as twilio:
        lifts = build(settings(engine, twilio_url=twilio.url), clock=lambda: now, engine=engine)
        with live_server(asgi(lifts, dispatch_every=0.2)) as url:
            yield Install(url, twilio, engine, now)


def _sent_to(twilio: FakeTwilio, number: str, count: int = 1) -> list[dict[str, str]]:
    """The texts Twilio was asked to send to `number` (waiting for `count` of them)."""
    import time

    deadline = time.monotonic() + 15
    while True:
        found = [c.params for c in twilio.named("Messages.create") if c.params.get("To") == number]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _scheme_of(engine: Engine, phone: str) -> str:
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.phone == phone)).one()
        scheme = session.get(Scheme, person.scheme_id)
        assert scheme is not None
        return scheme.slug


def _join_driver(install: Install) -> Phone:
    """The coordinator invites Kim by text; Kim joins by text with the code."""
    sam = Phone(install.url, NORFOLK_COORDINATOR, NORFOLK_NUMBER)
    code = re.search(r"code ([A-Z0-9]{6})", sam.text("/invite Kim Driver")[0])
    assert code is not None
    kim = Phone(install.url, "+447700900520", NORFOLK_NUMBER)
    for answer in (f"JOIN {code.group(1)}", "Kim Driver", "Holt", "red Ford Focus", "3", "yes",
                   "no", "yes", "3/2025", "10/2026", "31/8/2027", "weekdays 8 till 6", "yes"):
        kim.text(answer)
    welcome = kim.text("yes")[0]
    assert welcome.startswith("Welcome aboard, Kim! A coordinator will see your DBS")
    with transaction(install.engine) as session:  # the coordinator records the checks seen
        driver = session.exec(select(Person).where(Person.phone == kim.number)).one()
        assert driver.pending_since is not None  # no offers before the vetting
        today = install.now.date()
        vet_driver(session, driver.scheme_id, driver.id or 0,
                   Checks(today - timedelta(days=20), today - timedelta(days=20),
                          today + timedelta(days=300)), Actor("Sam Rix", "console"),
                   install.now)
    return kim


def _join_and_book(phone: Phone, first: str, name: str, address: str, postcode: str
                   ) -> list[str]:
    """A newcomer's first text, their answers, and the replies to the last YES."""
    phone.text(first)
    for answer in (name, address, postcode, "1", "no", "no"):
        phone.text(answer)
    readback = phone.text("yes")
    assert readback[-1].endswith("Reply YES or NO."), readback
    return readback + phone.text("yes")


def test_a_scheme_from_a_file_books_and_plans_end_to_end_by_sms(install: Install) -> None:
    """North Norfolk exists only as a file: its coordinator invites a driver by text, the
    driver joins by text and is vetted, a resident of Blakeney books Holt surgery, the day is
    planned, the driver accepts by text and the resident is told who is coming; every text
    goes out from North Norfolk's number."""
    kim = _join_driver(install)
    ada = Phone(install.url, "+447700900530", NORFOLK_NUMBER)
    replies = _join_and_book(ada, "lift to holt surgery thursday 10.40 please", "Ada Lamb",
                             "3 High Street, Blakeney", "nr25 7nx")
    assert "North Norfolk Community Cars" not in replies[-1]
    assert "Holt Medical Practice, Thu" in replies[-2] and "10:40" in replies[-2]
    assert "by 6pm Wed" in replies[-1]  # the file's planning cut-off (16:00) + 2 h to answer
    assert _scheme_of(install.engine, ada.number) == "north-norfolk"
    assert _scheme_of(install.engine, kim.number) == "north-norfolk"
    with Session(install.engine) as session:
        norfolk = session.exec(select(Scheme).where(Scheme.slug == "north-norfolk")).one()
        request = session.exec(select(LiftRequest)).one()
        place = session.get(Place, request.destination_id)
        resident = session.get(Person, request.resident_id)
        assert place is not None and resident is not None
        assert (place.name, place.scheme_id, request.status) == (
            "Holt Medical Practice", norfolk.id, "requested")
        assert (resident.lat, resident.lon) == (52.955, 1.018)  # Blakeney, from the file
    thursday = install.now.astimezone(LONDON).date() + timedelta(days=3)
    summary = plan_day(install.engine, norfolk.id or 0, thursday, now=install.now,
                       trigger="test", matrices=TRAVEL.matrices, time_limit=2.0)
    assert (summary.served, summary.offers) == (1, 1), summary.reasons
    (offer,) = [m for m in _sent_to(install.twilio, kim.number, 2)
                if "can you take" in m["Body"]]
    assert offer["From"] == NORFOLK_NUMBER
    assert "Ada L. from Blakeney to Holt Medical Practice, Thu" in offer["Body"]
    kim.text("YES 1")
    (confirmation,) = _sent_to(install.twilio, ada.number, 1)
    assert confirmation["From"] == NORFOLK_NUMBER
    assert "Kim" in confirmation["Body"] and "red Ford Focus" in confirmation["Body"]
    with Session(install.engine) as session:
        assert session.exec(select(LiftRequest)).one().status == "confirmed"


def test_two_schemes_each_resident_routed_to_their_own(install: Install) -> None:
    """Two newcomers text two numbers on one install: each joins the scheme whose number they
    texted, hears its name, and books one of its own destinations; one scheme's places mean
    nothing to the other; one phone texting both numbers is a newcomer to the second and
    still itself on the first."""
    mary = Phone(install.url, "+447700900540", SCHEME_NUMBER)
    ada = Phone(install.url, "+447700900541", NORFOLK_NUMBER)
    assert "Wensleydale Lifts" in mary.text("hello")[0]
    assert "North Norfolk Community Cars" in ada.text("hello")[0]
    for phone, village, postcode in ((mary, "Askrigg", "dl8 3hq"),
                                     (ada, "Cley next the Sea", "nr25 7rz")):
        for answer in ("Pat Newcomer", f"1 Main Street, {village}", postcode, "1", "no", "no"):
            phone.text(answer)
        assert "all set" in phone.text("yes")[0]
    leyburn = mary.text("Leyburn surgery Thursday 10.40")
    ada.text("Cromer hospital Thursday 11am")
    cromer = ada.text("1")  # the driver waits
    assert "Leyburn Medical Practice" in leyburn[-1] and "Cromer" in cromer[-1]
    for phone in (mary, ada):
        phone.text("yes")
    assert "Leyburn" not in ada.text("Leyburn surgery Friday 10.40")[-1]
    ada.text("no")  # not that one, then
    both = Phone(install.url, mary.number, NORFOLK_NUMBER)  # Mary texts Norfolk's number too
    assert "North Norfolk Community Cars" in both.text("hello")[0]  # a newcomer there
    # ...and back on her own scheme's number she is herself again, with her lift.
    (mine,) = mary.text("my lifts")
    assert mine.startswith("Your lift: Thu ") and mine.endswith(
        " 10:40, Leyburn surgery (waiting for a driver). Reply CANCEL 1 to cancel.")
    with Session(install.engine) as session:
        rows = session.exec(select(LiftRequest, Person, Place, Scheme)
                            .join(Person, Person.id == LiftRequest.resident_id)
                            .join(Place, Place.id == LiftRequest.destination_id)
                            .join(Scheme, Scheme.id == LiftRequest.scheme_id)).all()
        seen = {(person.phone, place.name, scheme.slug) for _, person, place, scheme in rows
                if place.scheme_id == person.scheme_id == scheme.id}
    assert seen == {(mary.number, "Leyburn Medical Practice", "wensleydale"),
                    (ada.number, "Cromer and District Hospital", "north-norfolk")}
