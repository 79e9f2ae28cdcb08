"""End to end by phone call, for a resident with a landline: the outbox places the call
through the real twilio client at the fake Twilio; signed webhooks, as Twilio would send
them, fetch what the call says and drive the answer (keypad or speech), the answering
machine and how the call ended."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from booking.intake.residents import cancel_lift
from lifts.app import asgi, build
from storage.db import transaction
from storage.tables import LiftRequest, OutboxMessage, Person, Scheme, TrustedContact
from tests.support.fakes import Call, FakeTwilio, fake_twilio
from tests.support.live import live_server
from tests.support.world import (
    LONDON,
    PUBLIC_URL,
    SCHEME_NUMBER,
    TWILIO_SID,
    TWILIO_TOKEN,
    assigned_lift,
    monday_morning,
    seed,
    settings,
)

LANDLINE = "+441969650123"  # a Wensleydale landline: phonenumbers says FIXED_LINE
OFFICE = "+441969623000"
COORDINATOR = "+447911123499"


@dataclass
class Stack:
    url: str
    twilio: FakeTwilio
    engine: Engine
    clock: list[datetime] = field(default_factory=list)

    @property
    def now(self) -> datetime:
        return self.clock[0]

    def twilio_posts(self, url: str, form: dict[str, str], *,
                     signature: str | None = None) -> httpx.Response:
        """POST to one of our public URLs as Twilio does, signed for that URL."""
        if signature is None:
            signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
        parts = urlsplit(url)
        query = f"?{parts.query}" if parts.query else ""
        return httpx.post(f"{self.url}{parts.path}{query}", data=form, timeout=10,
                          headers={"X-Twilio-Signature": signature})


@pytest.fixture
def stack(engine: Engine) -> Iterator[Stack]:
    start = monday_morning()  # 09:30: inside the calling hours
    seed(engine, start)
    with transaction(engine) as session:
        scheme = session.get(Scheme, 1)
        assert scheme is not None
        scheme.office_phone = OFFICE
        session.add(scheme)
        session.add(Person(scheme_id=1, role="resident", name="Albert Thwaite", phone=LANDLINE,
                           address="2 Church Lane, Askrigg", lat=54.3106, lon=-2.0796,
                           consent_at=start))
    clock = [start]
    with fake_twilio() as twilio:
        lifts = build(settings(engine, twilio_url=twilio.url), clock=lambda: clock[0],
                      engine=engine)
        with live_server(asgi(lifts, dispatch_every=0.2)) as url:
            yield Stack(url, twilio, engine, clock)


def _lift(stack: Stack, phone: str = LANDLINE) -> int:
    """A Thursday 10:00 lift, assigned by hand: the confirmation (and reminders) are owed."""
    thursday = stack.now.astimezone(LONDON).date() + timedelta(days=3)
    with transaction(stack.engine) as session:
        person = session.exec(select(Person).where(Person.phone == phone)).one()
        return assigned_lift(session, person, thursday, stack.now, channel="sms")


def _calls(stack: Stack, count: int = 1, to: str = LANDLINE) -> list[Call]:
    deadline = time.monotonic() + 10
    while True:
        found = [c for c in stack.twilio.named("Calls.create") if c.params["To"] == to]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) >= count, stack.twilio.named("Calls.create")
            return found
        time.sleep(0.05)


def _picked_up(stack: Stack, call: Call) -> ElementTree.Element:
    """The person answers: Twilio fetches the call's TwiML from our signed Url."""
    response = stack.twilio_posts(call.params["Url"], _call_form(call))
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/xml")
    return ElementTree.fromstring(response.text)


def _call_form(call: Call, **extra: str) -> dict[str, str]:
    return {"CallSid": _sid(call), "AccountSid": TWILIO_SID, "From": SCHEME_NUMBER,
            "To": call.params["To"], "CallStatus": "in-progress", "Direction": "outbound-api",
            **extra}


