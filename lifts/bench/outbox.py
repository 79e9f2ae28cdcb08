"""Outbox and webhook benchmarks, with real `lifts serve` processes and a fake Twilio on
loopback. Also the process helpers the crash and leader-election tests use.

- reminders: N messages due within one minute, 1 or more processes: all sent once?
  lateness (provider receipt - due time) p50/p95/p99, messages/s.
- chaos: kill -9 a dispatcher every few seconds while N messages are due; restart it;
  lost (never received) must be 0; duplicates are counted.
- webhooks: signed inbound SMS webhooks end to end (dialogue + database + TwiML), req/s, p95.
- inbound: kill -9 the server every few seconds while newcomers text in; each reply must
  reach its sender, as TwiML or (after a crash) through the outbox: lost must be 0.
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
from sqlalchemy import Engine, insert, select
from sqlmodel import col

from storage.tables import InboundMessage, OutboxMessage

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "bench-auth-token-0123456789"
FROM_NUMBER = "+447911123000"
PUBLIC_URL = "https://lifts.example.org"


@dataclass
class FakeTwilioSink:
    """A minimal Twilio Messages endpoint: records each body with the time it arrived."""

    url: str = ""
    received: list[tuple[str, float]] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # the To of each, in order
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
            raw = self.rfile.read(length)
            if len(raw) < length:  # the sender was killed mid-request: Twilio got nothing
                return
            if "/bot" in self.path:  # a stand-in Bot API for runs with Telegram on
                self._telegram()
                return
            fields = parse_qs(raw.decode())
            body = fields.get("Body", [""])[0]
            with sink.lock:
                sink.received.append((body, time.time()))
                sink.recipients.append(fields.get("To", [""])[0])
                sink.count += 1
                sid = f"SMbench{sink.count:026d}"
            payload = json.dumps({"sid": sid, "status": "queued"}).encode()
            self.send_response(201)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _telegram(self) -> None:
            method = self.path.rsplit("/", 1)[-1]
            result: object = True
            if method == "getMe":
                result = {"id": 4242, "is_bot": True, "first_name": "Lifts",
                          "username": "lifts_bench_bot"}
            elif method == "sendMessage":
                result = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}
            payload = json.dumps({"ok": True, "result": result}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    class Quiet(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a sender killed mid-request (the chaos run) resets its connection

    server = Quiet(("127.0.0.1", 0), Handler)
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


def start_server(env: dict[str, str], workdir: Path, *, wait: bool = True,
                 workers: int = 1) -> Server:
    """Start `lifts serve` on a free port (in `workdir`, so no .env is read)."""
    port = free_port()
    log = workdir / f"serve-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "lifts.cli", "serve", "--port", str(port),
         "--workers", str(workers)],
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


@contextmanager
def scratch_database(url: str, workdir: Path) -> Iterator[Engine]:
    """A fresh migrated database: a new one next to `url` on PostgreSQL, a file on SQLite."""
    import uuid

    from sqlalchemy import create_engine

    from storage.db import make_engine, normalise_url
    from storage.migrate import upgrade

    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = make_engine(f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"lifts_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"{url.rsplit('/', 1)[0]}/{name}")
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def db_url(engine: Engine) -> str:
    """The engine's URL with its password (for child processes)."""
    return engine.url.render_as_string(hide_password=False)


@dataclass
class SendResult:
    """What a dispatch benchmark measured."""

    messages: int
    processes: int
    received: int
    lost: int
    duplicates: int
    lateness_p50: float
    lateness_p95: float
    lateness_p99: float
    lateness_max: float
    per_second: float
    kills: int = 0


