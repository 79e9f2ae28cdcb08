"""The migrations and the table definitions agree, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables)


def test_migrated_schema_matches_the_tables(any_engine: Engine) -> None:
    """After `upgrade head` autogenerate finds nothing left to migrate."""
    with any_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
