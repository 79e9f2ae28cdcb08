"""Every resident-facing text is plain GSM-7 and, wherever it can be, one 160-character SMS
segment, rendered with long realistic names and places (tests/bot/segment_corpus.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from booking.gsm import is_gsm7, segments, septets, to_gsm7
from booking.rules import SchemeRules, rules_from, set_rule
from bot.messages import Option, Reply
from bot.render import sms_text
from tests.bot.segment_corpus import DEMO, LONG, SCRIPTS, Values, corpus, one_segment_share

# Texts allowed two segments, and why (none today: keep it that way where it can be).
TWO_SEGMENTS: dict[str, str] = {}
_BARE_CANCEL = re.compile(r"\bCANCEL\b(?!\s+(?:\d|and its number))")


@pytest.fixture(scope="module", params=[LONG, DEMO], ids=["long values", "demo values"])
def rows(request: pytest.FixtureRequest) -> list[tuple[str, str, str]]:
    """The corpus rendered with one set of values."""
    values: Values = request.param
    return corpus(values)


def test_every_resident_text_is_plain_gsm7(rows: list[tuple[str, str, str]]) -> None:
    """No curly quote, dash, emoji or accent GSM-7 lacks in anything we write."""
    bad = [(kind, raw) for kind, raw, _sent in rows if not is_gsm7(raw)]
    assert not bad, bad


def test_every_resident_text_fits_one_segment(rows: list[tuple[str, str, str]]) -> None:
    """Each text, as sent by SMS, is one segment unless listed with a reason."""
    long = [(kind, segments(sent), sent) for kind, _raw, sent in rows
            if segments(sent) > 1 and kind not in TWO_SEGMENTS]
    assert not long, long


def test_no_text_invites_a_bare_cancel(rows: list[tuple[str, str, str]]) -> None:
    """Texts say 'CANCEL 482' (two words), never a bare CANCEL that Twilio reads as STOP."""
    bare = [(kind, sent) for kind, _raw, sent in rows if _BARE_CANCEL.search(sent)]
    assert not bare, bare
    assert any(re.search(r"CANCEL \d+", sent) for _kind, _raw, sent in rows)


def test_the_corpus_covers_every_kind() -> None:
    """Every scripted conversation and every kind of notice is in the corpus."""
    kinds = {kind for kind, _raw, _sent in corpus(LONG)}
    assert {script[0] for script in SCRIPTS} <= kinds
    assert {"confirmation (wait)", "confirmation (collect_later)", "confirmation (one_way)",
            "reminder (soon=True)", "reminder (soon=False)", "unserved_text",
            "dropped_text", "still_looking_text"} <= kinds


def test_the_share_of_one_segment_texts_is_all_of_them() -> None:
    """The measure the issue asks for: with long values, every text fits one segment."""
    fits, total = one_segment_share(LONG)
    assert total >= 70 and fits == total


@pytest.mark.parametrize(("text", "count"), [
    ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("€" * 80, 1),
    ("€" * 81, 2), ("\u2019" * 70, 1), ("\u2019" * 71, 2), ("", 1),
])
def test_segment_counting(text: str, count: int) -> None:
    """GSM-7 segments are 160 septets (153 when split), extension characters count two,
    and one non-GSM character makes the whole text UCS-2 (70, then 67)."""
    assert segments(text) == count


def test_gsm7_alphabet() -> None:
    """The basic set and extension are GSM-7; curly quotes, dashes and emoji are not."""
    assert is_gsm7("Hello £5 @ 10:40 [ok] é ñ Ü\n") and septets("€[") == 4
    for char in ("\u2019", "\u201c", "\u2013", "\u2014", "\u2026", "\U0001f44d", "ë", "ć"):
        assert not is_gsm7(char), char


def test_to_gsm7_makes_any_text_plain() -> None:
    """Look-alikes become plain, missing accents drop, emoji go: always GSM-7."""
    assert to_gsm7("Zoë\u2019s lift \u2013 \u201cThu\u201d\u2026 \U0001f44d") == \
        "Zoe's lift - \"Thu\"... "
    assert to_gsm7("Łukasz Wójcik, Ćwikła") == "Lukasz Wojcik, Cwikla"


def test_sms_rendering_is_always_gsm7() -> None:
    """A name typed with an accent GSM-7 lacks is sent plain, so the text stays 160 a part."""
    reply = Reply("Thanks, Zoë\u2019s lift is booked.", (Option("a", "Chloë"),
                                                      Option("b", "Noël")))
    sent = sms_text(reply)
    assert is_gsm7(sent) and "Zoe's" in sent and "1 Chloe" in sent


def test_options_render_compactly() -> None:
    """Four or more options say 'Reply 1 to N'; two or three list each number."""
    many = Reply("Pick one", tuple(Option(str(n), f"Choice {n}") for n in range(6)))
    assert sms_text(many).endswith("\nReply 1 to 6.")
    few = Reply("Pick one", (Option("a", "A"), Option("b", "B"), Option("c", "C")))
    assert sms_text(few).endswith("\nReply 1, 2 or 3.")


@pytest.mark.parametrize("field", ["faq_cost", "faq_dogs", "faq_covers", "faq_volunteer"])
def test_faq_defaults_are_one_plain_segment(field: str) -> None:
    """Each FAQ answer's default is GSM-7 and short enough to send on its own."""
    text = getattr(SchemeRules(), field)
    assert is_gsm7(text) and septets(text) <= 160


@pytest.mark.parametrize(("value", "message"), [
    ("x" * 161, "at most 160"), ("It\u2019s free", "plain characters"), ("   ", "empty"),
])
def test_faq_texts_are_validated(value: str, message: str) -> None:
    """A coordinator's FAQ text must be one plain SMS; the error says why."""
    with pytest.raises(ValueError, match=message):
        set_rule({}, "faq_cost", value)


def test_faq_text_is_kept_and_shown() -> None:
    """A valid FAQ text is stored and read back like any other rule."""
    stored = set_rule({}, "faq_dogs", "Dogs are welcome if they sit on the floor.")
    assert rules_from(stored).faq_dogs == "Dogs are welcome if they sit on the floor."
    assert "faq_dogs" in SchemeRules().model_dump(mode="json")


WORDING_FILES = sorted(
    p for p in (*Path("bot/dialogue").glob("*.py"), Path("booking/messaging/notices.py"),
                Path("booking/rules.py"))
    if not p.name.startswith("understand"))  # the readers hold emoji and curly quotes on purpose


@pytest.mark.parametrize("path", WORDING_FILES, ids=str)
def test_no_stray_characters_in_the_wording(path: Path) -> None:
    """Every string in the modules that write to residents is GSM-7: a curly quote or dash
    pasted into a sentence fails here even if no conversation in the corpus reaches it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    bad = [node.value for node in ast.walk(tree)
           if isinstance(node, ast.Constant) and isinstance(node.value, str)
           and id(node) not in docstrings and not is_gsm7(node.value)]
    assert not bad, bad
