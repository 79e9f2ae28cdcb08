"""Privacy in the dialogue, as tables: PRIVACY anywhere gives the short notice and keeps the
conversation where it stood; asking for a copy or for deletion asks a coordinator; joining
records which notice was agreed to; drivers are asked too. The notice is plain GSM-7."""

from __future__ import annotations

from typing import Any

import pytest

from booking.gsm import is_gsm7, segments
from booking.intake.effects import AlertCoordinator, JoinDriver, JoinResident, SetSmsOptOut
from booking.privacy.notice import (
    DRIVER_QUESTION,
    NOTICE_VERSION,
    RESIDENT_QUESTION,
    kept_for,
    notice_text,
)
from booking.rules import SchemeRules
from bot.dialogue.flow import step
from bot.dialogue.understand import Intent, classify
from bot.messages import Inbound
from tests.bot.test_flow import COORDINATOR, DRIVER, EDITH, JOIN_DATA, THU_DRAFT, snapshot

NOTICE = notice_text("Wensleydale Lifts", SchemeRules().retention_days)


@pytest.mark.parametrize(("text", "intent"), [
    ("PRIVACY", Intent.PRIVACY), ("privacy notice", Intent.PRIVACY),
    ("Privacy policy?", Intent.PRIVACY), ("what data do you hold on me", Intent.PRIVACY),
    ("what do you do with my details", Intent.PRIVACY),
    ("can I see the information you hold about me", Intent.PRIVACY),
    ("please delete my details", Intent.ERASE), ("Erase all my data", Intent.ERASE),
    ("I want you to forget me", Intent.ERASE),
    ("remove my details from your system", Intent.STOP),  # texts stop; see the alert below
    ("what details do you need for the lift", Intent.UNKNOWN),
    ("lift to Leyburn Tuesday 10.40", Intent.BOOK),
])
def test_what_privacy_words_mean(text: str, intent: Intent) -> None:
    """Privacy requests are told apart from each other and from everything else."""
    got = classify(text)
    assert got is intent or (intent is Intent.UNKNOWN and got not in (
        Intent.PRIVACY, Intent.ERASE)), (text, got)


@pytest.mark.parametrize(("state", "data", "person"), [
    ("idle", {}, EDITH),
    ("book_confirm", {"draft": THU_DRAFT}, EDITH),
    ("join_name", {"verified_phone": None}, None),
    ("join_consent", {**JOIN_DATA, "mobility": "unaided", "companion": False, "dog": False},
     None),
    ("idle", {}, DRIVER),
    ("idle", {}, COORDINATOR),
])
def test_privacy_gives_the_notice_and_keeps_the_conversation(state: str, data: dict[str, Any],
                                                             person: Any) -> None:
    """Whoever asks, wherever they are, the notice comes and the question still stands."""
    outcome = step(snapshot(state, data, person), Inbound(text="PRIVACY"))
    assert [r.text for r in outcome.replies] == [NOTICE]
    assert (outcome.state, outcome.data, outcome.effects) == (state, data, [])


def test_asking_for_a_copy_asks_a_coordinator_too() -> None:
    """"Send me the data you hold" is an access request: the notice, and a coordinator told."""
    outcome = step(snapshot(), Inbound(text="please send me the data you hold about me"))
    assert outcome.replies[0].text == NOTICE and "copy" in outcome.replies[1].text
    (alert,) = outcome.effects
    assert isinstance(alert, AlertCoordinator)
    assert "Edith Bainbridge" in alert.reason and "access request" in alert.reason


@pytest.mark.parametrize(("state", "data", "person"), [
    ("idle", {}, EDITH),
    ("join_address", {"name": "Mary Kettlewell"}, None),
])
def test_asking_to_be_deleted_asks_a_coordinator_and_drops_what_was_half_said(
        state: str, data: dict[str, Any], person: Any) -> None:
    """An erasure request goes to a coordinator; a half-finished join is forgotten now."""
    outcome = step(snapshot(state, data, person), Inbound(text="please delete my details"))
    (alert,) = outcome.effects
    assert isinstance(alert, AlertCoordinator) and "erasure request" in alert.reason
    assert (outcome.state, outcome.data) == ("idle", {})
    assert "delete your details" in outcome.replies[0].text


def test_stop_in_words_that_ask_for_deletion_does_both() -> None:
    """"Remove my details from your system": texts off, and a coordinator asked to delete."""
    outcome = step(snapshot(), Inbound(text="remove my details from your system"))
    kinds = [type(e) for e in outcome.effects]
    assert kinds == [SetSmsOptOut, AlertCoordinator]
    assert "won't get any more texts" in outcome.replies[0].text


def test_joining_asks_for_consent_naming_the_health_data_and_records_its_version() -> None:
    """The last join question names travel needs and appointments; yes records the version."""
    asked = step(snapshot("join_dog", {**JOIN_DATA, "mobility": "unaided",
                                       "companion": False}, None), Inbound(text="no"))
    assert asked.state == "join_consent" and asked.replies[0].text == RESIDENT_QUESTION
    yes = step(snapshot("join_consent", asked.data, None), Inbound(text="yes"))
    (join,) = [e for e in yes.effects if isinstance(e, JoinResident)]
    assert join.notice_version == NOTICE_VERSION and join.recorded_by is None


def test_a_driver_is_asked_to_consent_after_the_summary() -> None:
    """After the summary, the privacy question; yes makes the driver, no keeps nothing."""
    data = {"code": "K7QP2M", "driver": True, "phone": None, "name": "Sam Dale", "home": 1,
            "car": "blue Ford Focus", "seats": 3, "folding": True, "wav": False,
            "dogs": True, "dbs": "2025-03-01", "licence": "2026-10-01",
            "insurance": "2027-08-31", "weekly": [[0, 540, 780]]}
    confirmed = step(snapshot("djoin_confirm", data, None), Inbound(text="yes"))
    assert confirmed.state == "djoin_consent"
    assert confirmed.replies[0].text == DRIVER_QUESTION and not confirmed.effects
    yes = step(snapshot("djoin_consent", confirmed.data, None), Inbound(text="yes"))
    (join,) = [e for e in yes.effects if isinstance(e, JoinDriver)]
    assert join.notice_version == NOTICE_VERSION and "Welcome aboard" in yes.replies[0].text
    no = step(snapshot("djoin_consent", confirmed.data, None), Inbound(text="no"))
    assert (no.state, no.data, no.effects) == ("idle", {}, [])
    assert "nothing has been saved" in no.replies[0].text


@pytest.mark.parametrize("name", ["Wensleydale Lifts", "Upper Swaledale Community Car Scheme"])
@pytest.mark.parametrize("days", [30, 90, 365, 540, 730, 3650])
def test_the_notice_is_plain_gsm7_in_two_segments(name: str, days: int) -> None:
    """Every version of the notice fits two SMS segments of plain GSM-7; the questions one."""
    text = notice_text(name, days)
    assert is_gsm7(text) and segments(text) <= 2, (len(text), text)
    assert name in text and kept_for(days) in text
    for question in (RESIDENT_QUESTION, DRIVER_QUESTION):  # with the SMS yes/no hint
        assert is_gsm7(question) and segments(f"{question} Reply YES or NO.") == 1


@pytest.mark.parametrize(("days", "words"), [(365, "a year"), (730, "2 years"),
                                             (540, "18 months"), (90, "3 months"),
                                             (30, "30 days"), (45, "45 days")])
def test_the_retention_period_in_plain_words(days: int, words: str) -> None:
    """retention_days reads as people say it."""
    assert kept_for(days) == words
