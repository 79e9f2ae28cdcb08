"""`lifts people` as real processes against a real SQLite file: one line for each mistake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session, select

from storage.db import make_engine
from storage.tables import AuditEntry, Person

DRIVER = "+447911123601"


def run(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "200"}
    env.pop("TEST_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "lifts.cli", "people", *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)


def _seeded(tmp_path: Path) -> Path:
    db = tmp_path / "lifts.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    env.pop("TEST_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "lifts.cli", "seed-demo"], env=env, check=True,
                   capture_output=True, timeout=120)
    return db


def test_vet_deactivate_and_their_mistakes(tmp_path: Path) -> None:
    db = _seeded(tmp_path)
    with Session(make_engine(f"sqlite:///{db}")) as session:
        driver = session.exec(select(Person).where(Person.phone == DRIVER)).one()
        driver.pending_since = driver.created_at
        session.add(driver)
        session.commit()
    listed = run(["list", "--pending"], db)
    assert listed.returncode == 0 and "Margaret Allen" in listed.stdout
    assert "waiting for approval" in listed.stdout
    done = run(["vet", "07911 123601", "--dbs-seen", "2026-01-05", "--licence-seen",
                "2026-01-05", "--insurance-expires", "2099-01-01", "--by", "Pat"], db)
    assert done.returncode == 0, done.stderr
    assert "approved to drive" in done.stdout
    with Session(make_engine(f"sqlite:///{db}")) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "vet")).one()
        assert (entry.actor_name, entry.channel) == ("Pat", "cli")
    for args, words in (
            (["vet", DRIVER, "--dbs-seen", "5/1/2026", "--licence-seen", "2026-01-05",
              "--insurance-expires", "2099-01-01"], "--dbs-seen is not a date"),
            (["vet", DRIVER, "--dbs-seen", "2026-01-05", "--licence-seen", "2026-01-05",
              "--insurance-expires", "2020-01-01"], "already expired"),
            (["approve", DRIVER], "approved by recording that their DBS"),
            (["approve", "not a phone"], "Not a phone number"),
            (["deactivate", "07999 999999"], "No resident or driver has"),
            (["list", "--role", "pilot"], "--role is resident or driver")):
        out = run(args, db)
        assert out.returncode != 0 and words in out.stdout, (args, out.stdout, out.stderr)
        assert len(out.stdout.strip().splitlines()) == 1 and not out.stderr, out
    assert "no longer active" in run(["deactivate", DRIVER], db).stdout
    assert "already inactive" in run(["deactivate", DRIVER], db).stdout
    assert "active again" in run(["reactivate", DRIVER], db).stdout
    added = run(["add-coordinator", "Jo Bloggs", "07700 900555"], db)
    assert added.returncode == 0 and "Jo Bloggs is a coordinator" in added.stdout
    again = run(["add-coordinator", "Jo Bloggs", "07700 900555"], db)
    assert again.returncode == 1 and "already has that phone" in again.stdout
