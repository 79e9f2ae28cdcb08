"""Carers and family in the pure dialogue: many ways of naming the person a lift is for, the
question when it is unclear, a resident adding a contact and answering a request, a stranger
asking to book for someone by name, who gets the messages, and places kept private."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from booking.intake.effects import (
    AddContact,
    AnswerContact,
    AskToBookFor,
    CancelLift,
    OnBehalf,
    RemoveContact,
    RequestLift,
    SetContactNotify,
)
from booking.intake.views import CaredView, LiftView, PendingContactView, PersonView
from bot.dialogue.flow import step
from bot.messages import Inbound, Outcome
from tests.bot.test_flow import EDITH, snapshot

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # Mon 7 Dec 2026
BILL = PersonView(31, "resident", "Bill Smith", "+447700900201", "unaided", False, False)
EDNA = PersonView(32, "resident", "Edna Smith", "+447700900202", "unaided", False, False)
SUE = PersonView(40, "contact", "", "+447700900300", "unaided", False, False)
BILLS = LiftView(50, "Friarage Hospital", datetime(2026, 12, 15, 10, 40, tzinfo=UTC),
                 "requested", "wait")
EDNAS = LiftView(51, "appointment", datetime(2026, 12, 16, 11, 0, tzinfo=UTC), "requested",
                 "wait")  # Edna's yes kept her places private: the view has none
DAD = CaredView(1, BILL, "Dad", True, "both", (BILLS,))
MUM = CaredView(2, EDNA, "Mum", False, None, (EDNAS,))


def play(*says: str, person: PersonView | None = SUE, cared: tuple[CaredView, ...] = (DAD, MUM),
         pending: tuple[PendingContactView, ...] = ()) -> tuple[Outcome, list[Any]]:
    state, data, effects = "idle", dict[str, Any](), list[Any]()
    outcome: Outcome | None = None
    for said in says:
        snap = replace(snapshot(state, data, person=person), now=NOW, cared=cared,
                       pending_contacts=pending)
        outcome = step(snap, Inbound(text=said))
        effects += outcome.effects
        state, data = outcome.state, outcome.data
    assert outcome is not None
    return outcome, effects


def said(outcome: Outcome) -> str:
    return " ".join(r.text for r in outcome.replies)


@pytest.mark.parametrize(("text", "name"), [
    ("Mum needs a lift to Leyburn surgery on Thursday at 10.40", "Edna"),
    ("can you book my mother into Leyburn surgery thursday 10.40", "Edna"),
    ("Mum's lift on Thursday to Leyburn surgery at 10.40", "Edna"),
    ("book Edna a lift to leyburn surgery thursday at 10.40", "Edna"),
    ("lift for dad to leyburn surgery thursday 10.40", "Bill"),
    ("my father has an appointment at leyburn surgery thursday 10.40", "Bill"),
    ("Bill needs a lift to Leyburn surgery thursday 10.40", "Bill"),
    ("book a lift for my dad, Bill Smith, on Thursday at 10.40 to Leyburn surgery", "Bill"),
    ("DAD LEYBURN SURGERY THURSDAY 10.40", "Bill"),
])
def test_the_person_named_is_the_one_booked_for(text: str, name: str) -> None:
    """The read-back says their name where a resident would read 'you'; the yes books as
    them (OnBehalf), then asks who gets the messages if that was never chosen."""
    outcome, _ = play(text)
    assert f"Just {name} to Leyburn Medical Practice, Thu 10 Dec at 10:40" in said(outcome)
    assert "brings them home" in said(outcome)
    outcome, effects = play(text, "yes")
    resident = BILL if name == "Bill" else EDNA
    assert [type(e) for e in effects] == [OnBehalf]
    assert effects[0].resident_id == resident.id and isinstance(effects[0].effect, RequestLift)
    assert f"{name}'s lift request for Thu 10 Dec is in" in said(outcome)
    asks = "Who should get Edna's confirmation and reminders?" in said(outcome)
    assert asks == (name == "Edna")  # Bill's contact chose already


@pytest.mark.parametrize("text", [
    "lift to leyburn surgery thursday 10.40",
    "I need to book a lift for Thursday",
    "cancel the lift please",
    "have we got any lifts booked?",
])
def test_unclear_asks_who_it_is_for(text: str) -> None:
    """Two people and neither named: which one, then the message as if it had said."""
    outcome, _ = play(text)
    assert outcome.state == "carer_pick" and "Who is this for?" in said(outcome)
    assert [o.label for o in outcome.replies[-1].options] == ["Dad (Bill Smith)",
                                                              "Mum (Edna Smith)"]


def test_the_answer_to_who_carries_the_message_on() -> None:
    """'2' after 'who is this for?': Edna's booking, from the first message's details."""
    outcome, _ = play("lift to leyburn surgery thursday 10.40", "2")
    assert "Just Edna to Leyburn Medical Practice, Thu 10 Dec at 10:40" in said(outcome)
    outcome, _ = play("lift to leyburn surgery thursday 10.40", "mum")
    assert "Just Edna to Leyburn" in said(outcome)


def test_one_person_needs_no_question() -> None:
    """A contact for one person only is never asked which."""
    outcome, _ = play("lift to leyburn surgery thursday 10.40", cared=(DAD,))
    assert "Just Bill to Leyburn" in said(outcome)


def test_cancel_and_list_for_them() -> None:
    """'Cancel Dad's lift' cancels his; Mum's list keeps her place private."""
    _outcome, effects = play("cancel dad's lift", "yes")
    assert effects == [OnBehalf(31, CancelLift(50))]
    outcome, _ = play("what lifts has mum got?")
    assert "Edna's lift: Wed 16 Dec 11:00, appointment" in said(outcome)
    assert "Friarage" not in said(outcome)
    _outcome, effects = play("CANCEL 51", "yes")  # the lift's number says whose it is
    assert effects == [OnBehalf(32, CancelLift(51))]


@pytest.mark.parametrize(("text", "notify"), [
    ("send the reminders to me", "contact"),
    ("texts to both of us please", "both"),
    ("please text the confirmations to dad", "resident"),
    ("can the reminders go to me instead", None),
])
def test_who_gets_the_messages_can_be_changed(text: str, notify: str | None) -> None:
    """A contact says who hears a resident's confirmations and reminders."""
    _outcome, effects = play(text, cared=(DAD,))
    if notify is None:
        assert not any(isinstance(e, SetContactNotify) for e in effects)
    else:
        assert effects == [SetContactNotify(31, notify)]


