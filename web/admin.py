"""Admins: the accounts of their schemes (add one for the scheme in view, disable one)."""

from __future__ import annotations

from starlette.responses import Response

from booking.accounts import AccountError, create_account, disable_account, list_accounts
from web.context import PREFIX, Ctx, NotFound


def accounts_page(ctx: Ctx, *, status: int = 200, error: str = "") -> Response:
    """GET /console/accounts: the accounts that work on this scheme."""
    return ctx.render("accounts.html", status=status, error=error,
                      accounts=list_accounts(ctx.session, [ctx.scheme_id]), form=ctx.form)


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
