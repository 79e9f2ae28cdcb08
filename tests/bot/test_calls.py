"""What calls understand and say: keypad and speech read as 1, 2, 3; the words built from a
message's facts, slow and in British English; nothing medical in a call or a voicemail."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest

from booking.intake.calls import Choice, choice_from
from booking.messaging import notices
from booking.rules import SchemeRules, in_call_hours, next_call_hours
from bot.channels.voice_script import call_twiml, message, voicemail_twiml

RULES = SchemeRules()
PICKUP = datetime(2026, 12, 10, 9, 55, tzinfo=UTC)


@pytest.mark.parametrize(("digits", "speech", "expected"), [
    ("1", "", Choice.CONFIRM), ("2", "", Choice.CANCEL), ("3", "", Choice.SPEAK),
    ("9", "", Choice.UNCLEAR), ("", "Yes.", Choice.CONFIRM), ("", "yes please", Choice.CONFIRM),
    ("", "Yeah, that's fine", Choice.CONFIRM), ("", "Confirm.", Choice.CONFIRM),
    ("", "Cancel.", Choice.CANCEL), ("", "cancel it please", Choice.CANCEL),
    ("", "I don't need it now", Choice.CANCEL), ("", "Can I speak to someone", Choice.SPEAK),
    ("", "a person please", Choice.SPEAK), ("", "what", Choice.UNCLEAR),
    ("", "", Choice.UNCLEAR), ("12", "", Choice.CONFIRM),
])
def test_keypad_and_speech(digits: str, speech: str, expected: Choice) -> None:
    assert choice_from(digits, speech) is expected


def test_unsure_speech_is_asked_again() -> None:
    assert choice_from("", "cancel", 0.2) is Choice.UNCLEAR
    assert choice_from("", "cancel", 0.8) is Choice.CANCEL
    assert choice_from("2", "", 0.0) is Choice.CANCEL  # the keypad is never unsure


def test_confirmation_words_from_its_facts() -> None:
    facts = notices.confirmation_facts("Maximilian Featherstonehaugh", "silver Vauxhall Zafira",
                                       PICKUP, "wait", RULES.tz, request_id=48213)
    said = message("confirmation", facts, "ignored")
    assert said == ("Your lift on Thursday 10 December is confirmed. Maximilian will collect "
                    "you between 09:50 and 10:05, in a silver Vauxhall Zafira. They will bring "
                    "you home.")


def test_other_news_loses_its_reply_instructions() -> None:
    text = notices.unserved_text("Thu 10 Dec", request_id=4)
    assert "Reply" not in message("still_looking", {}, text)
    assert "Thursday 10 December" in message("still_looking", {}, text)


def test_the_call_says_it_twice_slowly_in_british_english() -> None:
    facts = notices.reminder_facts(PICKUP, "Ann", RULES.tz, soon=False, request_id=4)
    root = ElementTree.fromstring(call_twiml("reminder", facts, "", "Dales Lifts",
                                             "https://x.org/voice/answer?ref=1"))
    says = root.findall(".//Say")
    assert {s.attrib["language"] for s in says} == {"en-GB"}
    assert all(s.find("prosody") is not None for s in says)
    text = " ".join(root.itertext())
    assert text.count("Ann will collect you tomorrow, Thursday 10 December 09:55") == 2


def test_the_voicemail_has_no_detail() -> None:
    facts = notices.confirmation_facts("Ann Smith", "blue Fiesta", PICKUP, "wait", RULES.tz,
                                       request_id=4)
    said = " ".join(ElementTree.fromstring(voicemail_twiml(
        "confirmation", facts, "Dales Lifts", "+441969623000")).itertext())
    assert "Thursday 10 December" in said and "0 1 9 6 9, 6 2 3, 0 0 0" in said
    assert "Ann" not in said and "Fiesta" not in said and "09:50" not in said


def test_calling_hours() -> None:
    evening = datetime(2026, 12, 7, 19, 30, tzinfo=UTC)
    assert not in_call_hours(evening, RULES)
    assert next_call_hours(evening, RULES) == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    early = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert next_call_hours(early, RULES) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    noon = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert next_call_hours(noon, RULES) == noon
