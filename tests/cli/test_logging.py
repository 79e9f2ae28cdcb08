"""The logging set-up: libraries that log bodies or tokens stay quiet at DEBUG, and what gets
through has phone numbers, bot tokens and our secrets redacted."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from lifts import logs


@pytest.fixture
def configured() -> Iterator[io.StringIO]:
    """logs.configure at DEBUG into a buffer, undone afterwards."""
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in logs.QUIET}
    stream = io.StringIO()
    handler = logs.configure("DEBUG", secrets=["s3cret-Value-1234"], stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(saved[0])
    for name, level in saved[1].items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("configured")
def test_libraries_that_log_bodies_are_held_at_warning() -> None:
    """python-telegram-bot, httpx and Twilio log whole updates, URLs with the bot token and
    request bodies at DEBUG: they are kept at WARNING whatever LOG_LEVEL says."""
    for name in ("telegram.ext._application", "httpx", "twilio.http_client",
                 "apscheduler.executors.default", "sqlalchemy.engine.Engine"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
    assert logging.getLogger("booking.offers").isEnabledFor(logging.DEBUG)


def test_numbers_tokens_and_secrets_are_redacted(configured: io.StringIO) -> None:
    """Whatever reaches the handler, from any logger and in arguments too, is cleaned."""
    log = logging.getLogger("booking.test")
    log.warning("texting %s and 07911 123401", "+447911123401")
    log.warning("GET https://api.telegram.org/bot123456789:AAE_abcdefghijklmnopqrstuvwxyz01234/x")
    log.error("secret was %s", "s3cret-Value-1234")
    out = configured.getvalue()
    assert "7911" not in out and "AAE_" not in out and "s3cret" not in out
    assert out.count(logs.REDACTED) == 4
    log.info("request 482 offered to driver 17 at 2026-12-01 10:05")
    assert "request 482 offered to driver 17 at 2026-12-01 10:05" in configured.getvalue()
