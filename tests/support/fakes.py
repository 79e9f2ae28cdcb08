"""Fakes of what lies outside our machine, at the HTTP boundary: the Telegram Bot API, the
Twilio REST API and postcodes.io, as real local HTTP servers that record what our code sends."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx
from twilio.request_validator import RequestValidator


@dataclass
class Call:
    """One request our code made to a fake provider."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when it arrived


def _decode(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(handler.headers.get("content-length") or 0)
    raw = handler.rfile.read(length).decode() if length else ""
    kind = handler.headers.get("content-type", "")
    if "json" in kind:
        return dict(json.loads(raw or "{}"))
    return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(raw).items()}


@dataclass
class _Server:
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def record(self, method: str, params: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append(Call(method, params))

    def named(self, method: str) -> list[Call]:
        """Every call of one kind, in order."""
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until at least `count` calls of one kind arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.named(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} {method} call(s), got {self.named(method)}")


class FakeTelegram(_Server):
    """The Bot API: getMe, sendMessage, answerCallbackQuery, setWebhook, getUpdates..."""

    BOT_ID = 424242

    def __init__(self) -> None:
        super().__init__()
        self._message_id = 100
        self.updates: list[dict[str, Any]] = []  # handed out by getUpdates (long polling)
        self.fail_sends: list[int] = []  # HTTP statuses for the next sendMessage calls

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": self.BOT_ID, "is_bot": True, "first_name": "Lifts",
                    "username": "lifts_test_bot", "can_join_groups": False,
                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        if method in ("sendMessage", "editMessageReplyMarkup", "editMessageText"):
            self._message_id += 1
            chat_id = int(params.get("chat_id", 0))
            return {"message_id": self._message_id, "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "from": {"id": self.BOT_ID, "is_bot": True, "first_name": "Lifts"},
                    "text": params.get("text", "")}
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self.lock:
                waiting = [u for u in self.updates if u["update_id"] >= offset]
            if not waiting:
                time.sleep(0.2)
            return waiting
        return True


class FakeTwilio(_Server):
    """The Messages and Calls resources of Twilio's REST API; can be told to fail the next
    sends. Template sends are Messages with ContentSid and ContentVariables; calls are
    recorded as "Calls.create" (their Url, StatusCallback...) and "Calls.update" (a live
    call given new TwiML: the voicemail), the call's sid as "Sid"."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[tuple[int, int]] = []  # (http status, twilio code) to return next
        self.failures_to: dict[str, list[tuple[int, int]]] = {}  # the same, for one 'To' only
        self.delay = 0.0  # seconds to hang before answering a create (a slow Twilio)
        self._sid = 0
        # Report this status to the StatusCallback *before* answering the create, as Twilio
        # may: (status, error code, our server's URL standing in for the public one, token).
        self.early_report: tuple[str, str, str, str] | None = None

    def report_early(self, params: dict[str, Any], sid: str) -> None:
        """POST a signed delivery report to the message's StatusCallback, if asked to."""
        callback = params.get("StatusCallback")
        if self.early_report is None or not callback:
            return
        status, code, server_url, token = self.early_report
        form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC", "To":
                params.get("To", "")} | ({"ErrorCode": code} if code else {})
        path = "/" + callback.split("://", 1)[1].split("/", 1)[1]
        signature = RequestValidator(token).compute_signature(callback, form)
        httpx.post(f"{server_url}{path}", data=form, headers={"X-Twilio-Signature": signature},
                   timeout=10).raise_for_status()

    def answer_call(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            failure = self.failures.pop(0) if self.failures else None
            self._sid += 1
            sid = f"CAfake{self._sid:026d}"
        if failure is not None:
            status, code = failure
            return status, {"code": code, "message": "fake failure", "status": status,
                            "more_info": f"https://www.twilio.com/docs/errors/{code}"}
        return 201, {"sid": sid, "status": "queued", "to": params.get("To"),
                     "from": params.get("From"), "direction": "outbound-api"}

    def answer_message(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            aimed = self.failures_to.get(str(params.get("To", "")))
            failure = aimed.pop(0) if aimed else self.failures.pop(0) if self.failures else None
            self._sid += 1
            sid = f"SMfake{self._sid:026d}"
        if failure is not None:
            status, code = failure
            return status, {"code": code, "message": "fake failure", "status": status,
                            "more_info": f"https://www.twilio.com/docs/errors/{code}"}
        self.report_early(params, sid)
        return 201, {"sid": sid, "status": "queued", "to": params.get("To"),
                     "from": params.get("From"), "body": params.get("Body"),
                     "num_segments": "1", "direction": "outbound-api"}


def send_json(handler: BaseHTTPRequestHandler, status: int, payload: object) -> None:
    """Answer a request with a JSON body, as the real APIs do."""
    body = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _telegram_handler(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            method = self.path.rsplit("/", 1)[-1]
            params = _decode(self)
            with fake.lock:
                failure = fake.fail_sends.pop(0) if method == "sendMessage" and \
                    fake.fail_sends else None
            if failure is not None:
                fake.record(f"{method}:failed", params)
                send_json(self, failure, {"ok": False, "error_code": failure,
                                          "description": "Internal Server Error"})
                return
            fake.record(method, params)
            send_json(self, 200, {"ok": True, "result": fake.answer(method, params)})

    return Handler


def _twilio_handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            params = _decode(self)
            if self.path.endswith("/Messages.json"):
                fake.record("Messages.create", params)
                status, payload = fake.answer_message(params)
            elif self.path.endswith("/Calls.json"):
                status, payload = fake.answer_call(params)
                fake.record("Calls.create", {**params, "Sid": payload.get("sid", "")})
            elif "/Calls/CA" in self.path:
                sid = self.path.rsplit("/", 1)[-1].removesuffix(".json")
                fake.record("Calls.update", {**params, "Sid": sid})
                status, payload = 200, {"sid": sid, "status": "in-progress"}
            else:
                status, payload = 404, {"code": 20404, "message": "not found"}
            send_json(self, status, payload)

    return Handler


@contextmanager
def serving(fake: _Server, handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve a fake on a free local port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake.url
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def fake_telegram() -> Iterator[FakeTelegram]:
    """A running fake Bot API server."""
    fake = FakeTelegram()
    with serving(fake, _telegram_handler(fake)):
        yield fake


@contextmanager
def fake_twilio() -> Iterator[FakeTwilio]:
    """A running fake Twilio API server."""
    fake = FakeTwilio()
    with serving(fake, _twilio_handler(fake)):
        yield fake


class FakePostcodesIo(_Server):
    """postcodes.io's GET /postcodes/{postcode}: the postcodes it knows, 404 for the rest;
    `delay` hangs before answering (a slow service), `broken` answers 500."""

    def __init__(self, known: dict[str, tuple[float, float]] | None = None) -> None:
        super().__init__()
        self.known = dict(known or {})
        self.delay = 0.0
        self.broken = False


def _postcodes_io_handler(fake: FakePostcodesIo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            from urllib.parse import unquote

            code = unquote(self.path.removeprefix("/postcodes/")).upper()
            fake.record("postcodes", {"postcode": code})
            if fake.delay:
                time.sleep(fake.delay)
            if fake.broken:
                send_json(self, 500, {"status": 500, "error": "fake failure"})
            elif code in fake.known:
                lat, lon = fake.known[code]
                send_json(self, 200, {"status": 200, "result": {
                    "postcode": code, "latitude": lat, "longitude": lon}})
            else:
                send_json(self, 404, {"status": 404, "error": "Postcode not found"})

    return Handler


@contextmanager
def fake_postcodes_io(known: dict[str, tuple[float, float]] | None = None
                      ) -> Iterator[FakePostcodesIo]:
    """A running fake postcodes.io."""
    fake = FakePostcodesIo(known)
    with serving(fake, _postcodes_io_handler(fake)):
        yield fake
