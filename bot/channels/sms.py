"""SMS through Twilio: the inbound webhook, delivery callbacks, and the outbox sender."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import Response
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from booking.intake.inbox import Envelope
from booking.messaging.sending import OPTED_OUT, REJECTED, UNREACHABLE, Outgoing, SendError
from bot.messages import Inbound, Option, Reply
from bot.phones import to_e164
from bot.render import sms_text

log = logging.getLogger(__name__)

TWILIO_DEFAULT_BASE = "https://api.twilio.com"
PERMANENT_CODES = {21211, 21214, 21401, 21408, 21610, 21612, 21614}  # bad, opted out, landline
OPTED_OUT_CODE = 21610

Converse = Callable[[Envelope, Inbound], Awaitable[list[Reply]]]
OnStatus = Callable[[str, str, str, int | None], Awaitable[None]]  # sid, status, error, our id


class SmsWebhook:
    """The Twilio webhook endpoints, checked against the public URL Twilio signs."""

    def __init__(self, *, auth_token: str, public_base_url: str, converse: Converse,
                 on_status: OnStatus | None = None):
        self._validator = RequestValidator(auth_token) if auth_token else None
        self._base = public_base_url.rstrip("/")
        self._converse = converse
        self._on_status = on_status

    async def _verified_form(self, request: Request) -> dict[str, str] | Response:
        """The form fields, or a 400/403 response."""
        if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
            return Response("expected form data", status_code=400)
        try:  # Twilio only ever sends urlencoded forms: no multipart parser needed
            fields = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True,
                                    strict_parsing=False))
        except UnicodeDecodeError:
            return Response("malformed form data", status_code=400)
        if self._validator is None:
            log.warning("SMS webhook called but TWILIO_AUTH_TOKEN is not set: refused")
            return Response("forbidden", status_code=403)
        url = self._public_url(request)
        signature = request.headers.get("x-twilio-signature", "")
        if not signature or not self._validator.validate(url, fields, signature):
            log.warning("SMS webhook with a bad or missing signature refused")
            return Response("forbidden", status_code=403)
        return fields

    def _public_url(self, request: Request) -> str:
        # Behind a TLS proxy we see http://internal; Twilio signed the public https URL.
        query = f"?{request.url.query}" if request.url.query else ""
        if self._base:
            return f"{self._base}{request.url.path}{query}"
        return str(request.url)

    async def inbound(self, request: Request) -> Response:
        """POST /sms/inbound: a text from a resident; the reply goes back as TwiML."""
        form = await self._verified_form(request)
        if isinstance(form, Response):
            return form
        sender = to_e164(form.get("From", ""))
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        if sender is None or not sid:
            return Response("missing From or MessageSid", status_code=400)
        env = Envelope(channel="sms", address=sender, provider_id=sid,
                       to_number=to_e164(form.get("To", "")) or "")
        replies = await self._converse(env, Inbound(text=form.get("Body", "")))
        twiml = MessagingResponse()
        for reply in replies:
            twiml.message(sms_text(reply))
        return Response(str(twiml), media_type="text/xml")

    async def status(self, request: Request) -> Response:
        """POST /sms/status: Twilio's delivery report for a message we sent."""
        form = await self._verified_form(request)
        if isinstance(form, Response):
            return form
        sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
        if not sid or not status:
            return Response("missing MessageSid or MessageStatus", status_code=400)
        ref = request.query_params.get("ref", "")  # our outbox id, part of the signed URL
        if self._on_status is not None:
            await self._on_status(sid, status, form.get("ErrorCode", ""),
                                  int(ref) if ref.isdigit() else None)
        return Response(status_code=204)


class _RebasedHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, sent to another base URL (a proxy, or a fake server in tests)."""

    def __init__(self, base_url: str):
        super().__init__(timeout=15)
        self._base = urlsplit(base_url)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        rebased = urlunsplit((self._base.scheme, self._base.netloc,
                              self._base.path.rstrip("/") + parts.path, parts.query, ""))
        return super().request(method, rebased, *args, **kwargs)


class SmsSender:
    """Sends texts through the Twilio REST API (the blocking client runs in a thread)."""

    channel = "sms"

    def __init__(self, *, account_sid: str, auth_token: str, from_number: str,
                 api_base_url: str = TWILIO_DEFAULT_BASE, status_callback: str = ""):
        http = None if api_base_url == TWILIO_DEFAULT_BASE else _RebasedHttpClient(api_base_url)
        self._client = Client(account_sid, auth_token, http_client=http)
        self._from = from_number
        self._status_callback = status_callback

    async def send(self, message: Outgoing) -> str:
        """Send one text; options become numbered lines."""
        reply = Reply(message.text, tuple(Option(v, label) for v, label in message.choices))
        return await asyncio.to_thread(self._send_blocking, message.address, sms_text(reply),
                                       message.reference)

    def _send_blocking(self, to: str, body: str, reference: str = "") -> str:
        kwargs: dict[str, Any] = {"to": to, "from_": self._from, "body": body}
        if self._status_callback:
            # Our id in the callback URL: a report that beats our 'sent' still finds its row.
            kwargs["status_callback"] = (f"{self._status_callback}?{urlencode({'ref': reference})}"
                                         if reference else self._status_callback)
        try:
            created = self._client.messages.create(**kwargs)
        except TwilioRestException as exc:
            permanent = exc.code in PERMANENT_CODES or (400 <= exc.status < 500
                                                        and exc.status != 429)
            reason = (OPTED_OUT if exc.code == OPTED_OUT_CODE else UNREACHABLE
                      if exc.code in PERMANENT_CODES else REJECTED if permanent else "")
            raise SendError(f"twilio {exc.status} code {exc.code}", permanent=permanent,
                            reason=reason) from exc
        except OSError as exc:  # connection refused, DNS, timeouts
            raise SendError(f"network: {type(exc).__name__}", permanent=False) from exc
        return str(created.sid)
