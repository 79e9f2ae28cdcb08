"""Console accounts: who may sign in to the web console, for which schemes, and how.

Passwords are argon2id hashes (argon2-cffi). A signed-in browser holds a random token whose
SHA-256 is a session row here, so a session can be revoked (sign out, disable) and idles out.
Failed sign-ins are throttled per account and per client; attempts are kept without the email
or the password, and the client address only as a keyed hash made by the caller.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.tables import (
    ConsoleAccount,
    ConsoleMembership,
    ConsoleSession,
    LoginAttempt,
    Person,
    Scheme,
)

log = logging.getLogger(__name__)

ROLES = ("coordinator", "admin", "viewer")  # a viewer reads every page and changes nothing
MIN_PASSWORD = 10  # length matters more than symbols (NCSC); ten is easy to remember
THROTTLE_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURES = 5  # wrong passwords for one account in the window before it is locked
CLIENT_FAILURES = 20  # failures from one client address in the window, whatever the account
SESSION_LIFETIME = timedelta(hours=12)  # signed in at most this long, however active
TOUCH_EVERY = timedelta(seconds=60)  # how often activity is written (not on every request)
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a miss takes as long as a wrong
    password. Made on first use: hashing costs ~0.2 s, which every CLI process paid."""
    return _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A change to accounts the rules do not allow; the message is safe to show."""


@dataclass(frozen=True)
class AccountView:
    """An account as the console and the CLI list it."""

    id: int
    email: str
    name: str
    role: str
    active: bool
    schemes: tuple[str, ...]  # slugs
    linked: tuple[str, ...]  # slugs where a coordinator Person (chat identity) is linked


@dataclass(frozen=True)
class Membership:
    """One scheme an account may work on, and their chat identity there (if any)."""

    scheme_id: int
    slug: str
    name: str
    person_id: int | None


@dataclass(frozen=True)
class SignedIn:
    """The account behind a valid session, and the scheme it is looking at."""

    session_id: int
    account_id: int
    name: str
    role: str
    csrf_token: str
    scheme: Membership
    schemes: tuple[Membership, ...]

    @property
    def is_admin(self) -> bool:
        """Admins may also manage accounts and settings."""
        return self.role == "admin"

    @property
    def read_only(self) -> bool:
        """Viewers (a trustee, an auditor) may look but not act."""
        return self.role == "viewer"


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a sign-in: `token` is set on success; `locked_minutes` when throttled."""

    token: str = ""
    locked_minutes: int = 0
    account_id: int | None = None

    @property
    def ok(self) -> bool:
        """True when the password was right and nothing was throttled."""
        return bool(self.token)


def normalise_email(text: str) -> str:
    """The email in lower case, or AccountError when it is not one."""
    email = text.strip().lower()
    if len(email) > 254 or not EMAIL.match(email):
        raise AccountError("That is not an email address.")
    return email


def create_account(session: Session, *, email: str, name: str, role: str, password: str,
                   scheme_ids: list[int], now: datetime, phone: str | None = None
                   ) -> AccountView:
    """A new active account for these schemes; its chat identity is linked by phone."""
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    if not name.strip():
        raise AccountError("The name must not be empty.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password must be at least {MIN_PASSWORD} characters.")
    if not scheme_ids:
        raise AccountError("An account needs at least one scheme.")
    if session.exec(select(ConsoleAccount).where(ConsoleAccount.email == email)).first():
        raise AccountError("An account with that email already exists.")
    account = ConsoleAccount(email=email, name=name.strip()[:120], role=role,
                             phone=phone or None, password_hash=_hasher.hash(password),
                             created_at=now)
    session.add(account)
    session.flush()
    for scheme_id in dict.fromkeys(scheme_ids):
        add_membership(session, account, scheme_id)
    log.info("console account %s created (%s)", account.id, role)
    return _view(session, account)


