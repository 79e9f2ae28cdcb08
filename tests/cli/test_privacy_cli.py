"""`lifts privacy export | erase | purge` as real processes against a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from storage.db import make_engine
from storage.tables import AuditEntry, Conversation, Person
from tests.support.traces import held
from tests.support.world import driven_lift

EDITH = "+447911123401"


def run(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    """`lifts privacy ARGS` on the test's own database, with no terminal to confirm on."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "200",
           "TELEGRAM_BOT_TOKEN": "", "TWILIO_AUTH_TOKEN": ""}
    env.pop("TEST_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "lifts.cli", "privacy", *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)


def _seeded(tmp_path: Path) -> Path:
    db = tmp_path / "lifts.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    env.pop("TEST_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "lifts.cli", "seed-demo"], env=env, check=True,
                   capture_output=True, timeout=120)
    driven_lift(make_engine(f"sqlite:///{db}"),
                (datetime.now(UTC) - timedelta(days=20)).date(), driver_miles=10.0)
    return db


def test_export_prints_plain_words_and_writes_json(tmp_path: Path) -> None:
    """A UK number as typed finds Edith; the words and the JSON say the same things."""
    db = _seeded(tmp_path)
    out = run(["export", "07911 123401", "--out", str(tmp_path / "edith.json"), "--by",
               "Dana Protection"], db)
    assert out.returncode == 0, out.stderr
    assert "What Wensleydale Lifts holds about you" in out.stdout
    assert "Edith Bainbridge" in out.stdout and "2 Church Lane, Wensley" in out.stdout
    doc = json.loads((tmp_path / "edith.json").read_text())
    (person,) = doc["people"]
    assert person["profile"]["phone"] == EDITH and len(person["requests"]) == 1
    with Session(make_engine(f"sqlite:///{db}")) as session:
        trail = session.exec(select(AuditEntry).where(
            AuditEntry.action == "privacy_export")).one()
    assert (trail.actor_name, trail.channel, trail.actor_role) == (
        "Dana Protection", "cli", "admin")


def test_erase_asks_first_then_erases_with_yes(tmp_path: Path) -> None:
    """Without a terminal and without --yes nothing happens (one clear line); with --yes the
    person is erased, and their number then finds nothing."""
    db = _seeded(tmp_path)
    refused = run(["erase", EDITH], db)
    assert refused.returncode == 1 and "add --yes" in refused.stdout
    assert refused.stdout.count("\n") == 1 and not refused.stderr
    assert "Edith Bainbridge" in held(make_engine(f"sqlite:///{db}"), "Edith Bainbridge")
    done = run(["erase", EDITH, "--yes"], db)
    assert done.returncode == 0, done.stderr
    assert "Erased person #" in done.stdout and "lift request(s) anonymised" in done.stdout
    assert held(make_engine(f"sqlite:///{db}"), "Edith Bainbridge", EDITH) == {}
    after = run(["export", EDITH], db)
    assert after.returncode == 1 and "Nothing is held" in after.stdout


def test_mistakes_get_one_clear_line(tmp_path: Path) -> None:
    """A number that is not one, or a scheme that does not exist: one line, no traceback."""
    db = _seeded(tmp_path)
    for args, words in ((["export", "12"], "Not a phone number"),
                        (["erase", "banana", "--yes"], "Not a phone number"),
                        (["export", EDITH, "--slug", "nowhere"], "No scheme called"),
                        (["export", EDITH, "--out", str(tmp_path / "no" / "x.json")],
                         "Could not write")):
        result = run(args, db)
        assert result.returncode != 0 and words in result.stdout, (args, result.stdout)
        assert "Traceback" not in result.stdout + result.stderr


def test_purge_dry_run_says_what_and_changes_nothing(tmp_path: Path) -> None:
    """--dry-run lists counts per table and leaves the database as it was; a real purge
    then removes exactly that."""
    db = _seeded(tmp_path)
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        edith = session.exec(select(Person).where(Person.phone == EDITH)).one()
        session.add(Conversation(channel="sms", address="+447911123790", scheme_id=1,
                                 state="join_address", data={"name": "Mary Kettlewell"},
                                 updated_at=datetime.now(UTC) - timedelta(days=9)))
        session.add(Conversation(channel="sms", address=EDITH, scheme_id=1,
                                 person_id=edith.id, state="book_when", data={"x": 1},
                                 updated_at=datetime.now(UTC) - timedelta(days=9)))
        session.commit()
    dry = run(["purge", "--dry-run"], db)
    assert dry.returncode == 0, dry.stderr
    assert "Would remove (nothing changed)" in dry.stdout
    assert "conversation: deleted (a stranger, abandoned)" in dry.stdout
    assert "conversation: cleared (abandoned half-way)" in dry.stdout
    assert "Kettlewell" in held(engine, "Kettlewell")
    with Session(engine) as session:
        assert not session.exec(select(AuditEntry).where(
            AuditEntry.action == "retention")).all()
    real = run(["purge"], db)
    assert real.returncode == 0 and "Removed" in real.stdout
    assert held(engine, "Kettlewell") == {}
    with Session(engine) as session:
        assert session.exec(select(AuditEntry).where(
            AuditEntry.action == "retention")).one().channel == "cli"
