"""Trusted contacts through the real inbox on a real database: the resident's own yes comes
first; a carer then books for two people (asked which one when unclear); who gets the
confirmation follows the choice; places stay private when the yes said so; a coordinator
adds a contact on the resident's word."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking import carers, coordinator
from booking.audit import Actor
from booking.intake.inbox import Envelope, Handled, handle
from booking.lifecycle.legs import ensure_legs
from bot.dialogue.flow import step
from bot.messages import Inbound
from storage.db import transaction
from storage.tables import LiftRequest, OutboxMessage, Person, TrustedContact
from tests.bot.test_flow import NOW, THU, day_words
from tests.support.world import SCHEME_NUMBER, seed

EDITH, HAROLD, COORDINATOR = "+447911123401", "+447911123402", "+447911123499"
SUE = "+447700900300"  # Harold's daughter, and Edith's neighbour
_ids = count(1)


class Chat:
    """Texts from one phone through the inbox, the clock moving on a minute each time."""

    def __init__(self, engine: Engine, phone: str) -> None:
        self.engine, self.phone = engine, phone

    def say(self, text: str) -> str:
        n = next(_ids)
        env = Envelope("sms", self.phone, f"SMcarer{n:05d}", to_number=SCHEME_NUMBER)
        handled: Handled | None = handle(self.engine, env, now=NOW + timedelta(minutes=n),
                                         decide=lambda snap: step(snap, Inbound(text=text)))
        assert handled is not None
        return " ".join(t for t, _c, _r in handled.texts)


def _outbox(engine: Engine, kind: str, to: str) -> list[str]:
    with Session(engine) as session:
        return [m.body for m in session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == kind, OutboxMessage.address == to)
            .order_by(col(OutboxMessage.id))).all()]


def _requests(engine: Engine, phone: str) -> list[LiftRequest]:
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.phone == phone)).one()
        return list(session.exec(select(LiftRequest).where(
            LiftRequest.resident_id == person.id)).all())


def _link_sue_to_harold(engine: Engine) -> tuple[Chat, Chat]:
    sue, harold = Chat(engine, SUE), Chat(engine, HAROLD)
    said = sue.say("Please book a lift for my dad, Harold Metcalfe, on Thursday")
    assert "If Harold Metcalfe is with us, I've texted them" in said
    assert _outbox(engine, "contact_request", HAROLD) == [
        "Someone at 07700 900300 asks to book lifts for you. Reply 1 yes, 2 yes but keep "
        "where you go private, 3 no."]
    return sue, harold


def test_the_residents_yes_comes_before_the_contact_can_act(any_engine: Engine) -> None:
    """Until Harold answers, Sue can book nothing; his 1 lets her; a name nobody has gets
    the same answer and asks no one."""
    seed(any_engine, NOW)
    sue, harold = _link_sue_to_harold(any_engine)
    said = sue.say("Dad needs a lift to Leyburn surgery on Thursday at 10.40")
    assert "once they've said yes to us" in said
    assert _requests(any_engine, HAROLD) == []
    assert "Thank you. 07700 900300 can now book lifts for you." in harold.say("1")
    assert _outbox(any_engine, "contact_welcome", SUE) == [
        "Harold has said yes: you can now book, change and cancel lifts for them by texting "
        "Wensleydale Lifts here."]
    readback = sue.say("Dad needs a lift to Leyburn surgery on Thursday at 10.40")
    assert f"Just Harold to Leyburn Medical Practice, {day_words(THU)} at 10:40" in readback
    done = sue.say("yes")
    assert "Harold's lift request" in done and "Who should get Harold's" in done
    assert len(_requests(any_engine, HAROLD)) == 1
    stranger = Chat(any_engine, "+447700900399")
    assert "If Nobody Known is with us" in stranger.say("book for my mum, Nobody Known")
    with Session(any_engine) as session:
        assert len(session.exec(select(TrustedContact)).all()) == 1
        sue_row = session.exec(select(Person).where(Person.phone == SUE)).one()
        assert sue_row.role == "contact"  # not a resident unless she joins


def test_a_no_keeps_the_contact_out(any_engine: Engine) -> None:
    """Harold's 3 (no): Sue still cannot book for him."""
    seed(any_engine, NOW)
    sue, harold = _link_sue_to_harold(any_engine)
    assert "can't book for you" in harold.say("3")
    assert "once they've said yes" in sue.say("lift for dad to leyburn thursday 10.40")
    assert _requests(any_engine, HAROLD) == []


def _confirm(engine: Engine, phone: str) -> None:
    """A driver accepts the resident's lift (assigned by hand): the confirmation is owed."""
    with transaction(engine) as session:
        (made,) = _requests(engine, phone)
        request = session.get(LiftRequest, made.id)
        assert request is not None
        ensure_legs(session, request, NOW)
        driver = session.exec(select(Person).where(Person.role == "driver")).first()
        assert driver is not None
        result = coordinator.assign(session, 1, request.id or 0, driver.id or 0,
                                    Actor("Pat", "cli"), NOW, override=True)
        assert isinstance(result, coordinator.Done), result