def _sid(call: Call) -> str:
    return str(call.params["Sid"])


def _press(stack: Stack, call: Call, twiml: ElementTree.Element, **answer: str) -> str:
    """Answer the Gather (Digits or SpeechResult) at its signed action URL; the words back."""
    gather = twiml.find("Gather")
    assert gather is not None
    response = stack.twilio_posts(gather.attrib["action"], _call_form(call, **answer))
    assert response.status_code == 200, response.text
    return " ".join(t for t in ElementTree.fromstring(response.text).itertext())


def _said(twiml: ElementTree.Element) -> str:
    return " ".join(t for t in twiml.itertext())


def _status(stack: Stack) -> str:
    with Session(stack.engine) as session:
        return session.exec(select(LiftRequest)).one().status


def test_a_landline_confirmation_is_a_call_in_british_english(stack: Stack) -> None:
    """The confirmation rings the landline with answering-machine detection and callbacks
    under /voice/; the call says who we are and the message twice, slowly, in an en-GB
    voice, no clinic, then asks for 1, 2 or 3 by keypad or speech."""
    _lift(stack)
    call = _calls(stack)[0]
    assert call.params["From"] == SCHEME_NUMBER
    assert call.params["MachineDetection"] == "DetectMessageEnd"
    assert call.params["AsyncAmd"] == "true"
    for key in ("Url", "StatusCallback", "AsyncAmdStatusCallback"):
        assert call.params[key].startswith(f"{PUBLIC_URL}/voice/") and "ref=" in call.params[key]
    twiml = _picked_up(stack, call)
    says = twiml.findall(".//Say")
    assert says and all(s.attrib == {"voice": "Polly.Amy", "language": "en-GB"} for s in says)
    assert all(s.find("prosody") is not None for s in says)  # slowed down
    gather = twiml.find("Gather")
    assert gather is not None and gather.attrib["input"] == "dtmf speech"
    assert gather.attrib["language"] == "en-GB"
    words = _said(twiml)
    assert words.count("is confirmed. Margaret will collect you between") == 2
    assert "Thursday" in words and "Press 1, or say yes" in words and "Press 3" in words
    assert "Leyburn" not in words and "Surgery" not in words and "Medical" not in words


def test_confirm_by_keypad(stack: Stack) -> None:
    """1 confirms: thanked, the lift stands, the call counts as delivered."""
    _lift(stack)
    call = _calls(stack)[0]
    assert "confirmed" in _press(stack, call, _picked_up(stack, call), Digits="1")
    assert _status(stack) != "cancelled"
    with Session(stack.engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.channel == "voice",
                                                       OutboxMessage.kind == "confirmation")
                           ).one()
        assert row.status == "delivered"


def test_cancel_by_keypad_tells_the_driver(stack: Stack) -> None:
    """2 cancels through the life-cycle, as a text CANCEL does: the driver is told."""
    _lift(stack)
    call = _calls(stack)[0]
    said = _press(stack, call, _picked_up(stack, call), Digits="2")
    assert "is cancelled" in said and "driver will be told" in said
    assert _status(stack) == "cancelled"
    with Session(stack.engine) as session:
        driver = session.exec(select(Person).where(Person.name == "Margaret Allen")).one()
        told = session.exec(select(OutboxMessage).where(
            OutboxMessage.person_id == driver.id, OutboxMessage.kind == "trip_change")).all()
        assert told


@pytest.mark.parametrize(("speech", "expected"), [
    ("Cancel it please.", "cancelled"), ("yes", "confirmed"), ("Yes, that's fine.", "confirmed")])
def test_answer_by_speech(stack: Stack, speech: str, expected: str) -> None:
    """A SpeechResult works as the keypad does."""
    _lift(stack)
    call = _calls(stack)[0]
    said = _press(stack, call, _picked_up(stack, call), SpeechResult=speech, Confidence="0.9")
    assert expected in said
    assert (_status(stack) == "cancelled") is (expected == "cancelled")


