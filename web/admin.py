"""Admins: the accounts of their schemes (add one for the scheme in view, disable one)."""

from __future__ import annotations

from starlette.responses import Response

from booking.accounts import AccountError, create_account, disable_account, list_accounts
from booking.domain.outcomes import Refused
from booking.people import coordinators as people_coordinators
from booking.people.coordinators import coordinators
from web.context import PREFIX, Ctx, NotFound


def accounts_page(ctx: Ctx, *, status: int = 200, error: str = "") -> Response:
    """GET /console/accounts: the accounts that work on this scheme, and its coordinators
    (the chat identities alerts go to)."""
    return ctx.render("accounts.html", status=status, error=error,
                      accounts=list_accounts(ctx.session, [ctx.scheme_id]), form=ctx.form,
                      coordinators=coordinators(ctx.session, ctx.scheme_id))


def add_coordinator(ctx: Ctx) -> Response:
    """POST /console/accounts/coordinators: name, phone."""
    result = ctx.attempt(lambda: people_coordinators.add_coordinator(
        ctx.session, ctx.scheme_id, ctx.form.get("coordinator_name", ""),
        ctx.form.get("coordinator_phone", ""), ctx.actor, ctx.now))
    if isinstance(result, Refused):
        return accounts_page(ctx, status=409, error=str(result))
    return ctx.done(result.message, f"{PREFIX}/accounts")


def deactivate_coordinator(ctx: Ctx) -> Response:
    """POST /console/accounts/coordinators/N/deactivate."""
    person_id = ctx.path_int("coordinator")
    if person_id not in {p.id for p in coordinators(ctx.session, ctx.scheme_id)}:
        raise NotFound("There is no such coordinator here.")
    result = ctx.attempt(lambda: people_coordinators.deactivate_coordinator(
        ctx.session, ctx.scheme_id, person_id, ctx.actor, ctx.now))
    if isinstance(result, Refused):
        return accounts_page(ctx, status=409, error=str(result))
    return ctx.done(result.message, f"{PREFIX}/accounts")


def add_account(ctx: Ctx) -> Response:
    """POST /console/accounts: a new account for the scheme in view."""
    form = ctx.form
    try:
        view = create_account(ctx.session, email=form.get("email", ""),
                              name=form.get("name", ""), role=form.get("role", ""),
                              password=form.get("password", ""), scheme_ids=[ctx.scheme_id],
                              phone=form.get("phone", "").strip() or None, now=ctx.now)
    except AccountError as exc:
        return accounts_page(ctx, status=422, error=str(exc))
    return ctx.done(f"Added {view.role} {view.email}.", f"{PREFIX}/accounts")


def disable(ctx: Ctx) -> Response:
    """POST /console/accounts/N/disable: only accounts wholly within the admin's schemes."""
    mine = {m.slug for m in ctx.who.schemes}
    target = next((a for a in list_accounts(ctx.session, [ctx.scheme_id])
                   if a.id == ctx.path_int("account")), None)
    if target is None or not set(target.schemes) <= mine:
        raise NotFound("There is no such account here.")
    if target.id == ctx.who.account_id:
        return accounts_page(ctx, status=422, error="You can't disable your own account.")
    disable_account(ctx.session, target.email, ctx.now)
    return ctx.done(f"Disabled {target.email}; their sessions have ended.", f"{PREFIX}/accounts")
