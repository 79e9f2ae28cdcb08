"""`lifts scheme import|export` and `--slug`, run as real processes on a real database."""

from __future__ import annotations

import shutil
import sqlite3
import tomllib
from pathlib import Path

import pytest

from tests.cli.test_cli import run

NORFOLK = Path(__file__).parent.parent / "support" / "north_norfolk.toml"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the Norfolk scheme imported, made once for the module (each import
    is a process that creates the database: a few seconds)."""
    db = tmp_path_factory.mktemp("imported") / "lifts.db"
    result = run(["scheme", "import", str(NORFOLK)], db)
    assert result.returncode == 0, result.stderr
    return db


def _copy(imported: Path, tmp_path: Path) -> Path:
    db = tmp_path / "lifts.db"
    shutil.copy(imported, db)
    return db


def _counts(db: Path) -> tuple[int, ...]:
    with sqlite3.connect(db) as conn:
        return tuple(conn.execute(f"select count(*) from {t}").fetchone()[0]
                     for t in ("scheme", "place", "person", "auditentry"))


def test_import_then_again_then_export(tmp_path: Path) -> None:
    """A scheme from nothing with one command (the database is created too); the second run
    says nothing changed; the export is the file again."""
    db = tmp_path / "lifts.db"
    first = run(["scheme", "import", str(NORFOLK)], db)
    assert first.returncode == 0, first.stderr
    assert "Created scheme 'North Norfolk Community Cars' (north-norfolk): 4 destination(s), " \
        "7 place(s), 2 coordinator(s)." in first.stdout
    before = _counts(db)
    again = run(["scheme", "import", str(NORFOLK)], db)
    assert again.returncode == 0 and "nothing changed" in again.stdout
    assert _counts(db) == before
    out = tmp_path / "exported.toml"
    exported = run(["scheme", "export", "north-norfolk", "--out", str(out)], db)
    assert exported.returncode == 0 and "written to" in exported.stdout
    assert tomllib.loads(out.read_text())["scheme"]["sms_number"] == "+447700900555"
    printed = run(["scheme", "export", "north-norfolk"], db)
    assert printed.stdout == out.read_text()
    assert "nothing changed" in run(["scheme", "import", str(out)], db).stdout


@pytest.mark.parametrize(("edit", "says"), [
    (lambda t: t.replace('slug = "north-norfolk"', 'slug = north-norfolk'),
     "line 5, column 8: not valid TOML"),
    (lambda t: t.replace("booking_notice_hours = 24", "notice_hours = 24"),
     "[rules] notice_hours: unknown key; did you mean booking_notice_hours?"),
    (lambda t: t.replace("lat = 52.926\n", ""),
     "[[destinations]] #3 'Cromer and District Hospital' lat: missing (no coordinates)"),
    (lambda t: t.replace('"+447700900502"', '"+447700900501"'),
     "[[coordinators]] #2 'Jo Pegg' phone: the same as #1's"),
], ids=["malformed", "unknown-rule", "no-coordinates", "duplicate-phone"])
def test_a_bad_file_is_one_line_and_changes_nothing(imported: Path, tmp_path: Path,
                                                    edit: object, says: str) -> None:
    """Each mistake: exit 1, one line naming where and the fix, and the scheme as it was."""
    db = _copy(imported, tmp_path)
    changed = NORFOLK.read_text().replace("Drop off on Cromer Road.", "Use the back door.")
    bad = tmp_path / "bad.toml"
    bad.write_text(edit(changed))  # type: ignore[operator]
    before = _counts(db)
    result = run(["scheme", "import", str(bad)], db)
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Not imported, nothing changed: "), lines
    assert says in lines[0] and "Traceback" not in result.stderr
    assert _counts(db) == before
    with sqlite3.connect(db) as conn:  # the good edit in the same file did not land either
        assert conn.execute("select count(*) from place where notes = 'Use the back door.'"
                            ).fetchone()[0] == 0


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = run(["scheme", "import", str(tmp_path / "nope.toml")], tmp_path / "lifts.db")
    assert result.returncode == 1 and "No such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [
    ["scheme", "show"], ["scheme", "export"], ["roster"], ["mileage"], ["invite", "Jo Smith"],
    ["report"], ["scheme", "set", "booking_notice_hours", "12"], ["scheme", "closures"],
    ["scheme", "close", "2026-12-24"], ["geo", "locate", "Holt"],
])
def test_an_unknown_slug_is_an_error_not_another_scheme(imported: Path, tmp_path: Path,
                                                        command: list[str]) -> None:
    """A mistyped --slug never quietly works on the first scheme."""
    db = _copy(imported, tmp_path)
    args = [*command, "north-norfok"] if command == ["scheme", "export"] else \
        [*command, "--slug", "north-norfok"]
    result = run(args, db)
    assert result.returncode == 1
    assert result.stdout.strip() == "There is no scheme 'north-norfok' (there is north-norfolk)."
