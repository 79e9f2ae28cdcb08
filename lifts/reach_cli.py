"""`lifts people`: how someone is reached (their channel; whether they prefer a call), and
`lifts whatsapp templates`: the WhatsApp templates to create and have approved."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer
from rich.console import Console

people_app = typer.Typer(help="How people are reached: channel, prefers a call.",
                         no_args_is_help=True)
whatsapp_app = typer.Typer(help="WhatsApp: the approved templates we send by.",
                           no_args_is_help=True)
console = Console()

Phone = Annotated[str, typer.Argument(help="Their phone number (07… or +44…).")]
Slug = Annotated[str, typer.Option(help="Scheme slug (default: the first scheme).")]
By = Annotated[str, typer.Option(help="Your name, for the audit trail (default: login name).")]


def _change(phone: str, slug: str, by: str, *, channel: str | None = None,
            prefers_call: bool | None = None) -> None:
    from booking import people
    from booking.audit import Actor
    from booking.domain.outcomes import Refused
    from booking.phones import to_e164
    from booking.schemes import get_scheme
    from lifts.cli import _settings
    from lifts.providers import system_clock
    from storage.db import make_engine, transaction

    number = to_e164(phone)
    if number is None:
        console.print(f"[red]Not a phone number:[/] {phone!r} (e.g. 07700 900123)")
        raise typer.Exit(2)
    actor = Actor(by or f"{getpass.getuser()} (command line)", "cli", "admin")
    try:
        with transaction(make_engine(_settings().database_url)) as session:
            scheme = get_scheme(session, slug)
            person = people.find_by_phone(session, scheme.id or 0, number)
            if channel is not None:
                said = people.set_channel(session, person, channel, now=system_clock(),
                                          actor=actor)
            else:
                said = people.set_prefers_call(session, person, bool(prefers_call),
                                               now=system_clock(), actor=actor)
    except (Refused, LookupError) as refusal:
        console.print(f"[red]{refusal}[/]")
        raise typer.Exit(1) from None
    console.print(said)


@people_app.command("channel")
def channel(
    phone: Phone,
    to: Annotated[str, typer.Argument(help="sms, whatsapp or telegram.")],
    slug: Slug = "",
    by: By = "",
) -> None:
    """Send this person's messages by SMS, WhatsApp or Telegram from now on."""
    wanted = {"text": "sms"}.get(to.lower(), to.lower())
    if wanted not in ("sms", "whatsapp", "telegram"):
        console.print(f"[red]Unknown channel {to!r}:[/] use sms, whatsapp or telegram.")
        raise typer.Exit(2)
    _change(phone, slug, by, channel=wanted)


@people_app.command("call")
def call(
    phone: Phone,
    on: Annotated[str, typer.Argument(help="on (prefers a call) or off.")],
    slug: Slug = "",
    by: By = "",
) -> None:
    """Mark someone as preferring a call: their confirmations, reminders and "no driver yet"
    ring them in the scheme's calling hours (a landline always does)."""
    value = {"on": True, "yes": True, "off": False, "no": False}.get(on.lower())
    if value is None:
        console.print(f"[red]Say on or off, not {on!r}.[/]")
        raise typer.Exit(2)
    _change(phone, slug, by, prefers_call=value)


@whatsapp_app.command("templates")
def templates() -> None:
    """The Content API definitions of our WhatsApp templates (create each, submit it for
    approval as UTILITY, then `lifts scheme set whatsapp_template_<kind> HX…`)."""
    from booking.messaging.templates import TEMPLATES

    for template in TEMPLATES.values():
        console.print(f"[bold]{template.rule}[/]")
        console.print_json(json.dumps(template.definition()))
