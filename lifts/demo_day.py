"""The rest of the demo's week: more bookings, the planning cut-offs, drivers answering their
offers on Telegram, confirmations going out, and the roster.

The real planner, offers, outbox and dispatcher run; only the transports are a printer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking.domain.status import LegStatus, OfferStatus
from booking.intake.inbox import Envelope
from booking.messaging.dispatch import dispatch_due
from booking.messaging.sending import Outgoing
from booking.planning.run import plan_day
from booking.reports.roster import legs_on, run_sheet
from booking.rules import local_instant
from bot.conversation import converse
from bot.messages import Inbound, Option, Reply
from bot.render import sms_text
from lifts.demo_scheme import demo_table
from routing.travel import Cached, Haversine
from storage.db import transaction
from storage.tables import Offer, Person

# Seeded residents asking for lifts by text (phone, messages).
BOOKINGS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (row["phone"], tuple(row["messages"])) for row in demo_table("bookings"))
TELEGRAM_BASE = 7_000_000  # demo drivers' chat ids: fictional


@dataclass
class PrintSender:
    """Stands in for Telegram or Twilio: prints what would be sent, and to whom."""

    console: Console
    channel: str
    names: dict[str, str]
    sent: list[Outgoing] = field(default_factory=list)

    async def send(self, message: Outgoing) -> str:
        """Print one outgoing message."""
        self.sent.append(message)
        who = self.names.get(message.address, "someone")
        reply = Reply(message.text, tuple(Option(v, label) for v, label in message.choices))
        shown = sms_text(reply) if self.channel == "sms" else _with_buttons(reply)
        self.console.print(f"[magenta]-> {who} ({self.channel}):[/] {escape(shown)}\n")
        return f"demo-{self.channel}-{len(self.sent)}"


def _with_buttons(reply: Reply) -> str:
    buttons = "  ".join(f"[ {o.label} ]" for o in reply.options)
    return reply.text + (f"\n    {buttons}" if buttons else "")


def simulate_week(console: Console, engine: Engine, monday: datetime, tz: ZoneInfo) -> None:
    """Bookings on Monday, planning at each cut-off, drivers answering, and the roster."""
    names = _put_drivers_on_telegram(engine)
    senders = {"sms": PrintSender(console, "sms", names),
               "telegram": PrintSender(console, "telegram", names)}
    console.rule("More residents text in on Monday")
    for n, (phone, messages) in enumerate(BOOKINGS):
        for m, text in enumerate(messages):
            at = monday + timedelta(hours=1, minutes=5 * n + m)
            console.print(f"[cyan]{names.get(phone, phone)} (SMS):[/] {escape(text)}")
            for reply in converse(engine, Envelope("sms", phone, f"SMweek{n}-{m}"),
                                  Inbound(text=text), now=at):
                console.print(f"[green]Lifts (SMS):[/] {escape(sms_text(reply))}\n")
    travel = Cached(Haversine())
    for offset in (1, 2):  # Tuesday's cut-off plans Wednesday; Wednesday's plans Thursday
        cutoff = local_instant((monday + timedelta(days=offset)).astimezone(tz).date(),
                               time(17, 5), tz)
        day = (cutoff + timedelta(days=1)).astimezone(tz).date()
        console.rule(f"{cutoff.astimezone(tz):%A %H:%M}: planning {day:%A %d %B}")
        _plan_and_answer(console, engine, senders, cutoff, day, travel, names)
    thursday = (monday + timedelta(days=3)).astimezone(tz).date()
    _roster(console, engine, thursday, tz)
    _first_run_sheet(console, engine, thursday, tz)


def _plan_and_answer(console: Console, engine: Engine, senders: dict[str, PrintSender],
                     now: datetime, day: object, travel: Cached, names: dict[str, str]) -> None:
    declined_once = False
    for round_ in range(3):  # plan, answer, re-plan what was declined
        at = now + timedelta(minutes=10 * round_)
        summary = plan_day(engine, 1, day, now=at, trigger="demo",  # type: ignore[arg-type]
                           matrices=travel.matrices, time_limit=2.0)
        console.print(f"Plan: {summary.served} of {summary.requests} request(s) served, "
                      f"{summary.offers} offer(s), {summary.miles:.0f} miles.")
        for request_id, reason in summary.reasons.items():
            console.print(f"  request #{request_id} not served: {reason}")
        asyncio.run(dispatch_due(engine, senders, at))
        offers = _open_offers(engine)
        if not offers:
            break
        for offer_id, driver_id in offers:
            accept = declined_once or len(offers) == 1
            declined_once = True
            choice = f"offer:{'yes' if accept else 'no'}:{offer_id}"
            chat = str(TELEGRAM_BASE + driver_id)
            console.print(f"[cyan]{names.get(chat, 'Driver')} taps "
                          f"{'Accept' if accept else 'Decline'}[/]")
            for reply in converse(engine, Envelope("telegram", chat, f"demo-{choice}-{at}",
                                                   telegram_user_id=int(chat)),
                                  Inbound(choice=choice), now=at + timedelta(minutes=3)):
                console.print(f"[green]Lifts (Telegram):[/] {escape(reply.text)}\n")
        asyncio.run(dispatch_due(engine, senders, at + timedelta(minutes=4)))


def _open_offers(engine: Engine) -> list[tuple[int, int]]:
    with Session(engine) as session:
        rows = session.exec(select(Offer).where(Offer.status == OfferStatus.OPEN)
                            .order_by(col(Offer.id))).all()
        return [(o.id or 0, o.driver_id) for o in rows]


def _put_drivers_on_telegram(engine: Engine) -> dict[str, str]:
    """Give the demo drivers chat ids (a real driver links theirs by sharing their contact)."""
    names: dict[str, str] = {}
    with transaction(engine) as session:
        for person in session.exec(select(Person)).all():
            if person.role == "driver":
                chat = TELEGRAM_BASE + (person.id or 0)
                person.telegram_user_id = person.telegram_chat_id = chat
                session.add(person)
                names[str(person.telegram_chat_id)] = f"{person.name} (driver)"
            if person.phone:
                names[person.phone] = person.name
            if person.telegram_chat_id and person.role != "driver":
                names[str(person.telegram_chat_id)] = person.name
    return names


def _roster(console: Console, engine: Engine, day: object, tz: ZoneInfo) -> None:
    console.rule(f"Roster for {day:%A %d %B}")
    table = Table("pick-up", "driver", "passenger", "leg", "to/from", "status")
    with Session(engine) as session:
        for row in legs_on(session, 1, day, tz):  # type: ignore[arg-type]
            when = f"{row.leg.pickup_at.astimezone(tz):%H:%M}" if row.leg.pickup_at else "-"
            table.add_row(when, row.driver.name if row.driver else "unassigned",
                          row.resident.name, row.leg.direction, row.place.name, row.leg.status)
    console.print(table)


def _first_run_sheet(console: Console, engine: Engine, day: object, tz: ZoneInfo) -> None:
    with Session(engine) as session:
        row = next((r for r in legs_on(session, 1, day, tz)  # type: ignore[arg-type]
                    if r.driver is not None and r.leg.status == LegStatus.ACCEPTED), None)
        if row is None or row.driver is None:
            return
        console.rule(f"{row.driver.name}'s run sheet (sent as TODAY on Thursday)")
        console.print(escape(run_sheet(session, row.driver, day, tz)))  # type: ignore[arg-type]