def test_confirming_a_lift_cancelled_meanwhile_says_so(stack: Stack) -> None:
    """1 on a call about a lift cancelled since (by text, say) never says 'confirmed'."""
    ref = _lift(stack)
    call = _calls(stack)[0]
    twiml = _picked_up(stack, call)
    with transaction(stack.engine) as session:
        request = session.get(LiftRequest, ref)
        person = session.get(Person, request.resident_id if request else 0)
        assert request is not None and person is not None
        cancel_lift(session, person, ref, now=stack.now)
    said = _press(stack, call, twiml, Digits="1")
    assert "already cancelled" in said and "confirmed" not in said


def test_three_puts_them_through_to_the_office(stack: Stack) -> None:
    _lift(stack)
    call = _calls(stack)[0]
    gather = _picked_up(stack, call).find("Gather")
    assert gather is not None
    response = stack.twilio_posts(gather.attrib["action"], _call_form(call, Digits="3"))
    dial = ElementTree.fromstring(response.text).find("Dial")
    assert dial is not None and dial.text == OFFICE


def test_unclear_answer_is_asked_again_once(stack: Stack) -> None:
    _lift(stack)
    call = _calls(stack)[0]
    twiml = _picked_up(stack, call)
    gather = twiml.find("Gather")
    assert gather is not None
    again = ElementTree.fromstring(stack.twilio_posts(
        gather.attrib["action"], _call_form(call, SpeechResult="what's that")).text)
    retry = again.find("Gather")
    assert retry is not None and "didn't catch" in _said(again)
    last = stack.twilio_posts(retry.attrib["action"], _call_form(call, Digits="9")).text
    assert "Goodbye" in last and "<Gather" not in last
    assert _status(stack) != "cancelled"


def test_answering_machine_gets_a_short_message_without_detail(stack: Stack) -> None:
    """Once the machine's greeting ends, the live call is given a voicemail: who we are,
    the day, the office number; no driver, car or place."""
    _lift(stack)
    call = _calls(stack)[0]
    response = stack.twilio_posts(call.params["AsyncAmdStatusCallback"], _call_form(
        call, AnsweredBy="machine_end_beep", MachineDetectionDuration="4200"))
    assert response.status_code == 204
    update = stack.twilio.wait_for("Calls.update")[0]
    assert update.params["Sid"] == _sid(call)
    words = _said(ElementTree.fromstring(update.params["Twiml"]))
    assert "message about your lift on Thursday" in words and "0 1 9 6 9" in words
    assert "Margaret" not in words and "Leyburn" not in words


def test_a_person_answering_is_not_given_the_voicemail(stack: Stack) -> None:
    _lift(stack)
    call = _calls(stack)[0]
    stack.twilio_posts(call.params["AsyncAmdStatusCallback"], _call_form(call, AnsweredBy="human"))
    time.sleep(0.3)
    assert stack.twilio.named("Calls.update") == []


def test_a_call_outside_calling_hours_waits_for_them(stack: Stack) -> None:
    """At 20:00 the confirmation is owed but the call waits in the outbox until 09:00."""
    stack.clock[0] = stack.now.replace(hour=20)  # 20:00 UTC = 20:00 London in winter
    _lift(stack)
    time.sleep(1.0)
    assert stack.twilio.named("Calls.create") == []
    with Session(stack.engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.channel == "voice",
                                                       OutboxMessage.kind == "confirmation")
                           ).one()
        assert row.status == "pending"
        assert row.due_at.astimezone(LONDON).strftime("%H:%M") == "09:00"
        assert row.due_at.date() == (stack.now + timedelta(days=1)).date()
    stack.clock[0] = row.due_at + timedelta(minutes=1)
    _calls(stack)


