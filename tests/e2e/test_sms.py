"""End to end by SMS: signed Twilio webhooks into our app under uvicorn, TwiML back, and the
outbox sent through the real twilio client to a fake Twilio API server."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from lifts.app import asgi, build
from storage.tables import Conversation, InboundMessage, LiftRequest, OutboxMessage, Person
from tests.support.fakes import FakeTwilio, fake_twilio
from tests.support.live import live_server
from tests.support.world import (
    LONDON,
    PUBLIC_URL,
    SCHEME_NUMBER,
    TWILIO_SID,
    TWILIO_TOKEN,
    monday_morning,
    seed,
    settings,
)

RESIDENT = "+447911123410"
COORDINATOR = "+447911123499"  # seeded by lifts.seed
_sids = itertools.count(1)


@dataclass
class Phone:
    """A resident's phone texting our number through 'Twilio'."""

    url: str
    number: str = RESIDENT

    def post(self, params: dict[str, str], *, signature: str | None = None) -> httpx.Response:
        """POST a webhook as Twilio would, signed unless a signature is given."""
        if signature is None:
            signature = RequestValidator(TWILIO_TOKEN).compute_signature(
                f"{PUBLIC_URL}/sms/inbound", params)
        return httpx.post(f"{self.url}/sms/inbound", data=params,
                          headers={"X-Twilio-Signature": signature}, timeout=10)

    def text(self, body: str, *, sid: str | None = None) -> list[str]:
        """Send a text; return the texts we got back in the TwiML."""
        response = self.post(self.params(body, sid))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        return [m.text or "" for m in ElementTree.fromstring(response.text).iter("Message")]

    def params(self, body: str, sid: str | None = None) -> dict[str, str]:
        """The form fields Twilio sends for an incoming text."""
        return {"From": self.number, "To": SCHEME_NUMBER, "Body": body,
                "MessageSid": sid or f"SM{next(_sids):032d}", "AccountSid": TWILIO_SID,
                "NumMedia": "0"}


@dataclass
class Stack:
    """The running app, the fake Twilio, the database and the clock."""

    phone: Phone
    twilio: FakeTwilio
    engine: Engine
    now: datetime


@pytest.fixture
def stack(engine: Engine) -> Iterator[Stack]:
    """Our app under uvicorn with the demo scheme, talking to a fake Twilio."""
    now = monday_morning()
    seed(engine, now)
    with fake_twilio() as twilio:
        lifts = build(settings(engine, twilio_url=twilio.url), clock=lambda: now, engine=engine)
        with live_server(asgi(lifts, dispatch_every=0.2)) as url:
            yield Stack(Phone(url), twilio, engine, now)


def _join(phone: Phone, first_message: str) -> list[str]:
    """Answer every joining question; returns the replies to the last answer."""
    phone.text(first_message)
    for answer in ("Mary Kettlewell", "4 Chapel Row, Middleham", "dl8 4pu", "2", "no", "no"):
        phone.text(answer)
    return phone.text("yes")


def test_join_and_book_by_sms(stack: Stack) -> None:
    """A newcomer texts one sentence, joins, confirms the read-back, and the lift is stored."""
    replies = _join(stack.phone, "Hi, I need a lift to Leyburn surgery Thursday at 10.40 please")
    readback = replies[-1]
    assert "Leyburn Medical Practice" in readback and "Thu" in readback and "10:40" in readback
    assert readback.endswith("Reply YES or NO.")
    done = stack.phone.text("YES")
    assert "request" in done[0] and "who is driving" in done[0]
    with Session(stack.engine) as session:
        person = session.exec(select(Person).where(Person.phone == RESIDENT)).one()
        assert (person.name, person.mobility, person.postcode) == (
            "Mary Kettlewell", "walking_aid", "DL8 4PU")
        assert person.consent_at is not None and person.lat is not None  # Middleham matched
        lift = session.exec(select(LiftRequest).where(LiftRequest.resident_id == person.id)).one()
        local = lift.appointment_at.astimezone(LONDON)
        assert (local.strftime("%a %H:%M"), lift.status, lift.return_plan) == (
            "Thu 10:40", "requested", "wait")


def test_every_text_gets_a_reply_however_garbled(stack: Stack) -> None:
    """Empty, emoji-only, 5,000-character and nonsense texts each get a helpful answer."""
    for body in ("", "\U0001F600\U0001F44D", "x" * 5000, "asdf qwerty", "?!?!"):
        replies = stack.phone.text(body)
        assert replies and all(r.strip() for r in replies), body[:20]


def test_thanks_after_booking_is_not_a_new_booking(stack: Stack) -> None:
    """'Thanks' from a resident gets a friendly reply and books nothing."""
    _join(stack.phone, "hello")
    replies = stack.phone.text("thanks")
    assert "welcome" in replies[0].lower()
    with Session(stack.engine) as session:
        assert session.exec(select(LiftRequest)).all() == []


def test_redelivered_text_is_processed_once(stack: Stack) -> None:
    """Twilio retrying the same MessageSid (it retries when our answer did not reach it) gets
    the same answer again, and moves the conversation on only once."""
    first = stack.phone.text("Mary wants a lift", sid="SMsame")
    again = stack.phone.text("Mary wants a lift", sid="SMsame")
    assert first and again == first
    with Session(stack.engine) as session:
        assert len(session.exec(select(InboundMessage)).all()) == 1


