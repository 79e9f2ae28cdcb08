"""The dispatcher against fake Telegram and Twilio servers: each error class, back-off,
fallback to the other channel with a coordinator alert, quiet hours, claims and pacing."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking.messaging.dispatch import (
    CLAIM_TIMEOUT,
    Dispatcher,
    Pacer,
    backoff_seconds,
    claim_due,
    record_delivery,
)
from booking.messaging.outbox import enqueue
from booking.messaging.sending import Sender
from bot.channels.sms import SmsSender
from bot.channels.telegram import TelegramSender, build_application
from storage.db import make_engine, transaction
from storage.tables import OutboxMessage, Person
from tests.support.fakes import FakeTelegram, FakeTwilio, _decode, fake_twilio, send_json, serving
from tests.support.world import (
    BOT_TOKEN,
    LONDON,
    SCHEME_NUMBER,
    TWILIO_SID,
    TWILIO_TOKEN,
    monday_morning,
    seed,
)

BODY = "Reminder: Sue picks you up at 10:05 tomorrow. Reply CANCEL to cancel."
PHONE = "+447911555001"
CHAT = 7770001


class FailingTelegram(FakeTelegram):
    """The fake Bot API, able to answer the next sendMessage calls with an error."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[tuple[int, str, dict[str, Any] | None]] = []

    def next_failure(self) -> tuple[int, str, dict[str, Any] | None] | None:
        with self.lock:
            return self.failures.pop(0) if self.failures else None


def _handler(fake: FailingTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            method = self.path.rsplit("/", 1)[-1]
            params = _decode(self)
            fake.record(method, params)
            failure = fake.next_failure() if method == "sendMessage" else None
            if failure is None:
                status, payload = 200, {"ok": True, "result": fake.answer(method, params)}
            else:
                status, description, parameters = failure
                payload = {"ok": False, "error_code": status, "description": description}
                if parameters:
                    payload["parameters"] = parameters
            send_json(self, status, payload)

    return Handler


@dataclass
class World:
    engine: Engine
    telegram: FailingTelegram
    twilio: FakeTwilio
    senders: dict[str, Sender]
    now: datetime

    def person(self, *, phone: str | None = PHONE, chat: int | None = CHAT,
               preferred: str = "telegram", role: str = "resident") -> int:
        with transaction(self.engine) as session:
            person = Person(scheme_id=1, role=role, name="Edith Metcalfe", phone=phone,
                            telegram_user_id=chat, telegram_chat_id=chat,
                            preferred_channel=preferred)
            session.add(person)
            session.flush()
            return person.id or 0

    def enqueue(self, person_id: int, key: str = "reminder:1:evening", *,
                due: datetime | None = None, urgent: bool = False) -> int:
        with transaction(self.engine) as session:
            person = session.get(Person, person_id)
            assert person is not None
            row = enqueue(session, key=key, person=person, kind="reminder", body=BODY,
                          due_at=due or self.now, urgent=urgent)
            assert row is not None
            session.flush()
            return row.id or 0

    def dispatch(self, at: datetime | None = None) -> Any:
        when = at or self.now
        return asyncio.run(Dispatcher(self.engine, self.senders).run(lambda: when))

    def rows(self) -> list[OutboxMessage]:
        with Session(self.engine) as session:
            return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))

    def row(self, message_id: int) -> OutboxMessage:
        with Session(self.engine) as session:
            row = session.get(OutboxMessage, message_id)
            assert row is not None
            return row


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    now = monday_morning()
    seed(engine, now)
    telegram = FailingTelegram()
    with serving(telegram, _handler(telegram)), fake_twilio() as twilio:
        application = build_application(BOT_TOKEN, telegram.url, polling=False)
        senders: dict[str, Sender] = {
            "telegram": TelegramSender(application.bot),
            "sms": SmsSender(account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN,
                             from_number=SCHEME_NUMBER, api_base_url=twilio.url)}
        yield World(engine, telegram, twilio, senders, now)


def _alerts(world: World) -> list[OutboxMessage]:
    return [r for r in world.rows() if r.kind == "coordinator_alert"]


# --- transient failures: back to pending with back-off -------------------------------------