def test_no_answer_is_called_once_more_then_the_coordinator_is_told(stack: Stack) -> None:
    """No answer: called again after the retry minutes; no answer again: the coordinators
    are alerted (a landline has no other way), and no third call is made."""
    _lift(stack)
    first = _calls(stack)[0]
    ended = stack.twilio_posts(first.params["StatusCallback"], _call_form(
        first, CallStatus="no-answer"))
    assert ended.status_code == 204
    time.sleep(0.5)
    assert len(_calls(stack)) == 1  # not straight away
    stack.clock[0] = stack.now + timedelta(minutes=31)
    second = _calls(stack, 2)[1]
    for _ in range(2):  # Twilio may repeat a callback: handled once
        stack.twilio_posts(second.params["StatusCallback"], _call_form(
            second, CallStatus="busy"))
    deadline = time.monotonic() + 10
    while True:
        texts = [c for c in stack.twilio.named("Messages.create")
                 if c.params["To"] == COORDINATOR and "phone call" in c.params.get("Body", "")]
        if texts or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(texts) == 1
    assert "Albert Thwaite" in texts[0].params["Body"] and "no answer" in texts[0].params["Body"]
    time.sleep(0.5)
    assert len([c for c in stack.twilio.named("Calls.create") if c.params["To"] == LANDLINE
                and "confirmation" in _kind(stack, c)]) == 2


def _kind(stack: Stack, call: Call) -> str:
    ref = int(call.params["Url"].rsplit("ref=", 1)[1])
    with Session(stack.engine) as session:
        row = session.get(OutboxMessage, ref)
        return row.kind if row else ""


def test_an_answered_call_is_delivered(stack: Stack) -> None:
    _lift(stack)
    call = _calls(stack)[0]
    stack.twilio_posts(call.params["StatusCallback"], _call_form(call, CallStatus="completed"))
    with Session(stack.engine) as session:
        rows = session.exec(select(OutboxMessage).where(
            OutboxMessage.channel == "voice").order_by(col(OutboxMessage.id))).all()
        assert rows[0].status == "delivered" and len(rows) == 1 + sum(
            r.kind == "reminder" for r in rows)


def test_a_coordinator_marks_someone_as_preferring_a_call(stack: Stack) -> None:
    """/call <phone> on (by text): that mobile resident's confirmation then rings them."""
    edith = "+447911123401"  # a demo resident with a mobile
    form = {"From": COORDINATOR, "To": SCHEME_NUMBER, "Body": "/call 07911 123401 on",
            "MessageSid": "SM" + "4" * 32, "AccountSid": TWILIO_SID}
    reply = stack.twilio_posts(f"{PUBLIC_URL}/sms/inbound", form)
    assert "by a phone call" in reply.text
    _lift(stack, phone=edith)
    assert _calls(stack, to=edith)


@pytest.mark.parametrize("path", ["call", "answer", "amd", "status"])
def test_forged_or_malformed_voice_webhooks_are_refused(stack: Stack, path: str) -> None:
    """Signed like SMS: a forged signature is 403, no ref or no CallSid 400, JSON 400, a
    body over 64 kB 413; never a server error, and nothing changes."""
    _lift(stack)
    call = _calls(stack)[0]
    url = call.params["Url"].replace("/voice/call", f"/voice/{path}")
    form = _call_form(call, Digits="2", CallStatus="no-answer", AnsweredBy="machine_end_beep")
    assert stack.twilio_posts(url, form, signature="forged").status_code == 403
    assert stack.twilio_posts(url.split("?")[0], form).status_code == 400  # no ref
    no_sid = {k: v for k, v in form.items() if k != "CallSid"}
    assert stack.twilio_posts(url, no_sid).status_code == 400
    local = f"{stack.url}/voice/{path}?{urlsplit(url).query}"
    assert httpx.post(local, json=form, timeout=10).status_code == 400
    big = {"CallSid": _sid(call), "Digits": "2", "pad": "x" * 70_000}
    assert stack.twilio_posts(url, big).status_code == 413
    assert _status(stack) != "cancelled"
    assert stack.twilio.named("Calls.update") == []


