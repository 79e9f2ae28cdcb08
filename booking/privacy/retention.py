"""Retention: what is removed, and when, so nothing personal is kept longer than it is needed.

`sweep_bodies` runs every few minutes (message words, once a message is done with); `purge`
runs once a day per scheme (`run_due`, the leader's timed job) or by hand (`lifts privacy
purge`), and reads the scheme's `retention_days`. Every step is idempotent and works in
bulk statements, so a day's purge of a busy scheme takes a fraction of a second
(docs/benchmarks.md). What each step keeps and why: docs/privacy.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, or_, update
from sqlmodel import Session, col, select

from booking import audit
from booking.audit import SYSTEM, Actor
from booking.privacy.anonymise import anonymise_person, anonymise_requests, delete_conversations
from booking.rules import local_instant
from booking.schemes import scheme_rules
from storage.db import is_sqlite
from storage.tables import (
    AuditEntry,
    CodeAttempt,
    Conversation,
    HelpRequest,
    InboundMessage,
    Invitation,
    Leg,
    LiftRequest,
    LoginAttempt,
    MileageEntry,
    OutboxMessage,
    Person,
    PlanJob,
    Scheme,
)

# A conversation left in the middle of something (a half-finished join or booking) for this
# long is cleared: whatever it held (a name, an address, "for my chemo on Monday") goes.
ABANDONED_AFTER = timedelta(days=7)
# Received-message ids only stop a provider's redelivery (minutes to a day) from counting twice.
INBOUND_IDS_KEPT = timedelta(days=7)
# A stranger's number on an unanswered HELP: long enough for a coordinator to call back.
STRANGER_HELP_KEPT = timedelta(days=30)
# A text's words wait for its delivery report: an "undelivered" re-sends them by Telegram.
SMS_REPORT_WAIT = timedelta(hours=48)
# Sign-in and invitation-code tries (a keyed hash of who, never a number or an email): the
# throttles look back 15 minutes; a month leaves time to look into an attack.
ATTEMPTS_KEPT = timedelta(days=30)
PURGE_AT = time(2, 0)  # local time after which a scheme's daily purge is due
ACTION = "retention"  # the audit action of a purge (and how a day's purge is found)

DONE_WITH = ("delivered", "failed", "cancelled", "expired")


@dataclass
class Purge:
    """What one purge removed (or would remove), by table and what was done."""

    scheme: str
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int) -> None:
        """Count `count` rows under `what` ("table: what was done")."""
        if count:
            self.counts[what] = self.counts.get(what, 0) + count

    @property
    def total(self) -> int:
        """Rows changed or removed, all tables together."""
        return sum(self.counts.values())

    def summary(self) -> str:
        """One line for the audit trail and the command line (counts only)."""
        return "; ".join(f"{what} {n}" for what, n in sorted(self.counts.items())) or \
            "nothing to remove"


def sweep_bodies(session: Session, now: datetime, scheme_id: int | None = None) -> int:
    """Blank the words of every message that is done with: delivered, failed, cancelled or
    expired; sent by Telegram; a reply answered in the webhook; sent by SMS and past the
    wait for its delivery report."""
    done = or_(col(OutboxMessage.status).in_(DONE_WITH),
               (col(OutboxMessage.status) == "sent")
               & (col(OutboxMessage.channel).notin_(("sms", "whatsapp", "voice"))
                  | (col(OutboxMessage.kind) == "reply")  # answered in TwiML: no report comes
                  | (col(OutboxMessage.sent_at) < now - SMS_REPORT_WAIT)))
    query = update(OutboxMessage).where(done, col(OutboxMessage.body) != "")
    if scheme_id is not None:
        query = query.where(col(OutboxMessage.scheme_id) == scheme_id)
    return _count(session.execute(query.values(body="", choices=[], variables={})))


def purge(session: Session, scheme: Scheme, now: datetime, *, actor: Actor = SYSTEM,
          record: bool = True) -> Purge:
    """Apply the scheme's retention rules now; written to the audit trail when `record`."""
    scheme_id = scheme.id or 0
    cutoff = now - timedelta(days=scheme_rules(scheme).retention_days)
    result = Purge(scheme.name)
    result.add("outboxmessage: words deleted", sweep_bodies(session, now, scheme_id))
    # A message a year old is history even if it never went (its moment passed long ago).
    result.add("outboxmessage: deleted (older than the retention period)", _count(
        session.execute(delete(OutboxMessage).where(
            col(OutboxMessage.scheme_id) == scheme_id,
            col(OutboxMessage.due_at) < cutoff))))
    _conversations(session, scheme_id, now, result)
    result.add("outboxmessage: deleted (replies to a stranger, a week old)", _count(
        session.execute(delete(OutboxMessage).where(
            col(OutboxMessage.scheme_id) == scheme_id, col(OutboxMessage.person_id).is_(None),
            col(OutboxMessage.due_at) < now - ABANDONED_AFTER))))
    _help(session, scheme_id, now, cutoff, result)
    result.add("invitation: names cleared", _count(session.execute(update(Invitation).where(
        col(Invitation.scheme_id) == scheme_id, col(Invitation.name) != "",
        or_(col(Invitation.used_at).is_not(None), col(Invitation.expires_at) < now))
        .values(name=""))))
    old = [i for i in session.exec(select(LiftRequest.id).where(
        col(LiftRequest.scheme_id) == scheme_id, col(LiftRequest.appointment_at) < cutoff,
        col(LiftRequest.anonymised_at).is_(None))).all() if i is not None]
    result.add("liftrequest: anonymised", anonymise_requests(session, old, now))
    for person in _inactive(session, scheme_id, cutoff):
        for table, count in anonymise_person(session, person, now).items():
            if table == "person":
                result.add(f"person: anonymised ({person.role})", count)
            elif table != "liftrequest":
                result.add(f"{table}: cleared with a person", count)
    result.add("planjob: deleted (older than the retention period)", _count(session.execute(
        delete(PlanJob).where(col(PlanJob.scheme_id) == scheme_id,
                              col(PlanJob.created_at) < cutoff))))
    result.add("auditentry: detail cleared (older than the retention period)", _count(
        session.execute(update(AuditEntry).where(
            col(AuditEntry.scheme_id) == scheme_id, col(AuditEntry.at) < cutoff,
            col(AuditEntry.detail) != "", col(AuditEntry.action) != ACTION).values(detail=""))))
    if record:
        audit.record(session, actor, ACTION, scheme_id=scheme_id, now=now,
                     detail=result.summary())
    return result


