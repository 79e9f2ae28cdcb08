"""The real path without HTTP: `booking.intake.inbox.handle` with `bot.dialogue.flow.step`
deciding, on a migrated database seeded with the Wensleydale demo scheme."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking.intake.inbox import Envelope, Handled, handle
from bot.dialogue.flow import step
from bot.messages import Inbound
from lifts.seed import DEMO_COORDINATOR_PHONE
from storage.tables import (
    Conversation,
    InboundMessage,
    LiftRequest,
    LiftRequestEvent,
    OutboxMessage,
    Person,
    Place,
)
from tests.support.world import SCHEME_NUMBER, monday_morning, seed

LONDON = ZoneInfo("Europe/London")
NOW = monday_morning()
EDITH = "+447911123401"  # a seeded resident
NEWCOMER = "+447911123410"
_ids = count(1)


@pytest.fixture
def world(engine: Engine) -> Engine:
    """The demo scheme, seeded at the test's Monday morning."""
    seed(engine, NOW)
    return engine


def london(days: int, hour: int, minute: int = 0) -> datetime:
    """An aware UTC instant from a London wall time `days` after the Monday."""
    local = NOW.astimezone(LONDON).date() + timedelta(days=days)
    return datetime.combine(local, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def send(engine: Engine, text: str, *, address: str = EDITH, provider_id: str = "",
         minutes: int = 0) -> Handled | None:
    """One SMS in, handled end to end; the provider id is fresh unless one is given."""
    env = Envelope("sms", address, provider_id or f"SM{next(_ids):06d}",
                   to_number=SCHEME_NUMBER)
    return handle(engine, env, now=NOW + timedelta(minutes=minutes),
                  decide=lambda snap: step(snap, Inbound(text=text)))


def converse(engine: Engine, *texts: str, address: str = EDITH) -> list[Handled]:
    """Several SMS in a row from one sender; each must be handled (none is a redelivery)."""
    handled = []
    for n, text in enumerate(texts):
        result = send(engine, text, address=address, minutes=n)
        assert result is not None
        handled.append(result)
    return handled


def requests(engine: Engine) -> list[LiftRequest]:
    """Every stored lift request, oldest first."""
    with Session(engine) as session:
        return list(session.exec(select(LiftRequest).order_by(col(LiftRequest.id))))


def history(engine: Engine, request_id: int) -> list[tuple[str, str, str]]:
    """A request's status changes as (from, to, actor)."""
    with Session(engine) as session:
        events = session.exec(select(LiftRequestEvent)
                              .where(LiftRequestEvent.request_id == request_id)
                              .order_by(col(LiftRequestEvent.id))).all()
        return [(e.from_status, e.to_status, e.actor) for e in events]


def place_id(engine: Engine, name: str) -> int:
    """The id of a seeded place."""
    with Session(engine) as session:
        return session.exec(select(Place).where(Place.name == name)).one().id or 0


def test_a_newcomer_joins_and_books_by_sms(world: Engine) -> None:
    """A stranger's first text is a booking; they join, confirm, and the lift is stored."""
    handled = converse(world, "Hi, I need a lift to Leyburn surgery on Thursday at 10.40",
                       "Mary Kettlewell", "4 Chapel Row, Middleham", "DL8 4PU", "2", "no",
                       "no", "yes", "yes", address=NEWCOMER)
    assert handled[-1].refused is None
    assert "who is driving" in handled[-1].decision.replies[-1].text
    with Session(world) as session:
        mary = session.exec(select(Person).where(Person.phone == NEWCOMER)).one()
        conversation = session.exec(select(Conversation).where(
            Conversation.address == NEWCOMER)).one()
    assert (mary.name, mary.role, mary.mobility, mary.postcode) == (
        "Mary Kettlewell", "resident", "walking_aid", "DL8 4PU")
    assert mary.consent_at is not None and mary.lat is not None
    assert (conversation.person_id, conversation.state) == (mary.id, "idle")
    (lift,) = requests(world)
    assert lift.resident_id == mary.id
    assert lift.destination_id == place_id(world, "Leyburn Medical Practice")
    assert lift.appointment_at == london(3, 10, 40)
    assert lift.appointment_at.tzinfo is UTC
    assert (lift.status, lift.return_plan, lift.mobility, lift.channel) == (
        "requested", "wait", "walking_aid", "sms")
    assert history(world, lift.id or 0) == [("requested", "requested", "resident")]


def test_a_redelivered_message_is_processed_once(world: Engine) -> None:
    """Twilio retrying the same message id changes nothing the second time."""
    send(world, "Lift to Leyburn surgery Thursday 10.40 please")
    first = send(world, "yes", provider_id="SMretry", minutes=1)
    again = send(world, "yes", provider_id="SMretry", minutes=2)
    assert first is not None and again is not None and again.decision is None
    assert again.texts == first.texts  # the first answer again, nothing done again
    assert len(requests(world)) == 1
    with Session(world) as session:
        rows = session.exec(select(InboundMessage).where(
            InboundMessage.provider_id == "SMretry")).all()
    assert len(rows) == 1


def test_short_notice_goes_to_the_coordinator(world: Engine) -> None:
    """A lift for tomorrow is stored for the coordinator, who gets an urgent alert."""
    handled = converse(world, "lift to leyburn surgery tomorrow at 10am", "yes")
    assert "short notice" in handled[-1].decision.replies[-1].text
    (lift,) = requests(world)
    assert lift.status == "needs_coordinator"
    assert lift.appointment_at == london(1, 10)
    assert history(world, lift.id or 0) == [("requested", "requested", "resident"),
                                            ("requested", "needs_coordinator", "system")]
    with Session(world) as session:
        coordinator = session.exec(select(Person).where(Person.role == "coordinator")).one()
        (alert,) = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind != "reply")).all()
    assert (alert.kind, alert.urgent, alert.status) == ("coordinator_alert", True, "pending")
    assert (alert.person_id, alert.channel, alert.address) == (
        coordinator.id, "sms", DEMO_COORDINATOR_PHONE)
    assert f"#{lift.id}" in alert.body and alert.due_at == NOW + timedelta(minutes=1)


