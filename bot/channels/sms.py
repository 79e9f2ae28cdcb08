"""SMS (and WhatsApp) through Twilio: the inbound webhook, delivery callbacks, and the outbox
sender. WhatsApp messages come to the same webhook, `From` as `whatsapp:+44…`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from requests import RequestException
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from booking.intake.inbox import Envelope
from booking.messaging.sending import (
    LANDLINE,
    OPTED_OUT,
    REJECTED,
    UNREACHABLE,
    Outgoing,
    SendError,
)
from booking.phones import to_e164
from bot.channels.breaker import CircuitBreaker
from bot.channels.guard import INT, PROVIDER_ID, Rejected, read_limited
from bot.conversation import Answer
from bot.messages import Inbound, Option, Reply
from bot.render import sms_text

log = logging.getLogger(__name__)

TWILIO_DEFAULT_BASE = "https://api.twilio.com"
PERMANENT_CODES = {21211, 21214, 21401, 21408, 21610, 21612, 21614}  # bad, opted out, landline
OPTED_OUT_CODE = 21610
LANDLINE_CODE = 21614  # 'To' is not a mobile number: ring it instead
WHATSAPP = "whatsapp:"
SEND_THREADS = 4  # texts in flight to Twilio at once from one process (1/s is the usual rate)
MAX_BODY = 1600  # Twilio's longest message; the dialogue reads the first 1000 characters
SORRY = Reply("Sorry, something went wrong on our side. Please try again in a few minutes, "
              "or send HELP.")

Converse = Callable[[Envelope, Inbound], Awaitable[Answer]]
OnStatus = Callable[[str, str, str, int | None], Awaitable[None]]  # sid, status, error, our id
Delivered = Callable[[list[int]], Awaitable[None]]  # the owed replies went out


class TwilioForms:
    """Reads a Twilio webhook's form, checked against the public URL Twilio signs: the
    same for texts, WhatsApp and calls."""

    def __init__(self, *, auth_token: str, public_base_url: str):
        self._validator = RequestValidator(auth_token) if auth_token else None
        self._base = public_base_url.rstrip("/")

    def public(self, path_and_query: str) -> str:
        """Our public URL for a path (what Twilio will call, and sign)."""
        return f"{self._base}{path_and_query}"

    async def verified_form(self, request: Request) -> dict[str, str]:
        """The form fields of a request Twilio signed, or Rejected (400, 403, 413).

        The body is read only up to the limit, and before the signature is checked: an
        unsigned 40 MB post costs 64 kB, not 40 MB.
        """
        if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
            raise Rejected(400, "expected form data")
        raw = await read_limited(request)
        try:  # Twilio only ever sends urlencoded forms: no multipart parser needed
            fields = dict(parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError as exc:
            raise Rejected(400, "malformed form data") from exc
        if self._validator is None:
            log.warning("Twilio webhook called but TWILIO_AUTH_TOKEN is not set: refused")
            raise Rejected(403, "forbidden")
        url = self._public_url(request)
        signature = request.headers.get("x-twilio-signature", "")
        if not signature or not self._validator.validate(url, fields, signature):
            log.warning("Twilio webhook with a bad or missing signature refused")
            raise Rejected(403, "forbidden")
        return fields

    def _public_url(self, request: Request) -> str:
        # Behind a TLS proxy we see http://internal; Twilio signed the public https URL.
        query = f"?{request.url.query}" if request.url.query else ""
        if self._base:
            return f"{self._base}{request.url.path}{query}"
        return str(request.url)


class SmsWebhook:
    """The Twilio webhook endpoints for texts and WhatsApp messages."""

    def __init__(self, *, auth_token: str, public_base_url: str, converse: Converse,
                 on_status: OnStatus | None = None, delivered: Delivered | None = None):
        self.forms = TwilioForms(auth_token=auth_token, public_base_url=public_base_url)
        self._converse = converse
        self._on_status = on_status
        self._delivered = delivered

    async def _verified_form(self, request: Request) -> dict[str, str]:
        return await self.forms.verified_form(request)

    async def inbound(self, request: Request) -> Response:
        """POST /sms/inbound: a text from a resident; the reply goes back as TwiML."""
        try:
            form = await self._verified_form(request)
        except Rejected as rejected:
            return rejected.response
        raw_from = form.get("From", "")
        channel = "whatsapp" if raw_from.startswith(WHATSAPP) else "sms"
        sender = to_e164(raw_from.removeprefix(WHATSAPP))
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        if sender is None or not PROVIDER_ID.fullmatch(sid):
            log.info("SMS webhook without a usable From or MessageSid refused")
            return Response("missing or malformed From or MessageSid", status_code=400)
        env = Envelope(channel=channel, address=sender, provider_id=sid,
                       to_number=to_e164(form.get("To", "").removeprefix(WHATSAPP)) or "")
        # A WhatsApp quick-reply tap: its id ("CANCEL 482") is what it means; the title and
        # ProfileName are only display text (never identity).
        words = (form.get("ButtonPayload") or form.get("Body", ""))[:MAX_BODY]
        try:
            said = await self._converse(env, Inbound(text=words))
        except Exception as exc:  # noqa: BLE001 - the sender must hear something, never a 500
            log.error("SMS message could not be handled: %s", type(exc).__name__)
            said = Answer([SORRY])
        twiml = MessagingResponse()
        for reply in said.replies:
            twiml.message(sms_text(reply))
        # Once the TwiML has gone back to Twilio, the owed replies are marked sent; if we die
        # before that, the dispatcher sends them through the API instead.
        done = BackgroundTask(self._delivered, said.owed) if self._delivered and said.owed \
            else None
        return Response(str(twiml), media_type="text/xml", background=done)

    async def status(self, request: Request) -> Response:
        """POST /sms/status: Twilio's delivery report for a message we sent."""
        try:
            form = await self._verified_form(request)
        except Rejected as rejected:
            return rejected.response
        sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
        if not PROVIDER_ID.fullmatch(sid) or not status.isalpha() or len(status) > 20:
            return Response("missing or malformed MessageSid or MessageStatus", status_code=400)
        ref = request.query_params.get("ref", "")  # our outbox id, part of the signed URL
        our_id = int(ref) if ref.isdigit() and int(ref) <= INT else None
        if self._on_status is not None:
            try:
                await self._on_status(sid, status, form.get("ErrorCode", "")[:10], our_id)
            except Exception as exc:  # noqa: BLE001 - Twilio retries a 5xx forever
                log.error("SMS delivery report could not be recorded: %s", type(exc).__name__)
        return Response(status_code=204)


