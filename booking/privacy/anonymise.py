"""What "anonymised" means, table by table. Rows are kept (the impact report counts them, and
nine foreign keys point at a person); what identifies someone is cleared.

- a request keeps its scheme, destination, appointment time, return plan, channel and
  status (what the report counts), and an unserved one the category of why ("no driver
  free"); its mobility, companion, dog and free-text reasons go;
- its legs keep their times, miles, driver and status (volunteer hours and miles); the
  pickup and drop-off addresses and reasons go; its history keeps the moves, not the notes;
  audit entries about it keep who did what and when, not the detail;
- a person keeps their row, role and the day they consented; name, phone, Telegram ids,
  address, postcode, coordinates, needs and a driver's checks go, they are made inactive,
  their conversations, HELP requests, availability and absences are deleted, their car's
  description and their invitation's name cleared, their unsent messages cancelled and
  every message to them emptied of body and address.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, or_, update
from sqlmodel import Session, col, select

from booking.domain.status import RequestStatus
from storage.tables import (
    Absence,
    AuditEntry,
    Availability,
    ConsoleAccount,
    ConsoleMembership,
    ConsoleSession,
    Conversation,
    HelpRequest,
    InboundMessage,
    Invitation,
    Leg,
    LiftRequest,
    LiftRequestEvent,
    OutboxMessage,
    Person,
    PlanJob,
    Vehicle,
)

ANONYMISED = "Anonymised"  # never empty: greetings take a name's first word
CHUNK = 500  # ids per IN (...): well under every backend's parameter limit


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    """`ids` in slices small enough for one statement."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def kept_reason(status: str, said: str) -> str:
    """What an anonymised request keeps of its reason: the category the impact report shows
    for an unserved request (the words before any ':'), nothing for the others."""
    if status != RequestStatus.UNSERVED:
        return ""
    return said.split(":")[0].strip()


def anonymise_requests(session: Session, request_ids: Sequence[int], now: datetime) -> int:
    """Reduce these requests, their legs, history and audit entries to the counts; returns
    how many requests were changed (already anonymised ones are left alone)."""
    changed = 0
    for part in chunks(sorted(set(request_ids))):
        rows = session.exec(select(LiftRequest.id, LiftRequest.status,
                                   LiftRequest.status_reason).where(
            col(LiftRequest.id).in_(part), col(LiftRequest.anonymised_at).is_(None))).all()
        if not rows:
            continue
        ids = [row[0] for row in rows if row[0] is not None]
        leg_reasons = _first_leg_reasons(session, ids)
        session.execute(update(LiftRequest), [
            {"id": rid, "status_reason": kept_reason(status, reason or leg_reasons.get(rid, "")),
             "mobility": "", "companion": False, "assistance_dog": False,
             "anonymised_at": now}
            for rid, status, reason in rows if rid is not None])
        session.execute(update(Leg).where(col(Leg.request_id).in_(ids)).values(
            pickup_place="", dropoff_place="", reason=""))
        session.execute(update(LiftRequestEvent).where(
            col(LiftRequestEvent.request_id).in_(ids), col(LiftRequestEvent.note) != "").values(
            note=""))
        session.execute(update(AuditEntry).where(
            col(AuditEntry.request_id).in_(ids), col(AuditEntry.detail) != "").values(detail=""))
        changed += len(ids)
    return changed


def _first_leg_reasons(session: Session, request_ids: Sequence[int]) -> dict[int, str]:
    """The reason on each request's first leg that has one (the report falls back to it)."""
    found: dict[int, str] = {}
    for request_id, reason in session.exec(select(Leg.request_id, Leg.reason).where(
            col(Leg.request_id).in_(request_ids), col(Leg.reason) != "").order_by(col(Leg.id))):
        found.setdefault(request_id, reason)
    return found


def anonymise_person(session: Session, person: Person, now: datetime) -> dict[str, int]:
    """Clear what identifies `person` everywhere; returns rows changed per table."""
    pid, name = person.id or 0, person.name
    counts: dict[str, int] = {}
    requests = [r for r in session.exec(select(LiftRequest.id).where(
        col(LiftRequest.resident_id) == pid)).all() if r is not None]
    counts["liftrequest"] = anonymise_requests(session, requests, now)
    counts["outboxmessage"] = _messages(session, person)
    counts["conversation"] = delete_conversations(session, or_(
        col(Conversation.person_id) == pid,
        col(Conversation.person_id).is_(None) & or_(*_chats(person)))
        if _chats(person) else col(Conversation.person_id) == pid)
    counts["helprequest"] = _rowcount(session.execute(delete(HelpRequest).where(
        col(HelpRequest.scheme_id) == person.scheme_id, or_(
            col(HelpRequest.person_id) == pid, *(
                [col(HelpRequest.address) == a for _, a in _addresses(person)])))))
    counts["availability"] = _rowcount(session.execute(delete(Availability).where(
        col(Availability.driver_id) == pid)))
    counts["absence"] = _rowcount(session.execute(delete(Absence).where(
        col(Absence.driver_id) == pid)))
    counts["vehicle"] = _rowcount(session.execute(update(Vehicle).where(
        col(Vehicle.driver_id) == pid).values(description="")))
    counts["invitation"] = _rowcount(session.execute(update(Invitation).where(
        col(Invitation.used_by) == pid).values(name="")))
    counts["planjob"] = _rowcount(session.execute(update(PlanJob).where(
        col(PlanJob.person_id) == pid).values(requested_by="")))
    counts["auditentry"] = _audit(session, person, name)
    counts["consoleaccount"] = _accounts(session, person, now)
    counts["outboxmessage"] += _scrub_unsent(session, person)
    for field, value in _CLEARED.items():
        setattr(person, field, value)
    person.name, person.anonymised_at = ANONYMISED, now
    session.add(person)
    counts["person"] = 1
    return counts