def _result(due: dict[str, datetime], sink: FakeTwilioSink, processes: int,
            kills: int = 0) -> SendResult:
    bodies = sink.bodies()
    first = sink.first_arrivals()
    late = [max(0.0, first[k] - due[k].timestamp()) for k in due if k in first]
    arrivals = sorted(first.values())
    span = (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else float("nan")
    return SendResult(
        messages=len(due), processes=processes, received=len(set(bodies) & set(due)),
        lost=len(set(due) - set(bodies)), duplicates=sum(n - 1 for n in bodies.values()),
        lateness_p50=percentile(late, 50), lateness_p95=percentile(late, 95),
        lateness_p99=percentile(late, 99), lateness_max=max(late, default=float("nan")),
        per_second=len(arrivals) / span if span and span > 0 else float("nan"), kills=kills)


def _wait_all(sink: FakeTwilioSink, due: dict[str, datetime], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(sink.bodies()) >= len(due) and set(sink.bodies()) >= set(due):
            return
        time.sleep(0.25)


def run_reminders(url: str, workdir: Path, *, count: int = 10_000, processes: int = 1,
                  within: float = 60.0, lead: float = 5.0, timeout: float = 240.0
                  ) -> SendResult:
    """`count` reminders due evenly within `within` seconds, sent by `processes` servers."""
    with scratch_database(url, workdir) as engine, fake_twilio_sink() as sink:
        env = server_env(db_url(engine), sink.url, WORKERS=str(processes),
                         SMS_RATE_PER_SECOND="2000")
        servers = [start_server(env, workdir) for _ in range(processes)]
        try:
            due = insert_due(engine, count, start=datetime.now(UTC) + timedelta(seconds=lead),
                             spread=timedelta(seconds=within))
            _wait_all(sink, due, timeout)
            time.sleep(1.0)  # let any straggling duplicate arrive before counting
        finally:
            for server in servers:
                server.stop()
        return _result(due, sink, processes)


def run_chaos(url: str, workdir: Path, *, count: int = 2_000, kill_every: float = 3.0,
              rate: float = 100.0, timeout: float = 240.0) -> SendResult:
    """kill -9 the dispatcher every `kill_every` seconds (and restart it) until all is sent."""
    with scratch_database(url, workdir) as engine, fake_twilio_sink() as sink:
        env = server_env(db_url(engine), sink.url, SMS_RATE_PER_SECOND=str(rate),
                         OUTBOX_CLAIM_TIMEOUT_SECONDS="2")
        due = insert_due(engine, count, start=datetime.now(UTC),
                         spread=timedelta(seconds=5))
        kills = 0
        deadline = time.monotonic() + timeout
        server = start_server(env, workdir)
        try:
            while time.monotonic() < deadline:
                time.sleep(kill_every)
                if set(sink.bodies()) >= set(due):
                    break
                server.kill()
                kills += 1
                server = start_server(env, workdir)
            _wait_all(sink, due, max(0.0, deadline - time.monotonic()))
            time.sleep(3.0)  # reclaimed rows re-sent after a kill would show up by now
        finally:
            server.stop()
        return _result(due, sink, 1, kills)


@dataclass
class WebhookResult:
    """What the inbound webhook benchmark measured."""

    requests: int
    errors: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def run_webhooks(url: str, workdir: Path, *, requests: int = 2_000, concurrency: int = 16,
                 senders: int = 200, workers: int = 1, keepalive: int | None = None
                 ) -> WebhookResult:
    """Signed inbound SMS webhooks against one `lifts serve`: the dialogue and database
    for real, the reply as TwiML. A mix of known residents (MY LIFTS) and newcomers."""
    import asyncio

    from twilio.request_validator import RequestValidator

    from lifts.demo_scheme import SITES
    from lifts.seed import seed_demo
    from storage.db import transaction

    with scratch_database(url, workdir) as engine, fake_twilio_sink() as sink:
        with transaction(engine) as session:
            seed_demo(session, now=datetime.now(UTC), sms_number=FROM_NUMBER)
        server = start_server(server_env(db_url(engine), sink.url), workdir, workers=workers)
        validator = RequestValidator(AUTH_TOKEN)
        texts = ["MY LIFTS", "hello", "thanks", "HELP me please",
                 f"Lift to {SITES[0].town} Tuesday 10am"]

        def form(n: int) -> dict[str, str]:
            return {"From": f"+447700{n % senders:06d}", "To": FROM_NUMBER,
                    "Body": texts[n % len(texts)], "MessageSid": f"SMbench{n:026d}",
                    "AccountSid": ACCOUNT_SID, "NumMedia": "0"}

        async def drive() -> tuple[list[float], int, float]:
            latencies: list[float] = []
            errors = 0
            queue = iter(range(requests))
            async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(
                    max_keepalive_connections=keepalive)) as client:
                async def worker() -> None:
                    nonlocal errors
                    for n in queue:
                        params = form(n)
                        signature = validator.compute_signature(f"{PUBLIC_URL}/sms/inbound",
                                                                params)
                        started = time.perf_counter()
                        response = await client.post(f"{server.url}/sms/inbound", data=params,
                                                     headers={"X-Twilio-Signature": signature})
                        latencies.append(time.perf_counter() - started)
                        errors += response.status_code != 200
                began = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(concurrency)))
                return latencies, errors, time.perf_counter() - began

        try:
            latencies, errors, seconds = asyncio.run(drive())
        finally:
            server.stop()
    ms = [x * 1000 for x in latencies]
    return WebhookResult(requests, errors, requests / seconds, percentile(ms, 50),
                         percentile(ms, 95), percentile(ms, 99))