@pytest.mark.parametrize(("status", "description", "parameters", "least", "most"), [
    (429, "Too Many Requests: retry after 7", {"retry_after": 7}, 7, 8.75),  # RetryAfter
    (502, "Bad Gateway", None, 15, 18.75),  # NetworkError
    (500, "Internal Server Error", None, 15, 18.75),  # NetworkError
])
def test_telegram_transient_errors_retry_with_backoff(world: World, status: int,
                                                      description: str, parameters: Any,
                                                      least: float, most: float) -> None:
    message = world.enqueue(world.person())
    world.telegram.failures.append((status, description, parameters))
    report = world.dispatch()
    assert report.retried == 1
    row = world.row(message)
    assert row.status == "pending" and row.attempts == 1
    assert least <= (row.due_at - world.now).total_seconds() <= most
    world.dispatch(row.due_at)  # the retry goes through
    assert world.row(message).status == "sent"
    assert len(world.telegram.named("sendMessage")) == 2
    assert not _alerts(world) and not world.twilio.named("Messages.create")


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, 20503)])
def test_twilio_transient_errors_retry(world: World, status: int, code: int) -> None:
    message = world.enqueue(world.person(chat=None, preferred="sms"))
    world.twilio.failures.append((status, code))
    world.dispatch()
    row = world.row(message)
    assert (row.status, row.attempts) == ("pending", 1)
    assert 15 <= (row.due_at - world.now).total_seconds() <= 18.75
    world.dispatch(row.due_at)
    assert world.row(message).status == "sent" and not _alerts(world)


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    for attempts, base in [(1, 15), (2, 30), (3, 60), (8, 1920), (12, 3600)]:
        for _ in range(20):
            assert base <= backoff_seconds(attempts) <= base * 1.25
    assert 120 <= backoff_seconds(1, retry_after=120) <= 150


def test_gives_up_after_max_attempts_and_alerts(world: World) -> None:
    message = world.enqueue(world.person(chat=None, preferred="sms"))
    at = world.now
    for _ in range(8):
        world.twilio.failures.append((503, 20503))
        world.dispatch(at)
        at = world.row(message).due_at
    row = world.row(message)
    assert (row.status, row.attempts) == ("failed", 8)
    assert len(_alerts(world)) == 1


# --- permanent failures: fallback and alert ------------------------------------------------

def test_telegram_blocked_falls_back_to_sms_and_alerts_without_the_body(world: World) -> None:
    person = world.person()
    message = world.enqueue(person)
    world.telegram.failures.append((403, "Forbidden: bot was blocked by the user", None))
    report = world.dispatch()
    assert report.failed == 1
    assert world.row(message).status == "failed"
    world.dispatch()  # the fallback and the alert are due now
    texts = world.twilio.named("Messages.create")
    to_resident = [c for c in texts if c.params["To"] == PHONE]
    assert len(to_resident) == 1 and to_resident[0].params["Body"].startswith(BODY)
    alerts = _alerts(world)
    assert alerts and all(a.status == "sent" for a in alerts)
    for alert in alerts:
        assert "Edith Metcalfe" in alert.body and "blocked" in alert.body
        assert BODY not in alert.body and PHONE not in alert.body and "10:05" not in alert.body
    assert len(world.telegram.named("sendMessage")) == 1  # never retried on Telegram
    with Session(world.engine) as session:
        assert session.get(Person, person).preferred_channel == "sms"  # type: ignore[union-attr]


def test_telegram_bad_request_is_not_retried(world: World) -> None:
    message = world.enqueue(world.person(phone=None))
    world.telegram.failures.append((400, "Bad Request: chat not found", None))
    world.dispatch()
    world.dispatch()
    assert world.row(message).status == "failed"
    assert len(world.telegram.named("sendMessage")) == 1
    assert len(_alerts(world)) >= 1 and "please phone" in _alerts(world)[0].body


