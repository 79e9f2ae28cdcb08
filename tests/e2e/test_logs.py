"""A whole day through the real app logged at DEBUG, as `lifts serve` configures logging: the
log holds no phone number, name, address, message text, bot token or secret."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from lifts import logs
from tests.e2e.test_day import Day, _book, _offered_to, _plan_and_send, day  # noqa: F401
from tests.e2e.test_telegram import texts
from tests.support.world import BOT_TOKEN, TWILIO_TOKEN, WEBHOOK_SECRET

SECRETS = (BOT_TOKEN, TWILIO_TOKEN, WEBHOOK_SECRET)


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Logging as a production process sets it up, at DEBUG, into a buffer; restored after."""
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in logs.QUIET}
    stream = io.StringIO()
    handler = logs.configure("DEBUG", secrets=SECRETS, stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(saved[0])
    for name, level in saved[1].items():
        logging.getLogger(name).setLevel(level)


def test_a_day_logged_at_debug_carries_no_personal_data(day: Day,  # noqa: F811
                                                        debug_log: io.StringIO) -> None:
    """Join and book by SMS, plan, offer and accept on Telegram, confirm, remind, run sheet:
    none of the people's details, what they wrote, or our secrets reach the log."""
    _book(day)
    _plan_and_send(day)
    name, accept = _offered_to(day)
    texts(day.drivers[name].press(accept))
    day.run("dispatch")
    day.clock.now += timedelta(hours=15)
    texts(day.drivers[name].say("today"))
    day.phone.text("HELP me please")
    day.run("dispatch")
    logged = debug_log.getvalue()
    assert "joined scheme 1 by sms" in logged and "accepted by driver" in logged  # not vacuous
    forbidden = [day.phone.number, day.phone.number.replace("+44", "0"), "Mary Kettlewell",
                 "Kettlewell", "4 Chapel Row", "DL8 4PU", "Leyburn surgery Thursday",
                 "HELP me please", name, *SECRETS]
    found = [item for item in forbidden if item in logged]
    assert found == [], f"the log carries {found}"
