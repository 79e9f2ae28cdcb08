"""Calls through Twilio: the outbox's 'voice' sender, and the webhooks a call drives under
/voice/ (the keypad or spoken answer, answering-machine detection, how the call ended).

Every webhook is checked exactly as SMS: at most 64 kB read, before the X-Twilio-Signature
check against the public URL (403 if wrong), shapes checked (400), never a 500. Each call
carries our outbox id as `ref` in its callback URLs (part of what Twilio signs).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from requests import RequestException
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response
from twilio.base.exceptions import TwilioRestException

from booking.intake import calls
from booking.intake.calls import Choice, Result
from booking.messaging.sending import REJECTED, UNREACHABLE, Outgoing, SendError
from bot.channels.guard import INT, PROVIDER_ID, Rejected
from bot.channels.sms import TWILIO_DEFAULT_BASE, SmsSender, TwilioForms
from bot.channels.voice_script import (
    ANSWERED_KINDS,
    PROMPT,
    PROMPT_NEWS,
    call_twiml,
    reply_twiml,
    voicemail_twiml,
)

log = logging.getLogger(__name__)

RING_SECONDS = 25  # long enough for someone to reach the phone, short of most voicemails
CALL_LIMIT = 300  # seconds: no call lasts longer, whatever happens
UNREACHABLE_CODES = {13224, 21211, 21214, 21217, 21215, 21216}  # not a number we can ring
MACHINE_DONE = ("machine_end_beep", "machine_end_silence", "machine_end_other")
TWIML = "text/xml"


class VoiceSender(SmsSender):
    """Places calls through the Twilio REST API (threads and breaker as for SMS)."""

    channel = "voice"

    def __init__(self, *, account_sid: str, auth_token: str, from_number: str,
                 public_base_url: str, api_base_url: str = TWILIO_DEFAULT_BASE,
                 fixed_from: bool = False):
        super().__init__(account_sid=account_sid, auth_token=auth_token,
                         from_number=from_number, api_base_url=api_base_url)
        self._base = public_base_url.rstrip("/")
        self._fixed_from = fixed_from  # TWILIO_VOICE_FROM set: every call from it

    async def send(self, message: Outgoing) -> str:
        """Ring the person; Twilio then fetches what they hear from /voice/call (built
        from the message's facts at that moment)."""
        return await self._guarded(self._call_blocking, message)

    def _url(self, path: str, ref: str) -> str:
        return f"{self._base}/voice/{path}?{urlencode({'ref': ref})}"

    def _call_blocking(self, message: Outgoing) -> str:
        ref = message.reference
        try:
            created = self._client.calls.create(
                to=message.address,
                from_=self._from if self._fixed_from else message.from_number or self._from,
                url=self._url("call", ref),
                method="POST", timeout=RING_SECONDS,
                time_limit=CALL_LIMIT, status_callback=self._url("status", ref),
                status_callback_event=["completed"], status_callback_method="POST",
                machine_detection="DetectMessageEnd", async_amd="true",
                async_amd_status_callback=self._url("amd", ref),
                async_amd_status_callback_method="POST")
        except TwilioRestException as exc:
            if exc.status in (408, 429) or exc.status >= 500:
                raise SendError(f"twilio {exc.status} code {exc.code}", permanent=False) from exc
            reason = UNREACHABLE if exc.code in UNREACHABLE_CODES else REJECTED
            raise SendError(f"twilio {exc.status} code {exc.code}", permanent=True,
                            reason=reason) from exc
        except (OSError, RequestException) as exc:
            raise SendError(f"network: {type(exc).__name__}", permanent=False) from exc
        return str(created.sid)

    def redirect(self, call_sid: str, twiml: str) -> None:
        """Change what a live call says (the voicemail once the machine has beeped)."""
        self._client.calls(call_sid).update(twiml=twiml)


class VoiceWebhook:
    """POST /voice/answer, /voice/amd and /voice/status, each with ?ref=<outbox id>."""

    def __init__(self, *, forms: TwilioForms, engine: Engine, clock: Callable[[], datetime],
                 sender: VoiceSender | None):
        self._forms = forms
        self._engine = engine
        self._clock = clock
        self._sender = sender

    async def _checked(self, request: Request) -> tuple[dict[str, str], int]:
        form = await self._forms.verified_form(request)
        ref = request.query_params.get("ref", "")
        if not ref.isdigit() or int(ref) > INT:
            raise Rejected(400, "missing or malformed ref")
        if not PROVIDER_ID.fullmatch(form.get("CallSid", "")):
            raise Rejected(400, "missing or malformed CallSid")
        return form, int(ref)

    async def call(self, request: Request) -> Response:
        """What the person hears when they pick up (Twilio fetches it as the call connects;
        answering-machine detection runs alongside, so nobody hears silence)."""
        try:
            _form, ref = await self._checked(request)
        except Rejected as rejected:
            return rejected.response
        try:
            found = await asyncio.to_thread(calls.facts, self._engine, ref)
        except Exception as exc:  # noqa: BLE001 - the caller must hear something, never a 500
            log.error("call script could not be built: %s", type(exc).__name__)
            found = None
        if found is None:
            return Response(reply_twiml("Sorry, this call was made in error. Goodbye."),
                            media_type=TWIML)
        answer_url = self._forms.public(f"/voice/answer?{urlencode({'ref': ref})}")
        return Response(call_twiml(found.kind, found.facts, found.text, found.scheme,
                                   answer_url), media_type=TWIML)

    async def answer(self, request: Request) -> Response:
        """The Gather's action: Digits or SpeechResult, carried out; the call says what
        happened (3 puts them through to the office)."""
        try:
            form, ref = await self._checked(request)
        except Rejected as rejected:
            return rejected.response
        tries = request.query_params.get("try", "1")
        try:
            found = await asyncio.to_thread(calls.facts, self._engine, ref)
            if found is None:
                return Response("unknown call", status_code=404)
            choice = calls.choice_from(form.get("Digits", "")[:5],
                                       form.get("SpeechResult", "")[:300],
                                       _confidence(form.get("Confidence", "")))
            if choice is Choice.CANCEL and found.kind not in ANSWERED_KINDS:
                choice = Choice.UNCLEAR  # news without a lift to cancel: 2 means nothing
            result = await asyncio.to_thread(calls.answer, self._engine, ref, choice,
                                             self._clock())
        except Exception as exc:  # noqa: BLE001 - the caller must hear something, never a 500
            log.error("call answer could not be handled: %s", type(exc).__name__)
            return Response(reply_twiml("Sorry, something went wrong. Please ring the scheme. "
                                        "Goodbye."), media_type=TWIML)
        return Response(self._said(result, found, ref, tries), media_type=TWIML)

    def _said(self, result: Result, found: calls.CallFacts, ref: int, tries: str) -> str:
        day = f" on {found.day}" if found.day else ""
        if result is Result.CONFIRMED:
            return reply_twiml("Thank you. That's all confirmed. Goodbye.")
        if result is Result.CANCELLED:
            return reply_twiml(f"Your lift{day} is cancelled, and your driver will be told. "
                               "Thank you for letting us know. Goodbye.")
        if result is Result.ALREADY_CLOSED:
            return reply_twiml("That lift is already cancelled or finished. Goodbye.")
        if result is Result.SPEAK or result is Result.UNDER_WAY:
            words = ("Your lift is already under way, so " if result is Result.UNDER_WAY
                     else "")
            if found.office:
                return reply_twiml(f"{words}I'll put you through to the scheme now.".capitalize()
                                   if words else "I'll put you through to the scheme now.",
                                   dial=found.office)
            return reply_twiml(f"{words}please ring the scheme. Goodbye.".capitalize())
        if tries == "1":  # unclear: one more chance
            prompt = PROMPT if found.kind in ANSWERED_KINDS else PROMPT_NEWS
            return reply_twiml("Sorry, I didn't catch that.", prompt=prompt,
                               gather_url=self._forms.public(
                                   f"/voice/answer?{urlencode({'ref': ref, 'try': 2})}"))
        return reply_twiml("Sorry, I still didn't catch that. If you need us, please ring "
                           "the scheme. Goodbye.")

    async def amd(self, request: Request) -> Response:
        """Answering-machine detection: once a machine's greeting has ended (the beep), the
        call is switched to a short voicemail with no detail."""
        try:
            form, ref = await self._checked(request)
        except Rejected as rejected:
            return rejected.response
        answered_by = form.get("AnsweredBy", "")[:30]
        if answered_by not in MACHINE_DONE or self._sender is None:
            return Response(status_code=204)  # a person (or unknown): the call goes on
        try:
            found = await asyncio.to_thread(calls.facts, self._engine, ref)
            if found is not None:
                twiml = voicemail_twiml(found.kind, found.facts, found.scheme, found.office)
                await asyncio.to_thread(self._sender.redirect, form["CallSid"], twiml)
        except Exception as exc:  # noqa: BLE001 - Twilio would retry a 5xx; the call goes on
            log.error("voicemail could not be left: %s", type(exc).__name__)
        return Response(status_code=204)

    async def status(self, request: Request) -> Response:
        """How the call ended: answered, or not (retried once, then the coordinators told)."""
        try:
            form, ref = await self._checked(request)
        except Rejected as rejected:
            return rejected.response
        status = form.get("CallStatus", "")
        if not status.replace("-", "").isalpha() or len(status) > 20:
            return Response("missing or malformed CallStatus", status_code=400)
        try:
            await asyncio.to_thread(calls.call_ended, self._engine, form["CallSid"], status,
                                    ref, self._clock())
        except Exception as exc:  # noqa: BLE001 - Twilio retries a 5xx forever
            log.error("call status could not be recorded: %s", type(exc).__name__)
        return Response(status_code=204)



def _confidence(raw: str) -> float:
    """Twilio's speech Confidence (0.0-1.0); absent or unreadable counts as sure."""
    try:
        value = float(raw[:10])
    except ValueError:
        return 1.0
    return value if 0.0 <= value <= 1.0 else 1.0
