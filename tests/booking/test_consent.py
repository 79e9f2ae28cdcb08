"""Consent as a record, on SQLite and PostgreSQL: which notice version, when, by which channel,
given by the person or recorded by a coordinator for them (and then confirmed by them)."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from sqlalchemy import Engine
from sqlmodel import Session, select

from booking.audit import Actor
from booking.intake.drivers import new_invitation
from booking.intake.inbox import Envelope
from booking.privacy import consent
from booking.privacy.notice import NOTICE_VERSION
from bot.conversation import converse
from bot.messages import Inbound
from lifts.seed import DEMO_COORDINATOR_PHONE
from storage.db import transaction
from storage.tables import AuditEntry, ConsentRecord, Person, Scheme
from tests.support.world import SCHEME_NUMBER, monday_morning, seed

NOW = monday_morning()
NEWCOMER = "+447911123410"
_ids = count(1)


def _sms(engine: Engine, address: str, *texts: str) -> list[str]:
    """Texts from one sender through the real path; the last reply's words."""
    said: list[str] = []
    for n, text in enumerate(texts):
        env = Envelope("sms", address, f"SMc{next(_ids):05d}", to_number=SCHEME_NUMBER)
        said = [r.text for r in converse(engine, env, Inbound(text=text),
                                         now=NOW + timedelta(minutes=n))]
    return said


def _records(engine: Engine, phone: str) -> list[ConsentRecord]:
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.phone == phone)).one()
        return consent.records(session, person.id or 0)


JOIN = ("Hello", "Mary Kettlewell", "4 Chapel Row, Middleham", "DL8 4PU", "1", "no", "no")


def test_a_resident_who_joins_by_text_gives_consent_themselves(any_engine: Engine) -> None:
    """A yes at the end of joining is recorded as the person's own, by SMS, to this notice."""
    seed(any_engine, NOW)
    _sms(any_engine, NEWCOMER, *JOIN, "yes")
    (record,) = _records(any_engine, NEWCOMER)
    assert (record.notice_version, record.channel, record.given_by, record.recorded_by) == (
        NOTICE_VERSION, "sms", "person", "")
    assert record.given_at == NOW + timedelta(minutes=len(JOIN))
    with Session(any_engine) as session:
        assert consent.awaiting_confirmation(session, record.person_id) is None


def test_a_coordinator_answering_for_a_resident_records_it_as_theirs(any_engine: Engine) -> None:
    """/for: the coordinator's "yes" is recorded as taken by phone by that coordinator, in
    the trail, and awaits the person's own confirmation."""
    seed(any_engine, NOW)
    replies = _sms(any_engine, DEMO_COORDINATOR_PHONE,
                   *(f"/for {NEWCOMER} {words}" for words in (*JOIN, "yes")))
    assert any("all set" in r for r in replies), replies
    (record,) = _records(any_engine, NEWCOMER)
    with Session(any_engine) as session:
        pat = session.exec(select(Person).where(Person.phone == DEMO_COORDINATOR_PHONE)).one()
        trail = session.exec(select(AuditEntry).where(
            AuditEntry.action == "consent_recorded")).one()
        waiting = consent.awaiting_confirmation(session, record.person_id)
    assert (record.given_by, record.channel, record.recorded_by,
            record.recorded_by_person_id) == ("coordinator", "phone", pat.name, pat.id)
    assert (trail.person_id, trail.subject_person_id) == (pat.id, record.person_id)
    assert waiting is not None and waiting.id == record.id
    with transaction(any_engine) as session:
        mary = session.exec(select(Person).where(Person.phone == NEWCOMER)).one()
        assert consent.confirm(session, mary, channel="sms", now=NOW + timedelta(days=1))
        assert not consent.confirm(session, mary, channel="sms", now=NOW + timedelta(days=2))
    (confirmed,) = _records(any_engine, NEWCOMER)
    assert (confirmed.confirmed_at, confirmed.confirmed_channel) == (
        NOW + timedelta(days=1), "sms")


def test_a_driver_consents_at_joining(any_engine: Engine) -> None:
    """A new driver's finished join records their consent to the notice, by their channel."""
    seed(any_engine, NOW)
    with transaction(any_engine) as session:
        code = new_invitation(session, session.exec(select(Scheme)).one(), name="Sam Dale",
                              now=NOW).code
    driver = "+447911123620"
    _sms(any_engine, driver, f"JOIN {code}", "Sam Dale", "Leyburn", "blue Ford Focus", "3",
         "yes", "no", "yes", "3/2025", "10/2026", "31/8/2027", "Mondays 9 till 1", "yes", "yes")
    (record,) = _records(any_engine, driver)
    assert (record.notice_version, record.channel, record.given_by) == (
        NOTICE_VERSION, "sms", "person")


def test_recorded_consent_names_the_version_and_keeps_history(any_engine: Engine) -> None:
    """A second record (a new notice version) adds to the history; the latest counts."""
    seed(any_engine, NOW)
    with transaction(any_engine) as session:
        edith = session.exec(select(Person).where(Person.name == "Edith Bainbridge")).one()
        consent.record(session, edith, channel="console", now=NOW,
                       by=Actor("Pat Coordinator", "console"), version="0")
        consent.record(session, edith, channel="sms", now=NOW + timedelta(days=1))
    records = _records(any_engine, "+447911123401")
    assert [(r.notice_version, r.given_by) for r in records] == [
        ("0", "coordinator"), (NOTICE_VERSION, "person")]
    with Session(any_engine) as session:
        assert consent.awaiting_confirmation(session, records[0].person_id) is None
