"""Tests for storage/: migrations, the UTC column type and the constraints, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, SQLModel, func, select

from booking.messaging.outbox import enqueue
from storage.db import transaction
from storage.tables import Conversation, InboundMessage, OutboxMessage, Person, Place, Scheme

LONDON = ZoneInfo("Europe/London")
WHEN = datetime(2026, 7, 1, 10, 40, tzinfo=LONDON)  # BST: 09:40 UTC


def _scheme(session: Session) -> Scheme:
    scheme = Scheme(slug="test", name="Test Lifts")
    session.add(scheme)
    session.flush()
    return scheme


def test_migrations_create_every_table(any_engine: Engine) -> None:
    """Migrating to head creates every table the models declare, with their columns."""
    inspector = inspect(any_engine)
    tables = set(inspector.get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables
    for name, table in SQLModel.metadata.tables.items():
        columns = {c["name"] for c in inspector.get_columns(name)}
        assert {c.name for c in table.columns} == columns, name


def test_utc_datetime_round_trips_as_aware_utc(any_engine: Engine) -> None:
    """A London-time value is stored as the same instant and read back as aware UTC."""
    with transaction(any_engine) as session:
        session.add(Scheme(slug="t", name="T", created_at=WHEN))
    with Session(any_engine) as session:
        (stored,) = session.exec(select(Scheme.created_at)).all()
    assert stored == WHEN
    assert stored.tzinfo is UTC
    assert (stored.hour, stored.minute) == (9, 40)


def test_utc_datetime_compares_in_queries(any_engine: Engine) -> None:
    """A WHERE on a UTC column matches the same instant given in another zone."""
    with transaction(any_engine) as session:
        session.add(Scheme(slug="t", name="T", created_at=WHEN))
    with Session(any_engine) as session:
        found = session.exec(select(Scheme).where(
            Scheme.created_at == WHEN.astimezone(UTC))).all()
        later = session.exec(select(Scheme).where(Scheme.created_at > WHEN)).all()
    assert len(found) == 1 and later == []


def test_utc_datetime_refuses_naive(any_engine: Engine) -> None:
    """A naive datetime is a bug (whose wall clock?) and is refused, not stored."""
    with pytest.raises(StatementError, match="naive datetime"), \
            transaction(any_engine) as session:
        session.add(Scheme(slug="t", name="T", created_at=datetime(2026, 7, 1, 10, 40)))
    with Session(any_engine) as session:
        assert session.exec(select(func.count()).select_from(Scheme)).one() == 0


def test_inbound_provider_id_is_unique(any_engine: Engine) -> None:
    """The same provider message id on the same channel cannot be stored twice."""
    with transaction(any_engine) as session:
        session.add(InboundMessage(channel="sms", provider_id="SM123", received_at=WHEN))
        session.add(InboundMessage(channel="telegram", provider_id="SM123", received_at=WHEN))
    with pytest.raises(IntegrityError), transaction(any_engine) as session:
        session.add(InboundMessage(channel="sms", provider_id="SM123", received_at=WHEN))


def test_conversation_address_is_unique(any_engine: Engine) -> None:
    """There is one conversation per (channel, address)."""
    with transaction(any_engine) as session:
        session.add(Conversation(channel="sms", address="+447700900001", updated_at=WHEN))
        session.add(Conversation(channel="telegram", address="+447700900001", updated_at=WHEN))
    with pytest.raises(IntegrityError), transaction(any_engine) as session:
        session.add(Conversation(channel="sms", address="+447700900001", updated_at=WHEN))


def test_outbox_enqueue_is_idempotent(any_engine: Engine) -> None:
    """Enqueueing twice with the same key leaves one row, even across transactions."""
    with transaction(any_engine) as session:
        scheme = _scheme(session)
        person = Person(scheme_id=scheme.id or 0, role="resident", name="Edith Bainbridge",
                        phone="+447911123401")
        session.add(person)
        session.flush()
        first = enqueue(session, key="reminder:1", person=person, kind="reminder",
                        body="Your lift is tomorrow.", due_at=WHEN)
        again = enqueue(session, key="reminder:1", person=person, kind="reminder",
                        body="Your lift is tomorrow.", due_at=WHEN)
        assert first is not None and again is first
    with transaction(any_engine) as session:
        person = session.exec(select(Person)).one()
        enqueue(session, key="reminder:1", person=person, kind="reminder", body="again",
                due_at=WHEN)
        enqueue(session, key="reminder:2", person=person, kind="reminder", body="other",
                due_at=WHEN)
    with Session(any_engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.idempotency_key)).all()
    assert [(r.idempotency_key, r.body, r.channel, r.address) for r in rows] == [
        ("reminder:1", "Your lift is tomorrow.", "sms", "+447911123401"),
        ("reminder:2", "other", "sms", "+447911123401"),
    ]


def test_outbox_key_is_unique_in_the_table(any_engine: Engine) -> None:
    """The database itself refuses a second row with the same idempotency key."""
    row = {"idempotency_key": "k", "kind": "reminder", "channel": "sms",
           "address": "+447700900001", "body": "hi", "due_at": WHEN}
    with transaction(any_engine) as session:
        session.add(OutboxMessage(**row))
    with pytest.raises(IntegrityError), transaction(any_engine) as session:
        session.add(OutboxMessage(**row))


def test_foreign_keys_are_enforced(any_engine: Engine) -> None:
    """A row pointing at a scheme that does not exist is refused on both backends."""
    with pytest.raises(IntegrityError), transaction(any_engine) as session:
        session.add(Place(scheme_id=9999, kind="gp", name="Nowhere Surgery", lat=0.0, lon=0.0))
    with Session(any_engine) as session:
        assert session.exec(select(func.count()).select_from(Place)).one() == 0


def test_sqlite_pragmas(engine: Engine) -> None:
    """SQLite runs in WAL mode with foreign keys on and a busy timeout."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
