"""The retention purge on a year and more of a busy scheme: generate the data, time the purge.

"Busy": `per_day` requests every weekday (default 60, a county-sized volunteer scheme), 800
residents, 40 drivers, and what a year of them leaves: legs, offers, mileage, request
history, outbox messages with their words (as if no sweep had run: the first purge after an
upgrade is the worst case), conversations, received-message ids, HELP requests and the
audit trail. Rows are written in bulk, not through the life-cycle (a year of that would
take hours); the purge itself is the real one (booking.privacy.retention).

Run: `lifts bench purge --database-url sqlite:/// | postgresql://…` (docs/benchmarks.md).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlmodel import Session, SQLModel, col

from booking.audit import SYSTEM
from booking.privacy.retention import purge, purge_shared, sweep_bodies
from lifts.demo_scheme import SITES
from lifts.seed import seed_demo
from storage.db import is_sqlite, transaction
from storage.tables import Person, Place, Scheme

BATCH = 5_000
OUTCOMES = (("done", 0.78), ("cancelled", 0.12), ("unserved", 0.06), ("no_show", 0.04))


@dataclass
class Timing:
    """One timed step: what, how long, and what it changed."""

    what: str
    seconds: float
    rows: int


@dataclass
class Result:
    """A generated scheme and the purges timed on it."""

    backend: str
    generated: dict[str, int] = field(default_factory=dict)
    generate_seconds: float = 0.0
    timings: list[Timing] = field(default_factory=list)


def _row(**values: Any) -> dict[str, Any]:
    """One row to insert, written as keyword arguments."""
    return values


class _Ids:
    """Explicit ids, so rows can point at each other without a round trip each."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str, start: int) -> int:
        value = self.next.get(table, start)
        self.next[table] = value + 1
        return value


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def generate(engine: Engine, *, end: datetime, days: int = 450, per_day: int = 60,
             residents: int = 800, drivers: int = 40, seed: int = 0) -> dict[str, int]:
    """Fill a migrated, empty database with `days` of a busy scheme ending at `end`."""
    rng = random.Random(seed)
    start = end - timedelta(days=days)
    with transaction(engine) as session:
        scheme = seed_demo(session, now=start)
        scheme_id = scheme.id or 0
        places = [i for i in session.execute(select(col(Place.id)).where(
            col(Place.kind) != "settlement")).scalars() if i is not None]
        first_person = session.execute(select(func.max(Person.id))).scalar_one() + 1
    ids = _Ids()
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in (
        "person", "liftrequest", "leg", "offer", "mileageentry", "liftrequestevent",
        "outboxmessage", "conversation", "inboundmessage", "helprequest", "auditentry")}
    people = [ids.take("person", first_person) for _ in range(residents + drivers)]
    resident_ids, driver_ids = people[:residents], people[residents:]
    for n, pid in enumerate(people):
        role = "resident" if n < residents else "driver"
        rows["person"].append(_row(
            id=pid, scheme_id=scheme_id, role=role, name=f"Bench {role} {n}",
            phone=f"+4477009{n:05d}", preferred_channel="sms", address=f"{n} Bench Lane",
            postcode="DL8 5AA", lat=54.3, lon=-1.9, mobility="walking_aid", companion=False,
            assistance_dog=False, sms_opted_out=False, active=rng.random() > 0.05,
            created_at=start, consent_at=start))
        rows["conversation"].append(_row(
            id=ids.take("conversation", 1), channel="sms", address=f"+4477009{n:05d}",
            scheme_id=scheme_id, person_id=pid, state="idle", data={},
            updated_at=start + timedelta(days=rng.randrange(days))))
    for day in _days(start.date(), end.date()):
        for _ in range(per_day):
            _one_request(rows, ids, rng, scheme_id, day, resident_ids, driver_ids, places)
        for _ in range(per_day // 20):  # strangers: a half-finished join, now and then HELP
            _stranger(rows, ids, rng, scheme_id, day)
    counts = {}
    with engine.begin() as conn:
        for table in SQLModel.metadata.sorted_tables:
            batch = rows.get(table.name)
            if not batch:
                continue
            for i in range(0, len(batch), BATCH):
                conn.execute(insert(table), batch[i:i + BATCH])
            counts[table.name] = len(batch)
            if not is_sqlite(engine):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                  f"'id'), (SELECT max(id) FROM {table.name}))"))
    return counts


