"""Writing to the outbox: every message we owe someone, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from booking.messaging import copies
from booking.phones import is_landline
from storage.tables import OutboxMessage, Person

# What a call carries for someone who prefers one; a landline also hears the other news
# about their lift by a call (never an offer, a run sheet or a coordinator's alert).
CALLED_KINDS = ("confirmation", "reminder", "unserved")
LANDLINE_KINDS = (*CALLED_KINDS, "still_looking", "trip_change", "coordinator_message")


def rings(person: Person, kind: str = "") -> bool:
    """Whether this message reaches the person by a call: news of their lift to a landline
    (it cannot take a text), confirmations, reminders and "no driver yet" to someone who
    prefers a call."""
    if not person.phone:
        return False
    if person.landline or is_landline(person.phone):
        return kind in LANDLINE_KINDS
    return person.prefers_call and kind in CALLED_KINDS


def address_for(person: Person, kind: str = "") -> tuple[str, str] | None:
    """The (channel, address) to reach a person on, honouring their preference and STOP."""
    if person.preferred_channel == "telegram" and person.telegram_chat_id:
        return "telegram", str(person.telegram_chat_id)
    if person.phone and rings(person, kind):
        return "voice", person.phone
    if person.preferred_channel == "whatsapp" and person.phone:
        return "whatsapp", person.phone
    if person.phone and not person.sms_opted_out:
        return "sms", person.phone
    if person.telegram_chat_id:
        return "telegram", str(person.telegram_chat_id)
    return None


def enqueue(
    session: Session,
    *,
    key: str,
    person: Person,
    kind: str,
    body: str,
    due_at: datetime,
    urgent: bool = False,
    request_id: int | None = None,
    choices: tuple[tuple[str, str], ...] = (),
    sms_hint: str = "",
    stale_after: datetime | None = None,
    variables: dict[str, str] | None = None,
) -> OutboxMessage | None:
    """Add a message unless one with the same key exists; None if the person is unreachable.

    A cancelled message owed again under its key (a trip re-confirmed for the same pickup,
    say with another driver) is revived with the new text and time; any other existing
    message is left as it is, so a key is sent at most once.

    Choices become buttons on Telegram; by SMS and WhatsApp the `sms_hint` ("Reply YES 482
    or NO 482") is added instead, because a text reply cannot say which message it answers
    (a WhatsApp template's own quick replies carry the same words). `variables` are the
    facts a WhatsApp template or a call script is filled from (templates.TEMPLATES).
    """
    if person.role == "resident" and kind in copies.COPIED_KINDS:
        return _with_copies(session, key=key, person=person, kind=kind, body=body,
                            due_at=due_at, urgent=urgent, request_id=request_id,
                            choices=choices, sms_hint=sms_hint, stale_after=stale_after,
                            variables=variables)
    return _enqueue(session, key=key, person=person, kind=kind, body=body, due_at=due_at,
                    urgent=urgent, request_id=request_id, choices=choices, sms_hint=sms_hint,
                    stale_after=stale_after, variables=variables)


def _with_copies(session: Session, *, key: str, person: Person, kind: str, body: str,
                 **rest: Any) -> OutboxMessage | None:
    """A resident's message, and a copy for each trusted contact who hears them (the
    resident left out when their contacts chose to take their messages instead)."""
    contacts, resident_too = copies.contacts_to_tell(session, person)
    first = person.name.split()[0] if person.name.strip() else "them"
    sent = [_enqueue(session, key=f"{key}:contact:{contact.id}", person=contact, kind=kind,
                     body=copies.copy_text(first, body),
                     # the copy's own words: a template or call says them, not "your lift"
                     **{**rest, "sms_hint": "", "variables": None})
            for contact in contacts]
    reached = [m for m in sent if m is not None]
    if resident_too or not reached:
        return _enqueue(session, key=key, person=person, kind=kind, body=body, **rest)
    return reached[0]


def _enqueue(
    session: Session,
    *,
    key: str,
    person: Person,
    kind: str,
    body: str,
    due_at: datetime,
    urgent: bool = False,
    request_id: int | None = None,
    choices: tuple[tuple[str, str], ...] = (),
    sms_hint: str = "",
    stale_after: datetime | None = None,
    variables: dict[str, str] | None = None,
) -> OutboxMessage | None:
    existing = session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    found = existing.first()
    if found is not None and found.status != "cancelled":
        return found
    target = address_for(person, kind)
    if target is None:
        return None
    channel, address = target
    if channel in ("sms", "whatsapp", "voice"):
        body, choices = (f"{body} {sms_hint}" if sms_hint else body), ()
    message = found or OutboxMessage(idempotency_key=key, kind=kind, channel=channel,
                                     address=address, body=body, due_at=due_at)
    message.scheme_id, message.person_id, message.kind = person.scheme_id, person.id, kind
    message.channel, message.address, message.body = channel, address, body
    message.choices = [{"value": value, "label": label} for value, label in choices]
    message.variables = dict(variables or {})
    message.urgent, message.due_at, message.stale_after = urgent, due_at, stale_after
    message.request_id, message.status, message.attempts = request_id, "pending", 0
    message.last_error = ""
    session.add(message)
    return message


def pending(session: Session, *, limit: int = 100) -> list[OutboxMessage]:
    """Messages not yet sent, oldest due first."""
    query = (
        select(OutboxMessage)
        .where(col(OutboxMessage.status).in_(("pending", "sending", "failed")))
        .order_by(col(OutboxMessage.due_at))
        .limit(limit)
    )
    return list(session.exec(query))


# Replies are answered at once through the webhook (TwiML, or a Telegram sendMessage). They
# are also owed here, in the message's own transaction, due a little later: once the answer
# has gone out it is marked sent; if the process died first, or Telegram refused it, the
# dispatcher sends it. So a reply is never lost, and sent twice only after a crash between
# answering and marking.
REPLY_GRACE = timedelta(seconds=30)
DURABLE_CHANNELS = ("sms", "telegram", "whatsapp")
CONTACT = "contact:share"  # a choice that means Telegram's "share my phone number" button


def owe_replies(session: Session, env: Any, scheme_id: int | None, person_id: int | None,
                replies: Sequence[tuple[str, tuple[tuple[str, str], ...], bool]],
                now: datetime) -> list[int]:
    """Write the replies to an incoming message as owed; returns their outbox ids."""
    ids = []
    for n, (text, choices, contact) in enumerate(replies):
        message = OutboxMessage(
            idempotency_key=f"reply:{env.channel}:{env.provider_id}:{n}"[:200],
            scheme_id=scheme_id, person_id=person_id, kind="reply", channel=env.channel,
            address=env.address, body=text[:4000], urgent=True, due_at=now + REPLY_GRACE,
            stale_after=now + timedelta(hours=12),
            choices=[{"value": CONTACT, "label": "Share my phone number"}] if contact else
            [{"value": v, "label": label} for v, label in choices])
        session.add(message)
        session.flush()
        ids.append(message.id or 0)
    return ids


def replied(session: Session, ids: Sequence[int], now: datetime,
            provider_ids: Sequence[str] = ()) -> int:
    """The webhook's own answer went out: these replies need not be sent again. With the
    provider's ids (a Telegram sendMessage that succeeded) they are known to have arrived; an
    answer in a TwiML response is not, so a redelivery answers it again."""
    rows = session.exec(select(OutboxMessage).where(
        col(OutboxMessage.id).in_(ids), OutboxMessage.status == "pending")).all()
    known = dict(zip(ids, provider_ids, strict=False))
    for row in rows:
        row.status, row.sent_at = "sent", now
        row.provider_message_id = known.get(row.id or 0)
        session.add(row)
    return len(rows)


def replay_replies(session: Session, env: Any) -> tuple[list[tuple[str, tuple[tuple[str, str],
                                                                      ...], bool]], list[int]]:
    """The replies owed to a message the provider has sent again: a redelivery means our
    answer never reached them, so it is answered again, unless the dispatcher has sent it
    (through the API) or is sending it now."""
    rows = session.exec(select(OutboxMessage).where(
        col(OutboxMessage.idempotency_key).startswith(f"reply:{env.channel}:{env.provider_id}:"),
        col(OutboxMessage.status).in_(("pending", "sent")),
        col(OutboxMessage.provider_message_id).is_(None)).order_by(col(OutboxMessage.id))).all()
    texts = [(row.body, tuple((c["value"], c["label"]) for c in row.choices if
                              c["value"] != CONTACT),
              any(c["value"] == CONTACT for c in row.choices)) for row in rows if row.body]
    return texts, [row.id or 0 for row in rows if row.body]
