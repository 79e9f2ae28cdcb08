"""What every webhook checks before it believes a request: its size (read no more than the
limit, before any signature check), the shape of a JSON body, and provider ids that fit.

A rejected request gets a deliberate 4xx and one log line, never a traceback or a 500.
"""

from __future__ import annotations

import re

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

WEBHOOK_BODY_LIMIT = 64 * 1024  # Twilio and Telegram send a few kB at most
JSON_DEPTH_LIMIT = 32  # a Telegram update nests about 6 deep
BIGINT = 2**63 - 1  # the widest id our columns hold
INT = 2**31 - 1
PROVIDER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class Rejected(Exception):
    """A request we will not process; `response` says why, briefly."""

    def __init__(self, status: int, why: str):
        super().__init__(why)
        self.response = Response(why, status_code=status)


async def read_limited(request: Request, limit: int = WEBHOOK_BODY_LIMIT) -> bytes:
    """The body, read in chunks and abandoned as soon as it is over `limit` (413)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Rejected(413, "request too large")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise Rejected(413, "request too large")
    except ClientDisconnect as exc:
        raise Rejected(400, "incomplete request") from exc
    return bytes(body)


def json_depth_ok(raw: bytes, limit: int = JSON_DEPTH_LIMIT) -> bool:
    """Whether no array or object in `raw` nests deeper than `limit` (strings skipped), so a
    pathological body cannot exhaust the parser's recursion."""
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return True


def small_int(value: object, top: int = BIGINT) -> bool:
    """A whole number our columns can hold (booleans are not ids)."""
    return isinstance(value, int) and not isinstance(value, bool) and -top <= value <= top