def add_membership(session: Session, account: ConsoleAccount, scheme_id: int) -> None:
    """Let the account work on a scheme, linked to its coordinator Person with the same phone."""
    if session.get(Scheme, scheme_id) is None:
        raise AccountError("There is no such scheme.")
    person_id = None
    if account.phone:
        person_id = session.exec(select(Person.id).where(
            Person.scheme_id == scheme_id, Person.role == "coordinator",
            Person.phone == account.phone, Person.active == True)).first()  # noqa: E712
    session.add(ConsoleMembership(account_id=account.id or 0, scheme_id=scheme_id,
                                  person_id=person_id))
    session.flush()


def disable_account(session: Session, email: str, now: datetime) -> AccountView:
    """Stop an account signing in, and sign out every browser it has."""
    account = session.exec(select(ConsoleAccount).where(
        ConsoleAccount.email == normalise_email(email))).first()
    if account is None:
        raise AccountError("There is no account with that email.")
    account.active, account.disabled_at = False, now
    session.add(account)
    for row in session.exec(select(ConsoleSession).where(
            ConsoleSession.account_id == account.id,
            col(ConsoleSession.revoked_at).is_(None))).all():
        row.revoked_at = now
        session.add(row)
    log.info("console account %s disabled", account.id)
    return _view(session, account)


def list_accounts(session: Session, scheme_ids: list[int] | None = None) -> list[AccountView]:
    """Every account (or those with one of these schemes), by email."""
    query = select(ConsoleAccount).order_by(col(ConsoleAccount.email))
    if scheme_ids is not None:
        members = select(ConsoleMembership.account_id).where(
            col(ConsoleMembership.scheme_id).in_(scheme_ids))
        query = query.where(col(ConsoleAccount.id).in_(members))
    return [_view(session, account) for account in session.exec(query).all()]


def _view(session: Session, account: ConsoleAccount) -> AccountView:
    rows = session.exec(select(Scheme.slug, ConsoleMembership.person_id).join(
        ConsoleMembership, col(ConsoleMembership.scheme_id) == Scheme.id).where(
        ConsoleMembership.account_id == account.id).order_by(col(Scheme.slug))).all()
    return AccountView(account.id or 0, account.email, account.name, account.role,
                       account.active, tuple(slug for slug, _ in rows),
                       tuple(slug for slug, person in rows if person is not None))


def sign_in(session: Session, *, email: str, password: str, client_hash: str,
            now: datetime) -> LoginResult:
    """Check a password (throttled); on success open a session on the account's first scheme."""
    try:
        wanted = normalise_email(email)
    except AccountError:
        wanted = ""
    account = session.exec(select(ConsoleAccount).where(
        ConsoleAccount.email == wanted)).first() if wanted else None
    account_id = account.id if account is not None else None
    locked = _locked_minutes(session, account_id, client_hash, now)
    if locked:
        log.warning("console sign-in refused: throttled (account %s)", account_id or "unknown")
        return LoginResult(locked_minutes=locked, account_id=account_id)
    good = _password_matches(account.password_hash if account else _dummy_hash(), password)
    ok = good and account is not None and account.active
    session.add(LoginAttempt(at=now, account_id=account_id, client_hash=client_hash,
                             success=ok))
    if not ok or account is None:
        log.warning("console sign-in failed (account %s)", account_id or "unknown")
        return LoginResult(account_id=account_id)
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
        session.add(account)
    schemes = memberships(session, account.id or 0)
    if not schemes:
        log.warning("console sign-in refused: account %s has no scheme", account.id)
        return LoginResult(account_id=account_id)
    token = open_session(session, account.id or 0, schemes[0].scheme_id, now)
    log.info("console sign-in: account %s", account.id)
    return LoginResult(token=token, account_id=account_id)


def _password_matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _locked_minutes(session: Session, account_id: int | None, client_hash: str,
                    now: datetime) -> int:
    """Minutes until another try is allowed (0: allowed now)."""
    since = now - THROTTLE_WINDOW
    waits = []
    if account_id is not None:
        last_ok = session.exec(select(func.max(LoginAttempt.at)).where(
            LoginAttempt.account_id == account_id, LoginAttempt.success == True)).one()  # noqa: E712
        start = max(since, last_ok) if last_ok else since
        waits.append(_wait(session, (LoginAttempt.account_id == account_id,),
                           start, ACCOUNT_FAILURES, now))
    waits.append(_wait(session, (LoginAttempt.client_hash == client_hash,), since,
                       CLIENT_FAILURES, now))
    return max(waits)


