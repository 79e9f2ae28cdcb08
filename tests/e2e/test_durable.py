"""Replies are owed in the outbox in the message's own transaction: answered at once through
the webhook, and sent by the dispatcher instead when the answer never went out (a failed
sendMessage, a process killed between commit and response). Never lost, never doubled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from booking.intake.inbox import Envelope
from booking.messaging.outbox import REPLY_GRACE
from bot.messages import Inbound
from lifts.app import Lifts, asgi, build
from storage.tables import OutboxMessage
from tests.e2e.test_sms import Phone
from tests.e2e.test_telegram import Chat, texts
from tests.support.fakes import FakeTelegram, FakeTwilio, fake_telegram, fake_twilio
from tests.support.live import live_server
from tests.support.world import SCHEME_NUMBER, monday_morning, seed, settings

NEWCOMER = "+447911124300"


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Stack:
    """The app (scheduler off: the test dispatches), both fakes, the clock."""

    lifts: Lifts
    url: str
    telegram: FakeTelegram
    twilio: FakeTwilio
    engine: Engine
    clock: Clock

    def dispatch_later(self, seconds: float) -> None:
        """Time passes, then the dispatcher runs once."""
        self.clock.now += timedelta(seconds=seconds)
        asyncio.run(self.lifts.dispatch())


@pytest.fixture
def stack(engine: Engine) -> Iterator[Stack]:
    """The whole app with the demo scheme and a movable clock."""
    clock = Clock(monday_morning())
    seed(engine, clock.now)
    with fake_telegram() as telegram, fake_twilio() as twilio:
        lifts = build(settings(engine, telegram_url=telegram.url, twilio_url=twilio.url),
                      clock=clock, engine=engine, polling=False)
        with live_server(asgi(lifts, run_scheduler=False)) as url:
            yield Stack(lifts, url, telegram, twilio, engine, clock)


def _owed(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "reply")).all())


def test_an_sms_answer_that_never_went_out_is_sent_by_the_outbox(stack: Stack) -> None:
    """The message was handled and committed but the process died before answering Twilio:
    the owed reply reaches the sender through the API once the grace has passed."""
    said = asyncio.run(stack.lifts.converse(
        Envelope("sms", NEWCOMER, "SM" + "4" * 32, to_number=SCHEME_NUMBER),
        Inbound(text="hello")))  # handled; the answer is never sent (no `delivered`)
    assert said.replies and len(said.owed) == len(said.replies)
    stack.dispatch_later(1)
    assert stack.twilio.named("Messages.create") == []  # still inside the grace
    stack.dispatch_later(REPLY_GRACE.total_seconds())
    sent = stack.twilio.wait_for("Messages.create")
    assert sent[0].params["To"] == NEWCOMER
    assert sent[0].params["Body"].startswith(said.replies[0].text[:40])


def test_an_answered_text_is_not_sent_again(stack: Stack) -> None:
    """The normal path: the TwiML answer goes back, the owed rows are marked sent, and the
    dispatcher sends nothing more."""
    replies = Phone(stack.url, NEWCOMER).text("hello")
    assert replies
    # The rows are marked sent just after the answer leaves (a background task); in life the
    # grace is 30 real seconds, here the clock jumps, so wait for the mark as time would.
    deadline = time.monotonic() + 10
    while {row.status for row in _owed(stack.engine)} != {"sent"} and time.monotonic() < deadline:
        time.sleep(0.05)
    stack.dispatch_later(REPLY_GRACE.total_seconds() + 5)
    assert stack.twilio.named("Messages.create") == []
    assert {row.status for row in _owed(stack.engine)} == {"sent"}


def test_a_telegram_reply_that_fails_once_is_sent_by_the_outbox(stack: Stack) -> None:
    """sendMessage answers 500: the webhook still says 200 (no futile redelivery) and the
    reply goes out through the outbox (before, 24 of 24 such replies were lost)."""
    chat = Chat(stack.url, stack.telegram, user=777901)
    stack.telegram.fail_sends = [500]
    assert chat.post(chat.update(message={"text": "hello"})).status_code == 200
    assert len(stack.telegram.named("sendMessage:failed")) == 1
    assert stack.telegram.named("sendMessage") == []
    stack.dispatch_later(REPLY_GRACE.total_seconds() + 1)
    (sent,) = texts(stack.telegram.named("sendMessage"))
    assert sent == _owed(stack.engine)[0].body
    stack.dispatch_later(120)
    assert len(stack.telegram.named("sendMessage")) == 1  # once, not twice
