"""Sending what the outbox holds: claim due rows, send through the channel, record the result.

At-least-once: a row is marked 'sending' before the provider is called and 'sent' after, so a
crash in between sends it again after the claim times out (never silently drops it). The only
duplicates are messages the provider accepted just before a crash, before we committed 'sent'.

Failures: transient ones (flood limits, time-outs, provider 5xx/429) go back to 'pending' with
exponential back-off and jitter; permanent ones (blocked, opted out, landline) and exhausted
retries end 'failed', and in the same transaction the message is re-queued on the person's
other channel when they have one, and the coordinators are told (never the message body).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, exists, or_, text
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from booking.messaging.alerts import alert_coordinators
from booking.messaging.outbox import rings
from booking.messaging.sending import (
    BLOCKED,
    LANDLINE,
    NO_ANSWER,
    NO_CALLS,
    OPTED_OUT,
    UNREACHABLE,
    Outgoing,
    Sender,
    SendError,
)
from booking.messaging.templates import WhatsAppForm, whatsapp_form
from booking.phones import is_landline
from booking.rules import after_quiet_hours, in_call_hours, in_quiet_hours, next_call_hours
from booking.schemes import scheme_rules
from storage.db import is_sqlite, transaction
from storage.tables import OutboxMessage, Person, Scheme

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=5)  # a 'sending' row older than this was orphaned by a crash
MAX_ATTEMPTS = 8
BACKOFF_BASE = 15.0  # seconds before the first retry; doubles each time
BACKOFF_CAP = 3600.0
CHANNEL_NAMES = {"sms": "text", "telegram": "Telegram", "whatsapp": "WhatsApp",
                 "voice": "phone call"}
TELEGRAM_CHAT_GAP = timedelta(seconds=1)  # Telegram: about one message a second per chat
LANDLINE_CODE = "30006"  # Twilio: the text went to a landline (or an unreachable carrier)
CLAIM_LOCK = 0x11F7_5C4E_D02E  # the claims' pg_advisory_xact_lock key (leader: ..._D01E)


@dataclass
class DispatchReport:
    """What one pass of the dispatcher did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    fallbacks: int = 0


