"""`lifts chat --as PHONE`: talk to the bot from the terminal as that phone would by text.

The words go through the same dialogue, core and outbox as a real SMS; the replies are printed
as the text would read, and so is every message the conversation queues for someone else (an
offer to a driver, an alert to a coordinator), so a newcomer can see the whole flow with no
Twilio or Telegram account. A coordinator's /plan is run there and then.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from booking.intake.inbox import Envelope
from booking.planning import jobs
from booking.planning.day import Matrices
from bot.conversation import converse
from bot.messages import Inbound
from bot.render import sms_text
from storage.tables import OutboxMessage, Person

Ask = Callable[[str], str]


def chat(engine: Engine, phone: str, *, console: Console, ask: Ask, matrices: Matrices,
         to_number: str = "", time_limit: float = 5.0) -> None:
    """Read lines until 'quit' (or the end of input); answer each as the bot would."""
    session_id = uuid.uuid4().hex[:8]
    seen = _last_outbox_id(engine)
    console.print(f"Talking to Lifts as {phone}. Type 'quit' to stop.\n")
    for n in range(1, 10_000):
        try:
            line = ask("You: ")
        except EOFError:
            break
        if line.strip().lower() in ("quit", "exit", "bye!"):
            break
        now = datetime.now(UTC)
        env = Envelope("sms", phone, f"chat-{session_id}-{n}", to_number=to_number)
        for reply in converse(engine, env, Inbound(text=line), now=now):
            console.print(f"[green]Lifts:[/] {escape(sms_text(reply))}\n")
        while (done := jobs.run_next(engine, now, matrices=matrices,
                                     time_limit=time_limit)) is not None:
            console.print(f"[dim](planning run: {escape(done.summary)})[/]")
        seen = _show_queued(engine, seen, console)


def _last_outbox_id(engine: Engine) -> int:
    with Session(engine) as session:
        last = session.exec(select(OutboxMessage.id).order_by(
            col(OutboxMessage.id).desc())).first()
    return last or 0


def _show_queued(engine: Engine, after: int, console: Console) -> int:
    """Print what was queued since `after` for other people (replies were printed above)."""
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).where(
            col(OutboxMessage.id) > after, OutboxMessage.kind != "reply")
            .order_by(col(OutboxMessage.id))).all()
        for row in rows:
            person = session.get(Person, row.person_id) if row.person_id else None
            who = person.name if person else row.address
            console.print(f"[dim](queued for {escape(who)} by {row.channel}, {row.kind}: "
                          f"{escape(row.body)})[/]")
        return max([after, *(row.id or 0 for row in rows)])