_CLEARED: dict[str, object] = {
    "phone": None, "telegram_user_id": None, "telegram_chat_id": None,
    "preferred_channel": "sms", "address": "", "postcode": "", "lat": None, "lon": None,
    "mobility": "unaided", "companion": False, "assistance_dog": False,
    "sms_opted_out": False, "active": False, "max_trips_per_day": None,
    "max_miles_from_home": None, "dbs_checked_on": None, "licence_checked_on": None,
    "insurance_expires_on": None, "whatsapp_seen_at": None, "prefers_call": False,
    "landline": False,
}


def _addresses(person: Person) -> list[tuple[str, str]]:
    """The (channel, address) pairs the person is reached at."""
    found = [(c, person.phone) for c in ("sms", "whatsapp", "voice")] if person.phone else []
    if person.telegram_chat_id:
        found.append(("telegram", str(person.telegram_chat_id)))
    return found


def _chats(person: Person) -> list[ColumnElement[bool]]:
    """Conversations at the person's phone or chat (from before they joined, too)."""
    return [(col(Conversation.channel) == channel) & (col(Conversation.address) == address)
            for channel, address in _addresses(person)]


def _messages(session: Session, person: Person) -> int:
    """Unsent messages to them cancelled; every message to them without body or address."""
    to_them = (col(OutboxMessage.scheme_id) == person.scheme_id) & or_(
        col(OutboxMessage.person_id) == person.id,
        *[col(OutboxMessage.address) == address for _, address in _addresses(person)])
    session.execute(update(OutboxMessage).where(
        to_them, col(OutboxMessage.status) == "pending").values(status="cancelled"))
    return _rowcount(session.execute(update(OutboxMessage).where(
        to_them, or_(col(OutboxMessage.body) != "", col(OutboxMessage.address) != "")).values(
        body="", address="", variables={})))


def _accounts(session: Session, person: Person, now: datetime) -> int:
    """A coordinator's console login (found through their membership of the scheme): signed
    out everywhere, disabled, and without email, name or phone."""
    accounts = session.exec(select(ConsoleAccount).join(
        ConsoleMembership, col(ConsoleMembership.account_id) == ConsoleAccount.id).where(
        ConsoleMembership.person_id == person.id)).all()
    for account in accounts:
        account.email, account.name, account.phone = (f"erased-{account.id}@invalid",
                                                      ANONYMISED, None)
        account.password_hash, account.active = "", False
        account.disabled_at = account.disabled_at or now
        session.add(account)
        session.execute(update(ConsoleSession).where(
            col(ConsoleSession.account_id) == account.id,
            col(ConsoleSession.revoked_at).is_(None)).values(revoked_at=now))
    return len(accounts)


def _scrub_unsent(session: Session, person: Person) -> int:
    """Messages still to go to other people (a coordinator's alert, a run sheet) lose the
    person's name, phone and address: they are sent moments later, words and all."""
    changed = 0
    for value, instead in ((person.name, ANONYMISED), (person.phone or "", ""),
                           (person.address, "")):
        if len(value.strip()) < 3 or value == ANONYMISED:  # too short: it would hit words
            continue
        changed += _rowcount(session.execute(update(OutboxMessage).where(
            col(OutboxMessage.scheme_id) == person.scheme_id,
            col(OutboxMessage.status).in_(("pending", "sending")),
            col(OutboxMessage.body).contains(value, autoescape=True)).values(
            body=func.replace(OutboxMessage.body, value, instead))))
    return changed


def delete_conversations(session: Session, where: ColumnElement[bool]) -> int:
    """Delete conversations (their address is a phone or a chat), after unhooking the
    received-message ids that point at them."""
    ids = [i for i in session.exec(select(Conversation.id).where(where)).all()
           if i is not None]
    for part in chunks(ids):
        session.execute(update(InboundMessage).where(
            col(InboundMessage.conversation_id).in_(part)).values(conversation_id=None))
        session.execute(delete(Conversation).where(col(Conversation.id).in_(part)))
    return len(ids)


def _audit(session: Session, person: Person, name: str) -> int:
    """Entries about them lose their detail; entries they made lose their name; their name
    is taken out of any other entry of the scheme (a broadcast "to Pat Allen, ...")."""
    changed = _rowcount(session.execute(update(AuditEntry).where(
        col(AuditEntry.subject_person_id) == person.id, col(AuditEntry.detail) != "").values(
        detail="")))
    accounts = list(session.exec(select(ConsoleMembership.account_id).where(
        ConsoleMembership.person_id == person.id)).all())
    by_them = [col(AuditEntry.person_id) == person.id,
               col(AuditEntry.account_id).in_(accounts)]
    if len(name.strip()) >= 3 and name != ANONYMISED:
        by_them.append((col(AuditEntry.scheme_id) == person.scheme_id)
                       & (col(AuditEntry.actor_name) == name))
    changed += _rowcount(session.execute(update(AuditEntry).where(or_(*by_them)).values(
        actor_name=ANONYMISED)))
    if len(name.strip()) >= 3 and name != ANONYMISED:  # a name too short would hit words
        changed += _rowcount(session.execute(update(AuditEntry).where(
            col(AuditEntry.scheme_id) == person.scheme_id,
            col(AuditEntry.detail).contains(name, autoescape=True)).values(
            detail=func.replace(AuditEntry.detail, name, ANONYMISED))))
    return changed


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
