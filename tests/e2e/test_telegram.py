"""End to end by Telegram: webhook updates into our app under uvicorn, and our real
python-telegram-bot client calling a fake Bot API server."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from lifts.app import asgi, build
from storage.tables import InboundMessage, LiftRequest, Person
from tests.support.fakes import Call, FakeTelegram, fake_telegram
from tests.support.live import live_server
from tests.support.world import LONDON, WEBHOOK_SECRET, monday_morning, seed, settings

USER = 777001
PHONE = "+447911123420"
_ids = itertools.count(1000)


@dataclass
class Chat:
    """A Telegram user talking to our bot through its webhook."""

    url: str
    fake: FakeTelegram
    user: int = USER

    def post(self, update: dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> httpx.Response:
        """Deliver an update as Telegram would."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return httpx.post(f"{self.url}/telegram/webhook", json=update, headers=headers,
                          timeout=10)

    def deliver(self, update: dict[str, Any]) -> list[Call]:
        """Deliver an update; return the messages our bot sent because of it."""
        before = len(self.fake.named("sendMessage"))
        response = self.post(update)
        assert response.status_code == 200, response.text
        return self.fake.named("sendMessage")[before:]

    def say(self, text: str) -> list[Call]:
        """The user types a message."""
        return self.deliver(self.update(message={"text": text}))

    def press(self, data: str) -> list[Call]:
        """The user taps an inline button."""
        return self.deliver({"update_id": next(_ids), "callback_query": {
            "id": f"cb{next(_ids)}", "from": self._from(), "chat_instance": "ci",
            "data": data, "message": {"message_id": 1, "date": int(time.time()),
                                      "chat": self._chat(), "text": "question"}}})

    def share_contact(self, phone: str, owner: int | None = None) -> list[Call]:
        """The user shares a contact card (their own, unless `owner` says otherwise)."""
        contact = {"phone_number": phone.lstrip("+"), "first_name": "George",
                   "user_id": self.user if owner is None else owner}
        return self.deliver(self.update(message={"contact": contact}))

    def update(self, *, message: dict[str, Any], update_id: int | None = None) -> dict[str, Any]:
        """A message update in a private chat."""
        return {"update_id": update_id or next(_ids), "message": {
            "message_id": next(_ids), "date": int(time.time()), "chat": self._chat(),
            "from": self._from(), **message}}

    def _chat(self) -> dict[str, Any]:
        return {"id": self.user, "type": "private", "first_name": "George"}

    def _from(self) -> dict[str, Any]:
        return {"id": self.user, "is_bot": False, "first_name": "George"}


def texts(calls: list[Call]) -> list[str]:
    """The texts of sendMessage calls."""
    return [str(c.params["text"]) for c in calls]


def buttons(call: Call) -> list[str]:
    """The callback values of a message's inline buttons."""
    markup = json.loads(call.params.get("reply_markup", "{}"))
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Stack:
    """The running app with its fake Bot API, database and clock."""

    chat: Chat
    fake: FakeTelegram
    engine: Engine
    now: datetime


@pytest.fixture
def stack(engine: Engine) -> Iterator[Stack]:
    """Our app under uvicorn in webhook mode, its bot talking to a fake Bot API."""
    now = monday_morning()
    seed(engine, now)
    with fake_telegram() as fake:
        lifts = build(settings(engine, telegram_url=fake.url), clock=lambda: now,
                      engine=engine, polling=False)
        with live_server(asgi(lifts, run_scheduler=False)) as url:
            yield Stack(Chat(url, fake), fake, engine, now)


def test_start_registers_the_webhook_with_its_secret(stack: Stack) -> None:
    """At start-up the bot checks its token and sets the webhook with the secret token."""
    assert stack.fake.named("getMe")
    hook = stack.fake.named("setWebhook")[0].params
    assert hook["url"] == "https://lifts.example.org/telegram/webhook"
    assert hook["secret_token"] == WEBHOOK_SECRET