def test_sms_opted_out_falls_back_to_telegram(world: World) -> None:
    person = world.person(preferred="sms")
    message = world.enqueue(person)
    world.twilio.failures.append((400, 21610))
    world.dispatch()
    world.dispatch()
    assert world.row(message).status == "failed"
    sent = world.telegram.named("sendMessage")
    assert [c.params["text"] for c in sent if int(c.params["chat_id"]) == CHAT] == [BODY]
    with Session(world.engine) as session:
        assert session.get(Person, person).sms_opted_out  # type: ignore[union-attr]
    assert len([a for a in _alerts(world) if "STOP" in a.body]) >= 1


def test_landline_without_telegram_rings_instead_and_alerts(world: World) -> None:
    """Twilio's 21614 (not a mobile): the person is marked as a landline, the message is
    queued as a call, and the coordinators hear of it."""
    person = world.person(chat=None, preferred="sms")
    message = world.enqueue(person)
    world.twilio.failures.append((400, 21614))
    world.dispatch()
    world.dispatch()
    assert world.row(message).status == "failed"
    resident_texts = [c for c in world.twilio.named("Messages.create")
                      if c.params["To"] == PHONE]
    assert len(resident_texts) == 1  # not retried
    alerts = _alerts(world)
    assert len(alerts) >= 1 and "landline" in alerts[0].body and "phone call" in alerts[0].body
    kind = world.row(message).kind
    with Session(world.engine) as session:
        assert session.get(Person, person).landline  # type: ignore[union-attr]
        calls = session.exec(select(OutboxMessage).where(OutboxMessage.channel == "voice")).all()
        assert [c.kind for c in calls] == [kind]


def test_undelivered_status_callback_falls_back_and_alerts_once(world: World) -> None:
    message = world.enqueue(world.person(preferred="sms"))
    world.dispatch()
    row = world.row(message)
    assert row.status == "sent" and row.provider_message_id
    assert record_delivery(world.engine, row.provider_message_id, "undelivered", "30006",
                           world.now)
    assert record_delivery(world.engine, row.provider_message_id, "failed", "30006", world.now)
    row = world.row(message)
    assert row.status == "failed" and "30006" in row.last_error
    world.dispatch()
    assert [c.params["text"] for c in world.telegram.named("sendMessage")] == [BODY]
    assert len({a.idempotency_key.split(":to:")[0] for a in _alerts(world)}) == 1


def test_without_calls_set_up_a_landline_still_gets_the_text(world: World) -> None:
    """No voice channel here (no PUBLIC_BASE_URL, say): the call fails over to a text at
    once (UK carriers may read it out), and the coordinators hear why."""
    person = world.person(phone="+441969650123", chat=None, preferred="sms")
    message = world.enqueue(person)
    world.dispatch()
    world.dispatch()
    with Session(world.engine) as session:
        rows = session.exec(select(OutboxMessage).where(
            OutboxMessage.person_id == person).order_by(col(OutboxMessage.id))).all()
    assert [(r.channel, r.status) for r in rows] == [("voice", "failed"), ("sms", "sent")]
    assert world.row(message).channel == "voice"
    assert any("calls are not set up" in a.body for a in _alerts(world))


def test_a_text_reported_as_sent_to_a_landline_becomes_a_call(world: World) -> None:
    """Twilio's 30006 in an 'undelivered' report, for someone with no chat: the number is
    remembered as a landline and the message is owed again as a call."""
    person = world.person(chat=None, preferred="sms")
    message = world.enqueue(person)
    world.dispatch()
    sid = world.row(message).provider_message_id or ""
    assert record_delivery(world.engine, sid, "undelivered", "30006", world.now)
    with Session(world.engine) as session:
        assert session.get(Person, person).landline  # type: ignore[union-attr]
        calls = session.exec(select(OutboxMessage).where(OutboxMessage.channel == "voice")).all()
        assert len(calls) == 1 and calls[0].address == PHONE


def test_delivery_reports_only_move_forward(world: World) -> None:
    message = world.enqueue(world.person(chat=None, preferred="sms"))
    world.dispatch()
    sid = world.row(message).provider_message_id or ""
    record_delivery(world.engine, sid, "delivered")
    record_delivery(world.engine, sid, "sent")  # late and out of order
    assert world.row(message).status == "delivered"
    record_delivery(world.engine, sid, "undelivered")
    assert world.row(message).status == "delivered" and not _alerts(world)


