"""The `lifts` command line, run as a real process against a real database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

LIFTS = [sys.executable, "-m", "lifts.cli"]


def run(args: list[str], db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `lifts ARGS` with DATABASE_URL pointing at a file of the test's own."""
    full_env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "200", **env}
    full_env.pop("TEST_DATABASE_URL", None)
    return subprocess.run(LIFTS + args, capture_output=True, text=True, env=full_env,
                          timeout=120, check=False)


def test_demo_prints_both_conversations(tmp_path: Path) -> None:
    """`lifts demo` books by SMS and by Telegram and shows the stored requests."""
    result = run(["demo"], tmp_path / "unused.db")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Resident (SMS)" in out and "Resident (Telegram)" in out
    assert out.count("Your lift request for") == 5  # two newcomers, three known residents
    assert "taps Decline" in out and "taps Accept" in out  # drivers answer offers
    assert out.count("Confirmed for") >= 4  # residents hear only after a driver accepts
    assert "Roster for Thursday" in out and "run sheet" in out


def test_scheme_show_and_set(tmp_path: Path) -> None:
    """Rules are shown with defaults, changed with validation, and bad values are refused."""
    db = tmp_path / "lifts.db"
    assert run(["seed-demo"], db).returncode == 0
    shown = run(["scheme", "show"], db)
    assert "booking_notice_hours" in shown.stdout and "48" in shown.stdout
    changed = run(["scheme", "set", "booking_notice_hours", "24"], db)
    assert changed.returncode == 0 and "booking_notice_hours = 24" in changed.stdout
    assert " 24 " in run(["scheme", "show"], db).stdout
    bad = run(["scheme", "set", "booking_notice_hours", "lots"], db)
    assert bad.returncode == 1 and "Not changed" in bad.stdout
    unknown = run(["scheme", "set", "colour", "blue"], db)
    assert unknown.returncode == 1 and "unknown setting" in unknown.stdout


def test_scheme_show_without_a_scheme_says_what_to_do(tmp_path: Path) -> None:
    """Before seeding, `scheme show` explains how to create a scheme."""
    db = tmp_path / "empty.db"
    assert run(["db", "upgrade"], db).returncode == 0
    result = run(["scheme", "show"], db)
    assert result.returncode == 1 and "seed-demo" in result.stdout


def test_production_refuses_placeholder_secrets(tmp_path: Path) -> None:
    """APP_ENV=production with a placeholder secret stops with a clear message."""
    result = run(["db", "upgrade"], tmp_path / "x.db", APP_ENV="production",
                 TWILIO_AUTH_TOKEN="change-me")
    assert result.returncode == 2 and "placeholder" in result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_starts_and_reports_health(tmp_path: Path) -> None:
    """`lifts serve` migrates a fresh database and answers /healthz."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    env.pop("TEST_DATABASE_URL", None)
    proc = subprocess.Popen(LIFTS + ["serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read() if proc.stdout else ""
                    pytest.fail(f"serve did not start: {output}")
                time.sleep(0.2)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        assert httpx.post(f"http://127.0.0.1:{port}/sms/inbound", data={"From": "x"}
                          ).status_code == 403  # no Twilio token configured: refused
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_an_idle_server_writes_next_to_nothing(tmp_path: Path) -> None:
    """After start-up, an idle `lifts serve` at INFO writes at most a handful of lines in
    20 seconds (the scheduler once wrote two a second, every job named run_task)."""
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'idle.db'}", "LOG_LEVEL": "INFO"}
    env.pop("TEST_DATABASE_URL", None)
    with log.open("w") as out:
        proc = subprocess.Popen(LIFTS + ["serve", "--port", str(port)], env=env, stdout=out,
                                stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 90
            while "startup complete" not in log.read_text():
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            time.sleep(3)  # the leader's jobs are added just after start-up
            before = len(log.read_text().splitlines())
            time.sleep(20)
            idle = log.read_text().splitlines()[before:]
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    assert len(idle) <= 3, idle
    started = log.read_text()
    assert "run_task" not in started and "SMS: off" in started and "Telegram: off" in started
