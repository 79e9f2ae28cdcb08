"""End to end by WhatsApp: signed Twilio webhooks (From as whatsapp:+44…) into our app under
uvicorn, TwiML back inside the session, and what we start ourselves sent through the real
twilio client to the fake Twilio: free text in the 24-hour session, approved templates
(ContentSid + ContentVariables) outside it."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from booking.intake.effects import RequestLift
from booking.intake.residents import request_lift
from booking.rules import local_instant
from booking.schemes import update_rule
from lifts.app import asgi, build
from storage.db import transaction
from storage.tables import LiftRequest, OutboxMessage, Person, Place, Scheme
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

RESIDENT = "+447911123420"
WA_NUMBER = "+447911123001"  # the scheme's WhatsApp sender
CONFIRM_SID = "HX" + "c" * 32
NOTICE_SID = "HX" + "a" * 32
_sids = itertools.count(1)


@dataclass
class WhatsApp:
    """A resident's WhatsApp, talking to the scheme's WhatsApp sender through 'Twilio'."""

    url: str
    number: str = RESIDENT

    def post(self, params: dict[str, str], signature: str | None = None) -> httpx.Response:
        if signature is None:
            signature = RequestValidator(TWILIO_TOKEN).compute_signature(
                f"{PUBLIC_URL}/sms/inbound", params)
        return httpx.post(f"{self.url}/sms/inbound", data=params,
                          headers={"X-Twilio-Signature": signature}, timeout=10)

    def send(self, body: str, **extra: str) -> list[str]:
        """Send a message (or a quick-reply tap); the replies in the TwiML."""
        params = {"From": f"whatsapp:{self.number}", "To": f"whatsapp:{WA_NUMBER}",
                  "Body": body, "MessageSid": f"SM{next(_sids):032d}", "AccountSid":
                  TWILIO_SID, "NumMedia": "0", "ProfileName": "Mum", "WaId": self.number[1:],
                  **extra}
        response = self.post(params)
        assert response.status_code == 200, response.text
        return [m.text or "" for m in ElementTree.fromstring(response.text).iter("Message")]


@dataclass
class Stack:
    phone: WhatsApp
    twilio: FakeTwilio
    engine: Engine
    now: datetime


@pytest.fixture
def stack(engine: Engine) -> Iterator[Stack]:
    now = monday_morning()
    seed(engine, now)
    with fake_twilio() as twilio:
        config = settings(engine, twilio_url=twilio.url).model_copy(
            update={"twilio_whatsapp_from": WA_NUMBER})
        lifts = build(config, clock=lambda: now, engine=engine)
        with live_server(asgi(lifts, dispatch_every=0.2)) as url:
            yield Stack(WhatsApp(url), twilio, engine, now)


def _join(phone: WhatsApp) -> None:
    phone.send("Hello, I'd like to join please")
    for answer in ("Mary Kettlewell", "4 Chapel Row, Middleham", "dl8 4pu", "2", "no", "no"):
        phone.send(answer)
    phone.send("yes")


def _resident(engine: Engine) -> Person:
    with Session(engine) as session:
        return session.exec(select(Person).where(Person.phone == RESIDENT)).one()


def _rule(engine: Engine, key: str, value: str) -> None:
    with transaction(engine) as session:
        scheme = session.get(Scheme, 1)
        assert scheme is not None
        update_rule(session, scheme, key, value)


def _confirmed_lift(stack: Stack, *, seen_hours_ago: float) -> int:
    """A Thursday lift for the resident, assigned by hand so a confirmation is owed; their
    last WhatsApp message `seen_hours_ago`."""
    thursday = stack.now.astimezone(LONDON).date() + timedelta(days=3)
    with transaction(stack.engine) as session:
        person = session.exec(select(Person).where(Person.phone == RESIDENT)).one()
        person.whatsapp_seen_at = stack.now - timedelta(hours=seen_hours_ago)
        return assigned_lift(session, person, thursday, stack.now, channel="whatsapp")


def _to_resident(twilio: FakeTwilio, count: int = 1) -> list[Call]:
    deadline = time.monotonic() + 10
    while True:
        found = [c for c in twilio.named("Messages.create")
                 if c.params.get("To") == f"whatsapp:{RESIDENT}"]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) >= count, twilio.named("Messages.create")
            return found
        time.sleep(0.05)


def test_join_and_book_by_whatsapp(stack: Stack) -> None:
    """The whole resident flow on WhatsApp: joining, a booking read back and confirmed, all
    answered in the TwiML; the person is reached by WhatsApp from then on."""
    _join(stack.phone)
    readback = stack.phone.send("Lift to Leyburn surgery Thursday at 10.40 please")[-1]
    assert "Leyburn Medical Practice" in readback and "10:40" in readback
    assert "request" in stack.phone.send("YES")[0]
    person = _resident(stack.engine)
    assert (person.name, person.preferred_channel) == ("Mary Kettlewell", "whatsapp")
    assert person.whatsapp_seen_at is not None
    with Session(stack.engine) as session:
        lift = session.exec(select(LiftRequest)).one()
        assert lift.channel == "whatsapp" and lift.status == "requested"


def test_confirmation_inside_the_session_is_free_text(stack: Stack) -> None:
    """A message we start while the person's 24-hour session is open goes as plain text."""
    _join(stack.phone)
    _rule(stack.engine, "whatsapp_template_confirmation", CONFIRM_SID)
    ref = _confirmed_lift(stack, seen_hours_ago=2)
    sent = _to_resident(stack.twilio)[0].params
    assert sent["From"] == f"whatsapp:{WA_NUMBER}"
    assert "ContentSid" not in sent
    assert sent["Body"].startswith("Confirmed for Thu") and f"CANCEL {ref}" in sent["Body"]


