"""Logging for every process: our own lines at the level asked for, libraries kept quiet, and
a filter that redacts phone numbers, bot tokens and our secrets from whatever gets through.

Appointments are health data: our code logs ids, never bodies, names or addresses; the
libraries that would (python-telegram-bot logs whole updates at DEBUG, httpx logs URLs that
carry the bot token, Twilio logs request bodies) are held at WARNING whatever LOG_LEVEL says.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import IO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose DEBUG or INFO lines carry bodies, numbers or tokens, or flood the log.
QUIET = ("httpx", "httpcore", "telegram", "twilio", "hpack", "urllib3", "asyncio",
         "apscheduler.executors", "apscheduler.jobstores", "sqlalchemy.engine",
         "sqlalchemy.pool", "multipart", "PIL", "matplotlib", "fontTools")
PHONE = re.compile(r"(?<![\w/=])(?:\+|00)\d[\d ()-]{7,16}\d"  # +44 7911 123456, 0044...
                   r"|(?<![\w/=])0[127]\d{3} ?\d{3} ?\d{3}(?!\d)")  # 07911 123456, 01969...
BOT_TOKEN = re.compile(r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}")
REDACTED = "[redacted]"
HANDLER = "lifts"


class Redact(logging.Filter):
    """Rewrites each record's message with phone numbers, bot tokens and secrets removed."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: keep the template only
            text = str(record.msg)
        clean = self.clean(text)
        if clean != text or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True

    def clean(self, text: str) -> str:
        """The text with anything that looks like a phone number, token or secret removed."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return PHONE.sub(REDACTED, BOT_TOKEN.sub(REDACTED, text))


class _ExpectedSkips(logging.Filter):
    """APScheduler warns each time a job is still running when it is due again; for the
    outbox dispatcher that is normal (a long pass), not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in str(record.msg)


def configure(level: str, *, secrets: Iterable[str] = (), stream: IO[str] | None = None
              ) -> logging.Handler:
    """Set up the root logger once for this process; returns its handler."""
    handler: logging.Handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER]:
        root.removeHandler(old)
    handler.set_name(HANDLER)  # ours, replaced if configured again
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").addFilter(_ExpectedSkips())
    return handler
