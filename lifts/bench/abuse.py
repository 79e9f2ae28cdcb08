"""Garbage and forgeries against a real `lifts serve`: how many server errors, how many
forged requests accepted (both must be 0). The tests do the same with hypothesis, bounded;
this runs thousands.

- malformed but authenticated: signed Twilio forms with random fields, sizes and bytes, to
  /sms/inbound and /sms/status (texts and WhatsApp), and to the call webhooks /voice/call,
  /voice/answer, /voice/amd and /voice/status; Telegram updates of random shape with the
  right secret;
- forged: the same with a wrong signature or secret (must all be 403, and nothing stored).
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, func, select

from lifts.bench.outbox import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PUBLIC_URL,
    db_url,
    fake_twilio_sink,
    scratch_database,
    server_env,
    start_server,
)
from storage.tables import InboundMessage

SECRET = "bench-webhook-secret_0123456789ABCDEFabcdef"
FIELDS = ("From", "To", "Body", "MessageSid", "SmsSid", "AccountSid", "MessageStatus",
          "ErrorCode", "NumMedia", "ButtonPayload", "ProfileName")
CALL_FIELDS = ("CallSid", "AccountSid", "Digits", "SpeechResult", "Confidence", "CallStatus",
               "AnsweredBy", "From", "To")
VOICE = ("/voice/call", "/voice/answer", "/voice/amd", "/voice/status")


@dataclass
class AbuseResult:
    """Status codes seen per kind of request."""

    statuses: dict[str, Counter[int]]
    forged_accepted: int
    stored_by_forgeries: int

    @property
    def server_errors(self) -> int:
        """Answers of 500 or above, across every kind."""
        return sum(n for counts in self.statuses.values() for code, n in counts.items()
                   if code >= 500)


def _text(rng: random.Random) -> str:
    pools = (string.printable, "☃é\u202e\x00\x7f🙂", string.digits + "+ ")
    length = rng.choice((0, 1, 5, 40, 300, 2000))
    return "".join(rng.choice(rng.choice(pools)) for _ in range(length))


def _form(rng: random.Random) -> dict[str, str]:
    form = {name: _text(rng) for name in rng.sample(FIELDS, rng.randint(0, len(FIELDS)))}
    if rng.random() < 0.5:  # often well-formed enough to get past the first checks
        prefix = rng.choice(["", "whatsapp:"])  # WhatsApp comes to the same webhook
        form.update(From=f"{prefix}+4477{rng.randint(0, 10**8):08d}", To=prefix + FROM_NUMBER,
                    MessageSid=rng.choice(["SM" + "a" * 32, "S" * rng.randint(1, 90), ""]),
                    AccountSid=ACCOUNT_SID)
    return form


def _call_form(rng: random.Random) -> dict[str, str]:
    form = {name: _text(rng) for name in rng.sample(CALL_FIELDS, rng.randint(0, 9))}
    if rng.random() < 0.6:
        form.update(CallSid=rng.choice(["CA" + "b" * 32, "C" * rng.randint(1, 90), ""]),
                    Digits=rng.choice(["1", "2", "3", "9", "", "12#"]),
                    CallStatus=rng.choice(["completed", "no-answer", "busy", "in-progress",
                                           "x" * 30, ""]),
                    AnsweredBy=rng.choice(["human", "machine_end_beep", "fax", ""]))
    return form


def _json_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 4 or roll < 0.4:
        return rng.choice([None, True, 0, -1, 2**70, 3.5, _text(rng), "offer:", "offer:yes:"])
    if roll < 0.7:
        return [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["text", "chat", "from", "id", "data", "message", "x"]):
            _json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _update(rng: random.Random, n: int) -> bytes:
    if rng.random() < 0.05:
        return b"[" * 20_000 + b"]" * 20_000
    kind = rng.choice(["message", "edited_message", "callback_query", "poll", "channel_post"])
    user = rng.choice([777000 + n % 50, 2**70, "x", None])
    body: dict[str, Any] = {"message_id": rng.choice([1, 2**70, "y"]), "date": 1,
                            "chat": {"id": user, "type": rng.choice(["private", "group"])},
                            "from": {"id": user, "is_bot": False, "first_name": "F"},
                            "text": _json_value(rng)}
    if kind == "callback_query":
        body = {"id": "cb", "from": body["from"], "chat_instance": "c",
                "data": _json_value(rng), "message": body}
    update = {"update_id": rng.choice([n, 2**70, "z", None]), kind: body}
    if rng.random() < 0.3:
        update[rng.choice(["text", "extra", kind])] = _json_value(rng)
    return json.dumps(update).encode()


def run_abuse(url: str, workdir: Path, *, each: int = 2_000, seed: int = 0) -> AbuseResult:
    """`each` malformed requests of every kind and `each // 4` forgeries of every kind."""
    from twilio.request_validator import RequestValidator

    from lifts.seed import seed_demo
    from storage.db import transaction

    rng = random.Random(seed)
    validator = RequestValidator(AUTH_TOKEN)
    statuses: dict[str, Counter[int]] = {}
    with scratch_database(url, workdir) as engine, fake_twilio_sink() as sink:
        with transaction(engine) as session:
            seed_demo(session, now=datetime.now(UTC), sms_number=FROM_NUMBER)
        env = server_env(db_url(engine), sink.url, TELEGRAM_BOT_TOKEN="123456:" + "T" * 35,
                         TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_API_BASE_URL=sink.url)
        server = start_server(env, workdir)
        try:
            with httpx.Client(timeout=30) as client:
                def post(kind: str, path: str, **kw: Any) -> int:
                    code = client.post(f"{server.url}{path}", **kw).status_code
                    statuses.setdefault(kind, Counter())[code] += 1
                    return code

                for n in range(each):
                    form = _form(rng)
                    for path in ("/sms/inbound", "/sms/status?ref=" + rng.choice(
                            ["1", "99999999999", "-3", "x"])):
                        signature = validator.compute_signature(f"{PUBLIC_URL}{path}", form)
                        post(path.split("?")[0], path, data=form,
                             headers={"X-Twilio-Signature": signature})
                    calls = _call_form(rng)
                    for voice in VOICE:
                        path = voice + rng.choice(["?ref=1", "?ref=2", "?ref=99999999999",
                                                   "?ref=-3", "", "?ref=1&try=2"])
                        signature = validator.compute_signature(f"{PUBLIC_URL}{path}", calls)
                        post(voice, path, data=calls, headers={"X-Twilio-Signature": signature})
                    post("/telegram/webhook", "/telegram/webhook", content=_update(rng, n),
                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                  "content-type": "application/json"})
                with Session(engine) as session:
                    before = session.exec(select(func.count()).select_from(InboundMessage)).one()
                forged = 0
                for n in range(each // 4):
                    form = _form(rng) | {"Body": "STOP", "MessageSid": f"SMforged{n:026d}"}
                    forged += post("forged sms", "/sms/inbound", data=form,
                                   headers={"X-Twilio-Signature": base64.b64encode(
                                       rng.randbytes(20)).decode()}) != 403
                    forged += post("forged call", rng.choice(VOICE) + "?ref=1",
                                   data=_call_form(rng) | {"Digits": "2"},
                                   headers={"X-Twilio-Signature": base64.b64encode(
                                       rng.randbytes(20)).decode()}) != 403
                    forged += post("forged telegram", "/telegram/webhook",
                                   content=_update(rng, 10**6 + n),
                                   headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}) != 403
                with Session(engine) as session:
                    after = session.exec(select(func.count()).select_from(InboundMessage)).one()
        finally:
            server.stop()
    return AbuseResult(statuses, forged, after - before)