def purge_shared(session: Session, now: datetime) -> Purge:
    """What belongs to no scheme: received-message ids, and messages without a scheme."""
    result = Purge("all schemes")
    result.add("inboundmessage: deleted (redelivery window passed)", _count(session.execute(
        delete(InboundMessage).where(col(InboundMessage.received_at) < now - INBOUND_IDS_KEPT))))
    result.add("outboxmessage: words deleted", sweep_bodies(session, now))  # any left
    result.add("conversation: deleted (a stranger, abandoned)", delete_conversations(
        session, col(Conversation.scheme_id).is_(None)
        & (col(Conversation.updated_at) < now - ABANDONED_AFTER)))
    for table in (LoginAttempt, CodeAttempt):  # throttling needs minutes; a month for inquiry
        result.add(f"{table.__tablename__}: deleted (a month old)", _count(session.execute(
            delete(table).where(col(table.at) < now - ATTEMPTS_KEPT))))
    return result


def _conversations(session: Session, scheme_id: int, now: datetime, result: Purge) -> None:
    """Abandoned conversations: a stranger's is deleted (its address is their phone); a
    known person's goes back to the start, keeping only their verified phone."""
    stale = (col(Conversation.scheme_id) == scheme_id) & (
        col(Conversation.updated_at) < now - ABANDONED_AFTER)
    result.add("conversation: deleted (a stranger, abandoned)", delete_conversations(
        session, stale & col(Conversation.person_id).is_(None)))
    query = select(Conversation).where(stale, col(Conversation.person_id).is_not(None))
    if not is_sqlite(session.get_bind()):
        query = query.with_for_update(skip_locked=True)  # a message being handled wins
    cleared = 0
    for conversation in session.exec(query).all():
        kept = {k: v for k, v in (conversation.data or {}).items() if k == "verified_phone"}
        if conversation.state != "idle" or conversation.data != kept:
            conversation.state, conversation.data = "idle", kept
            session.add(conversation)
            cleared += 1
    result.add("conversation: cleared (abandoned half-way)", cleared)