def _when(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randrange(9, 16),
                    rng.randrange(0, 60, 5), tzinfo=UTC)


def _one_request(rows: dict[str, list[dict[str, Any]]], ids: _Ids, rng: random.Random,
                 scheme_id: int, day: date, residents: list[int], drivers: list[int],
                 places: list[int]) -> None:
    """One request with what its life leaves behind, the outcome drawn at scheme rates."""
    appointment = _when(day, rng)
    booked = appointment - timedelta(days=rng.randrange(2, 10))
    status = rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
    rid, resident = ids.take("liftrequest", 1), rng.choice(residents)
    rows["liftrequest"].append(_row(
        id=rid, scheme_id=scheme_id, resident_id=resident, destination_id=rng.choice(places),
        appointment_at=appointment, return_plan="wait", mobility="walking_aid",
        companion=False, assistance_dog=False, status=status,
        status_reason="no driver free: all busy" if status == "unserved" else "",
        channel="sms", created_at=booked, updated_at=appointment))
    for step, (a, b) in enumerate((("requested", "planned"), ("planned", "offered"),
                                   ("offered", status))):
        rows["liftrequestevent"].append(_row(
            id=ids.take("liftrequestevent", 1), request_id=rid,
            at=booked + timedelta(hours=step), from_status=a, to_status=b, actor="system",
            note="cancelled: feeling unwell" if b == "cancelled" else ""))
    driver = rng.choice(drivers)
    offer = ids.take("offer", 1)
    driven = status in ("done", "no_show")
    rows["offer"].append(_row(
        id=offer, scheme_id=scheme_id, request_id=rid, driver_id=driver,
        status="accepted" if driven else "withdrawn", broadcast=False,
        created_at=booked, expires_at=booked + timedelta(hours=2),
        answered_at=booked + timedelta(minutes=30)))
    for direction, offset in (("out", -35), ("back", 45)):
        pickup = appointment + timedelta(minutes=offset)
        leg = ids.take("leg", 1)
        leg_status = {"done": "done", "no_show": "no_show", "cancelled": "cancelled",
                      "unserved": "unserved"}[status]
        rows["leg"].append(_row(
            id=leg, request_id=rid, direction=direction, status=leg_status,
            driver_id=driver if driven else None, offer_id=offer if driven else None,
            pickup_at=pickup, dropoff_at=pickup + timedelta(minutes=25),
            pickup_place=f"{resident} Bench Lane", dropoff_place=SITES[0].name,
            passenger_miles=7.5, driver_miles=14.0, reason="", updated_at=appointment))
        if driven:
            rows["mileageentry"].append(_row(
                id=ids.take("mileageentry", 1), leg_id=leg, scheme_id=scheme_id,
                driver_id=driver, service_day=day, miles=14.0, passenger_miles=7.5,
                companion_miles=0.0, recorded_at=pickup + timedelta(minutes=25)))
    for kind, to in (("offer", driver), ("confirmation", resident), ("reminder", resident),
                     ("reminder", resident), ("run_sheet", driver), ("trip_change", driver)):
        mid = ids.take("outboxmessage", 1)
        rows["outboxmessage"].append(_row(
            id=mid, idempotency_key=f"bench:{mid}", scheme_id=scheme_id, person_id=to,
            kind=kind, channel="sms", address=f"+4477009{to:05d}",
            body=f"Bench words of a {kind} for Bench resident {resident}, {resident} Bench "
                 f"Lane, pickup 09:35 to {SITES[0].name}.", choices=[],
            urgent=False, due_at=booked, status="delivered", attempts=1,
            provider_message_id=f"SM{mid:030d}", last_error="", request_id=rid,
            created_at=booked, sent_at=booked))
    for n in range(4):
        rows["inboundmessage"].append(_row(
            id=ids.take("inboundmessage", 1), channel="sms",
            provider_id=f"SMin{rid:08d}{n}", conversation_id=None,
            received_at=booked + timedelta(minutes=n)))
    if rng.random() < 0.3:
        rows["auditentry"].append(_row(
            id=ids.take("auditentry", 1), scheme_id=scheme_id, at=booked,
            actor_name="Pat Coordinator", actor_role="coordinator", channel="console",
            action="assign", request_id=rid, subject_person_id=driver,
            detail=f"to Bench driver {driver}; override: not free then"))