def test_a_failed_coordinator_alert_does_not_alert_again(world: World) -> None:
    coordinator = world.person(chat=None, preferred="sms", role="coordinator", phone=PHONE)
    with transaction(world.engine) as session:
        person = session.get(Person, coordinator)
        assert person is not None
        enqueue(session, key="alert:x", person=person, kind="coordinator_alert",
                body="HELP from someone", due_at=world.now, urgent=True)
    world.twilio.failures.append((400, 21614))
    world.dispatch()
    assert [r.status for r in _alerts(world) if r.idempotency_key == "alert:x"] == ["failed"]
    assert len(_alerts(world)) == 1


# --- outbox semantics ----------------------------------------------------------------------

def test_same_key_is_queued_and_sent_once(world: World) -> None:
    person = world.person()
    first = world.enqueue(person)
    assert world.enqueue(person) == first
    world.dispatch()
    world.dispatch()
    assert len(world.telegram.named("sendMessage")) == 1


def test_cancelled_and_future_rows_are_not_sent(world: World) -> None:
    person = world.person()
    cancelled = world.enqueue(person, "a")
    later = world.enqueue(person, "b", due=world.now + timedelta(hours=2))
    with transaction(world.engine) as session:
        row = session.get(OutboxMessage, cancelled)
        assert row is not None
        row.status = "cancelled"
        session.add(row)
    world.dispatch()
    assert world.telegram.named("sendMessage") == []
    world.dispatch(world.now + timedelta(hours=2))
    assert world.row(later).status == "sent" and world.row(cancelled).status == "cancelled"


def test_a_cancelled_message_owed_again_is_revived_once(world: World) -> None:
    """A reminder cancelled with its trip and owed again under the same key (the trip
    re-confirmed for the same pickup) goes out with the new text, once."""
    person = world.person()
    first = world.enqueue(person)
    with transaction(world.engine) as session:
        row = session.get(OutboxMessage, first)
        assert row is not None
        row.status = "cancelled"
        session.add(row)
    with transaction(world.engine) as session:
        edith = session.get(Person, person)
        assert edith is not None
        again = enqueue(session, key="reminder:1:evening", person=edith, kind="reminder",
                        body="Reminder: David picks you up at 10:05.", due_at=world.now)
        assert again is not None and again.id == first
    assert world.enqueue(person) == first  # pending again: the key is not doubled
    world.dispatch()
    world.dispatch()
    assert [c.params["text"] for c in world.telegram.named("sendMessage")] == [
        "Reminder: David picks you up at 10:05."]


def test_stale_reminder_expires_instead_of_going_out_late(world: World) -> None:
    message = world.enqueue(world.person())
    with transaction(world.engine) as session:
        row = session.get(OutboxMessage, message)
        assert row is not None
        row.stale_after = world.now + timedelta(minutes=30)
        session.add(row)
    world.dispatch(world.now + timedelta(hours=1))
    assert world.row(message).status == "expired" and not world.telegram.named("sendMessage")


def test_orphaned_claim_is_reclaimed_after_the_timeout(world: World) -> None:
    message = world.enqueue(world.person())
    assert [r.id for r in claim_due(world.engine, world.now)] == [message]  # then "crash"
    world.dispatch(world.now + CLAIM_TIMEOUT - timedelta(seconds=1))
    assert world.row(message).status == "sending" and not world.telegram.named("sendMessage")
    world.dispatch(world.now + CLAIM_TIMEOUT)
    row = world.row(message)
    assert (row.status, row.attempts) == ("sent", 2)


# --- quiet hours across midnight and DST ---------------------------------------------------

