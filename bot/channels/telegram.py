"""Telegram through python-telegram-bot: webhook or long polling in, replies and the outbox out."""

from __future__ import annotations

import hmac
import json
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from booking.intake.inbox import Envelope
from booking.messaging.sending import BLOCKED, REJECTED, Outgoing, SendError
from bot.messages import Inbound, Option, Reply
from bot.phones import to_e164

log = logging.getLogger(__name__)

Converse = Callable[[Envelope, Inbound], Awaitable[list[Reply]]]
SECRET_HEADER = "x-telegram-bot-api-secret-token"


def build_application(token: str, api_base_url: str, *, polling: bool) -> Application[
        Any, Any, Any, Any, Any, Any]:
    """The PTB application; in webhook mode our ASGI app feeds it, so it has no updater."""
    base = api_base_url.rstrip("/")
    builder = (ApplicationBuilder().token(token).base_url(f"{base}/bot")
               .base_file_url(f"{base}/file/bot"))
    if not polling:
        builder = builder.updater(None)
    return builder.build()


def markup(reply: Reply) -> Any:
    """Buttons for a reply: one per row (big targets), or the share-contact keyboard."""
    if reply.request_contact:
        return ReplyKeyboardMarkup([[KeyboardButton("Share my phone number",
                                                    request_contact=True)]],
                                   one_time_keyboard=True, resize_keyboard=True)
    if reply.options:
        return InlineKeyboardMarkup([[InlineKeyboardButton(o.label, callback_data=o.value)]
                                     for o in reply.options])
    return None


class TelegramChannel:
    """Turns updates into Inbound messages and replies into Bot API calls."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], *,
                 converse: Converse, webhook_secret: str = ""):
        self.application = application
        self._converse = converse
        self._secret = webhook_secret
        application.add_handler(TypeHandler(Update, self._on_update))

    @property
    def bot(self) -> Bot:
        """The Bot used for every call."""
        return self.application.bot

    async def webhook(self, request: Request) -> Response:
        """POST /telegram/webhook: check the secret, then handle the update before answering.

        Handling inside the request (it is quick) means an update is never acknowledged and
        then lost; a redelivery after a failure is harmless because update ids are deduped.
        """
        given = request.headers.get(SECRET_HEADER, "")
        if not self._secret or not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("Telegram webhook with a bad or missing secret refused")
            return Response("forbidden", status_code=403)
        try:
            payload = json.loads(await request.body())
            if not isinstance(payload, dict) or "update_id" not in payload:
                raise ValueError("not an update")
            update = Update.de_json(payload, self.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return Response("malformed update", status_code=400)
        await self.handle_update(update)
        return Response(status_code=200)

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.handle_update(update)

    async def handle_update(self, update: Update) -> None:
        """One update: a message, a contact card or a button press."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return  # channel posts, polls and the like: nothing for us
        if chat.type != "private":
            await self.bot.send_message(chat.id, "Please message me directly, not in a group.")
            return
        inbound, verified = await self._inbound(update)
        env = Envelope(channel="telegram", address=str(chat.id),
                       provider_id=str(update.update_id), telegram_user_id=user.id,
                       verified_phone=verified)
        for reply in await self._converse(env, inbound):
            await self.bot.send_message(chat.id, reply.text, reply_markup=markup(reply)
                                        or (ReplyKeyboardRemove() if verified else None))

    async def _inbound(self, update: Update) -> tuple[Inbound, str | None]:
        query = update.callback_query
        if query is not None:
            await query.answer()  # Telegram shows a spinner until we answer
            if query.message is not None:
                try:  # stop a second tap on an old question
                    await query.edit_message_reply_markup(reply_markup=None)
                except TelegramError:
                    pass
            return Inbound(choice=query.data or ""), None
        message = update.effective_message
        if message is None:
            return Inbound(), None
        contact = message.contact
        if contact is not None:
            own = update.effective_user is not None and contact.user_id == update.effective_user.id
            phone = to_e164(contact.phone_number) if own else None
            return Inbound(contact_shared=True), phone
        return Inbound(text=message.text or message.caption or ""), None


class TelegramSender:
    """Sends outbox messages through the Bot API."""

    channel = "telegram"

    def __init__(self, bot: Bot):
        self._bot = bot

    async def send(self, message: Outgoing) -> str:
        """Send one message with its choices as buttons."""
        reply = Reply(message.text, tuple(Option(v, label) for v, label in message.choices))
        try:
            sent = await self._bot.send_message(int(message.address), reply.text,
                                                reply_markup=markup(reply))
        except RetryAfter as exc:
            with warnings.catch_warnings():  # int today, timedelta with PTB_TIMEDELTA: both
                warnings.simplefilter("ignore")
                wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            raise SendError("telegram flood limit", permanent=False, retry_after=seconds) from exc
        except Forbidden as exc:  # blocked by the user: stop using Telegram for them
            raise SendError("telegram Forbidden", permanent=True, reason=BLOCKED) from exc
        except BadRequest as exc:  # subclasses NetworkError, so it must come first
            raise SendError("telegram BadRequest", permanent=True, reason=REJECTED) from exc
        except TelegramError as exc:  # TimedOut, NetworkError: may or may not have arrived
            raise SendError(f"telegram {type(exc).__name__}", permanent=False) from exc
        return str(sent.message_id)