def test_a_duplicate_booking_is_refused(world: Engine) -> None:
    """Booking the same appointment twice is refused kindly and stored once."""
    converse(world, "Lift to Leyburn surgery Thursday 10.40 please", "yes")
    handled = converse(world, "Lift to Leyburn surgery Thursday 10.40 please", "yes")
    assert handled[-1].refused is not None and "already" in handled[-1].refused
    assert len(requests(world)) == 1
    with Session(world) as session:
        conversation = session.exec(select(Conversation).where(
            Conversation.address == EDITH)).one()
        events = session.exec(select(LiftRequestEvent)).all()
    assert len(events) == 1  # only the first request's history
    assert (conversation.state, conversation.data) == ("idle", {})


def test_cancel_records_the_change(world: Engine) -> None:
    """Cancelling by text marks the request cancelled and keeps the history."""
    converse(world, "Lift to Leyburn surgery Thursday 10.40 please", "yes")
    handled = converse(world, "I need to cancel my lift", "yes")
    assert handled[0].decision.state == "cancel_confirm"
    assert "cancelled" in handled[-1].decision.replies[-1].text
    (lift,) = requests(world)
    assert lift.status == "cancelled"
    assert history(world, lift.id or 0) == [("requested", "requested", "resident"),
                                            ("requested", "cancelled", "resident")]
    after = send(world, "cancel", minutes=5)
    assert after is not None and "nothing to cancel" in after.decision.replies[-1].text


def test_help_queues_an_urgent_alert(world: Engine) -> None:
    """HELP puts an urgent message to the coordinator in the outbox."""
    handled = send(world, "HELP")
    assert handled is not None and handled.refused is None
    with Session(world) as session:
        (alert,) = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind != "reply")).all()
    assert alert.urgent and alert.address == DEMO_COORDINATOR_PHONE
    assert "Edith Bainbridge" in alert.body


def test_stop_and_start_are_recorded(world: Engine) -> None:
    """STOP marks the resident as opted out of texts; START undoes it."""
    def opted_out() -> bool:
        with Session(world) as session:
            return session.exec(select(Person).where(Person.phone == EDITH)).one().sms_opted_out

    send(world, "STOP")
    assert opted_out()
    send(world, "START", minutes=1)
    assert not opted_out()
