"""The migrations and the table definitions agree, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Numeric,
    insert,
    text,
)
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables)
from storage.db import make_engine
from storage.migrate import alembic_config, upgrade


def test_migrated_schema_matches_the_tables(any_engine: Engine) -> None:
    """After `upgrade head` autogenerate finds nothing left to migrate."""
    with any_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def _a_value(column: Column[Any]) -> object:
    """Something a NOT NULL column of this type accepts."""
    kind = column.type
    if column.foreign_keys or isinstance(kind, Integer):
        return 1
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime):
        return datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    if isinstance(kind, Date):
        return date(2026, 1, 5)
    if isinstance(kind, Float | Numeric):
        return 0.0
    if isinstance(kind, JSON):
        return {}
    return "x"


def test_upgrading_a_database_that_holds_data_keeps_it(tmp_path: Path) -> None:
    """From the first revision with a row in every table to the newest: SQLite's ALTERs copy
    and drop tables that others point at, which foreign keys must not stop (a real scheme's
    database holds lifts that point at its places)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    upgrade(engine, script.get_base() or "base")
    old = MetaData()
    old.reflect(engine)
    with engine.begin() as conn:
        for table in old.sorted_tables:
            if table.name == "alembic_version":
                continue
            row = {c.name: _a_value(c) for c in table.columns
                   if not (c.nullable or c.server_default is not None
                           or (c.primary_key and isinstance(c.type, Integer)))}
            conn.execute(insert(table).values(row))
    counts = {t.name: 1 for t in old.sorted_tables if t.name != "alembic_version"}
    upgrade(engine)
    with engine.connect() as conn:
        kept = {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in counts}
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        enforced = conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one()
    engine.dispose()
    assert kept == counts
    assert broken == [] and enforced == 1
