"""`lifts scheme close|reopen|closures` as a real process on a real database."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.cli.test_cli import run


def test_close_list_and_reopen_a_day(tmp_path: Path) -> None:
    """A closure is listed with its reason beside the bank holidays, and reopening removes
    it; mistakes are one clear line each."""
    db = tmp_path / "lifts.db"
    assert run(["seed-demo"], db).returncode == 0
    day = date.today() + timedelta(days=20)
    closed = run(["scheme", "close", day.isoformat(), "--reason", "volunteers' day out"], db)
    assert closed.returncode == 0, closed.stderr
    assert "is closed on" in closed.stdout and "volunteers' day out" in closed.stdout
    listed = run(["scheme", "closures"], db)
    assert "volunteers' day out" in listed.stdout and "bank holiday" in listed.stdout
    reopened = run(["scheme", "reopen", day.isoformat()], db)
    assert reopened.returncode == 0 and "open again" in reopened.stdout
    assert "volunteers' day out" not in run(["scheme", "closures"], db).stdout
    again = run(["scheme", "reopen", day.isoformat()], db)
    assert again.returncode == 1 and "was not closed" in again.stdout
    bad = run(["scheme", "close", "next tuesday-ish"], db)
    assert bad.returncode == 2 and "Not a date" in bad.stdout and not bad.stderr.strip()
    past = run(["scheme", "close", "2020-01-06"], db)
    assert past.returncode == 1 and "already passed" in past.stdout
