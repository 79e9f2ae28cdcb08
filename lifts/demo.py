"""`lifts demo`: a scripted conversation on a throw-away database, printed as it happens.

It runs the real path (dialogue, booking, storage) for one resident texting by SMS and one
using Telegram; only the transports are left out, so it needs no tokens and no network.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking.intake.inbox import Envelope
from bot.conversation import converse
from bot.messages import Inbound, Reply
from bot.render import sms_text
from lifts.demo_day import simulate_week
from lifts.demo_scheme import SPEC, demo_table
from lifts.seed import seed_demo
from storage.db import make_engine, transaction
from storage.migrate import upgrade
from storage.tables import LiftRequest, OutboxMessage, Person, Place

SCRIPT = demo_table("script")
SMS_SCRIPT: tuple[str, ...] = tuple(SCRIPT.get("sms", ()))
# In the file: "share contact" shares the phone number, "tap VALUE" presses a button.
TELEGRAM_SCRIPT: tuple[str | Inbound, ...] = tuple(
    Inbound(contact_shared=True) if line == "share contact" else
    Inbound(choice=line.removeprefix("tap ")) if line.startswith("tap ") else line
    for line in SCRIPT.get("telegram", ()))


def demo_now(tz: ZoneInfo) -> datetime:
    """A fixed point in the coming week (Monday 09:30), so the script reads the same every run."""
    today = datetime.now(tz).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return datetime.combine(monday, time(9, 30), tzinfo=tz).astimezone(UTC)


def run_demo(console: Console, workdir: Path | None = None) -> None:
    """Run both scripted conversations and show what was stored."""
    with _scratch(workdir) as folder:
        engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
        upgrade(engine)
        tz = ZoneInfo("Europe/London")
        now = demo_now(tz)
        with transaction(engine) as session:
            seed_demo(session, now=now)
        console.rule(f"[bold]Lifts demo: {escape(SPEC.scheme.name)}")
        console.print(f"It is {now.astimezone(tz):%A %d %B %Y, %H:%M}. A new resident texts in.\n")
        _talk_sms(console, engine, now)
        console.rule("A new resident on Telegram")
        _talk_telegram(console, engine, now)
        simulate_week(console, engine, now, tz)
        console.rule("What was stored")
        _show_requests(console, engine, tz)
        engine.dispose()


def _talk_sms(console: Console, engine: Engine, now: datetime) -> None:
    for n, text in enumerate(SMS_SCRIPT):
        env = Envelope("sms", "+447911123410", f"SMdemo{n}")
        console.print(f"[cyan]Resident (SMS):[/] {escape(text)}")
        at = now + timedelta(minutes=n)
        for reply in converse(engine, env, Inbound(text=text), now=at):
            console.print(f"[green]Lifts (SMS):[/] {escape(sms_text(reply))}\n")


def _talk_telegram(console: Console, engine: Engine, now: datetime) -> None:
    buttons: dict[str, str] = {}  # the buttons last shown: value -> what they say
    for n, item in enumerate(TELEGRAM_SCRIPT):
        inbound = item if isinstance(item, Inbound) else Inbound(text=item)
        tapped = buttons.get(inbound.choice or "", inbound.choice)
        shown = ("[shares contact]" if inbound.contact_shared else
                 f"[taps {tapped}]" if inbound.choice else inbound.text)
        env = Envelope("telegram", "5550001", str(9000 + n), telegram_user_id=5550001,
                       verified_phone="+447911123420" if inbound.contact_shared else None)
        console.print(f"[cyan]Resident (Telegram):[/] {escape(shown)}")
        at = now + timedelta(minutes=30 + n)
        for reply in converse(engine, env, inbound, now=at):
            console.print(f"[green]Lifts (Telegram):[/] {escape(_telegram_text(reply))}\n")
            buttons = {o.value: o.label for o in reply.options} or buttons


def _telegram_text(reply: Reply) -> str:
    buttons = "  ".join(f"[ {o.label} ]" for o in reply.options)
    if reply.request_contact:
        buttons = "[ Share my phone number ]"
    return reply.text + (f"\n    {buttons}" if buttons else "")


def _show_requests(console: Console, engine: Engine, tz: ZoneInfo) -> None:
    table = Table("#", "Resident", "To", "Appointment", "Return", "Status", "By")
    with Session(engine) as session:
        rows = session.exec(select(LiftRequest, Person, Place)
                            .join(Person, col(Person.id) == LiftRequest.resident_id)
                            .join(Place, col(Place.id) == LiftRequest.destination_id)).all()
        for request, person, place in rows:
            table.add_row(str(request.id), person.name, place.name,
                          f"{request.appointment_at.astimezone(tz):%a %d %b %H:%M}",
                          request.return_plan, request.status, request.channel)
        pending = session.exec(select(OutboxMessage)).all()
    console.print(table)
    console.print(f"Outbox: {len(pending)} message(s) waiting to be sent.")


@contextmanager
def _scratch(workdir: Path | None) -> Iterator[Path]:
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        yield workdir
        return
    with tempfile.TemporaryDirectory(prefix="lifts-demo-") as folder:
        yield Path(folder)