_TEXTS = itertools.count(1)


def _coordinator_says(stack: Stack, body: str) -> str:
    form = {"From": COORDINATOR, "To": SCHEME_NUMBER, "Body": body,
            "MessageSid": f"SM{next(_TEXTS):032d}",
            "AccountSid": TWILIO_SID}
    response = stack.twilio_posts(f"{PUBLIC_URL}/sms/inbound", form)
    assert response.status_code == 200, response.text
    return " ".join(m.text or "" for m in ElementTree.fromstring(response.text).iter("Message"))


def test_a_landline_resident_end_to_end(stack: Stack) -> None:
    """Someone with only a landline phones the office: the coordinator joins them and books
    with /for, assigns a driver, and the resident hears the confirmation by a call and
    cancels it on the keypad; the driver is told. No text is ever sent to the landline."""
    phone = "01969 650777"
    said = _coordinator_says(stack, f"/for {phone} hello")
    for answer in ("Joan Metcalfe", "3 Mill Lane, Askrigg", "dl8 3hj", "1", "no", "no", "yes"):
        said = _coordinator_says(stack, f"/for {phone} {answer}")
    said = _coordinator_says(stack, f"/for {phone} lift to Leyburn surgery thursday 10.40")
    assert "Leyburn Medical Practice" in said, said
    said = _coordinator_says(stack, f"/for {phone} yes")
    with Session(stack.engine) as session:
        joan = session.exec(select(Person).where(Person.phone == "+441969650777")).one()
        lift = session.exec(select(LiftRequest).where(LiftRequest.resident_id == joan.id)).one()
    assigned = _coordinator_says(stack, f"/assign {lift.id} Margaret Allen override")
    assert f"Request #{lift.id} is now Margaret Allen's" in assigned
    call = _calls(stack, to="+441969650777")[0]
    twiml = _picked_up(stack, call)
    assert "is confirmed" in _said(twiml)
    assert "is cancelled" in _press(stack, call, twiml, Digits="2")
    with Session(stack.engine) as session:
        assert session.get(LiftRequest, lift.id).status == "cancelled"  # type: ignore[union-attr]
        driver = session.exec(select(Person).where(Person.name == "Margaret Allen")).one()
        assert session.exec(select(OutboxMessage).where(
            OutboxMessage.person_id == driver.id, OutboxMessage.kind == "trip_change")).all()
    assert not [c for c in stack.twilio.named("Messages.create")
                if c.params["To"] == "+441969650777"]


def test_a_contact_on_a_landline_hears_the_copy_and_cannot_cancel_by_keypad(
        stack: Stack) -> None:
    """A trusted contact with a landline hears the copy of the resident's confirmation by a
    call ("For Albert: ... collect them"), as news: 2 does not cancel someone else's lift."""
    daughter = "+441969650999"
    with transaction(stack.engine) as session:
        albert = session.exec(select(Person).where(Person.phone == LANDLINE)).one()
        albert.phone = "+447911123455"  # Albert has a mobile; his daughter a landline
        contact = Person(scheme_id=1, role="contact", name="Susan Thwaite", phone=daughter)
        session.add_all([albert, contact])
        session.flush()
        session.add(TrustedContact(scheme_id=1, resident_id=albert.id or 0,
                                   contact_id=contact.id or 0, label="Dad",
                                   confirmed_at=stack.now))
    _lift(stack, phone="+447911123455")
    call = _calls(stack, to=daughter)[0]
    twiml = _picked_up(stack, call)
    words = _said(twiml)
    assert "For Albert" in words and "collect them" in words and "Press 2" not in words
    said = _press(stack, call, twiml, Digits="2")
    assert "didn't catch" in said
    assert _status(stack) != "cancelled"
