"""`lifts privacy`: answer an access or erasure request, and run the retention purge by hand."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # the commands import what they need: `lifts --help` stays quick
    from sqlalchemy import Engine
    from sqlmodel import Session

    from booking.audit import Actor
    from booking.privacy.erasure import Erasure
    from storage.tables import Person

app = typer.Typer(help="Data protection: access and erasure requests, retention.",
                  no_args_is_help=True)
console = Console()


def _engine() -> Engine:
    from lifts.cli import _settings
    from storage.db import make_engine

    return make_engine(_settings().database_url)


def _actor(by: str) -> Actor:
    """Who ran the command, for the audit trail (the login name unless told otherwise)."""
    from booking.audit import Actor

    return Actor(by or f"{getpass.getuser()} (command line)", "cli", "admin")


def _phone(raw: str) -> str:
    from booking.phones import to_e164

    phone = to_e164(raw)
    if phone is None:
        console.print(f"[red]Not a phone number:[/] {raw!r} (e.g. 07700 900123 or +447700900123)")
        raise typer.Exit(2)
    return phone


def _scheme_id(session: Session, slug: str) -> int | None:
    from sqlmodel import select

    from storage.tables import Scheme

    if not slug:
        return None
    found = session.exec(select(Scheme.id).where(Scheme.slug == slug)).first()
    if found is None:
        console.print(f"[red]No scheme called {slug!r}.[/]")
        raise typer.Exit(1)
    return found


def _now() -> datetime:
    from lifts.providers import system_clock

    return system_clock()


Phone = Annotated[str, typer.Argument(help="Their phone number (07… or +44…).")]
Slug = Annotated[str, typer.Option(help="Scheme slug (default: every scheme).")]
By = Annotated[str, typer.Option(help="Your name, for the audit trail (default: login name).")]


@app.command()
def export(
    phone: Phone,
    out: Annotated[Path | None, typer.Option(help="Also write everything as JSON here.")
                   ] = None,
    slug: Slug = "",
    by: By = "",
) -> None:
    """Everything held about a person, in plain words (and as JSON with --out)."""
    from booking.privacy.erasure import find
    from booking.privacy.export import as_text, export_person, export_traces
    from storage.db import transaction

    number = _phone(phone)
    with transaction(_engine()) as session:
        scheme_id = _scheme_id(session, slug)
        people = find(session, number, scheme_id)
        docs = [export_person(session, person, _actor(by), _now()) for person in people]
        traces = [export_traces(session, s, number) for s in _schemes(session, scheme_id)]
    traces = [t for t in traces if t["conversations"] or t["help_requests"] or t["messages"]]
    if not docs and not traces:
        console.print(f"Nothing is held about {number}.")
        raise typer.Exit(1)
    for doc in docs:
        console.print(as_text(doc), markup=False, highlight=False)
        console.print()
    for trace in traces:
        console.print(f"Also held about {number}, not linked to anyone: "
                      f"{len(trace['conversations'])} conversation(s), "
                      f"{len(trace['help_requests'])} HELP request(s), "
                      f"{len(trace['messages'])} message(s).")
    if out is not None:
        try:
            out.write_text(json.dumps({"phone": number, "people": docs, "not_linked": traces},
                                      indent=2, ensure_ascii=False))
        except OSError as exc:
            console.print(f"[red]Could not write {out}:[/] {exc.strerror}")
            raise typer.Exit(1) from exc
        console.print(f"JSON written to {out}")


def _schemes(session: Session, scheme_id: int | None) -> list[int]:
    from sqlmodel import select

    from storage.tables import Scheme

    if scheme_id is not None:
        return [scheme_id]
    return [i for i in session.exec(select(Scheme.id)).all() if i is not None]


@app.command()
def erase(
    phone: Phone,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    slug: Slug = "",
    by: By = "",
) -> None:
    """Erase a person: future lifts cancelled (drivers told), then their details and history
    anonymised. The counts in reports stay the same."""
    from booking.domain.outcomes import Refused
    from booking.privacy.erasure import erase as erase_person
    from booking.privacy.erasure import erase_traces, find
    from storage.db import transaction

    number = _phone(phone)
    engine = _engine()
    with transaction(engine) as session:
        scheme_id = _scheme_id(session, slug)
        people = find(session, number, scheme_id)
        if len(people) > 1:
            console.print(f"[red]{number} is in {len(people)} schemes:[/] say which with --slug.")
            raise typer.Exit(1)
        person = people[0] if people else None
        plan = _preview(session, person)
    if person is None and not _confirm(yes, f"Nobody has {number}; delete what is held "
                                       "about the number (conversations, HELP requests)?"):
        raise typer.Exit(1)
    if person is not None and plan is not None and not _confirm(
            yes, f"Erase {plan.name} ({plan.role}): {plan.summary()}?"):
        raise typer.Exit(1)
    with transaction(engine) as session:
        if person is None:
            removed: dict[str, int] = {}
            for sid in _schemes(session, scheme_id):
                for table, n in erase_traces(session, sid, number).items():
                    removed[table] = removed.get(table, 0) + n
            console.print("Removed: " + (", ".join(f"{t} {n}" for t, n in removed.items() if n)
                                         or "nothing was held"))
            return
        from storage.tables import Person

        fresh = session.get(Person, person.id)
        assert fresh is not None
        try:
            done = erase_person(session, fresh, _actor(by), _now())
        except Refused as exc:
            console.print(f"[red]Not erased:[/] {exc}")
            raise typer.Exit(1) from exc
    console.print(f"Erased person #{done.person_id}: {done.summary()}.")


def _preview(session: Session, person: Person | None) -> Erasure | None:
    from booking.domain.outcomes import Refused
    from booking.privacy.erasure import preview

    if person is None:
        return None
    try:
        return preview(session, person, _now())
    except Refused as exc:
        console.print(f"[red]Not erased:[/] {exc}")
        raise typer.Exit(1) from exc


def _confirm(yes: bool, question: str) -> bool:
    """--yes, or a yes typed at a terminal; anything else is a no."""
    if yes:
        return True
    if not sys.stdin.isatty():
        console.print("[red]Not erased:[/] add --yes to erase without a terminal to confirm on.")
        return False
    return typer.confirm(question, default=False)


@app.command()
def purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be removed, and "
                                          "remove nothing.")] = False,
    by: By = "",
) -> None:
    """Run the retention purge now (it also runs every night): counts per table."""
    from sqlmodel import Session

    from booking.privacy.retention import purge_all

    with Session(_engine(), expire_on_commit=False) as session:
        results = purge_all(session, _now(), _actor(by), record=not dry_run)
        if dry_run:
            session.rollback()  # the counts are what a purge would do; nothing is kept
        else:
            session.commit()
    table = Table("scheme", "table: what", "rows",
                  title="Would remove (nothing changed)" if dry_run else "Removed")
    for result in results:
        for what, count in sorted(result.counts.items()):
            table.add_row(result.scheme, what, str(count))
    if any(r.counts for r in results):
        console.print(table)
    else:
        console.print("Nothing to remove.")
