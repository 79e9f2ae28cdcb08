"""Benchmark: `lifts geo import-postcodes` on a generated ONS Postcode Directory-shaped CSV
(the real ONSPD has about 2.7 million rows), on SQLite and PostgreSQL; then a refresh (the same
file again: every row an upsert) and the lookup a join makes.

    nice -n 10 .venv/bin/python scripts/bench_postcodes.py [--rows 500000] [--postgres URL]

Not a test: the numbers go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import resource
import string
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session

from booking.geo.postcode_table import import_postcodes
from storage.db import make_engine, normalise_url
from storage.migrate import upgrade
from storage.tables import PostcodeLocation

HEADER = "pcd,pcd2,pcds,dointr,doterm,oscty,ced,laua,ward,lat,long,oseast1m,osnrth1m\n"


def write_file(path: Path, rows: int, seed: int = 1) -> list[str]:
    """`rows` distinct postcodes with ONSPD's columns (a few ended, a few without a grid
    reference, as in the real file); returns a sample of the codes."""
    rng = random.Random(seed)
    letters = string.ascii_uppercase
    seen: set[str] = set()
    sample: list[str] = []
    with path.open("w") as out:
        out.write(HEADER)
        while len(seen) < rows:
            code = (f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(1, 99)} "
                    f"{rng.randint(0, 9)}{rng.choice(letters)}{rng.choice(letters)}")
            if code in seen:
                continue
            seen.add(code)
            if len(sample) < 1000:
                sample.append(code)
            ended = "201912" if rng.random() < 0.03 else ""
            lat, lon = ((99.999999, 0.0) if rng.random() < 0.01 else
                        (rng.uniform(50.0, 58.5), rng.uniform(-5.5, 1.7)))
            out.write(f"{code.replace(' ', '')},{code:<8},{code},198001,{ended},E10000020,"
                      f"E58000001,E07000147,E05005771,{lat:.6f},{lon:.6f},604000,343000\n")
    return sample


def run(engine: Engine, path: Path, sample: list[str], label: str) -> None:
    upgrade(engine)
    start = time.perf_counter()
    first = import_postcodes(engine, path)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    import_postcodes(engine, path)
    refreshed = time.perf_counter() - start
    with Session(engine) as session:
        start = time.perf_counter()
        for code in sample:
            session.get(PostcodeLocation, code)
            session.expunge_all()
        lookup = (time.perf_counter() - start) / len(sample) * 1000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label}: {first.stored:,} stored, {first.skipped:,} skipped; first import "
          f"{loaded:.1f} s ({first.stored / loaded:,.0f} rows/s), refresh {refreshed:.1f} s, "
          f"lookup {lookup:.2f} ms; peak RSS so far {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--postgres", default="", help="admin URL, e.g. "
                        "postgresql://postgres@127.0.0.1:5432/test (a scratch database is made)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-postcodes-") as folder:
        path = Path(folder) / "ONSPD_BENCH.csv"
        start = time.perf_counter()
        sample = write_file(path, args.rows)
        print(f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB "
              f"(written in {time.perf_counter() - start:.1f} s)")
        sqlite = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        run(sqlite, path, sample, "SQLite")
        sqlite.dispose()
        if args.postgres:
            admin = create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
            name = f"lifts_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = admin.url.set(database=name).render_as_string(hide_password=False)
            pg = make_engine(url)
            try:
                run(pg, path, sample, "PostgreSQL")
            finally:
                pg.dispose()
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE "{name}"'))
                admin.dispose()


if __name__ == "__main__":
    main()
