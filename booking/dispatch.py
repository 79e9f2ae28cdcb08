"""Sending what the outbox holds: claim due rows, send through the channel, record the result.

At-least-once: a row is marked 'sending' before the provider is called and 'sent' after, so a
crash in between sends it again after the claim times out (never silently drops it).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_
from sqlmodel import col, select

from booking.rules import after_quiet_hours, in_quiet_hours
from booking.schemes import scheme_rules
from booking.sending import Outgoing, Sender, SendError
from storage.db import is_sqlite, transaction
from storage.tables import OutboxMessage, Scheme

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=5)  # a 'sending' row older than this was orphaned by a crash
MAX_ATTEMPTS = 8


@dataclass
class DispatchReport:
    """What one pass of the dispatcher did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0


def claim_due(engine: Engine, now: datetime, *, limit: int = 50) -> list[OutboxMessage]:
    """Mark up to `limit` due messages as 'sending' and return them (quiet hours respected)."""
    with transaction(engine) as session:
        query = (
            select(OutboxMessage)
            .where(or_(
                (col(OutboxMessage.status) == "pending") & (col(OutboxMessage.due_at) <= now),
                (col(OutboxMessage.status) == "sending")
                & (col(OutboxMessage.due_at) <= now - CLAIM_TIMEOUT),
            ))
            .order_by(col(OutboxMessage.due_at))
            .limit(limit)
        )
        if not is_sqlite(engine):
            query = query.with_for_update(skip_locked=True)
        rows = list(session.exec(query))
        claimed = []
        for row in rows:
            if row.stale_after is not None and now > row.stale_after:
                row.status, row.last_error = "expired", "too late to be useful"
                session.add(row)
                continue
            scheme = session.get(Scheme, row.scheme_id) if row.scheme_id else None
            rules = scheme_rules(scheme) if scheme else None
            if rules and not row.urgent and in_quiet_hours(now, rules):
                row.due_at = after_quiet_hours(now, rules)
                session.add(row)
                continue
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
        row.status, row.provider_message_id, row.sent_at, row.last_error = (
            "sent", provider_id, now, "")
        session.add(row)


def record_failure(engine: Engine, message_id: int, error: SendError, now: datetime) -> str:
    """Retry later with back-off, or give up on a permanent failure; returns the new status."""
    with transaction(engine) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None:
            return "missing"
        row.last_error = str(error)[:300]
        if error.permanent or row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
        else:
            delay = error.retry_after or min(3600.0, 15 * 2 ** (row.attempts - 1))
            row.status = "pending"
            row.due_at = now + timedelta(seconds=delay * random.uniform(1.0, 1.25))
        session.add(row)
        return row.status


async def dispatch_due(engine: Engine, senders: Mapping[str, Sender], now: datetime,
                       *, limit: int = 50) -> DispatchReport:
    """One pass: send everything due now through the right channel."""
    report = DispatchReport()
    for row in await asyncio.to_thread(claim_due, engine, now, limit=limit):
        sender = senders.get(row.channel)
        if sender is None:
            error = SendError(f"no {row.channel} channel configured", permanent=False)
        else:
            try:
                provider_id = await sender.send(Outgoing(row.address, row.body, tuple(
                    (c["value"], c["label"]) for c in row.choices)))
            except SendError as exc:
                error = exc
            else:
                await asyncio.to_thread(record_sent, engine, row.id or 0, provider_id, now)
                report.sent += 1
                continue
        status = await asyncio.to_thread(record_failure, engine, row.id or 0, error, now)
        log.warning("outbox message %s not sent (%s): %s", row.id, status, error)
        if status == "failed":
            report.failed += 1
        else:
            report.retried += 1
    return report


def record_delivery(engine: Engine, provider_id: str, status: str) -> bool:
    """A delivery report from the provider; only moves a message forward."""
    order = ["sending", "sent", "delivered"]
    with transaction(engine) as session:
        row = session.exec(select(OutboxMessage).where(
            OutboxMessage.provider_message_id == provider_id)).first()
        if row is None:
            return False
        if status in ("undelivered", "failed"):
            row.status, row.last_error = "failed", f"provider reported {status}"
        elif status in order and row.status in order and \
                order.index(status) > order.index(row.status):
            row.status = status
        session.add(row)
        return True
