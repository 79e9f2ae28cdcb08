"""Attacks and garbage against the running server: bodies too big to read, malformed but
authenticated requests (generated), forged ones, updates we never asked for, and a provider
that hangs. Every answer is a deliberate 2xx or 4xx, never a server error."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from booking.messaging.outbox import enqueue
from lifts.app import asgi, build
from storage.db import transaction
from storage.tables import InboundMessage, OutboxMessage, Person
from tests.support.fakes import FakeTelegram, FakeTwilio, fake_telegram, fake_twilio
from tests.support.live import live_server
from tests.support.world import (
    PUBLIC_URL,
    SCHEME_NUMBER,
    TWILIO_TOKEN,
    WEBHOOK_SECRET,
    monday_morning,
    seed,
)
from tests.support.world import settings as lifts_settings

DELIBERATE = {200, 204, 400, 403, 404, 405, 413}
EDITH = "+447911123401"
FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@dataclass
class Server:
    """The app under uvicorn with fake Telegram and Twilio behind it."""

    url: str
    telegram: FakeTelegram
    twilio: FakeTwilio
    engine: Engine
    now: datetime

    def sms(self, form: dict[str, str], path: str = "/sms/inbound", query: str = "",
            *, sign: bool = True) -> httpx.Response:
        """POST a form to a Twilio webhook, signed as Twilio would (unless not)."""
        url = f"{PUBLIC_URL}{path}{query}"
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form) if sign \
            else "forged"
        return httpx.post(f"{self.url}{path}{query}", data=form, timeout=20,
                          headers={"X-Twilio-Signature": signature})

    def telegram_update(self, body: bytes, *, secret: str = WEBHOOK_SECRET) -> httpx.Response:
        """POST raw bytes as a Telegram update."""
        return httpx.post(f"{self.url}/telegram/webhook", content=body, timeout=20,
                          headers={"X-Telegram-Bot-Api-Secret-Token": secret,
                                   "content-type": "application/json"})


@pytest.fixture
def server(engine: Engine) -> Iterator[Server]:
    """The whole app with the demo scheme; the dispatcher sends every 0.2 s."""
    now = monday_morning()
    seed(engine, now)
    with fake_telegram() as telegram, fake_twilio() as twilio:
        config = lifts_settings(engine, telegram_url=telegram.url, twilio_url=twilio.url)
        lifts = build(config, clock=lambda: now, engine=engine, polling=False)
        with live_server(asgi(lifts, dispatch_every=0.2)) as url:
            yield Server(url, telegram, twilio, engine, now)


def _text_update(update_id: object, text: object, user: object = 777555) -> bytes:
    return json.dumps({"update_id": update_id, "message": {
        "message_id": 5, "date": 1, "text": text,
        "chat": {"id": user, "type": "private"}, "from": {"id": user, "is_bot": False,
                                                          "first_name": "X"}}}).encode()


def test_bodies_over_the_limit_are_refused_before_being_read(server: Server) -> None:
    """A 40 MB post, declared or streamed without a length, gets 413 without the signature
    check; the server reads at most the limit of a streamed one."""
    declared = httpx.post(f"{server.url}/sms/inbound", content=b"x" * (65 * 1024), timeout=20,
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert declared.status_code == 413

    def forty_megabytes() -> Iterator[bytes]:
        for _ in range(40):
            yield b"Body=" + b"a" * (1024 * 1024)

    secret = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}  # without it: 403, unread
    for path, extra in (("/sms/inbound", {}), ("/sms/status", {}),
                        ("/voice/answer", {}), ("/voice/status", {}),
                        ("/telegram/webhook", secret)):
        try:
            streamed = httpx.post(f"{server.url}{path}", content=forty_megabytes(), timeout=30,
                                  headers={"content-type": "application/x-www-form-urlencoded",
                                           **extra})
        except httpx.HTTPError:  # the server may close the connection once it has said 413
            continue
        assert streamed.status_code == 413, path


@FUZZ
@given(form=st.dictionaries(st.sampled_from(["From", "To", "Body", "MessageSid", "SmsSid",
                                             "AccountSid", "NumMedia", "MessageStatus",
                                             "ErrorCode"]),
                            st.text(max_size=300), max_size=9))
def test_signed_garbage_to_the_sms_webhooks_never_errors(server: Server,
                                                          form: dict[str, str]) -> None:
    """Any signed form, to the inbound and status webhooks: a deliberate answer."""
    assert server.sms(form).status_code in DELIBERATE
    assert server.sms(form, "/sms/status", "?ref=12").status_code in DELIBERATE


@FUZZ
@given(form=st.dictionaries(st.sampled_from(["CallSid", "AccountSid", "Digits", "SpeechResult",
                                             "Confidence", "CallStatus", "AnsweredBy", "From",
                                             "To"]),
                            st.text(max_size=300), max_size=9),
       ref=st.sampled_from(["", "?ref=1", "?ref=999999", f"?ref={2**31 + 5}", "?ref=-1",
                            "?ref=1&try=2", "?ref=x"]))
def test_signed_garbage_to_the_voice_webhooks_never_errors(server: Server, form: dict[str, str],
                                                            ref: str) -> None:
    """Any signed form to the call webhooks (what to say, the answer, the answering machine,
    how it ended), with any ref: a deliberate answer, never a server error."""
    for path in ("/voice/call", "/voice/answer", "/voice/amd", "/voice/status"):
        assert server.sms(form, path, ref).status_code in DELIBERATE, path


def test_forged_voice_webhooks_change_nothing(server: Server) -> None:
    """A forged keypad answer or call status is refused: nothing cancelled, nothing retried."""
    form = {"CallSid": "CA" + "1" * 32, "Digits": "2", "CallStatus": "no-answer"}
    for path in ("/voice/call", "/voice/answer", "/voice/amd", "/voice/status"):
        assert server.sms(form, path, "?ref=1", sign=False).status_code == 403, path
    with Session(server.engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=30)


@FUZZ
@given(update_id=JSON, text=JSON, user=JSON, extra=st.dictionaries(
    st.sampled_from(["edited_message", "callback_query", "channel_post", "poll"]), JSON,
    max_size=2))
def test_garbage_updates_to_the_telegram_webhook_never_error(
        server: Server, update_id: object, text: object, user: object,
        extra: dict[str, object]) -> None:
    """Any JSON shape with the right secret: a deliberate answer, never a server error."""
    body = json.loads(_text_update(update_id, text, user))
    body.update(extra)
    assert server.telegram_update(json.dumps(body).encode()).status_code in DELIBERATE


def test_the_malformed_requests_that_once_gave_500s(server: Server) -> None:
    """Deep JSON, a non-string text, ids beyond bigint, an over-long MessageSid, a status ref
    beyond 2^31 and the callback data "offer:" each get a deliberate answer."""
    deep = b'{"update_id": 1, "message": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"  # < 64 kB
    assert server.telegram_update(deep).status_code == 400
    assert server.telegram_update(_text_update(2, {"not": "text"})).status_code == 200
    assert server.telegram_update(_text_update(3, "hi", user=2**70)).status_code == 200
    assert server.telegram_update(_text_update(2**70, "hi")).status_code == 400
    press = json.dumps({"update_id": 4, "callback_query": {
        "id": "cb", "from": {"id": 777556, "is_bot": False, "first_name": "X"},
        "chat_instance": "c", "data": "offer:",
        "message": {"message_id": 1, "date": 1, "chat": {"id": 777556, "type": "private"}}}})
    assert server.telegram_update(press.encode()).status_code == 200
    long_sid = {"From": EDITH, "To": SCHEME_NUMBER, "Body": "hello", "MessageSid": "S" * 65}
    assert server.sms(long_sid).status_code == 400
    report = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"}
    assert server.sms(report, "/sms/status", f"?ref={2**31 + 5}").status_code == 204


def test_forged_requests_change_nothing(server: Server) -> None:
    """A wrong signature or secret is refused and nothing is stored or sent."""
    form = {"From": EDITH, "To": SCHEME_NUMBER, "Body": "STOP", "MessageSid": "SM" + "1" * 32}
    assert server.sms(form, sign=False).status_code == 403
    assert server.telegram_update(_text_update(9, "STOP"), secret="guess").status_code == 403
    with Session(server.engine) as session:
        assert session.exec(select(InboundMessage)).all() == []
        edith = session.exec(select(Person).where(Person.phone == EDITH)).one()
        assert not edith.sms_opted_out


def test_an_edited_message_is_not_a_new_one(server: Server) -> None:
    """Editing an old message to "STOP" must not opt anyone out or get an answer."""
    joined = json.loads(_text_update(20, "hello", user=777601))
    edit = {"update_id": 21, "edited_message": {**joined["message"], "text": "STOP",
                                                "edit_date": 2}}
    before = len(server.telegram.named("sendMessage"))
    assert server.telegram_update(json.dumps(edit).encode()).status_code == 200
    assert len(server.telegram.named("sendMessage")) == before
    with Session(server.engine) as session:
        assert session.exec(select(InboundMessage)).all() == []


def test_a_hanging_twilio_slows_neither_webhooks_nor_health(server: Server) -> None:
    """With Twilio taking 20 s a text and twenty texts due, /healthz and an inbound text are
    answered at once (sends have their own threads, with time-outs)."""
    server.twilio.delay = 20.0
    with transaction(server.engine) as session:
        edith = session.exec(select(Person).where(Person.phone == EDITH)).one()
        for n in range(20):
            enqueue(session, key=f"slow:{n}", person=edith, kind="test", body=f"n{n}",
                    due_at=server.now)
    time.sleep(1.0)  # the dispatcher has claimed them and is waiting on Twilio
    with ThreadPoolExecutor(4) as pool:
        started = time.monotonic()
        health = pool.submit(httpx.get, f"{server.url}/healthz", timeout=30)
        text = pool.submit(server.sms, {"From": EDITH, "To": SCHEME_NUMBER, "Body": "thanks",
                                        "MessageSid": "SM" + "7" * 32})
        assert health.result().status_code == 200 and text.result().status_code == 200
        took = time.monotonic() - started
    assert took < 5.0, f"webhooks waited {took:.1f} s behind a hanging Twilio"
    with Session(server.engine) as session:
        sending = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "test")).all()
        assert {m.status for m in sending} <= {"pending", "sending"}
    server.twilio.delay = 0.0
