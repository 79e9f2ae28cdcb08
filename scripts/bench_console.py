"""Benchmark: the console's board for a 200-request, 40-driver day, on SQLite and PostgreSQL.

Builds the demo scheme with 28 more drivers (40 in all) and 200 generated requests on one
Thursday, plans it, then asks the real app (uvicorn on 127.0.0.1) for the board and its
self-refreshing fragment. Reports the server time of each (the `Server-Timing` header: the
session check, the queries and the rendering) and, for comparison, the read model alone.

    .venv/bin/python scripts/bench_console.py [--repeat 30] [--postgres URL] [--plan-seconds 20]

Not a test: the numbers go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, select

from booking.accounts import create_account
from booking.board import day_board
from booking.planning.run import plan_day
from lifts.app import asgi, build
from lifts.demo_scheme import SETTLEMENTS
from lifts.seed import demo_availability
from storage.db import make_engine, normalise_url, transaction
from storage.migrate import upgrade
from storage.tables import Availability, Person, Vehicle
from tests.support.live import live_server
from tests.support.world import LONDON, TRAVEL, generated_day, monday_morning, seed, settings
from tests.web.support import COORDINATOR, PASSWORD, Client

REQUESTS, DRIVERS = 200, 40


def build_day(engine: Engine, plan_seconds: float) -> tuple[datetime, date]:
    """The demo scheme, 40 drivers, 200 requests on Thursday, planned; returns (clock, day)."""
    now = monday_morning()
    seed(engine, now)
    with transaction(engine) as session:
        have = len(session.exec(select(Person).where(Person.role == "driver")).all())
        for n in range(have + 1, DRIVERS + 1):
            home = SETTLEMENTS[n % len(SETTLEMENTS)]
            driver = Person(scheme_id=1, role="driver", name=f"Volunteer {n:02d}",
                            phone=f"+4479115{n:05d}", address=home.name, lat=home.lat,
                            lon=home.lon, consent_at=now, max_trips_per_day=4,
                            dbs_checked_on=now.date() - timedelta(days=100),
                            licence_checked_on=now.date() - timedelta(days=30),
                            insurance_expires_on=now.date() + timedelta(days=200))
            session.add(driver)
            session.flush()
            for weekday, start, end in demo_availability(n):
                session.add(Availability(driver_id=driver.id or 0, weekday=weekday,
                                         start_minute=start, end_minute=end))
            session.add(Vehicle(driver_id=driver.id or 0, description="grey Skoda Octavia",
                                seats=3, folding_wheelchair=n % 3 == 0,
                                wheelchair_accessible=n % 7 == 0, accepts_dogs=n % 2 == 0))
        create_account(session, email=COORDINATOR, name="Pat Coordinator", role="coordinator",
                       password=PASSWORD, scheme_ids=[1], now=now)
    generated_day(engine, now, REQUESTS, 11)
    thursday = now.astimezone(LONDON).date() + timedelta(days=3)
    summary = plan_day(engine, 1, thursday, now=now, trigger="bench", matrices=TRAVEL.matrices,
                       time_limit=plan_seconds)
    print(f"  planned: {summary.requests} requests, {summary.served} served, "
          f"{summary.offers} offers")
    return now, thursday


def measure(engine: Engine, repeat: int, plan_seconds: float) -> dict[str, list[float]]:
    """Server times (ms) of the board page and its fragment, and of the read model alone."""
    now, day = build_day(engine, plan_seconds)
    times: dict[str, list[float]] = {"board page": [], "board fragment": [], "read model": []}
    with Session(engine) as session:
        board = day_board(session, 1, day, now)
    print(f"  board: {sum(len(lane.legs) for lane in board.lanes)} legs in "
          f"{len(board.lanes)} lanes, {len(board.waiting)} waiting, {len(board.offers)} offers")
    for _ in range(repeat):
        with Session(engine) as session:
            started = time.perf_counter()
            day_board(session, 1, day, now)
            times["read model"].append((time.perf_counter() - started) * 1000)
    lifts = build(settings(engine), clock=lambda: now, engine=engine, polling=False)
    with live_server(asgi(lifts, run_scheduler=False)) as url:
        client = Client(url)
        assert client.login(COORDINATOR).status_code == 303
        for path, name in ((f"/console/day/{day}", "board page"),
                           (f"/console/day/{day}/live", "board fragment")):
            client.get(path)  # warm the template cache
            for _ in range(repeat):
                response = client.get(path)
                assert response.status_code == 200
                times[name].append(float(response.headers["server-timing"].split("dur=")[1]))
        client.close()
    return times


def report(label: str, times: dict[str, list[float]]) -> None:
    """Median, p95 and worst of each."""
    for name, values in times.items():
        ordered = sorted(values)
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
        print(f"  {label:10} {name:15} median {statistics.median(values):6.1f} ms   "
              f"p95 {p95:6.1f} ms   max {ordered[-1]:6.1f} ms   (n={len(values)})")


def main() -> None:
    """Run on SQLite, then on PostgreSQL when a URL is given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--plan-seconds", type=float, default=20.0)
    parser.add_argument("--postgres", default="", help="admin URL, e.g. "
                        "postgresql://postgres@127.0.0.1:5432/test (a scratch database is made)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        print("SQLite")
        report("SQLite", measure(engine, args.repeat, args.plan_seconds))
        engine.dispose()
    if args.postgres:
        admin = create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
        name = f"lifts_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            engine = make_engine(f"{args.postgres.rsplit('/', 1)[0]}/{name}")
            upgrade(engine)
            print("PostgreSQL")
            report("PostgreSQL", measure(engine, args.repeat, args.plan_seconds))
            engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
