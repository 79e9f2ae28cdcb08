"""The `lifts` command line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from lifts import scheme_cli
from lifts.bench.cli import app as bench_app
from lifts.cli_calendar import register as register_calendar
from lifts.cli_users import app as users_app
from lifts.geo_cli import app as geo_app
from lifts.people_cli import app as people_app  # reach_cli's commands and the administration ones
from lifts.privacy_cli import app as privacy_app
from lifts.reach_cli import whatsapp_app
from lifts.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from storage.tables import Scheme

app = typer.Typer(help="Lifts: a chatbot and optimiser for rural volunteer car schemes.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
scheme_app = typer.Typer(help="A scheme: its file (import, export) and its rules.",
                         no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(scheme_app, name="scheme")
console = Console()


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]).upper()
        why = str(first["msg"]).removeprefix("Value error, ")
        said = why if not where or why.startswith(where) else f"{where}: {why}"
        console.print(f"[red]Settings error:[/] {said}", soft_wrap=True)
        raise typer.Exit(2) from exc
    except ValueError as exc:
        console.print(f"[red]Settings error:[/] {exc}")
        raise typer.Exit(2) from exc


def _logging(settings: Settings) -> None:
    from lifts import logs

    logs.configure(settings.log_level, secrets=settings.secrets)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(
        help="Worker processes (PostgreSQL only). Each serves webhooks and dispatches the "
             "outbox; one elected leader runs the timed jobs.")] = 1,
) -> None:
    """Run the web app: Telegram and SMS webhooks, health check, outbox dispatcher."""
    import os

    import uvicorn

    from storage.db import make_engine
    from storage.migrate import upgrade

    settings = _settings()
    _logging(settings)
    engine = make_engine(settings.database_url)
    if workers > 1 and engine.dialect.name == "sqlite":
        console.print("[red]--workers needs PostgreSQL:[/] SQLite is one process only.")
        raise typer.Exit(2)
    upgrade(engine)
    _default_scheme_exists(engine, settings.default_scheme)
    engine.dispose()
    if workers > 1:
        os.environ["WORKERS"] = str(workers)  # the send rates are shared among the workers
        uvicorn.run("lifts.app:from_environment", factory=True, host=host, port=port,
                    workers=workers, log_level=settings.log_level.lower())
        return
    from lifts.app import asgi, build

    uvicorn.run(asgi(build(settings)), host=host, port=port,
                log_level=settings.log_level.lower())


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Create or migrate the database schema (Alembic)."""
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(_settings().database_url)
    upgrade(engine, revision)
    console.print(f"Database is at revision {revision}.")


def _default_scheme_exists(engine: Engine, slug: str) -> None:
    """A mistyped DEFAULT_SCHEME would send every unrouted message to another scheme."""
    from sqlmodel import Session

    from booking.schemes import UnknownScheme, get_scheme

    if not slug:
        return
    with Session(engine) as session:
        try:
            get_scheme(session, slug)
        except UnknownScheme as exc:
            console.print(f"[red]DEFAULT_SCHEME:[/] {exc}")
            raise typer.Exit(2) from exc


@app.command("seed-demo")
def seed_demo_command(
    with_bookings: Annotated[bool, typer.Option(
        "--with-bookings", help="Also book, plan and drive the past four weeks and book the "
        "next week (adding fictional residents if there are few), so plan, roster, report "
        "and mileage have something to show.")] = False,
) -> None:
    """Load the demo scheme from examples/wensleydale.toml (surgeries, villages, and its demo
    drivers and residents)."""
    from lifts.providers import system_clock
    from lifts.seed import seed_demo
    from storage.db import make_engine, transaction
    from storage.migrate import upgrade

    engine = make_engine(_settings().database_url)
    upgrade(engine)
    with transaction(engine) as session:
        scheme = seed_demo(session, now=system_clock())
        scheme_id, name, slug = scheme.id or 0, scheme.name, scheme.slug
    console.print(f"Demo scheme '{name}' ({slug}) is ready.")
    if with_bookings:
        _demo_bookings(engine, scheme_id)


def _demo_bookings(engine: Engine, scheme_id: int) -> None:
    from sqlmodel import Session, select

    from lifts.demo_bookings import load_bookings
    from lifts.providers import system_clock
    from storage.tables import LiftRequest

    with Session(engine) as session:
        if session.exec(select(LiftRequest.id).where(
                LiftRequest.scheme_id == scheme_id)).first() is not None:
            console.print("It already has bookings: none added.")
            return
    with console.status("Booking, planning and driving the past four weeks...") as status:
        loaded = load_bookings(engine, scheme_id, system_clock(),
                               step=lambda what: status.update(f"Planning and driving {what}"))
    console.print(f"Loaded {loaded.booked} lifts: {loaded.driven} journeys driven, "
                  f"{loaded.no_shows} no-show(s), {loaded.cancelled} cancelled in the past four "
                  "weeks, and "
                  f"{loaded.waiting} booked for the next week (planned at each cut-off by "
                  "`lifts serve`, or now with `lifts plan`).")