@pytest.mark.parametrize("answer", ["1", "2", "3", "Bill", "me", "both of us", "Both of us"])
def test_the_first_booking_asks_who_gets_the_messages(answer: str) -> None:
    """1 / the resident's name: them; 2 / me: the contact; 3 / both of us: both."""
    expected = {"1": "resident", "bill": "resident", "2": "contact", "me": "contact",
                "3": "both", "both of us": "both"}[answer.lower()]
    _outcome, effects = play("lift for dad to leyburn surgery thursday 10.40", "yes", answer,
                             cared=(replace(DAD, notify=None),))
    assert effects[-1] == SetContactNotify(31, expected)


@pytest.mark.parametrize("text", [
    "my daughter can book for me, 07700 900123",
    "please add 07700900123 as my contact",
    "my son will book my lifts, his number is 07700 900123",
    "can my carer book for me? 07700 900123",
    "07700 900123 is my daughter, she can book lifts for me",
    "Add a contact +44 7700 900123",
])
def test_a_resident_adds_a_contact(text: str) -> None:
    """Read back for the resident's own yes, with the choice to keep places private."""
    outcome, _ = play(text, person=EDITH, cared=())
    assert outcome.state == "contact_add" and "Let 07700 900123" in said(outcome)
    assert [o.label for o in outcome.replies[-1].options] == ["Yes", "Yes, not where I go",
                                                              "No"]


@pytest.mark.parametrize(("answer", "effect"), [
    ("1", AddContact("+447700900123", "daughter", True)),
    ("yes", AddContact("+447700900123", "daughter", True)),
    ("2", AddContact("+447700900123", "daughter", False)),
    ("Yes, not where I go", AddContact("+447700900123", "daughter", False)),
    ("3", None), ("no", None),
])
def test_the_residents_answer_to_adding(answer: str, effect: AddContact | None) -> None:
    """Yes adds them (privately if asked); no adds nothing."""
    _outcome, effects = play("my daughter can book for me, 07700 900123", answer,
                             person=EDITH, cared=())
    assert effects == ([effect] if effect else [])


def test_the_own_number_is_refused() -> None:
    """A resident giving their own number is told so."""
    outcome, effects = play("my daughter can book for me, 07911 123401", person=EDITH,
                            cared=())
    assert "your own number" in said(outcome) and not effects


@pytest.mark.parametrize(("answer", "allow", "places"), [
    ("1", True, True), ("yes", True, True), ("YES", True, True), ("2", True, False),
    ("yes but keep it private", True, False), ("3", False, True), ("no", False, True),
])
def test_a_resident_answers_a_request(answer: str, allow: bool, places: bool) -> None:
    """Someone asked to book for Edith: her reply is the yes (or the no)."""
    pending = (PendingContactView(9, "07700 900300", "Neighbour"),)
    _outcome, effects = play(answer, person=EDITH, cared=(), pending=pending)
    assert effects == [AnswerContact(9, allow, places)]