def test_confirmation_outside_the_session_uses_its_template(stack: Stack) -> None:
    """Outside the 24-hour session the confirmation goes as its approved template, the
    variables a JSON string of the facts (no clinic), and no free text."""
    _join(stack.phone)
    _rule(stack.engine, "whatsapp_template_confirmation", CONFIRM_SID)
    ref = _confirmed_lift(stack, seen_hours_ago=30)
    sent = _to_resident(stack.twilio)[0].params
    assert sent["ContentSid"] == CONFIRM_SID and "Body" not in sent
    facts = json.loads(sent["ContentVariables"])
    assert facts["1"].startswith("Thu ") and facts["2"] == "Margaret"
    assert facts["5"] == "They will bring you home." and facts["6"] == str(ref)
    assert "Leyburn" not in sent["ContentVariables"]  # never where they are going


def test_other_kinds_outside_the_session_use_the_notice_template(stack: Stack) -> None:
    """A kind without its own template (here the confirmation's is not set) goes by the
    notice template, carrying the message's words."""
    _join(stack.phone)
    _rule(stack.engine, "whatsapp_template_notice", NOTICE_SID)
    _confirmed_lift(stack, seen_hours_ago=30)
    sent = _to_resident(stack.twilio)[0].params
    assert sent["ContentSid"] == NOTICE_SID
    assert json.loads(sent["ContentVariables"])["1"].startswith("Confirmed for Thu")


def test_no_template_outside_the_session_falls_back_to_a_text(stack: Stack) -> None:
    """With no approved template at all, WhatsApp cannot carry it: it goes by SMS, and a
    coordinator is told (by kind, never the words)."""
    _join(stack.phone)
    _confirmed_lift(stack, seen_hours_ago=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        texts = [c for c in stack.twilio.named("Messages.create") if c.params["To"] == RESIDENT]
        if texts:
            break
        time.sleep(0.05)
    assert texts and texts[0].params["Body"].startswith("Confirmed for Thu")
    assert not _to_resident_now(stack.twilio)
    with Session(stack.engine) as session:
        alert = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "coordinator_alert")).all()
        assert any("by WhatsApp" in a.body and "confirmation" in a.body for a in alert)


def _to_resident_now(twilio: FakeTwilio) -> list[Call]:
    return [c for c in twilio.named("Messages.create")
            if c.params.get("To") == f"whatsapp:{RESIDENT}"]


def test_session_closed_meanwhile_is_sent_again_as_the_template(stack: Stack) -> None:
    """Twilio answering 63016 (the session closed) to free text: the template goes at once."""
    _join(stack.phone)
    _rule(stack.engine, "whatsapp_template_confirmation", CONFIRM_SID)
    stack.twilio.failures_to[f"whatsapp:{RESIDENT}"] = [(400, 63016)]
    _confirmed_lift(stack, seen_hours_ago=23.7)
    sent = _to_resident(stack.twilio, 2)
    assert "Body" in sent[0].params and sent[1].params["ContentSid"] == CONFIRM_SID


def test_quick_reply_tap_cancels_the_lift(stack: Stack) -> None:
    """A tap on the template's "Cancel this lift" button sends its id, CANCEL <n>: the lift
    is cancelled through the life-cycle, and the driver who had accepted is told."""
    _join(stack.phone)
    ref = _confirmed_lift(stack, seen_hours_ago=30)
    replies = stack.phone.send("Cancel this lift", ButtonText="Cancel this lift",
                               ButtonPayload=f"CANCEL {ref}")
    assert "cancel" in " ".join(replies).lower()
    if any("Reply YES" in r for r in replies):  # the dialogue reads it back for a yes
        stack.phone.send("YES")
    with Session(stack.engine) as session:
        assert session.get(LiftRequest, ref).status == "cancelled"  # type: ignore[union-attr]
        told = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "trip_change").order_by(col(OutboxMessage.id))).all()
        assert told, "the driver was not told"


