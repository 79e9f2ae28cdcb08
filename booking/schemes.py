"""Schemes: finding the one a message belongs to, and reading or changing its rules."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from booking.rules import SchemeRules, rules_from, set_rule
from storage.tables import Scheme


def resolve_scheme(session: Session, *, to_number: str = "", default_slug: str = "") -> Scheme:
    """The scheme a message is for: by the number it was sent to, else the default, else the first.

    Raises LookupError when there is no scheme at all (run `lifts seed-demo` or create one).
    """
    if to_number:
        found = session.exec(select(Scheme).where(Scheme.sms_number == to_number)).first()
        if found is not None:
            return found
    if default_slug:
        found = session.exec(select(Scheme).where(Scheme.slug == default_slug)).first()
        if found is not None:
            return found
    first = session.exec(select(Scheme).order_by(Scheme.id)).first()  # type: ignore[arg-type]
    if first is None:
        raise LookupError("no scheme is set up yet")
    return first


def scheme_rules(scheme: Scheme) -> SchemeRules:
    """The scheme's rules with defaults filled in."""
    return rules_from(scheme.rules or {})


def rules_for(session: Session, scheme_id: int) -> SchemeRules:
    """The rules of the scheme with this id."""
    scheme = session.get(Scheme, scheme_id)
    if scheme is None:
        raise LookupError(f"no scheme {scheme_id}")
    return scheme_rules(scheme)


def update_rule(session: Session, scheme: Scheme, key: str, value: str) -> dict[str, Any]:
    """Set one rule from text (validated) and return the full rules."""
    scheme.rules = set_rule(scheme.rules or {}, key, value)
    session.add(scheme)
    return scheme.rules


class UnknownScheme(LookupError):
    """A slug that names no scheme (the message lists the ones there are)."""


def get_scheme(session: Session, slug: str = "") -> Scheme:
    """A scheme by slug, or the only/first one when no slug is given. An unknown slug is an
    error, never quietly another scheme."""
    if slug:
        found = session.exec(select(Scheme).where(Scheme.slug == slug)).first()
        if found is None:
            known = session.exec(select(Scheme.slug).order_by(Scheme.slug)).all()
            raise UnknownScheme(f"There is no scheme {slug!r}" + (
                f" (there is {', '.join(known)})." if known else
                ": none is set up yet (`lifts scheme import FILE` or `lifts seed-demo`)."))
        return found
    return resolve_scheme(session)
