"""Ordinary command-line mistakes: one clear line, a non-zero exit, no traceback, and no empty
database file left behind."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import run

NOWHERE = "postgresql://postgres@127.0.0.1:1/test"  # nothing listens on port 1


def _one_line(result_text: str) -> str:
    lines = [line for line in result_text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result_text
    assert "Traceback" not in result_text
    return lines[0]


def test_a_command_before_db_upgrade_says_so_and_creates_nothing(tmp_path: Path) -> None:
    """`lifts roster` where there is no database yet (or from another folder)."""
    db = tmp_path / "elsewhere" / "lifts.db"
    db.parent.mkdir()
    for args in (["roster"], ["plan"], ["scheme", "show"], ["outbox"], ["invite", "Jo"]):
        result = run(args, db)
        assert result.returncode == 1, args
        assert _one_line(result.stderr).startswith("No database at"), args
    assert not db.exists()


def test_an_unmigrated_database_says_run_db_upgrade(tmp_path: Path) -> None:
    """An empty database file (someone made it by hand): the same advice, in one line."""
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    result = run(["roster"], db)
    assert result.returncode == 1
    assert "run `lifts db upgrade`" in _one_line(result.stderr)


def test_postgresql_not_running(tmp_path: Path) -> None:
    """DATABASE_URL pointing at a PostgreSQL that is not there, for a command and a bench."""
    result = run(["db", "upgrade"], tmp_path / "x.db", DATABASE_URL=NOWHERE)
    assert result.returncode == 1 and "is PostgreSQL running" in _one_line(result.stderr)
    bench = run(["bench", "outbox", "--what", "webhooks", "--database-url", NOWHERE],
                tmp_path / "x.db")
    assert bench.returncode == 1 and "is PostgreSQL running" in _one_line(bench.stderr)


def test_a_bad_log_level_and_an_unknown_revision(tmp_path: Path) -> None:
    """LOG_LEVEL=LOUD, and `db upgrade nosuchrev`."""
    db = tmp_path / "lifts.db"
    loud = run(["db", "upgrade"], db, LOG_LEVEL="LOUD")
    assert loud.returncode == 2 and "LOG_LEVEL must be one of" in _one_line(loud.stdout)
    unknown = run(["db", "upgrade", "nosuchrev"], db)
    assert unknown.returncode == 1
    assert "Can't locate revision" in _one_line(unknown.stderr)


def test_a_chart_in_a_missing_folder(tmp_path: Path) -> None:
    """`lifts report --chart` into a folder that does not exist."""
    db = tmp_path / "lifts.db"
    assert run(["seed-demo"], db).returncode == 0
    result = run(["report", "--chart", str(tmp_path / "no" / "such" / "chart.png")], db)
    assert result.returncode == 1
    assert "No such file or folder" in _one_line(result.stderr)


def test_a_database_older_than_the_code_says_run_db_upgrade(tmp_path: Path) -> None:
    """A database an older Lifts migrated (here: its first revision only) asks for an upgrade
    in one line instead of failing on a missing column."""
    from alembic.script import ScriptDirectory

    from storage.db import make_engine
    from storage.migrate import alembic_config, upgrade

    db = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{db}")
    first = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_base()
    upgrade(engine, first or "base")
    engine.dispose()
    result = run(["roster"], db)
    assert result.returncode == 1
    assert "older than this version of Lifts: run `lifts db upgrade`" in _one_line(
        result.stderr)


def test_a_mistyped_default_scheme_stops_the_server_with_one_line(tmp_path: Path) -> None:
    """DEFAULT_SCHEME naming no scheme would send unrouted messages to another scheme."""
    db = tmp_path / "lifts.db"
    assert run(["seed-demo"], db).returncode == 0
    result = run(["serve", "--port", "0"], db, DEFAULT_SCHEME="wensleydal")
    assert result.returncode == 2
    assert "There is no scheme 'wensleydal' (there is wensleydale)" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