def test_a_resident_chooses_their_channel(stack: Stack) -> None:
    """USE TEXT moves their messages to SMS, USE WHATSAPP back; the question in hand stays."""
    _join(stack.phone)
    assert "by text" in stack.phone.send("USE TEXT")[0]
    assert _resident(stack.engine).preferred_channel == "sms"
    said = stack.phone.send("please send my messages by WhatsApp")
    assert "by WhatsApp" in said[0] and "USE TEXT" in said[0]
    assert _resident(stack.engine).preferred_channel == "whatsapp"
    assert "Telegram bot first" in stack.phone.send("switch to telegram")[0]
    assert _resident(stack.engine).preferred_channel == "whatsapp"


def test_read_receipt_counts_as_delivered(stack: Stack) -> None:
    """WhatsApp's 'read' status moves the message to delivered; it never goes backwards."""
    _join(stack.phone)
    _confirmed_lift(stack, seen_hours_ago=1)
    _to_resident(stack.twilio)
    deadline = time.monotonic() + 10
    while True:
        with Session(stack.engine) as session:
            row = session.exec(select(OutboxMessage).where(
                OutboxMessage.kind == "confirmation")).one()
        if row.provider_message_id or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for status in ("read", "delivered"):
        params = {"MessageSid": row.provider_message_id or "", "MessageStatus": status,
                  "AccountSid": TWILIO_SID, "ChannelPrefix": "whatsapp"}
        url = f"{PUBLIC_URL}/sms/status"
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
        assert httpx.post(f"{stack.phone.url}/sms/status", data=params, timeout=10,
                          headers={"X-Twilio-Signature": signature}).status_code == 204
    with Session(stack.engine) as session:
        assert session.get(OutboxMessage, row.id).status == "delivered"  # type: ignore[union-attr]


def test_forged_whatsapp_message_is_refused(stack: Stack) -> None:
    """The same signature check as SMS: a forged WhatsApp webhook is a 403, nothing stored."""
    params = {"From": f"whatsapp:{RESIDENT}", "To": f"whatsapp:{WA_NUMBER}", "Body": "hi",
              "MessageSid": "SM" + "9" * 32}
    assert stack.phone.post(params, signature="forged").status_code == 403
    with Session(stack.engine) as session:
        assert session.exec(select(Person).where(Person.phone == RESIDENT)).first() is None


def test_scheme_number_is_found_through_the_whatsapp_prefix(stack: Stack) -> None:
    """`To` as whatsapp:<the scheme's number> finds the scheme like a text to it."""
    stack.phone.send("hello", To=f"whatsapp:{SCHEME_NUMBER}")
    with Session(stack.engine) as session:
        assert session.exec(select(OutboxMessage).where(
            OutboxMessage.channel == "whatsapp")).first() is not None


def test_a_driver_accepts_an_offer_template_with_a_tap(stack: Stack) -> None:
    """A driver on WhatsApp, outside the session: the offer goes as its template with
    Accept/Decline quick replies; tapping Accept (its id, YES <trip>) takes the trip."""
    from booking.offers.urgent import offer_to
    from storage.tables import Offer

    offer_sid = "HX" + "d" * 32
    _join(stack.phone)
    _rule(stack.engine, "whatsapp_template_offer", offer_sid)
    thursday = stack.now.astimezone(LONDON).date() + timedelta(days=3)
    with transaction(stack.engine) as session:
        resident = session.exec(select(Person).where(Person.phone == RESIDENT)).one()
        driver = session.exec(select(Person).where(Person.name == "Margaret Allen")).one()
        driver.preferred_channel = "whatsapp"
        driver.whatsapp_seen_at = stack.now - timedelta(days=3)
        driver_phone = driver.phone or ""
        place = session.exec(select(Place).where(Place.kind == "gp")).first()
        assert place is not None
        request = request_lift(session, resident, RequestLift(
            place.id or 0, local_instant(thursday, datetime.min.time().replace(hour=10), LONDON),
            "wait", False), now=stack.now, channel="whatsapp")
        offer_to(session, request, [driver], stack.now)
        offer = session.exec(select(Offer).where(Offer.driver_id == driver.id)).one()
        offer_id = offer.id
    deadline = time.monotonic() + 10
    while True:
        sent = [c for c in stack.twilio.named("Messages.create")
                if c.params.get("To") == f"whatsapp:{driver_phone}"]
        if sent or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert sent and sent[0].params["ContentSid"] == offer_sid
    facts = json.loads(sent[0].params["ContentVariables"])
    assert facts["2"] == str(offer_id) and facts["1"].startswith(f"URGENT: Trip {offer_id}:")
    driver_app = WhatsApp(stack.phone.url, number=driver_phone)
    said = driver_app.send("Accept", ButtonText="Accept", ButtonPayload=f"YES {offer_id}")
    assert f"Trip {offer_id} is yours" in " ".join(said)
    with Session(stack.engine) as session:
        assert session.get(Offer, offer_id).status == "accepted"  # type: ignore[union-attr]
