"""Shared fixtures: a fresh, migrated database per test on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from storage.db import make_engine, normalise_url
from storage.migrate import upgrade

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
_postgres_notice: list[str] = []


def _pg_admin_url() -> str:
    return normalise_url(os.environ.get("LIFTS_TEST_POSTGRES_URL", DEFAULT_PG))


def _pg_reachable(url: str) -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return None


class _PgDatabases:
    """Makes throw-away databases from a migrated template (fast: CREATE ... TEMPLATE)."""

    def __init__(self, admin_url: str):
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.base = admin_url.rsplit("/", 1)[0]
        self.template = f"lifts_tpl_{uuid.uuid4().hex[:10]}"
        self._exec(f'CREATE DATABASE "{self.template}"')
        engine = make_engine(f"{self.base}/{self.template}")
        upgrade(engine)
        engine.dispose()

    def _exec(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def create(self) -> str:
        name = f"lifts_t_{uuid.uuid4().hex[:12]}"
        self._exec(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return f"{self.base}/{name}"

    def drop(self, url: str) -> None:
        self._exec(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def close(self) -> None:
        self.drop(f"{self.base}/{self.template}")
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[_PgDatabases]:
    """PostgreSQL for tests that need it; skipped with a visible notice when absent."""
    url = _pg_admin_url()
    reason = _pg_reachable(url)
    if reason is not None:
        if os.environ.get("LIFTS_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here but not reachable at {url}: {reason}")
        if not _postgres_notice:
            _postgres_notice.append(f"{url}: {reason}")
        pytest.skip("no PostgreSQL (see the notice at the end)")
    databases = _PgDatabases(url)
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating once is faster)."""
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


def _sqlite_engine(template: Path, tmp_path: Path) -> Engine:
    target = tmp_path / "lifts.db"
    shutil.copy(template, target)
    return make_engine(f"sqlite:///{target}")


@pytest.fixture
def engine(request: pytest.FixtureRequest, sqlite_template: Path,
           tmp_path: Path) -> Iterator[Engine]:
    """A fresh migrated database: SQLite, or PostgreSQL when TEST_DATABASE_URL is set."""
    if os.environ.get("TEST_DATABASE_URL"):
        databases: _PgDatabases = request.getfixturevalue("postgres")
        url = databases.create()
        eng = make_engine(url)
        yield eng
        eng.dispose()
        databases.drop(url)
        return
    eng = _sqlite_engine(sqlite_template, tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_engine(request: pytest.FixtureRequest, sqlite_template: Path,
               tmp_path: Path) -> Iterator[Engine]:
    """The same test on both backends (the PostgreSQL run skips visibly without a server)."""
    if request.param == "sqlite":
        eng = _sqlite_engine(sqlite_template, tmp_path)
        yield eng
        eng.dispose()
        return
    databases: _PgDatabases = request.getfixturevalue("postgres")
    url = databases.create()
    eng = make_engine(url)
    yield eng
    eng.dispose()
    databases.drop(url)


@pytest.fixture
def pg_engine(postgres: _PgDatabases) -> Iterator[Engine]:
    """A fresh PostgreSQL database (PostgreSQL-only tests, e.g. row locking)."""
    url = postgres.create()
    eng = make_engine(url)
    yield eng
    eng.dispose()
    postgres.drop(url)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist, a worker hands its notice to the controller, which prints it."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["postgres_notice"] = _postgres_notice[:1]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any) -> None:
    """The controller's side of the above (an xdist hook: optional without xdist)."""
    notice = getattr(node, "workeroutput", {}).get("postgres_notice") or []
    if notice and not _postgres_notice:
        _postgres_notice.extend(notice)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Say once, and last (after every summary), when the PostgreSQL tests did not run."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if _postgres_notice and reporter is not None:
        reporter.write_sep("!", "PostgreSQL tests SKIPPED", red=True, bold=True)
        reporter.write_line(
            f"No PostgreSQL server: {_postgres_notice[0]}. Start one, or set "
            "LIFTS_TEST_POSTGRES_URL, to run them.")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests last: Playwright's sync API keeps an event loop running for the rest
    of the session, and tests after it could no longer call asyncio.run (stable sort, so xdist's
    workers all see one order)."""
    items.sort(key=lambda item: "/tests/web/" in str(item.path))