TIMEOUT = 10.0  # seconds to connect, and between bytes read: a hung Twilio must not hold on


class _HttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no types
    """Twilio's HTTP client with time-outs, optionally sent to another base URL (a proxy, or a
    fake server in tests)."""

    def __init__(self, base_url: str = TWILIO_DEFAULT_BASE):
        super().__init__(timeout=TIMEOUT)
        self._base = urlsplit(base_url) if base_url != TWILIO_DEFAULT_BASE else None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if self._base is not None:
            parts = urlsplit(url)
            url = urlunsplit((self._base.scheme, self._base.netloc,
                              self._base.path.rstrip("/") + parts.path, parts.query, ""))
        return super().request(method, url, *args, **kwargs)


class SmsSender:
    """Sends texts through the Twilio REST API (the blocking client runs in a thread)."""

    channel = "sms"

    def __init__(self, *, account_sid: str, auth_token: str, from_number: str,
                 api_base_url: str = TWILIO_DEFAULT_BASE, status_callback: str = ""):
        self._client = Client(account_sid, auth_token, http_client=_HttpClient(api_base_url))
        self._from = from_number
        self._status_callback = status_callback
        # Its own threads: a slow Twilio fills these, never the pool webhooks and /healthz use.
        self._pool = ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="twilio")
        self.breaker = CircuitBreaker("twilio")

    async def send(self, message: Outgoing) -> str:
        """Send one text; options become numbered lines."""
        reply = Reply(message.text, tuple(Option(v, label) for v, label in message.choices))
        return await self._guarded(self._send_blocking, message.address, sms_text(reply),
                                   message.reference, message.from_number)

    async def _guarded(self, blocking: Callable[..., str], *args: Any) -> str:
        """One blocking Twilio call on the senders' own threads, behind the circuit breaker
        (a permanent refusal, such as a landline for a text, says nothing of Twilio's health)."""
        self.breaker.check()
        loop = asyncio.get_running_loop()
        try:
            sid = await loop.run_in_executor(self._pool, blocking, *args)
        except SendError as exc:
            if not exc.permanent:
                self.breaker.failed()
            raise
        self.breaker.succeeded()
        return sid

    def _send_blocking(self, to: str, body: str, reference: str = "",
                       from_number: str = "") -> str:
        kwargs: dict[str, Any] = {"to": to, "from_": from_number or self._from, "body": body}
        if self._status_callback:
            # Our id in the callback URL: a report that beats our 'sent' still finds its row.
            kwargs["status_callback"] = (f"{self._status_callback}?{urlencode({'ref': reference})}"
                                         if reference else self._status_callback)
        try:
            created = self._client.messages.create(**kwargs)
        except TwilioRestException as exc:
            permanent = exc.code in PERMANENT_CODES or (400 <= exc.status < 500
                                                        and exc.status not in (408, 429))
            reason = (OPTED_OUT if exc.code == OPTED_OUT_CODE else LANDLINE
                      if exc.code == LANDLINE_CODE else UNREACHABLE
                      if exc.code in PERMANENT_CODES else REJECTED if permanent else "")
            raise SendError(f"twilio {exc.status} code {exc.code}", permanent=permanent,
                            reason=reason) from exc
        except (OSError, RequestException) as exc:  # refused, DNS, time-outs
            raise SendError(f"network: {type(exc).__name__}", permanent=False) from exc
        return str(created.sid)
