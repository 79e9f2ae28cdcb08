"""`lifts scheme import` and `lifts scheme export`: a scheme as one file (docs/scheme-file.md)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console()


def import_command(
    file: Annotated[Path, typer.Argument(help="The scheme file (TOML), e.g. "
                                              "examples/wensleydale.toml.")],
    by: Annotated[str, typer.Option(help="Your name, for the audit trail (default: your "
                                         "login).")] = "",
) -> None:
    """Create a scheme from a file, or bring it into line with the file (again: no change)."""
    from booking.audit import Actor
    from booking.setup.importing import import_scheme
    from booking.setup.scheme_file import SchemeFileError, read_scheme_file
    from lifts.cli import _settings
    from lifts.providers import system_clock
    from storage.db import make_engine, transaction
    from storage.migrate import upgrade

    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        console.print(f"[red]Not imported:[/] {file} is not a text file (UTF-8); save it as "
                      "plain text and try again")
        raise typer.Exit(1) from exc
    actor = Actor(by or f"{getpass.getuser()} (command line)", "cli", "admin")
    try:
        spec = read_scheme_file(text, str(file))
        engine = make_engine(_settings().database_url)
        upgrade(engine)
        with transaction(engine) as session:
            done = import_scheme(session, spec, now=system_clock(), by=actor)
    except SchemeFileError as exc:
        console.print(f"[red]Not imported, nothing changed:[/] {escape(str(exc))}",
                      soft_wrap=True)
        raise typer.Exit(1) from exc
    scheme = done.scheme
    if spec.demo:
        console.print("(The file's [demo] tables are for `lifts seed-demo` only: not imported.)",
                      markup=False)
    if done.created:
        console.print(f"Created scheme '{scheme.name}' ({scheme.slug}): "
                      f"{len(spec.destinations)} destination(s), {len(spec.places)} place(s), "
                      f"{len(spec.coordinators)} coordinator(s).")
    elif done.changes:
        console.print(f"Updated scheme '{scheme.name}' ({scheme.slug}): "
                      f"{len(done.changes)} change(s).")
        for line in done.changes:
            console.print(f"  {escape(line)}", soft_wrap=True)
    else:
        console.print(f"Scheme '{scheme.name}' ({scheme.slug}) already matches {file}: "
                      "nothing changed.")


def export_command(
    slug: Annotated[str, typer.Argument(help="The scheme's slug, e.g. wensleydale.")],
    out: Annotated[Path | None, typer.Option(help="Write the file here (default: print "
                                                  "it).")] = None,
) -> None:
    """Write a scheme back as a scheme file (import it elsewhere, or keep it under version
    control)."""
    from booking.schemes import get_scheme
    from booking.setup.exporting import export_scheme
    from lifts.cli import _scheme_or_exit, _settings
    from storage.db import make_engine, transaction

    with transaction(make_engine(_settings().database_url)) as session:
        scheme = _scheme_or_exit(get_scheme, session, slug)
        text = export_scheme(session, scheme)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"Scheme {scheme.slug} written to {out}.")
