"""The WhatsApp templates obey WhatsApp's approval rules, and the right form is chosen."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from booking.messaging.templates import TEMPLATES, whatsapp_form
from booking.rules import SchemeRules

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
SID = "HX" + "b" * 32
NOTICE = "HX" + "a" * 32


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_template_is_approvable(kind: str) -> None:
    """Not starting or ending with a variable, no two side by side, every placeholder
    named once, a sample each, quick-reply titles of at most 20 characters."""
    template = TEMPLATES[kind]
    body = template.body
    assert not body.startswith("{{") and not body.rstrip(".").endswith("}}")
    assert not re.search(r"\}\}\s*\{\{", body)
    numbers = sorted({int(n) for n in re.findall(r"\{\{(\d+)\}\}", body)})
    assert numbers == list(range(1, len(template.variables) + 1))
    assert len(template.samples) == len(template.variables)
    assert len(body) <= 1024 and all(len(title) <= 20 for title, _ in template.buttons)
    assert template.definition()["types"]


def test_inside_the_session_free_text() -> None:
    rules = SchemeRules(whatsapp_template_reminder=SID)
    form = whatsapp_form("reminder", {"driver": "Ann", "when": "today at 10:05", "ref": "4"},
                         "Reminder", rules, NOW - timedelta(hours=3), NOW)
    assert form.session_open and form.content_sid == SID  # kept for a 63016 retry


def test_outside_the_session_its_own_template_in_order() -> None:
    rules = SchemeRules(whatsapp_template_reminder=SID, whatsapp_template_notice=NOTICE)
    form = whatsapp_form("reminder", {"driver": "Ann", "when": "today at 10:05", "ref": "4"},
                         "Reminder", rules, NOW - timedelta(hours=25), NOW)
    assert not form.session_open and form.content_sid == SID
    assert json.loads(form.content_variables) == {"1": "Ann", "2": "today at 10:05", "3": "4"}


def test_missing_facts_or_template_use_the_notice() -> None:
    rules = SchemeRules(whatsapp_template_reminder=SID, whatsapp_template_notice=NOTICE)
    form = whatsapp_form("reminder", {}, "Reminder:\nsee you", rules, None, NOW)
    assert form.content_sid == NOTICE
    assert json.loads(form.content_variables) == {"1": "Reminder: see you"}
    none = whatsapp_form("trip_change", {}, "x", SchemeRules(), None, NOW)
    assert not none.session_open and none.content_sid == ""


def test_a_reply_is_always_in_the_session() -> None:
    assert whatsapp_form("reply", {}, "x", SchemeRules(), None, NOW).session_open


def test_content_sids_are_checked() -> None:
    with pytest.raises(ValueError, match="HX"):
        SchemeRules(whatsapp_template_offer="HXnotasid")
