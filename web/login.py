"""Signing in and out, and choosing which of one's schemes to look at."""

from __future__ import annotations

import asyncio

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from booking import accounts
from web.context import PREFIX, Console, Ctx, new_token
from web.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    BadForm,
    client_hash,
    foreign_origin,
    read_form,
    same_token,
    sign,
    unsign,
)


def login_page(console: Console):  # type: ignore[no-untyped-def]
    """GET and POST /console/login."""

    async def endpoint(request: Request) -> Response:
        if request.method == "GET":
            return _form(console)
        try:
            form = await read_form(request)
        except BadForm:
            return HTMLResponse("That form could not be read.", status_code=400)
        if foreign_origin(request) or not same_token(request.cookies.get(LOGIN_COOKIE, ""),
                                                     form.get("csrf", "")):
            return _form(console, status=403,
                         error="This page had expired. Please try again.")
        email, password = form.get("email", "")[:254], form.get("password", "")[:1024]
        result = await asyncio.to_thread(_sign_in, console, request, email, password)
        if result.locked_minutes:
            return _form(console, status=429, email=email,
                         error=f"Too many tries. Please wait {result.locked_minutes} "
                               f"minute{'s' if result.locked_minutes != 1 else ''} and try "
                               "again, or ask an admin.")
        if not result.ok:
            return _form(console, status=401, email=email,
                         error="That email and password don't match an account.")
        response = RedirectResponse(f"{PREFIX}/", status_code=303)
        response.set_cookie(SESSION_COOKIE, sign(console.config.secret, result.token),
                            path=PREFIX, httponly=True, samesite="lax",
                            secure=console.config.secure_cookies)
        response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
        return response

    return endpoint


def _sign_in(console: Console, request: Request, email: str,
             password: str) -> accounts.LoginResult:
    with Session(console.engine, expire_on_commit=False) as session, session.begin():
        return accounts.sign_in(session, email=email, password=password,
                                client_hash=client_hash(console.config.secret, request),
                                now=console.clock())


def _form(console: Console, *, status: int = 200, email: str = "",
          error: str = "") -> Response:
    """The sign-in form with a fresh double-submit token (its cookie goes with it)."""
    token = new_token()
    response = console.page("login.html", {"csrf": token, "email": email, "error": error,
                                           "who": None}, status=status)
    response.set_cookie(LOGIN_COOKIE, token, path=PREFIX, httponly=True, samesite="lax",
                        secure=console.config.secure_cookies, max_age=3600)
    return response


def logout(ctx: Ctx) -> Response:
    """POST /console/logout: revoke this session and forget the cookie."""
    value = ctx.request.cookies.get(SESSION_COOKIE, "")
    token = unsign(ctx.console.config.secret, value)
    if token:
        accounts.sign_out(ctx.session, token, ctx.now)
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


def choose_scheme(ctx: Ctx) -> Response:
    """POST /console/scheme: look at another of the account's schemes."""
    slug = ctx.form.get("scheme", "")
    if not accounts.switch_scheme(ctx.session, ctx.who, slug):
        return ctx.render("message.html", status=403, title="Not yours",
                          message="You don't have access to that scheme.")
    return RedirectResponse(f"{PREFIX}/", status_code=303)
