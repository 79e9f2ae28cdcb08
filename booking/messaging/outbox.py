"""Writing to the outbox: every message we owe someone, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.tables import OutboxMessage, Person


def address_for(person: Person) -> tuple[str, str] | None:
    """The (channel, address) to reach a person on, honouring their preference and STOP."""
    if person.preferred_channel == "telegram" and person.telegram_chat_id:
        return "telegram", str(person.telegram_chat_id)
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
) -> OutboxMessage | None:
    """Add a message unless one with the same key exists; None if the person is unreachable.

    A cancelled message owed again under its key (a trip re-confirmed for the same pickup,
    say with another driver) is revived with the new text and time; any other existing
    message is left as it is, so a key is sent at most once.

    Choices become buttons on Telegram; by SMS the `sms_hint` ("Reply YES 482 or NO 482")
    is added instead, because a text reply cannot say which message it answers.
    """
    existing = session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    found = existing.first()
    if found is not None and found.status != "cancelled":
        return found
    target = address_for(person)
    if target is None:
        return None
    channel, address = target
    if channel == "sms":
        body, choices = (f"{body} {sms_hint}" if sms_hint else body), ()
    message = found or OutboxMessage(idempotency_key=key, kind=kind, channel=channel,
                                     address=address, body=body, due_at=due_at)
    message.scheme_id, message.person_id, message.kind = person.scheme_id, person.id, kind
    message.channel, message.address, message.body = channel, address, body
    message.choices = [{"value": value, "label": label} for value, label in choices]
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
