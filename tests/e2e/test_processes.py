"""Real `lifts serve` processes: restart recovery after kill -9, and leader election with
takeover on PostgreSQL. The providers are faked at the HTTP boundary (a local fake Twilio)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from lifts.bench.outbox import fake_twilio_sink, insert_due, server_env, start_server


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_everything_due_is_sent_after_kill_9_and_restart(any_engine: Engine,
                                                         tmp_path: Path) -> None:
    """kill -9 mid-dispatch, restart: every message arrives; duplicates only in the window."""
    due = insert_due(any_engine, 400, start=datetime.now(UTC) - timedelta(seconds=1),
                     spread=timedelta(seconds=2))
    with fake_twilio_sink() as sink:
        env = server_env(_url(any_engine), sink.url, OUTBOX_CLAIM_TIMEOUT_SECONDS="3",
                         SMS_RATE_PER_SECOND="150")
        first = start_server(env, tmp_path)
        deadline = time.monotonic() + 60
        while sink.count < 50 and time.monotonic() < deadline:
            time.sleep(0.02)
        first.kill()
        assert 0 < sink.count < len(due), "kill -9 landed mid-dispatch"
        second = start_server(env, tmp_path)
        try:
            deadline = time.monotonic() + 90
            while len(sink.bodies()) < len(due) and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            second.stop()
        bodies = sink.bodies()
    assert set(bodies) == set(due), f"lost {len(set(due) - set(bodies))}"
    duplicates = sum(n - 1 for n in bodies.values())
    assert duplicates <= 50  # at most the in-flight sends when it was killed
    with any_engine.connect() as conn:
        statuses = dict(conn.execute(text(
            "select status, count(*) from outboxmessage group by status")).all())
    assert statuses == {"sent": len(due)}


def test_one_leader_and_takeover_within_30_seconds(pg_engine: Engine, tmp_path: Path) -> None:
    """Two processes on PostgreSQL: exactly one runs the timed jobs; kill -9 it and the
    other takes over (advisory lock on its dedicated connection) well within 30 s."""
    with fake_twilio_sink() as sink:
        env = server_env(_url(pg_engine), sink.url)
        servers = [start_server(env, tmp_path), start_server(env, tmp_path)]
        try:
            deadline = time.monotonic() + 20
            leaders: list[int] = []
            while time.monotonic() < deadline:
                states = [s.health() for s in servers]
                leaders = [i for i, h in enumerate(states)
                           if h and h["scheduler"]["leader"]]
                if leaders:
                    break
                time.sleep(0.2)
            assert len(leaders) == 1, states
            time.sleep(6)  # a follower's retry comes and goes: still one leader
            assert [bool(s.health()["scheduler"]["leader"])  # type: ignore[index]
                    for s in servers].count(True) == 1
            with pg_engine.connect() as conn:
                jobs = set(conn.execute(text("select id from apscheduler_jobs")).scalars())
            assert {"planning", "offers:expire", "early-warning", "privacy:retention"} <= jobs
            leader, follower = servers[leaders[0]], servers[1 - leaders[0]]
            killed = time.monotonic()
            leader.kill()
            while time.monotonic() - killed < 30:
                health = follower.health()
                if health and health["scheduler"]["leader"]:
                    break
                time.sleep(0.2)
            took = time.monotonic() - killed
            assert took < 30, "no takeover within 30 s"
            # a third process joining later stays a follower
            third = start_server(env, tmp_path)
            servers.append(third)
            time.sleep(6)
            assert third.health()["scheduler"]["leader"] is False  # type: ignore[index]
            assert follower.health()["scheduler"]["leader"] is True  # type: ignore[index]
        finally:
            for server in servers:
                server.stop()
