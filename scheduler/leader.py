"""Leader election: the timed jobs run only in the process holding a PostgreSQL advisory lock.

The lock is session-level and taken on a dedicated connection outside the pool, so it lives
exactly as long as that connection: a leader killed with -9 loses its socket, PostgreSQL ends
the session and frees the lock, and a follower (retrying every few seconds) takes over. The
leader checks its connection on the same beat and steps down if it is gone. SQLite means a
single process, which is always the leader.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from scheduler.jobs import sleep_or_stop

log = logging.getLogger(__name__)

LOCK_KEY = 0x11F7_5C4E_D01E  # "lifts scheduler": any constant bigint, the same in every process
RETRY_SECONDS = 5.0


def _libpq_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class Leadership:
    """Campaigns for leadership; calls `on_elected` / `on_deposed` as it changes."""

    engine: Engine
    on_elected: Callable[[], Awaitable[None]]
    on_deposed: Callable[[], Awaitable[None]]
    retry_seconds: float = RETRY_SECONDS
    key: int = LOCK_KEY
    leader: bool = False
    _conn: Any = field(default=None, repr=False)

    @property
    def backend(self) -> str:
        """How leadership is decided here."""
        return "single-process" if self.engine.dialect.name == "sqlite" else "advisory-lock"

    async def run(self, stop: asyncio.Event) -> None:
        """Campaign until `stop` is set, then step down."""
        try:
            if self.backend == "single-process":
                await self._elect()
                await stop.wait()
                return
            while True:
                held = await asyncio.to_thread(self._check)
                if held and not self.leader:
                    await self._elect()
                elif not held and self.leader:
                    log.warning("scheduler leadership lost (database connection gone)")
                    await self._depose()
                if await sleep_or_stop(stop, self.retry_seconds):
                    return
        finally:
            if self.leader:
                await self._depose()
            await asyncio.to_thread(self._close)

    async def _elect(self) -> None:
        self.leader = True
        log.info("this process is the scheduler leader (%s)", self.backend)
        await self.on_elected()

    async def _depose(self) -> None:
        self.leader = False
        await self.on_deposed()

    def _check(self) -> bool:
        """Hold the lock? Takes it if free; False if the connection is lost."""
        import psycopg

        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(
                    _libpq_url(self.engine), autocommit=True, connect_timeout=5,
                    keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=2,
                    application_name="lifts-scheduler-leader")
            if self.leader:
                self._conn.execute("SELECT 1")  # still our session, so still our lock
                return True
            row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
            return bool(row and row[0])
        except psycopg.Error as exc:
            log.warning("leader election: %s", type(exc).__name__)
            self._close()
            return False

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()  # ends the session: the lock is released
            except Exception:  # noqa: BLE001 - closing a dead connection
                pass
            self._conn = None