def _stranger(rows: dict[str, list[dict[str, Any]]], ids: _Ids, rng: random.Random,
              scheme_id: int, day: date) -> None:
    n = ids.take("stranger", 1)
    at = _when(day, rng)
    rows["conversation"].append(_row(
        id=ids.take("conversation", 1), channel="sms", address=f"+4477001{n:05d}",
        scheme_id=scheme_id, person_id=None, state="join_address", updated_at=at,
        data={"name": f"Stranger {n}", "pending": "lift to the hospital for my scan"}))
    if rng.random() < 0.5:
        handled = at + timedelta(hours=3) if rng.random() < 0.8 else None
        rows["helprequest"].append(_row(
            id=ids.take("helprequest", 1), scheme_id=scheme_id, person_id=None, channel="sms",
            address=f"+4477001{n:05d}", opened_at=at, handled_at=handled,
            handled_by="Pat" if handled else "", note="rang back" if handled else ""))


def time_purges(engine: Engine, end: datetime, days: int) -> list[Timing]:
    """The first purge of the backlog, then the next day's, then one ten-minute sweep."""
    out = []
    for label, at in ((f"first purge ({days} days of history, never purged)", end),
                      ("next day's purge", end + timedelta(days=1))):
        with transaction(engine) as session:
            scheme = session.execute(select(Scheme)).scalars().one()
            began = time.perf_counter()
            result = purge(session, scheme, at, actor=SYSTEM)
            shared = purge_shared(session, at)
            session.flush()
        seconds = time.perf_counter() - began  # the commit included
        out.append(Timing(label, seconds, result.total + shared.total))
    with transaction(engine) as session:
        session.execute(text("UPDATE outboxmessage SET body = 'x', status = 'delivered' "
                             "WHERE id IN (SELECT id FROM outboxmessage ORDER BY id DESC "
                             "LIMIT 400)"))  # ten minutes of a busy evening's messages
    began = time.perf_counter()
    with transaction(engine) as session:
        swept = sweep_bodies(session, end + timedelta(days=1, minutes=10))
    out.append(Timing("ten-minute word sweep (400 messages done with)",
                      time.perf_counter() - began, swept))
    return out


def run(database_url: str, workdir: Path, *, per_day: int, days: int,
        seed: int) -> Result:
    """Generate a fresh scheme in a scratch database and time the purges on it."""
    from lifts.bench.outbox import scratch_database

    end = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)
    with scratch_database(database_url, workdir) as engine:
        backend = "SQLite" if is_sqlite(engine) else "PostgreSQL"
        result = Result(backend)
        began = time.perf_counter()
        result.generated = generate(engine, end=end, days=days, per_day=per_day, seed=seed)
        result.generate_seconds = time.perf_counter() - began
        with Session(engine) as session:
            session.execute(text("ANALYZE"))
            session.commit()
        result.timings = time_purges(engine, end, days)
    return result


__all__ = ["Result", "Timing", "generate", "run"]