@pytest.mark.parametrize(("text", "name", "label"), [
    ("book a lift for my dad, Bill Smith, on Tuesday", "Bill Smith", "Dad"),
    ("Can I book lifts for my mum Edna Smith?", "Edna Smith", "Mum"),
    ("I'm texting on behalf of my father Bill Smith", "Bill Smith", "Father"),
    ("lift for Bill Smith please", "Bill Smith", ""),
    ("hello, i need a lift for my grandad bill smith to the friarage", "Bill Smith",
     "Grandad"),
])
def test_a_stranger_asks_to_book_for_someone(text: str, name: str, label: str) -> None:
    """The named resident is asked; the answer is the same whether they are with us."""
    outcome, effects = play(text, person=None, cared=())
    assert effects == [AskToBookFor(name, label)]
    assert f"If {name} is with us, I've texted them" in said(outcome)


@pytest.mark.parametrize("text", [
    "lift to leyburn for me and my husband thursday 10.40",
    "Lift for my granddaughter and me to Hawes",
    "I need a lift for Tuesday",
    "a lift to Leyburn for Dr Patel on Thursday at 10.40",
    "Lift for Friarage Hospital Thursday",
    "lift for Mary Jones to Leyburn",  # a resident naming someone: only with "my mum" etc.
])
def test_not_a_request_to_book_for_someone(text: str) -> None:
    """Companions and days are not names."""
    _outcome, effects = play(text, person=EDITH, cared=())
    assert not any(isinstance(e, AskToBookFor) for e in effects)


def test_a_contact_nobody_has_said_yes_to() -> None:
    """Told how to ask, nothing booked."""
    outcome, effects = play("lift to leyburn thursday 10.40", cared=())
    assert "once they've said yes to us" in said(outcome) and not effects


def test_change_and_standing_bookings_for_them() -> None:
    """'Can you make dad's lift 11 instead' moves his lift; 'every Tuesday for Mum' books a
    standing booking as her; 'is dad's driver coming?' is answered about his lift."""
    _outcome, effects = play("can you make dad's lift 11 instead", "yes")
    assert [type(e) for e in effects] == [OnBehalf]
    assert effects[0].resident_id == 31 and type(effects[0].effect).__name__ == "ChangeLift"
    outcome, effects = play("every Tuesday at 10.40 to Leyburn surgery for mum", "yes")
    assert "Edna's lifts every Tue at 10:40 are booked" in said(outcome)
    assert [type(e.effect).__name__ for e in effects if isinstance(e, OnBehalf)] == [
        "StartStanding"]
    assert effects[0].resident_id == 32


DAUGHTER = PendingContactView(7, "07700 900300")
NEIGHBOUR = PendingContactView(8, "07700 900301")


@pytest.mark.parametrize(("text", "contacts"), [
    ("please remove my daughter as a contact", (DAUGHTER,)),
    ("stop my daughter booking for me", (DAUGHTER,)),
    ("I don't want 07700 900300 to book for me any more", (DAUGHTER, NEIGHBOUR)),
    ("delete my contact 07700900300", (DAUGHTER, NEIGHBOUR)),
    ("cancel my daughter's access, she no longer books my lifts", (DAUGHTER,)),
])
def test_a_resident_stops_a_contact(text: str, contacts: tuple[PendingContactView, ...]
                                    ) -> None:
    """Read back for a yes; then the contact can no longer act (and is told)."""
    def run(*says: str) -> tuple[Outcome, list[Any]]:
        state, data, effects = "idle", dict[str, Any](), list[Any]()
        outcome: Outcome | None = None
        for said_ in says:
            snap = replace(snapshot(state, data, person=EDITH), now=NOW,
                           trusted_contacts=contacts)
            outcome = step(snap, Inbound(text=said_))
            effects += outcome.effects
            state, data = outcome.state, outcome.data
        assert outcome is not None
        return outcome, effects

    outcome, _ = run(text)
    assert "Stop 07700 900300 booking lifts for you?" in said(outcome), said(outcome)
    outcome, effects = run(text, "yes")
    assert effects == [RemoveContact(7)] and "can no longer book" in said(outcome)
    _outcome, effects = run(text, "no")
    assert effects == []


def test_which_contact_to_stop_when_unclear() -> None:
    """Two contacts, neither numbered: which one."""
    snap = replace(snapshot(person=EDITH), now=NOW, trusted_contacts=(DAUGHTER, NEIGHBOUR))
    outcome = step(snap, Inbound(text="please remove my contact"))
    assert outcome.state == "contact_remove" and len(outcome.replies[-1].options) == 2


def test_a_contact_asks_if_the_driver_is_coming() -> None:
    """'Is Dad's driver coming?' is answered about his lift today, with his driver's name."""
    today = LiftView(52, "Friarage Hospital", NOW.replace(hour=11), "confirmed", "wait",
                     "Margaret", NOW.replace(hour=10, minute=15))
    outcome, _ = play("is dad's driver coming?", cared=(replace(DAD, lifts=(today,)),))
    assert "Margaret" in said(outcome), said(outcome)
    outcome, _ = play("purple monkey dishwasher", cared=(DAD,))
    assert said(outcome).startswith("Sorry, I didn't understand that.")
