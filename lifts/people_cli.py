"""`lifts people`: the people administration an operator would script (list who is waiting,
approve, record a driver's checks, deactivate and reactivate). The same core services as the
console, written to the audit trail as the command line."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from lifts.reach_cli import people_app as app

__all__ = ["app"]

if TYPE_CHECKING:  # imported by the commands: `lifts --help` stays quick
    from sqlmodel import Session

    from booking.audit import Actor
    from booking.people.approval import Done
    from storage.tables import Person

# One `lifts people` group: how people are reached (lifts/reach_cli.py) and these.
app.info.help = ("People: how they are reached; approve newcomers, vet drivers, "
                 "deactivate.")
console = Console()

Phone = Annotated[str, typer.Argument(help="Their phone number (07… or +44…).")]
Slug = Annotated[str, typer.Option(help="Scheme slug (needed when the number is in several).")]
By = Annotated[str, typer.Option(help="Your name, for the audit trail (default: login name).")]


def _fail(line: str, code: int = 1) -> typer.Exit:
    console.print(line, soft_wrap=True)
    return typer.Exit(code)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _fail(f"[red]{option} is not a date:[/] {text!r} (use YYYY-MM-DD)", 2) from exc


def _actor(by: str) -> Actor:
    from booking.audit import Actor

    return Actor(by or f"{getpass.getuser()} (command line)", "cli", "admin")


def _now() -> datetime:
    from lifts.providers import system_clock

    return system_clock()


def _person(session: Session, raw: str, slug: str) -> Person:
    """The one resident or driver with this number (in the scheme, when given)."""
    from sqlmodel import col, select

    from booking.phones import to_e164
    from storage.tables import Person, Scheme

    phone = to_e164(raw)
    if phone is None:
        raise _fail(f"[red]Not a phone number:[/] {raw!r} (e.g. 07700 900123)", 2)
    query = select(Person).where(Person.phone == phone,
                                 col(Person.role).in_(("resident", "driver")))
    if slug:
        scheme_id = session.exec(select(Scheme.id).where(Scheme.slug == slug)).first()
        if scheme_id is None:
            raise _fail(f"[red]No scheme called {slug!r}.[/]")
        query = query.where(Person.scheme_id == scheme_id)
    found = session.exec(query).all()
    if not found:
        raise _fail(f"[red]No resident or driver has {phone}.[/]")
    if len(found) > 1:
        raise _fail(f"[red]{phone} is in {len(found)} schemes:[/] say which with --slug.")
    return found[0]


def _act(phone: str, slug: str, action: Callable[[Session, Person], Done]) -> None:
    """Run one service on the person with this number; a refusal is one line, exit 1."""
    from booking.domain.outcomes import Refused
    from lifts.cli import _settings
    from storage.db import make_engine, transaction

    with transaction(make_engine(_settings().database_url)) as session:
        person = _person(session, phone, slug)
        try:
            with session.begin_nested():
                done = action(session, person)
        except Refused as exc:
            raise _fail(f"[red]Not done:[/] {exc}") from exc
    console.print(done.message)


@app.command("list")
def list_people(
    pending: Annotated[bool, typer.Option("--pending", help="Only those waiting for "
                                                           "approval.")] = False,
    role: Annotated[str, typer.Option(help="resident or driver (default: both).")] = "",
    slug: Annotated[str, typer.Option(help="Scheme slug (default: the first).")] = "",
) -> None:
    """Residents and drivers, with whether they wait for approval and their checks."""
    from booking.people.roster import people_list
    from booking.schemes import get_scheme
    from lifts.cli import _scheme_or_exit, _settings
    from storage.db import make_engine, transaction

    if role not in ("", "resident", "driver"):
        raise _fail(f"[red]--role is resident or driver,[/] not {role!r}.", 2)
    with transaction(make_engine(_settings().database_url)) as session:
        scheme = _scheme_or_exit(get_scheme, session, slug)
        rows = people_list(session, scheme.id or 0, role=role or None, pending_only=pending,
                           now=_now())
    table = Table("name", "role", "phone", "status", "checks", title=scheme.name)
    for row in rows:
        table.add_row(row.name, row.role, row.phone, row.status, row.checks or "")
    console.print(table)


@app.command()
def approve(phone: Phone, slug: Slug = "", by: By = "") -> None:
    """Approve a resident waiting to book (`approve_new_residents`); they are told."""
    from booking.people import approval

    _act(phone, slug, lambda session, person: approval.approve_resident(
        session, person.scheme_id, person.id or 0, _actor(by), _now()))


@app.command()
def vet(
    phone: Phone,
    dbs_seen: Annotated[str, typer.Option("--dbs-seen", help="The day you saw their DBS "
                                                            "certificate (YYYY-MM-DD).")],
    licence_seen: Annotated[str, typer.Option("--licence-seen", help="The day you saw their "
                                                                    "driving licence.")],
    insurance_expires: Annotated[str, typer.Option("--insurance-expires",
                                                   help="The day their insurance runs out.")],
    slug: Slug = "",
    by: By = "",
) -> None:
    """Record that a driver's DBS, licence and insurance were seen: a waiting driver is
    approved (and told); an approved one has their checks renewed."""
    from booking.people import approval
    from booking.people.approval import Checks

    checks = Checks(_day(dbs_seen, "--dbs-seen"), _day(licence_seen, "--licence-seen"),
                    _day(insurance_expires, "--insurance-expires"))
    _act(phone, slug, lambda session, person: approval.vet_driver(
        session, person.scheme_id, person.id or 0, checks, _actor(by), _now()))


@app.command()
def deactivate(phone: Phone, slug: Slug = "", by: By = "") -> None:
    """Stop a resident or driver taking part (their records stay)."""
    from booking.people import approval

    _act(phone, slug, lambda session, person: approval.deactivate(
        session, person.scheme_id, person.id or 0, _actor(by), _now()))


@app.command()
def reactivate(phone: Phone, slug: Slug = "", by: By = "") -> None:
    """Let an inactive resident or driver take part again."""
    from booking.people import approval

    _act(phone, slug, lambda session, person: approval.reactivate(
        session, person.scheme_id, person.id or 0, _actor(by), _now()))


@app.command("add-coordinator")
def add_coordinator(
    name: Annotated[str, typer.Argument(help="Their full name.")],
    phone: Phone,
    slug: Annotated[str, typer.Option(help="Scheme slug (default: the first).")] = "",
    by: By = "",
) -> None:
    """A coordinator who gets the scheme's alerts by text and may use the chat commands (a
    console account with the same phone is linked)."""
    from booking.domain.outcomes import Refused
    from booking.people.coordinators import add_coordinator as add
    from booking.schemes import get_scheme
    from lifts.cli import _scheme_or_exit, _settings
    from storage.db import make_engine, transaction

    with transaction(make_engine(_settings().database_url)) as session:
        scheme = _scheme_or_exit(get_scheme, session, slug)
        try:
            with session.begin_nested():
                done = add(session, scheme.id or 0, name, phone, _actor(by), _now())
        except Refused as exc:
            raise _fail(f"[red]Not done:[/] {exc}") from exc
    console.print(done.message)
