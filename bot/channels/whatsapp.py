"""WhatsApp through Twilio: the same Messages API as SMS, addresses as `whatsapp:+44…`.

Inside the person's 24-hour session a message goes as free text (options as numbered
lines); outside it, as the approved template the dispatcher chose (`content_sid` and
`content_variables`, a JSON string), whose quick replies carry the choices. Inbound messages
and delivery reports use the SMS webhooks (bot/channels/sms.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from requests import RequestException
from twilio.base.exceptions import TwilioRestException

from booking.messaging.sending import BLOCKED, REJECTED, UNREACHABLE, Outgoing, SendError
from bot.channels.sms import TWILIO_DEFAULT_BASE, WHATSAPP, SmsSender
from bot.messages import Option, Reply
from bot.render import sms_text

OUTSIDE_SESSION = 63016  # free text outside the 24-hour window: send the template instead
NOT_ON_WHATSAPP = {63003, 63015, 63024}  # not a WhatsApp user, sandbox not joined, invalid
BLOCKED_US = 63014
RATE_LIMITED = 63018
BAD_CONTENT = {63021, 21656, 21655}  # the template or its variables were refused


class WhatsAppSender(SmsSender):
    """Sends WhatsApp messages through the Twilio REST API (threads, breaker: as SMS)."""

    channel = "whatsapp"

    def __init__(self, *, account_sid: str, auth_token: str, from_number: str,
                 api_base_url: str = TWILIO_DEFAULT_BASE, status_callback: str = ""):
        super().__init__(account_sid=account_sid, auth_token=auth_token,
                         from_number=WHATSAPP + from_number.removeprefix(WHATSAPP),
                         api_base_url=api_base_url, status_callback=status_callback)

    async def send(self, message: Outgoing) -> str:
        """Free text in the session, else the template; a 63016 on free text (the session
        closed meanwhile) goes again at once as the template."""
        return await self._guarded(self._whatsapp_blocking, message)

    def _whatsapp_blocking(self, message: Outgoing) -> str:
        if message.session_open or not message.template:
            if not message.session_open:
                raise SendError("whatsapp: outside the 24-hour session and no approved "
                                "template for this message", permanent=True, reason=REJECTED)
            reply = Reply(message.text, tuple(Option(v, label) for v, label in message.choices))
            try:
                return self._create(message, body=sms_text(reply))
            except SendError as exc:
                if "code 63016" not in str(exc) or not message.template:
                    raise
        return self._create(message, content_sid=message.template,
                            content_variables=message.content_variables)

    def _create(self, message: Outgoing, **content: str) -> str:
        kwargs: dict[str, Any] = {"to": WHATSAPP + message.address, "from_": self._from,
                                  **content}
        if self._status_callback:
            kwargs["status_callback"] = (
                f"{self._status_callback}?{urlencode({'ref': message.reference})}"
                if message.reference else self._status_callback)
        try:
            created = self._client.messages.create(**kwargs)
        except TwilioRestException as exc:
            code = exc.code
            if code == OUTSIDE_SESSION:
                raise SendError(f"twilio {exc.status} code {code}", permanent=True,
                                reason=REJECTED) from exc
            if code == RATE_LIMITED or exc.status in (408, 429) or exc.status >= 500:
                raise SendError(f"twilio {exc.status} code {code}", permanent=False) from exc
            reason = (BLOCKED if code == BLOCKED_US else UNREACHABLE
                      if code in NOT_ON_WHATSAPP else REJECTED)
            raise SendError(f"twilio {exc.status} code {code}", permanent=True,
                            reason=reason) from exc
        except (OSError, RequestException) as exc:
            raise SendError(f"network: {type(exc).__name__}", permanent=False) from exc
        return str(created.sid)

