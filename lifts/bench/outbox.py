"""Outbox and webhook benchmarks, with real `lifts serve` processes and a fake Twilio on
loopback. Also the process helpers the crash and leader-election tests use.

- reminders: N messages due within one minute, 1 or more processes: all sent once?
  lateness (provider receipt - due time) p50/p95/p99, messages/s.
- chaos: kill -9 a dispatcher every few seconds while N messages are due; restart it;
  lost (never received) must be 0; duplicates are counted.
- webhooks: signed inbound SMS webhooks end to end (dialogue + database + TwiML), req/s, p95.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from sqlalchemy import Engine, insert

from storage.tables import OutboxMessage

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "bench-auth-token-0123456789"
FROM_NUMBER = "+447911123000"
PUBLIC_URL = "https://lifts.example.org"


@dataclass
class FakeTwilioSink:
    """A minimal Twilio Messages endpoint: records each body with the time it arrived."""

    url: str = ""
    received: list[tuple[str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    count: int = 0

    def bodies(self) -> Counter[str]:
        """How many times each body arrived."""
        with self.lock:
            return Counter(body for body, _ in self.received)

    def first_arrivals(self) -> dict[str, float]:
        """Wall-clock time (epoch seconds) each body first arrived."""
        with self.lock:
            out: dict[str, float] = {}
            for body, at in self.received:
                out.setdefault(body, at)
            return out


@contextmanager
def fake_twilio_sink() -> Iterator[FakeTwilioSink]:
    """Serve the sink on a free loopback port."""
    sink = FakeTwilioSink()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("content-length") or 0)
            params = parse_qs(self.rfile.read(length).decode())
            body = params.get("Body", [""])[0]
            with sink.lock:
                sink.received.append((body, time.time()))
                sink.count += 1
                sid = f"SMbench{sink.count:026d}"
            payload = json.dumps({"sid": sid, "status": "queued"}).encode()
            self.send_response(201)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.request_queue_size = 256
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sink.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One `lifts serve` process."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def health(self) -> dict[str, Any] | None:
        """/healthz, or None when it does not answer."""
        try:
            return dict(httpx.get(f"{self.url}/healthz", timeout=2).json())
        except (httpx.HTTPError, ValueError):
            return None

    def kill(self) -> None:
        """kill -9."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """A graceful stop (SIGTERM), then -9 if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def server_env(database_url: str, twilio_url: str, **extra: str) -> dict[str, str]:
    """The environment for a `lifts serve` talking to the fake Twilio."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(DATABASE_URL=database_url, TWILIO_ACCOUNT_SID=ACCOUNT_SID,
               TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM_NUMBER=FROM_NUMBER,
               TWILIO_API_BASE_URL=twilio_url, PUBLIC_BASE_URL=PUBLIC_URL,
               SMS_RATE_PER_SECOND="1000", DISPATCH_EVERY_SECONDS="0.5", LOG_LEVEL="WARNING",
               TELEGRAM_BOT_TOKEN="")
    env.update(extra)
    return env


def start_server(env: dict[str, str], workdir: Path, *, wait: bool = True) -> Server:
    """Start `lifts serve` on a free port (in `workdir`, so no .env is read)."""
    port = free_port()
    log = workdir / f"serve-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "lifts.cli", "serve", "--port", str(port)],
        env=env, cwd=workdir, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    if wait:
        deadline = time.monotonic() + 60
        while server.health() is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"lifts serve did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
    return server


def insert_due(engine: Engine, count: int, *, start: datetime, spread: timedelta,
               prefix: str = "bench") -> dict[str, datetime]:
    """`count` urgent SMS rows due evenly over `spread` from `start`; body = key."""
    due: dict[str, datetime] = {}
    rows = []
    for n in range(count):
        key = f"{prefix}:{n}"
        when = start + spread * (n / max(1, count))
        due[key] = when
        rows.append({"idempotency_key": key, "kind": "reminder", "channel": "sms",
                     "address": f"+4479{n:09d}"[:13], "body": key, "choices": [],
                     "urgent": True, "due_at": when, "status": "pending", "attempts": 0,
                     "last_error": "", "created_at": datetime.now(UTC)})
    with engine.begin() as conn:
        for i in range(0, len(rows), 1000):
            conn.execute(insert(OutboxMessage), rows[i:i + 1000])
    return due


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]