def _help(session: Session, scheme_id: int, now: datetime, cutoff: datetime,
          result: Purge) -> None:
    result.add("helprequest: stranger's number cleared", _count(session.execute(
        update(HelpRequest).where(
            col(HelpRequest.scheme_id) == scheme_id, col(HelpRequest.person_id).is_(None),
            col(HelpRequest.address) != "",
            or_(col(HelpRequest.handled_at).is_not(None),
                col(HelpRequest.opened_at) < now - STRANGER_HELP_KEPT)).values(address=""))))
    result.add("helprequest: deleted (older than the retention period)", _count(
        session.execute(delete(HelpRequest).where(
            col(HelpRequest.scheme_id) == scheme_id, col(HelpRequest.opened_at) < cutoff,
            or_(col(HelpRequest.handled_at).is_not(None), col(HelpRequest.address) == "")))))


def _inactive(session: Session, scheme_id: int, cutoff: datetime) -> list[Person]:
    """People with nothing to do with the scheme for the whole retention period.

    A resident (or a trusted contact): joined before it, no lift asked for or due within it,
    no message in it. A
    driver or coordinator: also marked as no longer active (a volunteer between trips
    stays), and no trip driven within it.
    """
    recent_request = exists().where(
        col(LiftRequest.resident_id) == Person.id,
        or_(col(LiftRequest.appointment_at) >= cutoff, col(LiftRequest.created_at) >= cutoff))
    recent_message = exists().where(col(Conversation.person_id) == Person.id,
                                    col(Conversation.updated_at) >= cutoff)
    recent_trip = exists().where(col(Leg.driver_id) == Person.id,
                                 col(Leg.pickup_at) >= cutoff)
    recent_miles = exists().where(col(MileageEntry.driver_id) == Person.id,
                                  col(MileageEntry.recorded_at) >= cutoff)
    volunteer_left: ColumnElement[bool] = and_(
        col(Person.role) != "resident", col(Person.active).is_(False), ~recent_trip,
        ~recent_miles)
    query = select(Person).where(
        col(Person.scheme_id) == scheme_id, col(Person.anonymised_at).is_(None),
        col(Person.created_at) < cutoff, ~recent_request, ~recent_message,
        or_(col(Person.role).in_(("resident", "contact")), volunteer_left))
    if not is_sqlite(session.get_bind()):
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query).all())


def due(session: Session, scheme: Scheme, now: datetime) -> bool:
    """Whether the scheme's daily purge is due: past PURGE_AT local time, none yet today."""
    tz = scheme_rules(scheme).tz
    today = now.astimezone(tz).date()
    start = local_instant(today, PURGE_AT, tz)
    if now < start:
        return False
    return session.exec(select(AuditEntry.id).where(
        col(AuditEntry.scheme_id) == scheme.id, col(AuditEntry.action) == ACTION,
        col(AuditEntry.at) >= start).limit(1)).first() is None


def run_due(session: Session, now: datetime) -> list[Purge]:
    """The timed job: message words swept now; each scheme's daily purge if it is due."""
    sweep_bodies(session, now)
    done = [purge(session, scheme, now) for scheme in session.exec(select(Scheme)).all()
            if due(session, scheme, now)]
    if done:
        done.append(purge_shared(session, now))
    return done


def purge_all(session: Session, now: datetime, actor: Actor, *,
              record: bool = True) -> list[Purge]:
    """Every scheme's purge and the shared one, now (`lifts privacy purge`)."""
    results = [purge(session, scheme, now, actor=actor, record=record)
               for scheme in session.exec(select(Scheme).order_by(col(Scheme.id))).all()]
    return [*results, purge_shared(session, now)]


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["ABANDONED_AFTER", "Purge", "due", "purge", "purge_all", "purge_shared",
           "run_due", "sweep_bodies"]