def test_join_and_book_by_telegram(stack: Stack) -> None:
    """A newcomer shares their contact, joins with buttons, books, and the lift is stored."""
    first = stack.chat.say("hello")
    markup = json.loads(first[0].params["reply_markup"])
    assert markup["keyboard"][0][0]["request_contact"] is True
    assert "What is your full name" in texts(stack.chat.share_contact(PHONE))[0]
    stack.chat.say("George Alderson")
    stack.chat.say("Town Foot, Hawes")
    mobility = stack.chat.say("DL8 3NT")
    assert "mob:folding_wheelchair" in buttons(mobility[0])
    stack.chat.press("mob:folding_wheelchair")
    stack.chat.press("yes")
    consent = stack.chat.press("no")
    assert buttons(consent[0]) == ["yes", "no"]
    assert "all set" in texts(stack.chat.press("yes"))[0]
    places = stack.chat.say("can i get a ride to the doctors")
    hawes = next(b for b in buttons(places[0]) if b.startswith("place:"))
    stack.chat.press(hawes)
    stack.chat.say("wed")
    readback = stack.chat.say("half two")
    assert "Wed" in texts(readback)[0] and "14:30" in texts(readback)[0]
    assert "request" in texts(stack.chat.press("yes"))[0]
    assert len(stack.fake.named("answerCallbackQuery")) >= 6
    with Session(stack.engine) as session:
        person = session.exec(select(Person).where(Person.telegram_user_id == USER)).one()
        assert (person.phone, person.mobility, person.companion, person.preferred_channel) == (
            PHONE, "folding_wheelchair", True, "telegram")
        lift = session.exec(select(LiftRequest)).one()
        assert lift.resident_id == person.id and lift.channel == "telegram"
        assert lift.appointment_at.astimezone(LONDON).strftime("%a %H:%M") == "Wed 14:30"


def test_someone_elses_contact_is_not_accepted(stack: Stack) -> None:
    """A forwarded contact card does not verify the phone: we ask again."""
    stack.chat.say("hello")
    again = stack.chat.share_contact(PHONE, owner=USER + 1)
    assert "Share my phone number" in texts(again)[0]


def test_contact_of_a_known_resident_links_the_chat(stack: Stack) -> None:
    """Sharing the phone of a resident already on the books links Telegram to them."""
    stack.chat.say("hello")
    reply = texts(stack.chat.share_contact("+447911123401"))  # Edith, seeded
    assert "found your details" in reply[0] or "Edith" in reply[0]
    with Session(stack.engine) as session:
        edith = session.exec(select(Person).where(Person.phone == "+447911123401")).one()
        assert edith.telegram_user_id == USER


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
def test_missing_or_wrong_secret_is_refused(stack: Stack, secret: str | None) -> None:
    """Without the right secret header the update gets 403 and nothing is stored or sent."""
    response = stack.chat.post(stack.chat.update(message={"text": "hello"}), secret=secret)
    assert response.status_code == 403
    assert stack.fake.named("sendMessage") == []
    with Session(stack.engine) as session:
        assert session.exec(select(InboundMessage)).all() == []


def test_malformed_update_gets_400(stack: Stack) -> None:
    """A body that is not an update is a 400."""
    response = httpx.post(f"{stack.chat.url}/telegram/webhook", content=b"{not json",
                          headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert response.status_code == 400
    assert stack.chat.post(["a", "list"]).status_code == 400  # type: ignore[arg-type]


def test_repeated_update_is_processed_once(stack: Stack) -> None:
    """Telegram redelivering an update id gets no second reply."""
    update = stack.chat.update(message={"text": "hello"}, update_id=4242)
    assert len(stack.chat.deliver(update)) == 1
    assert stack.chat.deliver(update) == []


def test_stickers_and_photos_get_a_helpful_reply(stack: Stack) -> None:
    """A message with no text (a sticker) still gets an answer."""
    sent = stack.chat.deliver(stack.chat.update(message={"sticker": {
        "file_id": "f", "file_unique_id": "u", "width": 1, "height": 1, "is_animated": False,
        "is_video": False, "type": "regular"}}))
    assert sent and texts(sent)[0]


def test_long_polling_without_a_public_url(engine: Engine) -> None:
    """With no PUBLIC_BASE_URL the bot polls getUpdates and answers what it finds there."""
    now = monday_morning()
    seed(engine, now)
    with fake_telegram() as fake:
        config = settings(engine, telegram_url=fake.url).model_copy(
            update={"public_base_url": ""})
        lifts = build(config, clock=lambda: now, engine=engine)
        chat = Chat("", fake)
        fake.updates.append(chat.update(message={"text": "hello"}, update_id=5000))
        with live_server(asgi(lifts, run_scheduler=False)):
            sent = fake.wait_for("sendMessage")
        assert "Share my phone number" in str(sent[0].params["text"])
        assert fake.named("setWebhook") == []
        assert fake.named("getUpdates")
