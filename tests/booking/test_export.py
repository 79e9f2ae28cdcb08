"""The subject-access export on SQLite and PostgreSQL: everything held about a person, as JSON
and in plain words; sent messages without their words; other people left out."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import count
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from booking import coordinator
from booking.audit import Actor
from booking.intake.inbox import Envelope
from booking.messaging.dispatch import record_sent
from booking.privacy.erasure import find
from booking.privacy.export import as_text, export_person, export_traces
from booking.privacy.notice import NOTICE_VERSION
from booking.privacy.retention import sweep_bodies
from bot.conversation import converse
from bot.messages import Inbound
from storage.db import transaction
from storage.tables import AuditEntry, OutboxMessage
from tests.support.world import SCHEME_NUMBER, driven_lift, monday_morning, seed

NOW = monday_morning()
MARY = "+447911123410"
ADMIN = Actor("Dana Protection", "cli", "admin")
_ids = count(1)


def _sms(engine: Engine, address: str, *texts: str) -> None:
    for n, text in enumerate(texts):
        env = Envelope("sms", address, f"SMe{next(_ids):05d}", to_number=SCHEME_NUMBER)
        converse(engine, env, Inbound(text=text), now=NOW + timedelta(minutes=n))


def _export(engine: Engine, phone: str) -> dict[str, Any]:
    with transaction(engine) as session:
        (person,) = find(session, phone)
        return export_person(session, person, ADMIN, NOW + timedelta(hours=1))


def test_a_residents_export_holds_what_we_keep_and_says_so_plainly(any_engine: Engine) -> None:
    """Mary joined and booked by text and a coordinator messaged her: the export has her
    profile, her consent, the lift and its history, the messages (words only while unsent)
    and the coordinator's action; it is itself in the audit trail."""
    seed(any_engine, NOW)
    _sms(any_engine, MARY, "Lift to Leyburn surgery Thursday 10.40 please", "Mary Kettlewell",
         "4 Chapel Row, Middleham", "DL8 4PU", "2", "no", "no", "yes", "yes")
    with transaction(any_engine) as session:
        (mary,) = find(session, MARY)
        pat = Actor("Pat Coordinator", "console")
        coordinator.message_person(session, 1, mary.id or 0, "We got your letter.", pat, NOW)
        first = session.exec(select(OutboxMessage).where(
            OutboxMessage.person_id == mary.id,
            OutboxMessage.kind == "coordinator_message")).one()
        first_id = first.id or 0
        coordinator.message_person(session, 1, mary.id or 0, "Your driver has a red car.",
                                   pat, NOW + timedelta(minutes=30))
    record_sent(any_engine, first_id, "SMout1", NOW)
    with transaction(any_engine) as session:
        sweep_bodies(session, NOW + timedelta(days=3))

    doc = _export(any_engine, MARY)

    profile = doc["profile"]
    assert isinstance(profile, dict)
    assert (profile["name"], profile["phone"], profile["postcode"], profile["mobility"]) == (
        "Mary Kettlewell", MARY, "DL8 4PU", "walking_aid")
    assert [(c["notice_version"], c["given_by"], c["channel"]) for c in doc["consent"]
            ] == [(NOTICE_VERSION, "person", "sms")]
    (lift,) = doc["requests"]
    assert lift["destination"] == "Leyburn Medical Practice" and lift["history"]
    messages = doc["messages"]
    assert isinstance(messages, list) and messages
    sent = [m for m in messages if m["id"] == first_id]
    assert sent[0]["status"] == "sent" and sent[0]["words"] is None
    unsent = [m for m in messages if m["status"] == "pending"]
    assert any(m["words"] == "Your driver has a red car. - Pat, Wensleydale Lifts"
               for m in unsent)
    replies = [m for m in messages if m["kind"] == "reply"]
    assert replies and all(m["status"] == "sent" and m["words"] is None for m in replies)
    actions = [a["action"] for a in doc["audit"]]
    assert "message" in actions
    json.dumps(doc)  # JSON as it stands
    words = as_text(doc)
    for expected in ("Mary Kettlewell", "4 Chapel Row, Middleham", f"Version {NOTICE_VERSION}",
                     "to Leyburn Medical Practice", "coordinator message by sms",
                     "Pat Coordinator: message"):
        assert expected in words, expected
    with Session(any_engine) as session:
        trail = session.exec(select(AuditEntry).where(
            AuditEntry.action == "privacy_export")).one()
    assert (trail.actor_name, trail.subject_person_id) == ("Dana Protection", profile["id"])


def test_a_drivers_export_has_their_trips_and_miles_not_their_passengers(
        any_engine: Engine) -> None:
    """A driver sees their own trips, times, miles, car and free times; the passenger's name,
    address and phone are not theirs to have."""
    seed(any_engine, NOW)
    driven_lift(any_engine, (NOW - timedelta(days=10)).date(), driver_miles=12.0,
                passenger_miles=8.0)
    doc = _export(any_engine, "+447911123601")
    driving = doc["trips_driven"]
    assert isinstance(driving, dict)
    assert [m["miles"] for m in driving["mileage"]] == [12.0]
    assert driving["trips"] and driving["cars"] and driving["free_times"]
    dumped = json.dumps(doc) + as_text(doc)
    assert "Margaret Allen" in dumped and "12.0 miles recorded" in dumped
    for other in ("Edith", "2 Church Lane", "+447911123401"):
        assert other not in dumped


def test_what_a_stranger_left_is_found_by_number(any_engine: Engine) -> None:
    """A number that is nobody's still shows what it left: a half-finished join."""
    seed(any_engine, NOW)
    stranger = "+447911123779"
    _sms(any_engine, stranger, "Hello", "Mary Kettlewell")
    with Session(any_engine) as session:
        assert find(session, stranger) == []
        traces = export_traces(session, 1, stranger)
    (conversation,) = traces["conversations"]
    assert conversation["data"]["name"] == "Mary Kettlewell"