def _wait(session: Session, where: tuple[object, ...], since: datetime, limit: int,
          now: datetime) -> int:
    failures = session.exec(select(LoginAttempt.at).where(
        *where, LoginAttempt.success == False, col(LoginAttempt.at) > since)  # type: ignore[arg-type]  # noqa: E712
        .order_by(col(LoginAttempt.at).desc()).limit(limit)).all()
    if len(failures) < limit:
        return 0
    # Locked until the oldest of the last `limit` failures leaves the window.
    free_at = failures[-1] + THROTTLE_WINDOW
    return max(1, int((free_at - now).total_seconds() // 60) + 1)


def memberships(session: Session, account_id: int) -> list[Membership]:
    """The schemes an account may work on, by name."""
    rows = session.exec(select(ConsoleMembership, Scheme).join(
        Scheme, col(Scheme.id) == ConsoleMembership.scheme_id).where(
        ConsoleMembership.account_id == account_id).order_by(col(Scheme.name))).all()
    return [Membership(scheme.id or 0, scheme.slug, scheme.name, member.person_id)
            for member, scheme in rows]


def token_hash(token: str) -> str:
    """What is stored for a session token (a database leak gives no usable cookie)."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, account_id: int, scheme_id: int, now: datetime) -> str:
    """A new session; returns the token for the cookie (rotated on every sign-in)."""
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_hash=token_hash(token), account_id=account_id,
                               scheme_id=scheme_id, csrf_token=secrets.token_urlsafe(32),
                               created_at=now, last_seen_at=now))
    session.flush()
    return token


def signed_in(session: Session, token: str, now: datetime, *, idle: timedelta,
              touch: bool = True) -> SignedIn | None:
    """The account behind a session token, or None when unknown, revoked, idle or disabled.

    `touch` records activity; the board's own polling passes False so an open board still
    idles out.
    """
    row = session.exec(select(ConsoleSession).where(
        ConsoleSession.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    account = session.get(ConsoleAccount, row.account_id)
    if (account is None or not account.active or now - row.last_seen_at > idle
            or now - row.created_at > SESSION_LIFETIME):
        return None
    schemes = tuple(memberships(session, account.id or 0))
    current = next((m for m in schemes if m.scheme_id == row.scheme_id), None)
    if current is None:  # the scheme was taken away from the account
        return None
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
    return SignedIn(row.id or 0, account.id or 0, account.name, account.role, row.csrf_token,
                    current, schemes)


def switch_scheme(session: Session, who: SignedIn, slug: str) -> bool:
    """Look at another of the account's schemes; False when it is not one of theirs."""
    target = next((m for m in who.schemes if m.slug == slug), None)
    row = session.get(ConsoleSession, who.session_id)
    if target is None or row is None:
        return False
    row.scheme_id = target.scheme_id
    session.add(row)
    return True


def sign_out(session: Session, token: str, now: datetime) -> None:
    """Revoke a session (the cookie is worthless afterwards)."""
    row = session.exec(select(ConsoleSession).where(
        ConsoleSession.token_hash == token_hash(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
        session.add(row)


def set_flash(session: Session, who: SignedIn, text: str) -> None:
    """Remember what an action did, to show on the next page (post, redirect, get)."""
    row = session.get(ConsoleSession, who.session_id)
    if row is not None:
        row.flash = text[:500]
        session.add(row)


def take_flash(session: Session, who: SignedIn) -> str:
    """The remembered message, once."""
    row = session.get(ConsoleSession, who.session_id)
    if row is None or not row.flash:
        return ""
    text, row.flash = row.flash, ""
    session.add(row)
    return text
