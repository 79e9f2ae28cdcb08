"""Schema migrations (Alembic), callable from the CLI and from tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from storage.db import normalise_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database up to `revision` (default: the newest)."""
    cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        # SQLite ALTERs copy a table and drop the old one, which other tables' foreign keys
        # point at: enforcement is off while the schema moves (the pragma only works outside
        # a transaction, so on the raw connection before ours begins), checked before commit.
        raw = conn.connection.dbapi_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the migration left rows pointing at nothing")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the table definitions (developers only)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
