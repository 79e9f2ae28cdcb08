"""`lifts geo`: the postcode table (locating homes offline) and trying the geocoder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

app = typer.Typer(help="Locating homes: the postcode table, and trying an address.",
                  no_args_is_help=True)
console = Console()


@app.command("import-postcodes")
def import_postcodes_command(
    file: Annotated[Path, typer.Argument(help="An ONS Postcode Directory CSV, or OS Code-Point "
                                              "Open CSV, or the zip either comes in.")],
) -> None:
    """Load (or refresh) the postcode table that locates homes offline."""
    from booking.geo.postcode_table import PostcodeFileError, import_postcodes
    from lifts.cli import _settings
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(_settings().database_url)
    upgrade(engine)
    try:
        with Progress("[progress.description]{task.description}", BarColumn(),
                      DownloadColumn(), TimeRemainingColumn(), console=console,
                      transient=True) as bar:
            task = bar.add_task(f"Reading {file.name}", total=None)
            loaded = import_postcodes(engine, file, progress=lambda done, total: bar.update(
                task, completed=done, total=total))
    except PostcodeFileError as exc:
        console.print(f"[red]Not imported, nothing changed:[/] {escape(str(exc))}",
                      soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print(f"{loaded.stored:,} postcodes stored from {file.name} ({loaded.format}); "
                  f"{loaded.skipped:,} skipped (ended, or without coordinates).")


@app.command("locate")
def locate_command(
    address: Annotated[str, typer.Argument(help="An address as a resident would write it, "
                                                "e.g. '3 High Street, Blakeney NR25 7NX'.")],
    postcode: Annotated[str, typer.Option(help="The postcode, if not in the address.")] = "",
    slug: Annotated[str, typer.Option(help="Scheme slug (default: the first).")] = "",
) -> None:
    """Where the geocoder would put a home (with GEOCODER as set), and how it found it."""
    from booking.schemes import get_scheme
    from lifts.cli import _scheme_or_exit, _settings
    from lifts.providers import geocoder
    from storage.db import make_engine, transaction

    settings = _settings()
    with transaction(make_engine(settings.database_url)) as session:
        scheme = _scheme_or_exit(get_scheme, session, slug)
        found = geocoder(settings).locate(session, scheme.id or 0, address=address,
                                          postcode=postcode)
    if not found.located:
        console.print(f"[red]Not located:[/] {found.why_not}. A resident with this address "
                      "would be told a coordinator will confirm it.")
        raise typer.Exit(1)
    console.print(f"{found.lat:.5f}, {found.lon:.5f}: {found.described}")


@app.command("place")
def place_command(
    phone: Annotated[str, typer.Argument(help="The resident's (or driver's) phone number.")],
    where: Annotated[str, typer.Argument(help="Where their home is: 'LAT,LON' in decimal "
                                              "degrees, e.g. '54.314,-2.083'.")],
    slug: Annotated[str, typer.Option(help="Scheme slug (default: the first).")] = "",
    by: Annotated[str, typer.Option(help="Your name, for the audit trail (default: your "
                                         "login).")] = "",
) -> None:
    """Place a home on the map by hand (as the console's pin does): their lifts that waited
    for an address go to the planner. Audited."""
    import getpass

    from sqlmodel import select

    from booking.audit import Actor
    from booking.domain.outcomes import Refused
    from booking.geo.placing import place_resident
    from booking.phones import to_e164
    from booking.schemes import get_scheme
    from lifts.cli import _scheme_or_exit, _settings
    from lifts.providers import system_clock
    from storage.db import make_engine, transaction
    from storage.tables import Person

    number = to_e164(phone)
    try:
        lat, lon = (float(part) for part in where.replace(" ", "").split(","))
    except ValueError:
        console.print(f"[red]Not a place:[/] {escape(where)!r}; write 'LAT,LON', e.g. "
                      "'54.314,-2.083'")
        raise typer.Exit(2) from None
    if number is None:
        console.print(f"[red]Not a phone number:[/] {escape(phone)!r} (e.g. 07700 900123)")
        raise typer.Exit(2)
    actor = Actor(by or f"{getpass.getuser()} (command line)", "cli", "admin")
    try:
        with transaction(make_engine(_settings().database_url)) as session:
            scheme = _scheme_or_exit(get_scheme, session, slug)
            person = session.exec(select(Person).where(
                Person.scheme_id == scheme.id, Person.phone == number)).first()
            if person is None:
                raise Refused(f"Nobody in {scheme.slug} has that number.")
            placed = place_resident(session, person.id or 0, lat, lon, by=actor,
                                    now=system_clock(), scheme_id=scheme.id)
            name = person.name
    except Refused as exc:
        console.print(f"[red]Not placed:[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    console.print(f"Home of {escape(name)} placed; {len(placed.released)} lift(s) back to "
                  "planning.")
