"""Alerts to a scheme's coordinators: urgent outbox messages, never with health detail."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, select

from booking.messaging.outbox import enqueue
from storage.tables import Person

log = logging.getLogger(__name__)


def alert_coordinators(
    session: Session, scheme_id: int, text: str, *, now: datetime, key: str,
) -> int:
    """Queue an urgent note to every coordinator of the scheme; returns how many were queued."""
    coordinators = session.exec(
        select(Person).where(Person.scheme_id == scheme_id, Person.role == "coordinator",
                             Person.active == True)  # noqa: E712
    ).all()
    queued = 0
    for coordinator in coordinators:
        message = enqueue(session, key=f"{key}:to:{coordinator.id}", person=coordinator,
                          kind="coordinator_alert", body=text, due_at=now, urgent=True)
        queued += message is not None
    if not queued:
        log.warning("no coordinator could be alerted for scheme %s", scheme_id)
    return queued