@pytest.mark.parametrize("signature", ["", "bm90IHRoZSByaWdodCBzaWduYXR1cmU="])
def test_unsigned_or_badly_signed_webhook_is_refused(stack: Stack, signature: str) -> None:
    """A missing or wrong X-Twilio-Signature gets 403 and nothing is stored."""
    response = stack.phone.post(stack.phone.params("lift please"), signature=signature)
    assert response.status_code == 403
    with Session(stack.engine) as session:
        assert session.exec(select(InboundMessage)).all() == []
        assert session.exec(select(Conversation)).all() == []


def test_signature_for_another_url_is_refused(stack: Stack) -> None:
    """A signature made for a different public URL does not pass."""
    params = stack.phone.params("lift please")
    wrong = RequestValidator(TWILIO_TOKEN).compute_signature(
        "https://evil.example.com/sms/inbound", params)
    assert stack.phone.post(params, signature=wrong).status_code == 403


def test_malformed_requests_get_400(stack: Stack) -> None:
    """JSON instead of a form, or a form without From, is a 400."""
    as_json = httpx.post(f"{stack.phone.url}/sms/inbound", json={"From": RESIDENT})
    assert as_json.status_code == 400
    params = stack.phone.params("hello")
    del params["From"]
    assert stack.phone.post(params).status_code == 400


def test_help_alerts_the_coordinator_by_text(stack: Stack) -> None:
    """HELP queues an urgent alert, and the dispatcher texts it to the coordinator."""
    replies = stack.phone.text("HELP")
    assert "coordinator" in replies[0]
    sent = stack.twilio.wait_for("Messages.create")
    assert sent[0].params["To"] == COORDINATOR
    assert sent[0].params["From"] == SCHEME_NUMBER
    assert "talk to a person" in sent[0].params["Body"]
    row = _recorded(stack)
    assert row.status == "sent" and row.provider_message_id


@pytest.mark.parametrize(("status", "code", "expected"), [
    ("delivered", "", "delivered"), ("undelivered", "30006", "failed")])
def test_a_delivery_report_that_beats_our_sent_still_counts(
        stack: Stack, status: str, code: str, expected: str) -> None:
    """Twilio may call /sms/status before its API answer reaches us: our outbox id in the
    signed callback URL finds the row, and the later 'sent' does not undo the report."""
    stack.twilio.early_report = (status, code, stack.phone.url, TWILIO_TOKEN)
    stack.phone.text("HELP")
    create = stack.twilio.wait_for("Messages.create")[0]
    assert "?ref=" in create.params["StatusCallback"]
    deadline = time.monotonic() + 10
    while True:
        with Session(stack.engine) as session:
            row = session.exec(select(OutboxMessage).where(OutboxMessage.kind != "reply")
                               .order_by(col(OutboxMessage.id))).first()
        assert row is not None
        if row.status not in ("pending", "sending") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    time.sleep(0.3)  # let the dispatcher record Twilio's answer after the report
    with Session(stack.engine) as session:
        row = session.get(OutboxMessage, row.id)
    assert row is not None
    assert row.status == expected and row.provider_message_id
    assert (code in row.last_error) if code else row.last_error == ""


def _recorded(stack: Stack) -> OutboxMessage:
    """The one outbox row, once the dispatcher has recorded Twilio's answer (just after it)."""
    deadline = time.monotonic() + 10
    while True:
        with Session(stack.engine) as session:
            row = session.exec(select(OutboxMessage).where(
                OutboxMessage.kind != "reply")).one()
        if row.status != "sending" or time.monotonic() > deadline:
            return row
        time.sleep(0.05)


def test_stop_and_start(stack: Stack) -> None:
    """STOP records the opt-out for a resident; START turns texts back on."""
    _join(stack.phone, "hello")
    assert "won't get any more texts" in stack.phone.text("STOP")[0]
    with Session(stack.engine) as session:
        assert session.exec(select(Person).where(Person.phone == RESIDENT)).one().sms_opted_out
    assert "Welcome back" in stack.phone.text("START")[0]
    with Session(stack.engine) as session:
        person = session.exec(select(Person).where(Person.phone == RESIDENT)).one()
        assert not person.sms_opted_out


def test_delivery_report_moves_the_message_forward(stack: Stack) -> None:
    """A signed status callback marks a sent text delivered; a failure marks it failed."""
    stack.phone.text("HELP")
    sid = stack.twilio.wait_for("Messages.create")[0]
    provider_id = _recorded(stack).provider_message_id
    assert provider_id and sid
    params = {"MessageSid": provider_id, "MessageStatus": "delivered", "AccountSid": TWILIO_SID}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"{PUBLIC_URL}/sms/status",
                                                                 params)
    response = httpx.post(f"{stack.phone.url}/sms/status", data=params,
                          headers={"X-Twilio-Signature": signature})
    assert response.status_code == 204
    with Session(stack.engine) as session:
        assert session.exec(select(OutboxMessage).where(
            OutboxMessage.kind != "reply")).one().status == "delivered"