@app.command()
def demo() -> None:
    """A scripted booking by SMS and by Telegram on a throw-away database."""
    from lifts.demo import run_demo

    run_demo(console)


@scheme_app.command("show")
def scheme_show(slug: Annotated[str, typer.Option(help="Scheme slug (default: the first).")] = ""
                ) -> None:
    """Print a scheme's rules."""
    from booking.schemes import get_scheme, scheme_rules
    from storage.db import make_engine, transaction

    with transaction(make_engine(_settings().database_url)) as session:
        scheme = _scheme_or_exit(get_scheme, session, slug)
        rules = scheme_rules(scheme).model_dump(mode="json")
    table = Table("setting", "value", title=f"{scheme.name} ({scheme.slug})")
    for key, value in rules.items():
        table.add_row(key, ", ".join(value) if isinstance(value, list) else str(value))
    console.print(table)


@scheme_app.command("set")
def scheme_set(
    key: Annotated[str, typer.Argument(help="Setting name, e.g. booking_notice_hours.")],
    value: Annotated[str, typer.Argument(help="New value, e.g. 24 or 08:30 or 'mon tue'.")],
    slug: Annotated[str, typer.Option(help="Scheme slug (default: the first).")] = "",
) -> None:
    """Change one of a scheme's rules (validated)."""
    from booking.schemes import get_scheme, update_rule
    from storage.db import make_engine, transaction

    try:
        with transaction(make_engine(_settings().database_url)) as session:
            scheme = _scheme_or_exit(get_scheme, session, slug)
            rules = update_rule(session, scheme, key, value)
    except ValueError as exc:
        console.print(f"[red]Not changed:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"{key} = {rules[key]}")


def _day(text: str, tz: ZoneInfo) -> date:
    """A day as people write it: an ISO date, 'today', 'tomorrow', 'thursday', '3 Dec'..."""
    from bot.dialogue.understand_when import parse_date

    today = datetime.now(tz).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    found = parse_date(text, today) if text.strip() else None
    if found is None or found.day is None:
        console.print(f"[red]Not a date:[/] {text!r} (e.g. 2026-12-03, today, tomorrow, "
                      "thursday or '3 Dec')")
        raise typer.Exit(2)
    return found.day


@app.command()
def plan(
    day: Annotated[str, typer.Option(
        "--date", help="Day to plan: YYYY-MM-DD, today, tomorrow, thursday, '3 Dec'...")
                   ] = "tomorrow",
    slug: Annotated[str, typer.Option(help="Scheme slug (default: the first).")] = "",
    time_limit: Annotated[float | None, typer.Option(help="Solver seconds.")] = None,
) -> None:
    """Plan a day now: assign drivers, send offers, and list what could not be served."""
    from booking.planning.run import plan_day
    from booking.schemes import get_scheme
    from lifts.providers import system_clock, travel
    from storage.db import make_engine, transaction

    settings = _settings()
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        scheme = _scheme_or_exit(get_scheme, session, slug)
    target = _day(day, settings.tz)
    limit = time_limit or settings.planner_time_limit
    with console.status(f"Planning {target:%a %d %b} for {scheme.name} ({limit:g} s)..."):
        summary = plan_day(engine, scheme.id or 0, target, now=system_clock(),
                           trigger="command", matrices=travel(settings).matrices,
                           time_limit=limit)
    console.print(f"{summary.requests} request(s): {summary.served} served, "
                  f"{summary.unserved} unserved, {summary.offers} offer(s) sent, "
                  f"{summary.miles:.1f} miles, {summary.seconds:.1f} s.")
    for request_id, reason in sorted(summary.reasons.items()):
        console.print(f"  #{request_id}: {reason}")


@app.command()
def roster(
    day: Annotated[str, typer.Option(
        "--date", help="YYYY-MM-DD, today, tomorrow, thursday, '3 Dec'...")] = "today",
    slug: Annotated[str, typer.Option(help="Scheme slug (default: the first).")] = "",
) -> None:
    """Print a day's roster: each driver's trips, and what is still unassigned."""
    from booking.reports.roster import legs_on
    from booking.schemes import get_scheme, scheme_rules
    from storage.db import make_engine, transaction

    settings = _settings()
    with transaction(make_engine(settings.database_url)) as session:
        scheme = _scheme_or_exit(get_scheme, session, slug)
        tz = scheme_rules(scheme).tz
        target = _day(day, tz)
        rows = legs_on(session, scheme.id or 0, target, tz)
        table = Table("pick-up", "driver", "passenger", "leg", "destination", "status",
                      "miles aboard", title=f"{scheme.name}: {target:%A %d %B %Y}")
        totals: dict[str, float] = {}
        for row in rows:
            when = f"{row.leg.pickup_at.astimezone(tz):%H:%M}" if row.leg.pickup_at else "-"
            table.add_row(when, row.driver.name if row.driver else "[red]unassigned[/]",
                          row.resident.name, row.leg.direction, row.place.name,
                          row.leg.status + (f" ({row.leg.reason})" if row.leg.reason else ""),
                          f"{row.leg.passenger_miles:.1f}")
            if row.driver is not None:  # a route's miles are shared among its legs
                totals[row.driver.name] = totals.get(row.driver.name, 0.0) + \
                    row.leg.driver_miles
    console.print(table if rows else f"No trips for {target:%A %d %B %Y}.")
    for driver, miles in sorted(totals.items()):
        console.print(f"{driver}: about {miles:.0f} miles in all, from home and back")


@app.command()
def invite(
    name: Annotated[str, typer.Argument(help="The new driver's name.")],
    slug: Annotated[str, typer.Option(help="Scheme slug (default: the first).")] = "",
) -> None:
    """Make a one-time code for a new driver (they send JOIN CODE, or /start CODE)."""
    name = " ".join(name.split())
    if sum(c.isalpha() for c in name) < 2 or len(name) > 120:
        console.print("[red]Please give the driver's name[/], e.g. lifts invite \"Jo Smith\"")
        raise typer.Exit(2)
    from booking.intake.drivers import new_invitation
    from booking.schemes import get_scheme
    from lifts.providers import system_clock
    from storage.db import make_engine, transaction

    with transaction(make_engine(_settings().database_url)) as session:
        scheme = _scheme_or_exit(get_scheme, session, slug)
        invitation = new_invitation(session, scheme, name=name, now=system_clock())
    console.print(f"Invitation for {name}: [bold]{invitation.code}[/] (valid 14 days). "
                  f"They text JOIN {invitation.code}, or send /start {invitation.code} on "
                  "Telegram.")


@app.command()
def outbox(
    every: Annotated[bool, typer.Option("--all", help="Include sent and cancelled.")] = False,
) -> None:
    """List messages waiting to go out, or failed (no bodies or numbers: they are private)."""
    from sqlmodel import col, select

    from storage.db import make_engine, transaction
    from storage.tables import OutboxMessage

    query = select(OutboxMessage).order_by(col(OutboxMessage.due_at))
    if not every:
        query = query.where(col(OutboxMessage.status).in_(("pending", "sending", "failed")))
    table = Table("id", "kind", "channel", "due (UTC)", "status", "tries", "last error")
    with transaction(make_engine(_settings().database_url)) as session:
        rows = session.exec(query.limit(500)).all()
        for row in rows:
            table.add_row(str(row.id), row.kind, row.channel, f"{row.due_at:%Y-%m-%d %H:%M}",
                          row.status, str(row.attempts), row.last_error)
    console.print(table if rows else "The outbox is empty.")


@app.command()
def mileage(
    month: Annotated[str, typer.Option(help="Month to claim for, YYYY-MM (default: last month).")
                     ] = "",
    slug: Annotated[str, typer.Option(help="Scheme slug (default: the first).")] = "",
) -> None:
    """Each driver's mileage claim for a month at the scheme's HMRC rates."""
    from booking.reports.mileage import claims
    from booking.schemes import get_scheme, scheme_rules
    from storage.db import make_engine, transaction

    settings = _settings()
    first, last = _month(month, datetime.now(settings.tz).date())
    with transaction(make_engine(settings.database_url)) as session:
        scheme = _scheme_or_exit(get_scheme, session, slug)
        rows = claims(session, scheme.id or 0, first, last, scheme_rules(scheme))
    table = Table("driver", "trips", "miles", "with companion", "claim",
                  title=f"Mileage {first:%B %Y}")
    for row in rows:
        table.add_row(row.driver, str(row.trips), f"{row.miles:.1f}",
                      f"{row.extra_passenger_miles:.1f}", f"£{row.pence / 100:.2f}")
    console.print(table if rows else f"No trips driven in {first:%B %Y}.")


@app.command()
def report(
    month: Annotated[str, typer.Option(help="Month of appointments, YYYY-MM (default: last "
                                            "month).")] = "",
    slug: Annotated[str, typer.Option(help="Scheme slug (default: the first).")] = "",
    csv_path: Annotated[Path | None, typer.Option(
        "--csv", help="Also write the weekly figures and the summary as CSV here.")] = None,
    chart: Annotated[Path | None, typer.Option(
        help="Also draw lifts by week and the reasons for unserved requests (PNG) here.")
    ] = None,
) -> None:
    """The scheme's impact for funders: lifts requested, given, cancelled and unserved (with
    reasons), people helped, miles, volunteer hours, mileage paid. Counts only, no names."""
    from booking.reports.impact import impact
    from booking.schemes import get_scheme, scheme_rules
    from lifts.report import summary, write_chart, write_csv
    from storage.db import make_engine, transaction

    settings = _settings()
    first, last = _month(month, datetime.now(settings.tz).date())
    with transaction(make_engine(settings.database_url)) as session:
        scheme = _scheme_or_exit(get_scheme, session, slug)
        figures = impact(session, scheme.id or 0, first, last, scheme_rules(scheme))
        name = scheme.name
    table = Table("", "", title=f"{name}: {first:%B %Y}", show_header=False)
    for label, value in summary(figures):
        table.add_row(label, value)
    console.print(table)
    for reason, count in figures.reasons.most_common():
        console.print(f"  could not be served ({count}): {reason}")
    if csv_path is not None:
        write_csv(figures, csv_path)
        console.print(f"CSV written to {csv_path}")
    if chart is not None:
        write_chart(figures, chart, f"{name}, {first:%B %Y}")
        console.print(f"Chart written to {chart}")


def _month(month: str, today: date) -> tuple[date, date]:
    """The first and last day of YYYY-MM (default: last month); exits on nonsense."""
    from booking.rules import month_end

    try:
        first = (date.fromisoformat(f"{month}-01") if month
                 else (today.replace(day=1) - timedelta(days=1)).replace(day=1))
    except ValueError as exc:
        console.print(f"[red]Not a month:[/] {month!r} (use YYYY-MM)")
        raise typer.Exit(2) from exc
    return first, month_end(first)


def _scheme_or_exit(get_scheme: Callable[[Session, str], Scheme], session: Session,
                    slug: str) -> Scheme:
    from booking.schemes import UnknownScheme

    try:
        return get_scheme(session, slug)
    except UnknownScheme as exc:
        from rich.markup import escape

        console.print(f"[red]{escape(str(exc))}[/]", soft_wrap=True)
        raise typer.Exit(1) from exc
    except LookupError as exc:
        console.print("[red]No scheme yet.[/] Run `lifts scheme import FILE.toml` or "
                      "`lifts seed-demo` first.")
        raise typer.Exit(1) from exc


@app.command("chat")
def chat_command(
    phone: Annotated[str, typer.Option("--as", help="The phone to text as, e.g. 07911 123401 "
                                                   "(a resident, driver or coordinator, or "
                                                   "someone new).")],
    slug: Annotated[str, typer.Option(help="Scheme slug (default: the first).")] = "",
) -> None:
    """Talk to the bot from this terminal as that phone would by text, through the same
    dialogue and outbox (the messages it queues for others are shown too)."""
    from booking.phones import to_e164
    from booking.schemes import get_scheme
    from lifts.chat import chat
    from lifts.providers import travel
    from storage.db import make_engine, transaction

    number = to_e164(phone)
    if number is None:
        console.print(f"[red]Not a phone number:[/] {phone!r} (e.g. 07911 123401)")
        raise typer.Exit(2)
    settings = _settings()
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        scheme = _scheme_or_exit(get_scheme, session, slug)
    chat(engine, number, console=console, ask=console.input, to_number=scheme.sms_number or "",
         matrices=travel(settings).matrices, time_limit=min(5.0, settings.planner_time_limit))


scheme_app.command("import")(scheme_cli.import_command)
scheme_app.command("export")(scheme_cli.export_command)
app.add_typer(bench_app, name="bench")
app.add_typer(users_app, name="users")
app.add_typer(privacy_app, name="privacy")
app.add_typer(geo_app, name="geo")
register_calendar(scheme_app)
app.add_typer(people_app, name="people")
app.add_typer(whatsapp_app, name="whatsapp")


def main() -> None:
    """The `lifts` command (ordinary mistakes: one line and exit 1, never a traceback)."""
    from lifts import mistakes

    mistakes.run(app, lambda: Settings().database_url)


if __name__ == "__main__":
    main()