@dataclass
class InboundResult:
    """What the inbound kill -9 run measured: every message is owed exactly one answer."""

    messages: int
    kills: int
    by_twiml: int  # answered in the webhook's own response
    by_outbox: int  # answered later through the API (the response was lost to a kill)
    lost: int  # handled (committed) but never answered: must be 0
    never_reached: int  # no server took it before the sender stopped retrying
    duplicates: int  # answered more than once


def run_inbound_chaos(url: str, workdir: Path, *, messages: int = 300, kill_every: float = 3.0,
                      rate: float = 20.0, timeout: float = 240.0) -> InboundResult:
    """Newcomers text "hello" at `rate` a second while the server is killed (-9) and
    restarted every `kill_every` seconds. A failed webhook is retried with the same
    MessageSid (as Twilio does with a `#rc=` connection override); the duplicate is
    recognised, and an answer lost in a kill comes through the outbox instead."""
    from twilio.request_validator import RequestValidator

    from lifts.seed import seed_demo
    from storage.db import transaction

    with scratch_database(url, workdir) as engine, fake_twilio_sink() as sink:
        with transaction(engine) as session:
            seed_demo(session, now=datetime.now(UTC), sms_number=FROM_NUMBER)
        env = server_env(db_url(engine), sink.url, OUTBOX_CLAIM_TIMEOUT_SECONDS="2")
        holder = {"server": start_server(env, workdir)}
        validator, twiml, kills = RequestValidator(AUTH_TOKEN), Counter[str](), [0]
        stop = threading.Event()

        def killer() -> None:
            while not stop.wait(kill_every):
                holder["server"].kill()
                kills[0] += 1
                holder["server"] = start_server(env, workdir)

        def text(n: int) -> None:
            number = f"+447700{n:06d}"
            form = {"From": number, "To": FROM_NUMBER, "Body": "hello",
                    "MessageSid": f"SMin{n:030d}", "AccountSid": ACCOUNT_SID}
            signature = validator.compute_signature(f"{PUBLIC_URL}/sms/inbound", form)
            for _ in range(60):  # Twilio's retries, until a server answers
                try:
                    reply = httpx.post(f"{holder['server'].url}/sms/inbound", data=form,
                                       headers={"X-Twilio-Signature": signature}, timeout=10)
                except httpx.HTTPError:
                    time.sleep(0.5)
                    continue
                if reply.status_code == 200:
                    twiml[number] += reply.text.count("<Message>")
                    return
                time.sleep(0.5)

        chaos = threading.Thread(target=killer, daemon=True)
        chaos.start()
        try:
            senders = []
            for n in range(messages):
                sender = threading.Thread(target=text, args=(n,), daemon=True)
                sender.start()
                senders.append(sender)
                time.sleep(1.0 / rate)
            for sender in senders:
                sender.join(timeout=120)
            stop.set()
            chaos.join(timeout=60)
            deadline = time.monotonic() + min(timeout, 90)
            while time.monotonic() < deadline:  # owed replies: the 30 s grace, then sent
                answered = {f"+447700{n:06d}" for n in range(messages)}
                if answered <= set(twiml) | set(sink.recipients):
                    break
                time.sleep(1.0)
            time.sleep(3.0)
        finally:
            stop.set()
            holder["server"].stop()
        with engine.connect() as conn:  # the messages some server took (and committed)
            taken = {sid for (sid,) in conn.execute(select(col(InboundMessage.provider_id)))}
    numbers = [f"+447700{n:06d}" for n in range(messages)]
    sids = {f"+447700{n:06d}": f"SMin{n:030d}" for n in range(messages)}
    outbox = Counter(sink.recipients)
    unanswered = [x for x in numbers if not twiml[x] and not outbox[x]]
    return InboundResult(
        messages, kills[0],
        sum(1 for x in numbers if twiml[x]), sum(1 for x in numbers if outbox[x] and not twiml[x]),
        sum(1 for x in unanswered if sids[x] in taken),
        sum(1 for x in unanswered if sids[x] not in taken),
        sum(1 for x in numbers if (twiml[x] > 0) + outbox[x] > 1))
