"""`lifts people channel|call` and `lifts whatsapp templates`, as real processes."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, select

from storage.db import make_engine
from storage.tables import AuditEntry, Person
from tests.cli.test_cli import run

EDITH = "+447911123401"  # a demo resident


def test_people_channel_and_call(tmp_path: Path) -> None:
    """A coordinator sets how someone is reached; both are audited; mistakes are one line."""
    db = tmp_path / "lifts.db"
    assert run(["seed-demo"], db).returncode == 0
    called = run(["people", "call", "07911 123401", "on", "--by", "Pat"], db)
    assert called.returncode == 0 and "by a phone call" in called.stdout, called.stderr
    moved = run(["people", "channel", "07911123401", "whatsapp"], db)
    assert moved.returncode == 0 and "by WhatsApp" in moved.stdout
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        edith = session.exec(select(Person).where(Person.phone == EDITH)).one()
        assert edith.prefers_call and edith.preferred_channel == "whatsapp"
        actions = {a.action for a in session.exec(select(AuditEntry)).all()}
        assert {"set_prefers_call", "set_channel"} <= actions
    engine.dispose()
    for args, code in ((["people", "channel", EDITH, "pigeon"], 2),
                       (["people", "call", "not a number", "on"], 2),
                       (["people", "call", "+447700900999", "on"], 1),
                       (["people", "call", EDITH, "maybe"], 2)):
        result = run(args, db)
        assert result.returncode == code and "Traceback" not in result.stderr, args
        assert len(result.stdout.strip().splitlines()) == 1, result.stdout


def test_whatsapp_templates_are_printed_as_content_api_definitions(tmp_path: Path) -> None:
    result = run(["whatsapp", "templates"], tmp_path / "unused.db")
    assert result.returncode == 0, result.stderr
    assert "whatsapp_template_confirmation" in result.stdout
    assert "twilio/quick-reply" in result.stdout and '"CANCEL {{6}}"' in result.stdout
    first = result.stdout.split("whatsapp_template_confirmation", 1)[1].split(
        "whatsapp_template_", 1)[0]
    assert json.loads(first)["friendly_name"] == "lifts_confirmation_v1"
