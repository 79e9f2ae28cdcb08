"""Looking for personal data anywhere in the database: every column of every table."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables)


def held(engine: Engine, *needles: str) -> dict[str, list[str]]:
    """For each needle found (case-insensitive), the table.column places that hold it."""
    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    text = json.dumps(value) if isinstance(value, dict | list) else str(value)
                    for needle in needles:
                        if needle.lower() in text.lower():
                            found.setdefault(needle, []).append(f"{table.name}.{column}")
    return found