@pytest.mark.parametrize(("local_now", "expected_utc"), [
    # evening before the spring change: 08:00 BST next morning is 07:00 UTC
    (datetime(2026, 3, 28, 22, 30), datetime(2026, 3, 29, 7, 0)),
    # in the small hours of the spring change itself
    (datetime(2026, 3, 29, 0, 30), datetime(2026, 3, 29, 7, 0)),
    # evening before the autumn change: 08:00 GMT is 08:00 UTC
    (datetime(2026, 10, 24, 23, 0), datetime(2026, 10, 25, 8, 0)),
    # 01:30 on the autumn change day (the first, BST, one)
    (datetime(2026, 10, 25, 1, 30), datetime(2026, 10, 25, 8, 0)),
    # an ordinary night, after midnight
    (datetime(2026, 6, 10, 5, 59), datetime(2026, 6, 10, 7, 0)),
])
def test_quiet_hours_hold_non_urgent_messages_until_morning(
        world: World, local_now: datetime, expected_utc: datetime) -> None:
    now = local_now.replace(tzinfo=LONDON).astimezone(UTC)
    person = world.person()
    quiet = world.enqueue(person, "quiet", due=now)
    urgent = world.enqueue(person, "urgent", due=now, urgent=True)
    world.dispatch(now)
    assert world.row(urgent).status == "sent"
    row = world.row(quiet)
    assert row.status == "pending" and row.due_at == expected_utc.replace(tzinfo=UTC)
    world.dispatch(row.due_at)
    assert world.row(quiet).status == "sent"


# --- pacing --------------------------------------------------------------------------------

def test_pacer_spaces_one_chat_at_one_a_second_and_all_at_the_rate() -> None:
    clock = [0.0]
    pacer = Pacer(30.0, per_address=1.0, clock=lambda: clock[0])
    same = [pacer.reserve("chat-1") for _ in range(3)]
    assert same == pytest.approx([0.0, 1.0, 2.0])
    others = [pacer.reserve(f"chat-{n}") for n in range(2, 32)]
    assert others[0] == pytest.approx(3 / 30) and others[-1] == pytest.approx(32 / 30)
    sms = Pacer(5.0, clock=lambda: clock[0])
    assert [sms.reserve("x") for _ in range(3)] == pytest.approx([0.0, 0.2, 0.4])


def test_dispatcher_keeps_a_chat_to_one_message_a_second(world: World) -> None:
    """Three messages due at once to one chat arrive at least a second apart."""
    person = world.person()
    for n in range(3):
        world.enqueue(person, f"k{n}")
    dispatcher = Dispatcher(world.engine, world.senders,
                            pacers={"telegram": Pacer(30.0, per_address=1.0)})
    now = world.now
    asyncio.run(dispatcher.run(lambda: now))
    calls = world.telegram.named("sendMessage")
    assert len(calls) == 3
    gaps = [b.at - a.at for a, b in itertools.pairwise(calls)]
    # The arrival times at the fake Bot API: the pacer spaces the sends a second apart; a loaded
    # machine delays one request's arrival more than the next by up to ~0.1 s.
    assert min(gaps) >= 0.85 and sum(gaps) >= 1.9, gaps
    with Session(world.engine) as session:
        assert session.exec(select(OutboxMessage).where(
            OutboxMessage.status == "sent")).all().__len__() == 3


def test_two_workers_keep_a_chat_to_one_message_a_second(world: World) -> None:
    """Two worker processes (each its own engine, pacer and claims) never send one chat two
    messages within a second: a chat in flight or just sent by another worker is left alone.
    Claims of one row make the workers interleave, as rows falling due apart would."""
    person = world.person()
    for n in range(3):
        # on the real clock, due now; urgent, so quiet hours do not hold them
        world.enqueue(person, f"k{n}", due=datetime.now(UTC), urgent=True)

    def worker() -> None:
        engine = make_engine(world.engine.url.render_as_string(hide_password=False))
        bot = build_application(BOT_TOKEN, world.telegram.url, polling=False).bot
        dispatcher = Dispatcher(engine, {"telegram": TelegramSender(bot)}, batch=1,
                                pacers={"telegram": Pacer(30.0, per_address=1.0)})

        async def passes() -> None:
            deadline = time.monotonic() + 8
            while len(world.telegram.named("sendMessage")) < 3 and time.monotonic() < deadline:
                await dispatcher.run(lambda: datetime.now(UTC))
                await asyncio.sleep(0.05)

        asyncio.run(passes())
        engine.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = [call.at for call in world.telegram.named("sendMessage")]
    assert len(times) == 3
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.95
    assert {r.status for r in world.rows()} == {"sent"}
