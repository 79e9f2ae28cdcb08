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
from booking.messaging.outbox import CONTACT
from booking.messaging.sending import BLOCKED, REJECTED, Outgoing, SendError
from booking.phones import to_e164
from bot.channels.guard import Rejected, json_depth_ok, read_limited, small_int
from bot.conversation import Answer
from bot.messages import Inbound, Option, Reply

log = logging.getLogger(__name__)

Converse = Callable[[Envelope, Inbound], Awaitable[Answer]]
Delivered = Callable[[list[int], list[str]], Awaitable[None]]  # owed replies, Telegram ids
SECRET_HEADER = "x-telegram-bot-api-secret-token"
ALLOWED_UPDATES = ["message", "callback_query"]  # asked of Telegram, and enforced here
SORRY = ("Sorry, something went wrong on our side. Please try again in a few minutes, "
         "or send HELP.")


def _plausible(payload: dict[str, Any]) -> bool:
    """A message or button press whose ids fit our columns and whose text is text."""
    kind = next((k for k in ALLOWED_UPDATES if k in payload), None)
    body = payload.get(kind) if kind else None
    if not isinstance(body, dict):
        return False
    if kind == "callback_query":
        data, sender = body.get("data", ""), body.get("from")
        message = body.get("message") or {}
        return (isinstance(data, str) and len(data) <= 64 and isinstance(sender, dict)
                and small_int(sender.get("id")) and isinstance(message, dict)
                and _chat_ok(message.get("chat", {"id": sender.get("id")})))
    text, sender = body.get("text", ""), body.get("from")
    return (isinstance(text, str) and isinstance(body.get("caption", ""), str)
            and isinstance(sender, dict) and small_int(sender.get("id"))
            and _chat_ok(body.get("chat")) and small_int(body.get("message_id", 0)))


def _chat_ok(chat: object) -> bool:
    return isinstance(chat, dict) and small_int(chat.get("id"))


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
                 converse: Converse, webhook_secret: str = "", delivered: Delivered | None = None):
        self.application = application
        self._converse = converse
        self._delivered = delivered
        self._secret = webhook_secret
        application.add_handler(TypeHandler(Update, self._on_update))

    @property
    def bot(self) -> Bot:
        """The Bot used for every call."""
        bot: Bot = self.application.bot
        return bot

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
            update = self._parse(await read_limited(request))
        except Rejected as rejected:
            log.info("Telegram update refused: %s", rejected)
            return rejected.response
        if update is None:  # Telegram retries anything but a 2xx: accept and ignore
            log.info("Telegram update of a kind or shape we do not handle ignored")
            return Response(status_code=200)
        try:
            await self.handle_update(update)
        except Exception as exc:  # noqa: BLE001 - answered below; never a 500 to Telegram
            log.error("Telegram update could not be handled: %s", type(exc).__name__)
            await self._sorry(update)
        return Response(status_code=200)

    def _parse(self, raw: bytes) -> Update | None:
        """An update we handle (a private message or a button press), or None to ignore."""
        if not json_depth_ok(raw):
            raise Rejected(400, "malformed update")
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise Rejected(400, "malformed update") from exc
        if not isinstance(payload, dict) or not small_int(payload.get("update_id")):
            raise Rejected(400, "malformed update")
        if not _plausible(payload):
            return None
        try:
            return Update.de_json(payload, self.bot)
        except Exception:  # noqa: BLE001 - PTB raises many kinds on odd shapes: ignore them
            return None

    async def _sorry(self, update: Update) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        try:
            await self.bot.send_message(chat.id, SORRY)
        except TelegramError:
            pass

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.handle_update(update)

    async def handle_update(self, update: Update) -> None:
        """One update: a message, a contact card or a button press."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or (update.message is None
                                             and update.callback_query is None):
            return  # edits, channel posts, polls and the like: nothing for us (an edited
            # "STOP" must not opt anyone out: only new messages and button presses count)
        if chat.type != "private":
            await self.bot.send_message(chat.id, "Please message me directly, not in a group.")
            return
        inbound, verified = await self._inbound(update)
        env = Envelope(channel="telegram", address=str(chat.id),
                       provider_id=str(update.update_id), telegram_user_id=user.id,
                       verified_phone=verified)
        said = await self._converse(env, inbound)
        for n, reply in enumerate(said.replies):
            try:
                sent = await self.bot.send_message(
                    chat.id, reply.text,
                    reply_markup=markup(reply) or (ReplyKeyboardRemove() if verified else None))
            except TelegramError as exc:  # the outbox sends it (and the rest) shortly
                log.warning("Telegram reply not sent at once (%s): left to the outbox",
                            type(exc).__name__)
                return
            if self._delivered is not None and n < len(said.owed):
                await self._delivered([said.owed[n]], [str(sent.message_id)])

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
        message = update.message
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
        contact = any(value == CONTACT for value, _ in message.choices)
        reply = Reply(message.text, () if contact else tuple(
            Option(v, label) for v, label in message.choices), request_contact=contact)
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
