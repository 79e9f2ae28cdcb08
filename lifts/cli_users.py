"""`lifts users`: console accounts for coordinators and admins."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from booking.accounts import AccountError, create_account, disable_account, list_accounts
from lifts.settings import Settings
from storage.db import make_engine, transaction
from storage.tables import Scheme

app = typer.Typer(help="Console accounts (coordinators and admins).", no_args_is_help=True)
console = Console()


def _engine() -> Engine:
    """The configured database, migrated (accounts may be the first thing ever set up)."""
    from storage.migrate import upgrade  # alembic: only for the commands that need it

    try:
        engine = make_engine(Settings().database_url)
        upgrade(engine)
    except ValueError as exc:
        console.print(f"[red]Settings error:[/] {exc}")
        raise typer.Exit(2) from exc
    except SQLAlchemyError as exc:
        console.print(f"[red]Database error:[/] {type(exc).__name__} (check DATABASE_URL)")
        raise typer.Exit(2) from exc
    return engine


def _password() -> str:
    """From a terminal: asked twice, not echoed. Otherwise the first line of standard input."""
    if sys.stdin.isatty():
        first = typer.prompt("Password", hide_input=True)
        if typer.prompt("Again", hide_input=True) != first:
            console.print("[red]Not added:[/] the two passwords differ.")
            raise typer.Exit(1)
        return str(first)
    return sys.stdin.readline().rstrip("\r\n")


@app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="Their email: what they sign in with.")],
    name: Annotated[str, typer.Option(help="Their name, as the audit trail shows it.")],
    role: Annotated[str, typer.Option(
        help="coordinator, admin or viewer (reads, changes nothing).")] = "coordinator",
    scheme: Annotated[list[str] | None, typer.Option(
        help="Scheme slug (repeat for several; default: the first scheme).")] = None,
    phone: Annotated[str, typer.Option(
        help="Their mobile in E.164 (+447...): links the account to their coordinator chat "
             "identity in each scheme.")] = "",
) -> None:
    """Add an account; the password comes from standard input (or a prompt on a terminal)."""
    engine = _engine()
    password = _password()
    try:
        with transaction(engine) as session:
            ids = _scheme_ids(session, scheme or [])
            view = create_account(session, email=email, name=name, role=role,
                                  password=password, scheme_ids=ids, phone=phone or None,
                                  now=_now())
    except AccountError as exc:
        console.print(f"[red]Not added:[/] {exc}")
        raise typer.Exit(1) from exc
    linked = f"; chat identity linked in {', '.join(view.linked)}" if view.linked else ""
    console.print(f"Added {view.role} {view.email} for {', '.join(view.schemes)}{linked}.")


@app.command("list")
def list_() -> None:
    """Every account: email, name, role, schemes and whether it may sign in."""
    with transaction(_engine()) as session:
        views = list_accounts(session)
    table = Table("email", "name", "role", "schemes", "chat identity", "active")
    for view in views:
        table.add_row(view.email, view.name, view.role, ", ".join(view.schemes),
                      ", ".join(view.linked) or "-", "yes" if view.active else "disabled")
    console.print(table if views else "No accounts yet: `lifts users add EMAIL --name NAME`.")


@app.command("disable")
def disable(email: Annotated[str, typer.Argument(help="The account's email.")]) -> None:
    """Stop an account signing in and sign it out everywhere."""
    try:
        with transaction(_engine()) as session:
            view = disable_account(session, email, _now())
    except AccountError as exc:
        console.print(f"[red]Not disabled:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"Disabled {view.email}; any open console sessions are signed out.")


def _scheme_ids(session: Session, slugs: list[str]) -> list[int]:
    if not slugs:
        first = session.exec(select(Scheme.id).order_by(col(Scheme.id))).first()
        if first is None:
            raise AccountError("There is no scheme yet: run `lifts seed-demo` or create one.")
        return [first]
    ids: list[int] = []
    for slug in slugs:
        found = session.exec(select(Scheme.id).where(Scheme.slug == slug)).first()
        if found is None:
            raise AccountError(f"There is no scheme {slug!r}.")
        ids.append(found)
    return ids


def _now() -> datetime:
    return datetime.now(UTC)