class Pacer:
    """Spaces sends on one channel: at most `rate` a second overall (in this process), and
    at least `per_address` seconds between two sends to the same address (Telegram: 1/s/chat).
    """

    def __init__(self, rate: float, *, per_address: float = 0.0,
                 clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.per_address = per_address
        self._clock = clock
        self._next = 0.0
        self._last: dict[str, float] = {}
        self._lock = asyncio.Lock()

    def reserve(self, address: str) -> float:
        """Book the next slot for `address`; returns how many seconds to wait for it."""
        now = self._clock()
        slot = max(now, self._next)
        if self.rate > 0:
            self._next = slot + 1.0 / self.rate
        if self.per_address > 0:
            slot = max(slot, self._last.get(address, -1e18) + self.per_address)
            self._last[address] = slot
            if len(self._last) > 10_000:  # forget addresses whose spacing has long passed
                self._last = {a: t for a, t in self._last.items()
                              if t > now - self.per_address}
        return slot - now

    async def wait(self, address: str) -> None:
        """Wait for this address's slot."""
        async with self._lock:
            delay = self.reserve(address)
        if delay > 0:
            await asyncio.sleep(delay)


def telegram_pacer() -> Pacer:
    """Telegram's flood limits: about 30 messages a second overall, 1 a second per chat."""
    return Pacer(30.0, per_address=1.0)


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Exponential back-off with jitter: 15 s, 30 s, 60 s… capped at an hour, +0–25 %.

    A provider's own Retry-After wins when it asks for longer.
    """
    base = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    if retry_after is not None:
        base = max(retry_after, 1.0)
    return float(base) * random.uniform(1.0, 1.25)


def claim_due(engine: Engine, now: datetime, *, limit: int = 50,
              claim_timeout: timedelta = CLAIM_TIMEOUT) -> list[OutboxMessage]:
    """Mark up to `limit` due messages as 'sending' and return them (quiet hours respected).

    PostgreSQL: FOR UPDATE SKIP LOCKED, so several processes claim disjoint rows. SQLite:
    every transaction is BEGIN IMMEDIATE (storage.db), a single writer at a time.
    """
    with transaction(engine) as session:
        # Another process's chat in flight or just sent: leave it, so that Telegram's
        # 1-a-second-per-chat holds across workers (this process's Pacer spaces its own).
        other = aliased(OutboxMessage)
        chat_busy = exists().where(
            col(other.channel) == "telegram", col(other.address) == OutboxMessage.address,
            or_((col(other.status) == "sending") & (col(other.due_at) > now - claim_timeout),
                col(other.sent_at) > now - TELEGRAM_CHAT_GAP))
        query = (
            select(OutboxMessage)
            .where(or_(
                (col(OutboxMessage.status) == "pending") & (col(OutboxMessage.due_at) <= now),
                (col(OutboxMessage.status) == "sending")
                & (col(OutboxMessage.due_at) <= now - claim_timeout),
            ))
            .where(or_(col(OutboxMessage.channel) != "telegram", ~chat_busy))
            .order_by(col(OutboxMessage.due_at))
            .limit(limit)
        )
        if not is_sqlite(engine):
            # One claim at a time across processes, so two cannot take the same chat at
            # once (SQLite's BEGIN IMMEDIATE already serialises); held until the commit.
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})
            query = query.with_for_update(of=OutboxMessage, skip_locked=True)
        rows = list(session.exec(query))
        claimed = []
        schemes: dict[int, Scheme | None] = {}
        for row in rows:
            if row.stale_after is not None and now > row.stale_after:
                row.status, row.last_error = "expired", "too late to be useful"
                session.add(row)
                continue
            if row.scheme_id and row.scheme_id not in schemes:
                schemes[row.scheme_id] = session.get(Scheme, row.scheme_id)
            scheme = schemes.get(row.scheme_id) if row.scheme_id else None
            rules = scheme_rules(scheme) if scheme else None
            if rules and row.channel == "voice" and not in_call_hours(now, rules):
                # Calls only in the scheme's calling hours, however urgent: it waits here.
                row.due_at, row.status = next_call_hours(now, rules), "pending"
                session.add(row)
                continue
            if rules and not row.urgent and in_quiet_hours(now, rules):
                row.due_at = after_quiet_hours(now, rules)
                row.status = "pending"  # an orphaned claim found in quiet hours waits too
                session.add(row)
                continue
            # due_at becomes the claim time: an orphaned claim is recognised by its age
            row.status, row.attempts, row.due_at = "sending", row.attempts + 1, now
            session.add(row)
            claimed.append(row)
        return claimed


def record_sent(engine: Engine, message_id: int, provider_id: str, now: datetime) -> None:
    """The provider accepted the message."""
    with transaction(engine) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None:
            return
        if row.status in ("delivered", "failed"):  # a fast delivery report got here first
            row.provider_message_id = row.provider_message_id or provider_id
        else:
            row.status, row.provider_message_id, row.last_error = "sent", provider_id, ""
        row.sent_at = now
        session.add(row)


def record_failure(engine: Engine, message_id: int, error: SendError, now: datetime) -> str:
    """Retry later with back-off, or give up (falling back and alerting); the new status."""
    with transaction(engine) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None:
            return "missing"
        row.last_error = str(error)[:300]
        if error.permanent or row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
            session.add(row)
            reason = error.reason or ("gave up after retries" if not error.permanent else "")
            give_up(session, row, reason, now)
        else:
            row.status = "pending"
            row.due_at = now + timedelta(seconds=backoff_seconds(row.attempts, error.retry_after))
            session.add(row)
        return row.status


def give_up(session: Session, row: OutboxMessage, reason: str, now: datetime) -> str | None:
    """A message that cannot arrive on its channel: re-send it on the person's other channel
    if they have one, remember a blocked/opted-out channel, and tell the coordinators.

    Returns the fallback channel, or None. The alert names the person and the kind of
    message, never its body or an address.
    """
    person = session.get(Person, row.person_id) if row.person_id else None
    other = None
    if person is not None:
        if reason == BLOCKED and person.preferred_channel == "telegram":
            person.preferred_channel = "sms"
            session.add(person)
        if reason in (BLOCKED, UNREACHABLE) and row.channel == "whatsapp" \
                and person.preferred_channel == "whatsapp":  # not on WhatsApp, or blocked us
            person.preferred_channel = "sms"
            session.add(person)
        if reason == OPTED_OUT and not person.sms_opted_out:
            person.sms_opted_out = True
            session.add(person)
        if reason == LANDLINE and not person.landline:
            person.landline = True  # from now on its confirmations and reminders ring
            session.add(person)
        other = _other_address(person, row.channel, row.kind, reason)
    if other is not None:
        channel, address = other
        key = f"{row.idempotency_key}:via:{channel}"[:200]
        if session.exec(select(OutboxMessage).where(
                OutboxMessage.idempotency_key == key)).first() is not None:
            other = None  # already fell back once: do not bounce between channels
    if other is not None:
        channel, address = other
        session.add(OutboxMessage(
            idempotency_key=key,
            scheme_id=row.scheme_id, person_id=row.person_id, kind=row.kind,
            channel=channel, address=address, body=row.body, choices=row.choices,
            variables=row.variables, urgent=row.urgent, due_at=now, stale_after=row.stale_after,
            request_id=row.request_id))
    log.warning("outbox message %s (%s) undeliverable by %s (%s); fallback: %s",
                row.id, row.kind, row.channel, reason or "error", other[0] if other else "none")
    if row.kind != "coordinator_alert" and row.scheme_id is not None:
        who = person.name if person is not None else "someone"
        how = CHANNEL_NAMES.get(row.channel, row.channel)
        then = (f"Sent by {CHANNEL_NAMES.get(other[0], other[0])} instead." if other
                else "No other way to reach them by message: please phone or call round.")
        why = {BLOCKED: "they have blocked us", OPTED_OUT: "they have texted STOP",
               LANDLINE: "the number is a landline", NO_ANSWER: "no answer, twice",
               NO_CALLS: "calls are not set up: they need PUBLIC_BASE_URL and Twilio",
               }.get(reason, reason or "a provider error")
        alert_coordinators(
            session, row.scheme_id,
            f"Could not reach {who} by {how} ({why}) with a {row.kind.replace('_', ' ')} "
            f"message (#{row.id}). {then}",
            now=now, key=f"undeliverable:{row.id}")
    return other[0] if other else None


def _other_address(person: Person, failed_channel: str, kind: str = "",
                   reason: str = "") -> tuple[str, str] | None:
    """Where a message goes when its channel failed: Telegram or WhatsApp to a text (a call
    for a landline), a text to Telegram (a call once it proved a landline), a call nobody
    answered to a text when the number can take one. A chat they use beats a call."""
    chat = ("telegram", str(person.telegram_chat_id)) if person.telegram_chat_id else None
    texts = bool(person.phone) and not person.sms_opted_out and not (
        person.landline or is_landline(person.phone))
    if failed_channel in ("telegram", "whatsapp") and person.phone:
        if rings(person, kind):
            return "voice", person.phone
        if texts:
            return "sms", person.phone
    if failed_channel == "whatsapp":
        return chat
    if failed_channel == "sms":
        if chat is None and person.phone and rings(person, kind):
            return "voice", person.phone
        return chat
    if failed_channel == "voice":
        if reason == NO_CALLS and chat is None and person.phone and not person.sms_opted_out:
            return "sms", person.phone  # better than nothing: UK carriers may speak it
        return ("sms", person.phone) if texts and person.phone else chat
    return None


NUMBERS_TTL = 30.0  # seconds: a scheme's new SMS number is used within half a minute


def scheme_numbers(engine: Engine) -> dict[int, str]:
    """Each scheme's own SMS number (texts go out from the number the person knows)."""
    with Session(engine) as session:
        return {sid or 0: number for sid, number in session.exec(
            select(Scheme.id, Scheme.sms_number)).all() if number}


@dataclass
class Dispatcher:
    """Sends what is due, batch after batch, with bounded concurrency and per-channel pacing.

    `pacers` live as long as the dispatcher, so the limits hold across passes.
    """

    engine: Engine
    senders: Mapping[str, Sender]
    pacers: dict[str, Pacer] = field(default_factory=dict)
    batch: int = 100
    concurrency: int = 16
    max_seconds: float = 20.0  # one pass stops claiming after this (the next pass continues)
    claim_timeout: timedelta = CLAIM_TIMEOUT
    # scheme id -> its SMS number, read again every NUMBERS_TTL seconds
    _numbers: tuple[float, dict[int, str]] = field(default=(0.0, {}), init=False, repr=False)

    async def run(self, clock: Callable[[], datetime]) -> DispatchReport:
        """Claim and send until nothing is due (or the pass has run for max_seconds)."""
        report = DispatchReport()
        started = time.monotonic()
        gate = asyncio.Semaphore(self.concurrency)
        while True:
            now = clock()
            rows = await asyncio.to_thread(claim_due, self.engine, now, limit=self.batch,
                                           claim_timeout=self.claim_timeout)
            if rows and time.monotonic() - self._numbers[0] > NUMBERS_TTL:
                self._numbers = (time.monotonic(),
                                 await asyncio.to_thread(scheme_numbers, self.engine))
            await asyncio.gather(*(self._one(row, clock, gate, report) for row in rows))
            if len(rows) < self.batch or time.monotonic() - started > self.max_seconds:
                return report

    async def _one(self, row: OutboxMessage, clock: Callable[[], datetime],
                   gate: asyncio.Semaphore, report: DispatchReport) -> None:
        async with gate:
            sender = self.senders.get(row.channel)
            if sender is None and row.channel == "voice":
                error = SendError("no voice channel configured", permanent=True,
                                  reason=NO_CALLS)
            elif sender is None:
                error = SendError(f"no {row.channel} channel configured", permanent=False)
            else:
                form = WhatsAppForm(True)
                if row.channel == "whatsapp":
                    form = await asyncio.to_thread(_whatsapp_form, self.engine, row, clock())
                pacer = self.pacers.get(row.channel)
                if pacer is not None:
                    await pacer.wait(row.address)
                try:
                    provider_id = await sender.send(Outgoing(
                        row.address, row.body,
                        tuple((c["value"], c["label"]) for c in row.choices), str(row.id),
                        from_number=self._numbers[1].get(row.scheme_id or 0, ""),
                        kind=row.kind, variables=tuple(sorted((row.variables or {}).items())),
                        template=form.content_sid, content_variables=form.content_variables,
                        session_open=form.session_open))
                except SendError as exc:
                    error = exc
                except Exception as exc:  # noqa: BLE001 - a bug in a sender must not lose the row
                    error = SendError(f"unexpected {type(exc).__name__}", permanent=False)
                else:
                    await asyncio.to_thread(record_sent, self.engine, row.id or 0, provider_id,
                                            clock())
                    report.sent += 1
                    return
            status = await asyncio.to_thread(record_failure, self.engine, row.id or 0, error,
                                             clock())
            log.warning("outbox message %s not sent (%s): %s", row.id, status, error)
            if status == "failed":
                report.failed += 1
            else:
                report.retried += 1


def _whatsapp_form(engine: Engine, row: OutboxMessage, now: datetime) -> WhatsAppForm:
    """Free text inside the person's 24-hour WhatsApp session, else the approved template."""
    with Session(engine) as session:
        person = session.get(Person, row.person_id) if row.person_id else None
        scheme = session.get(Scheme, row.scheme_id) if row.scheme_id else None
        return whatsapp_form(row.kind, dict(row.variables or {}), row.body,
                             scheme_rules(scheme) if scheme else None,
                             person.whatsapp_seen_at if person else None, now)


async def dispatch_due(engine: Engine, senders: Mapping[str, Sender], now: datetime,
                       *, limit: int = 50) -> DispatchReport:
    """One batch at a fixed instant (tests and simple callers)."""
    dispatcher = Dispatcher(engine, senders, batch=limit, max_seconds=0.0)
    return await dispatcher.run(lambda: now)


def record_delivery(engine: Engine, provider_id: str, status: str, error_code: str = "",
                    now: datetime | None = None, message_id: int | None = None) -> bool:
    """A delivery report from the provider; only moves a message forward.

    `message_id` (our outbox id, carried in the callback URL) finds a message whose report
    arrives before we recorded the provider's id. 'undelivered' / 'failed' (a landline, a
    phone switched off for days, a carrier filter) end the message 'failed' and fall back /
    alert as a permanent send failure would.
    """
    order = ["sending", "sent", "delivered"]
    status = "delivered" if status == "read" else status  # WhatsApp's read receipt
    with transaction(engine) as session:
        row = session.exec(select(OutboxMessage).where(
            OutboxMessage.provider_message_id == provider_id)).first()
        if row is None and message_id is not None:
            row = session.get(OutboxMessage, message_id)
            if row is None or row.provider_message_id not in (None, provider_id):
                return False  # not ours, or a report for an earlier attempt
            row.provider_message_id = provider_id
            session.add(row)
        if row is None:
            return False
        if status in ("undelivered", "failed"):
            if row.status in ("failed", "delivered"):
                return True  # already handled (Twilio repeats), or delivered after all
            row.status = "failed"
            row.last_error = f"provider reported {status}" + (
                f" (error {error_code})" if error_code else "")
            session.add(row)
            reason = LANDLINE if error_code == LANDLINE_CODE and row.channel == "sms" \
                else f"the message was {status}"
            give_up(session, row, reason, now or datetime.now(UTC))
        elif status in order and row.status in order and \
                order.index(status) > order.index(row.status):
            row.status = status
            session.add(row)
        return True
