"""The console's cookie, CSRF and form handling: small, standard-library pieces.

The session cookie carries a random token and an HMAC of it (so a forged or altered cookie is
refused before any database work); the session itself lives in the database, where it can
idle out and be revoked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request

SESSION_COOKIE = "lifts_console"
LOGIN_COOKIE = "lifts_login"  # double-submit token for the sign-in form (no session yet)
MAX_FORM_BYTES = 64 * 1024


class BadForm(Exception):
    """A body we will not read (too big, or not a form)."""


def sign(secret: bytes, token: str) -> str:
    """`token.signature`, for a cookie."""
    mac = hmac.new(secret, token.encode(), hashlib.sha256).digest()
    return f"{token}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def unsign(secret: bytes, value: str) -> str | None:
    """The token inside a signed cookie value, or None when the signature is wrong."""
    token, _, _sig = value.rpartition(".")
    if not token or len(value) > 200:
        return None
    return token if hmac.compare_digest(sign(secret, token), value) else None


def client_hash(secret: bytes, request: Request) -> str:
    """A keyed hash of the client's address: throttling without storing the address."""
    host = request.client.host if request.client else "unknown"
    return hmac.new(secret, f"client:{host}".encode(), hashlib.sha256).hexdigest()


def same_token(expected: str, given: str) -> bool:
    """Constant-time comparison of CSRF tokens (an empty one never matches)."""
    return bool(expected and given) and hmac.compare_digest(expected.encode(), given.encode())


def foreign_origin(request: Request) -> bool:
    """True when the browser says the request comes from another site (OWASP's Origin check)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.headers.get("host", "")


async def read_form(request: Request) -> dict[str, str]:
    """An url-encoded body as a dict (last value wins); BadForm when it is anything else."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise BadForm("too big")
    if not body:
        return {}
    if kind != "application/x-www-form-urlencoded":
        raise BadForm("not a form")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadForm("not UTF-8") from exc
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=200)
    except ValueError as exc:  # too many fields
        raise BadForm("too many fields") from exc
    return {key: value.replace("\x00", "") for key, value in pairs}