def test_a_carer_books_for_two_and_the_confirmations_follow_the_choice(
        any_engine: Engine) -> None:
    """Sue books for her dad and for Edith next door (asked which one when her text names
    neither); Harold's confirmation goes to Sue only (her choice), Edith's to both; Edith's
    yes kept her places private, so Sue's list of Edith's lifts names no place."""
    seed(any_engine, NOW)
    sue, harold = _link_sue_to_harold(any_engine)
    harold.say("yes")
    edith = Chat(any_engine, EDITH)
    asked = edith.say("My neighbour can book for me, her number is 07700 900300")
    assert "Let 07700 900300 (your neighbour) book, change and cancel lifts for you" in asked
    assert "can now book lifts for you" in edith.say("2")  # yes, but not where I go

    assert "Who is this for?" in sue.say("a lift to Leyburn surgery thursday 10.40 please")
    assert "Just Harold to Leyburn Medical Practice" in sue.say("Harold")
    assert "Who should get Harold's confirmation and reminders?" in sue.say("yes")
    assert "you will get them" in sue.say("2")  # me
    sue.say("Edith needs a lift to Hawes surgery on Thursday at 2pm")
    assert "Edith's lift request" in sue.say("yes")
    assert "you and Edith will both get them" in sue.say("3")
    listing = sue.say("what lifts has Edith got?")
    assert "appointment" in listing and "Hawes" not in listing

    _confirm(any_engine, HAROLD)
    _confirm(any_engine, EDITH)
    to_sue = _outbox(any_engine, "confirmation", SUE)
    assert len(to_sue) == 2 and all(b.startswith(("For Harold: Confirmed", "For Edith: "
                                                  "Confirmed")) for b in to_sue)
    assert all("collect them" in b and "CANCEL" not in b for b in to_sue)
    assert _outbox(any_engine, "confirmation", HAROLD) == []  # Sue takes his messages
    assert len(_outbox(any_engine, "confirmation", EDITH)) == 1  # both: Edith too
    with Session(any_engine) as session:
        reminders = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "reminder")).all()
    assert {m.address for m in reminders} == {SUE, EDITH}


def test_a_coordinator_adds_a_contact_on_the_residents_word(any_engine: Engine) -> None:
    """/contact: the resident is texted and their own yes confirms it."""
    seed(any_engine, NOW)
    said = Chat(any_engine, COORDINATOR).say("/contact 07911 123401 07700 900301 Mum")
    assert "I've asked Edith Bainbridge to reply YES" in said
    (asked,) = _outbox(any_engine, "contact_request", EDITH)
    assert asked.startswith("Pat at Wensleydale Lifts asks: may 07700 900301 book lifts")
    son = Chat(any_engine, "+447700900301")
    assert "once they've said yes" in son.say("lift for mum thursday 10.40 leyburn")
    assert "can now book lifts for you" in Chat(any_engine, EDITH).say("yes")
    assert "Just Edith to Leyburn" in son.say("lift for mum thursday 10.40 leyburn")
    with Session(any_engine) as session:  # what the console shows
        edith_id = session.exec(select(Person.id).where(Person.phone == EDITH)).one()
        (summary,) = carers.contacts_of(session, edith_id or 0)
    assert (summary.phone, summary.label, summary.status, summary.added_by, summary.notify) \
        == ("07700 900301", "Mum", "confirmed", "coordinator", "both")


def test_a_resident_withdraws_their_yes(any_engine: Engine) -> None:
    """Harold stops Sue booking for him: she is told and can book nothing more."""
    seed(any_engine, NOW)
    sue, harold = _link_sue_to_harold(any_engine)
    harold.say("1")
    assert "Stop 07700 900300 booking lifts for you?" in harold.say(
        "please remove my contact 07700 900300")
    assert "can no longer book lifts for you" in harold.say("yes")
    assert _outbox(any_engine, "contact_removed", SUE) == [
        "Harold has asked us to stop you booking lifts for them."]
    assert "once they've said yes" in sue.say("lift for dad to leyburn thursday 10.40")
    assert _requests(any_engine, HAROLD) == []


def test_a_carer_makes_a_standing_booking(any_engine: Engine) -> None:
    """'Every Tuesday for Dad': a standing booking in Harold's name, its first lifts made,
    and the coordinator's /standing says a contact booked it."""
    seed(any_engine, NOW)
    sue, harold = _link_sue_to_harold(any_engine)
    harold.say("1")
    readback = sue.say("every Tuesday at 10.40 to Leyburn surgery for dad")
    assert "Just Harold to Leyburn Medical Practice every Tue at 10:40" in readback
    assert "Harold's lifts every Tue at 10:40 are booked" in sue.say("yes")
    assert _requests(any_engine, HAROLD)  # the first occurrences, as ordinary requests
    listing = Chat(any_engine, COORDINATOR).say("/standing")
    assert "Harold Metcalfe: every Tue 10:40 to Leyburn Medical Practice" in listing
    assert "(booked by a contact, 07700 900300)" in listing
