"""The audit trail: every action a coordinator or admin takes, from the console or a chat.

Written in the same transaction as the action, so the trail and the change commit together.
Entries are never updated or deleted (retention anonymises the people they name instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage.tables import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who acts: shown in the trail, and used to say who arranged something."""

    name: str
    channel: str  # console | sms | telegram | cli | system
    role: str = "coordinator"  # coordinator | admin | system
    person_id: int | None = None  # their Person row (chat identity), if any
    account_id: int | None = None  # their console account, if any

    @property
    def first_name(self) -> str:
        """How drivers and residents hear of them ("As arranged with Pat")."""
        return self.name.split()[0] if self.name.strip() else "The coordinator"


SYSTEM = Actor("Lifts", "system", "system")


def record(session: Session, actor: Actor, action: str, *, scheme_id: int | None,
           now: datetime, request_id: int | None = None,
           subject_person_id: int | None = None, detail: str = "") -> AuditEntry:
    """Add one entry to the trail (no health detail in `detail`)."""
    entry = AuditEntry(
        scheme_id=scheme_id, at=now, actor_name=actor.name[:120], actor_role=actor.role,
        channel=actor.channel, account_id=actor.account_id, person_id=actor.person_id,
        action=action[:40], request_id=request_id, subject_person_id=subject_person_id,
        detail=detail[:500])
    session.add(entry)
    return entry


def entries(session: Session, scheme_id: int, *, limit: int = 100,
            before: int | None = None) -> list[AuditEntry]:
    """The newest entries of a scheme, newest first; `before` pages back by entry id."""
    query = select(AuditEntry).where(AuditEntry.scheme_id == scheme_id)
    if before is not None:
        query = query.where(col(AuditEntry.id) < before)
    return list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)).all())
