"""`lifts users`: console accounts from the command line, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session, select

from storage.db import make_engine
from storage.tables import ConsoleAccount, ConsoleMembership

LIFTS = [sys.executable, "-m", "lifts.cli"]


def run(args: list[str], db: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run `lifts ARGS` on the test's own SQLite file, with `stdin` as standard input."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "200"}
    env.pop("TEST_DATABASE_URL", None)
    return subprocess.run(LIFTS + args, capture_output=True, text=True, env=env, input=stdin,
                          timeout=120, check=False)


def test_add_list_and_disable(tmp_path: Path) -> None:
    """An account added with a password on stdin is listed, linked to the coordinator's chat
    identity by phone, stored as an argon2 hash, and can be disabled."""
    db = tmp_path / "lifts.db"
    assert run(["seed-demo"], db).returncode == 0
    added = run(["users", "add", "Pat@Example.org", "--name", "Pat Coordinator", "--role",
                 "coordinator", "--scheme", "wensleydale", "--phone", "+447911123499"], db,
                "a long enough password\n")
    assert added.returncode == 0, added.stderr
    assert "Added coordinator pat@example.org for wensleydale" in added.stdout
    assert "chat identity linked in wensleydale" in added.stdout
    listed = run(["users", "list"], db)
    assert "pat@example.org" in listed.stdout and "Pat Coordinator" in listed.stdout
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        account = session.exec(select(ConsoleAccount)).one()
        member = session.exec(select(ConsoleMembership)).one()
    engine.dispose()
    assert account.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in account.password_hash
    assert member.person_id is not None
    disabled = run(["users", "disable", "pat@example.org"], db)
    assert disabled.returncode == 0 and "Disabled pat@example.org" in disabled.stdout
    assert "disabled" in run(["users", "list"], db).stdout


def test_mistakes_get_one_clear_line(tmp_path: Path) -> None:
    """A short password, a bad role, an unknown scheme, a duplicate or an unknown email each
    exit 1 with one line and no traceback."""
    db = tmp_path / "lifts.db"
    assert run(["seed-demo"], db).returncode == 0
    cases = [
        (["users", "add", "a@example.org", "--name", "A"], "short\n", "at least 10"),
        (["users", "add", "a@example.org", "--name", "A", "--role", "boss"],
         "long enough pass\n", "role must be one of"),
        (["users", "add", "a@example.org", "--name", "A", "--scheme", "nowhere"],
         "long enough pass\n", "no scheme 'nowhere'"),
        (["users", "add", "not-an-email", "--name", "A"], "long enough pass\n",
         "not an email"),
        (["users", "disable", "ghost@example.org"], "", "no account with that email"),
    ]
    for args, stdin, words in cases:
        result = run(args, db, stdin)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert words in result.stdout and "Traceback" not in result.stderr, result.stdout
    assert run(["users", "add", "b@example.org", "--name", "B"], db,
               "long enough pass\n").returncode == 0
    again = run(["users", "add", "B@example.org", "--name", "B"], db, "long enough pass\n")
    assert again.returncode == 1 and "already exists" in again.stdout


def test_add_before_any_scheme_says_what_to_do(tmp_path: Path) -> None:
    """On an empty database `users add` explains that a scheme comes first."""
    result = run(["users", "add", "a@example.org", "--name", "A"], tmp_path / "new.db",
                 "long enough pass\n")
    assert result.returncode == 1 and "seed-demo" in result.stdout
