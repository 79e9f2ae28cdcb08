"""The `lifts` command line."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lifts.settings import Settings

app = typer.Typer(help="Lifts: a chatbot and optimiser for rural volunteer car schemes.",
                  no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
scheme_app = typer.Typer(help="A scheme's rules.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(scheme_app, name="scheme")
console = Console()


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        console.print(f"[red]Settings error:[/] {exc}")
        raise typer.Exit(2) from exc


def _logging(level: str) -> None:
    logging.basicConfig(level=level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # These log full request URLs and parameters (bot token, phone numbers, bodies) at INFO.
    for noisy in ("httpx", "httpcore", "twilio.http_client", "telegram.ext.Updater"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the web app: Telegram and SMS webhooks, health check, outbox dispatcher."""
    import uvicorn

    from lifts.app import asgi, build
    from storage.migrate import upgrade

    settings = _settings()
    _logging(settings.log_level)
    lifts = build(settings)
    upgrade(lifts.engine)
    uvicorn.run(asgi(lifts), host=host, port=port, log_level=settings.log_level.lower())


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Create or migrate the database schema (Alembic)."""
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(_settings().database_url)
    upgrade(engine, revision)
    console.print(f"Database is at revision {revision}.")


@app.command("seed-demo")
def seed_demo_command() -> None:
    """Load the Wensleydale demo scheme (surgeries, villages, 12 drivers, residents)."""
    from lifts.app import system_clock
    from lifts.seed import seed_demo
    from storage.db import make_engine, transaction
    from storage.migrate import upgrade

    engine = make_engine(_settings().database_url)
    upgrade(engine)
    with transaction(engine) as session:
        scheme = seed_demo(session, now=system_clock())
    console.print(f"Demo scheme '{scheme.name}' ({scheme.slug}) is ready.")


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


def _scheme_or_exit(get_scheme, session, slug):  # type: ignore[no-untyped-def]
    try:
        return get_scheme(session, slug)
    except LookupError as exc:
        console.print("[red]No scheme yet.[/] Run `lifts seed-demo` first.")
        raise typer.Exit(1) from exc


def _mount_bench() -> None:
    try:
        from lifts.bench.cli import app as bench_app
    except ImportError:  # the benchmark package is optional at run time
        return
    app.add_typer(bench_app, name="bench")


_mount_bench()


if __name__ == "__main__":
    app()
