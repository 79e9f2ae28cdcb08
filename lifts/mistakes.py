"""Ordinary mistakes on the command line, each turned into one line that says what to do.

A newcomer runs a command before `lifts db upgrade`, from another folder, with PostgreSQL
stopped, or with a chart path in a folder that does not exist. None of these is a bug, so none
deserves a traceback: the command prints the fix and exits non-zero.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from alembic.util.exc import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

# Commands that may create the database (the rest need one that exists).
CREATE = {"db", "seed-demo", "serve", "demo", "bench", "users"}
CREATE_SUB = {("scheme", "import"), ("geo", "import-postcodes"),
              ("whatsapp", "templates")}  # (needs no database at all)
HELP = {"--help", "-h", "--version", "--install-completion", "--show-completion"}


def missing_sqlite(database_url: str, argv: Sequence[str]) -> str | None:
    """The line to print when a command would open a SQLite file that is not there (opening
    it would leave an empty file behind), else None."""
    if not argv or argv[0] in CREATE or tuple(argv[:2]) in CREATE_SUB \
            or any(a in HELP for a in argv):
        return None
    try:
        url = make_url(database_url)
    except ArgumentError:
        return f"DATABASE_URL is not a database address: {database_url!r}"
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database).resolve()
    if path.exists():
        return None
    return (f"No database at {path}. Run `lifts db upgrade` here first (or set DATABASE_URL "
            "to where your database is).")


def explain(exc: BaseException, database_url: str) -> str | None:
    """One line for an ordinary mistake, or None for a real bug (which keeps its traceback)."""
    text = str(exc).lower()
    where = _safe(database_url)
    if isinstance(exc, (OperationalError, ProgrammingError)):
        if "no such table" in text or ("relation" in text and "does not exist" in text):
            return f"The database at {where} is not set up yet: run `lifts db upgrade`."
        if "no such column" in text or ("column" in text and "does not exist" in text):
            return (f"The database at {where} is older than this version of Lifts: run "
                    "`lifts db upgrade`.")
        if "unable to open database file" in text:
            return f"Can't open the database file {where}: does its folder exist?"
        if any(s in text for s in ("connection refused", "could not connect", "timeout expired",
                                   "connection failed", "name or service not known")):
            return ("Can't reach the database server: is PostgreSQL running, and is the "
                    "database address (DATABASE_URL, or --database-url) right?")
        if "does not exist" in text and "database" in text:
            return f"The database {where} does not exist: create it (createdb) first."
        return None
    if isinstance(exc, CommandError):
        return f"Database upgrade not done: {exc} (`lifts db upgrade` with no argument goes " \
               "to the newest)."
    if isinstance(exc, (FileNotFoundError, NotADirectoryError, IsADirectoryError)):
        return f"No such file or folder: {exc.filename}. Check the path and try again."
    if isinstance(exc, PermissionError):
        return f"Not allowed to write {exc.filename}: choose a folder you can write to."
    return None


def _safe(database_url: str) -> str:
    """The address without its password."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(database_url)


def run(app: Callable[[], object], database_url: Callable[[], str]) -> None:
    """Run the CLI; ordinary mistakes end with one line on stderr and exit code 1."""
    argv = sys.argv[1:]
    url = _url_or_empty(database_url)
    problem = missing_sqlite(url, argv) if url else None
    if problem:
        _say(problem)
        raise SystemExit(1)
    try:
        app()
    except KeyboardInterrupt:
        _say("Stopped.")
        raise SystemExit(130) from None
    except Exception as exc:
        line = explain(exc, url)
        if line is None:
            raise
        _say(line)
        raise SystemExit(1) from None


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")


def _url_or_empty(database_url: Callable[[], str]) -> str:
    try:
        return database_url()
    except ValueError:  # bad settings: the command itself says so, in one line
        return ""
