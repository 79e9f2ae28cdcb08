"""`lifts scheme close|reopen|closures`: a scheme's closure dates (bank holidays are built in)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from booking import closures
from booking.audit import Actor
from booking.calendar import BANK_HOLIDAYS
from booking.domain.outcomes import Refused
from booking.schemes import UnknownScheme, get_scheme, scheme_rules
from lifts.settings import Settings
from storage.db import make_engine, transaction

console = Console()
CLI_ACTOR = Actor("command line", "cli", "admin")
_SLUG = typer.Option(help="Scheme slug (default: the first).")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        console.print(f"[red]Not a date:[/] {text!r} (write it as 2026-12-24)")
        raise typer.Exit(2) from None


def _now() -> datetime:
    from lifts.providers import system_clock

    return system_clock()


def register(scheme_app: typer.Typer) -> None:
    """Add the calendar commands to `lifts scheme`."""

    def _no_scheme(exc: LookupError) -> NoReturn:
        """An unknown --slug says so (and which there are); no scheme at all, how to add one."""
        console.print(f"[red]{escape(str(exc))}[/]" if isinstance(exc, UnknownScheme) else
                      "[red]No scheme yet.[/] Run `lifts seed-demo` first.")
        raise typer.Exit(1) from None

    @scheme_app.command("close")
    def close(day: Annotated[str, typer.Argument(help="The date, e.g. 2026-12-24.")],
              reason: Annotated[str, typer.Option(
                  help="Told to residents who ask for that day (no more than 60 characters).")
              ] = "", slug: Annotated[str, _SLUG] = "") -> None:
        """Close the scheme on a day: bookings for it are offered the next open day."""
        wanted = _date(day)
        try:
            with transaction(make_engine(Settings().database_url)) as session:
                scheme = get_scheme(session, slug)
                done = closures.close_day(session, scheme.id or 0, wanted, reason, CLI_ACTOR,
                                          _now())
        except LookupError as exc:
            _no_scheme(exc)
        except Refused as exc:
            console.print(f"[red]Not closed:[/] {exc}")
            raise typer.Exit(1) from None
        console.print(f"{scheme.name} is closed on {wanted:%a %-d %b %Y}"
                      f"{' (' + done.reason + ')' if done.reason else ''}.")
        if done.lifts_on_day:
            console.print(f"[yellow]{done.lifts_on_day} lift(s) are already booked that day:[/] "
                          "move or cancel them (`lifts roster --date "
                          f"{wanted.isoformat()}`).")

    @scheme_app.command("reopen")
    def reopen(day: Annotated[str, typer.Argument(help="The date, e.g. 2026-12-24.")],
               slug: Annotated[str, _SLUG] = "") -> None:
        """Remove a closure date."""
        wanted = _date(day)
        try:
            with transaction(make_engine(Settings().database_url)) as session:
                scheme = get_scheme(session, slug)
                removed = closures.reopen_day(session, scheme.id or 0, wanted, CLI_ACTOR,
                                              _now())
                rules = scheme_rules(scheme)
        except LookupError as exc:
            _no_scheme(exc)
        if not removed:
            console.print(f"[red]Not changed:[/] {wanted:%a %-d %b %Y} was not closed.")
            raise typer.Exit(1)
        holiday = BANK_HOLIDAYS.get(wanted) if not rules.open_on_bank_holidays else None
        console.print(f"{scheme.name} is open again on {wanted:%a %-d %b %Y}." + (
            f" (It is still {holiday}: set open_on_bank_holidays to run on bank holidays.)"
            if holiday else ""))

    @scheme_app.command("closures")
    def listing(slug: Annotated[str, _SLUG] = "") -> None:
        """The scheme's closure dates from today, and the bank holidays it keeps."""
        try:
            with transaction(make_engine(Settings().database_url)) as session:
                scheme = get_scheme(session, slug)
                now = _now()
                rows = [(c.day, c.reason or "closed", "closure")
                        for c in closures.listed(session, scheme.id or 0, now)]
                rules = scheme_rules(scheme)
        except LookupError as exc:
            _no_scheme(exc)
        today = now.astimezone(rules.tz).date()
        if not rules.open_on_bank_holidays:
            rows += [(d, name, "bank holiday") for d, name in BANK_HOLIDAYS.items()
                     if d >= today]
        table = Table("date", "why", "kind", title=f"{scheme.name}: closed days")
        for day, why, kind in sorted(rows):
            table.add_row(f"{day:%a %-d %b %Y}", why, kind)
        console.print(table)
