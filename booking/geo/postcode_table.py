"""The postcode table, loaded from an open data file: the ONS Postcode Directory (ONSPD: a
CSV with a header, latitude and longitude) or OS Code-Point Open (CSVs without a header,
British National Grid eastings and northings, converted here). Either as the CSV or as the
zip it is downloaded in. One transaction: a file that fails part-way leaves the table as it was.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from booking.postcodes import normalise
from storage.db import transaction
from storage.tables import PostcodeLocation

BATCH = 5000
EXPECTED = ("expected an ONS Postcode Directory CSV (columns pcds, lat, long) or an OS "
            "Code-Point Open CSV (postcode, quality, eastings, northings)")
Progress = Callable[[int, int], None]  # bytes read, bytes in all


class PostcodeFileError(ValueError):
    """A file that is not a postcode file we can read (one line, with what we expected)."""


@dataclass
class Loaded:
    """What an import did."""

    stored: int = 0
    skipped: int = 0  # terminated, without coordinates, or unreadable rows
    format: str = ""


def import_postcodes(engine: Engine, path: Path, *, progress: Progress = lambda _a, _b: None
                     ) -> Loaded:
    """Load (or refresh) the postcode table from an ONSPD or Code-Point Open file or zip."""
    loaded = Loaded()
    with _opened(path) as (streams, total):
        done = 0
        with transaction(engine) as session:
            insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
            batch: list[dict[str, object]] = []
            for stream, size in streams:
                for row in _rows(stream, path.name, loaded):
                    batch.append({"postcode": row[0], "lat": row[1], "lon": row[2]})
                    if len(batch) >= BATCH:
                        _store(session, insert, batch, loaded)
                        progress(min(done + stream.tell(), total), total)
                done += size
                progress(done, total)
            _store(session, insert, batch, loaded)
    if not loaded.stored:
        raise PostcodeFileError(f"{path.name}: no postcodes with coordinates found; {EXPECTED}")
    return loaded


def _store(session: Session, insert: Any, batch: list[dict[str, object]],
           loaded: Loaded) -> None:
    """Upsert a batch as one executemany (a VALUES list this long would take longer to
    compile than to run)."""
    if not batch:
        return
    unique = list({row["postcode"]: row for row in batch}.values())  # a file may repeat one
    table = PostcodeLocation.__table__  # type: ignore[attr-defined]
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["postcode"],
        set_={"lat": statement.excluded.lat, "lon": statement.excluded.lon})
    session.connection().execute(statement, unique)
    loaded.stored += len(unique)
    batch.clear()


class _opened:
    """The CSV streams of a file or zip, with their sizes (for progress)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.closers: list[IO[bytes]] = []

    def __enter__(self) -> tuple[list[tuple[IO[bytes], int]], int]:
        path = self.path
        if zipfile.is_zipfile(path):
            archive = zipfile.ZipFile(path)
            members = _data_members(archive)
            if not members:
                raise PostcodeFileError(f"{path.name}: a zip without postcode CSVs; {EXPECTED}")
            streams = [(archive.open(m), m.file_size) for m in members]
        else:
            streams = [(path.open("rb"), path.stat().st_size)]
        self.closers = [s for s, _ in streams]
        return streams, sum(size for _, size in streams) or 1

    def __exit__(self, *exc: object) -> None:
        for stream in self.closers:
            stream.close()


def _data_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    csvs = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")
            and "/doc" not in f"/{m.filename.lower()}"
            and "header" not in m.filename.lower()]
    whole = [m for m in csvs if "multi_csv" not in m.filename.lower()]
    return sorted(whole or csvs, key=lambda m: m.filename)


def _rows(stream: IO[bytes], name: str, loaded: Loaded) -> Iterator[tuple[str, float, float]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text)
    try:
        first = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise PostcodeFileError(f"{name}: not a CSV file ({exc}); {EXPECTED}") from exc
    header = [c.strip().lower() for c in first]
    try:
        if _is_onspd(header):
            loaded.format = "ONS Postcode Directory"
            yield from _onspd(reader, header, loaded)
        elif _is_codepoint_row(first):
            loaded.format = "OS Code-Point Open"
            yield from _codepoint([first], loaded)
            yield from _codepoint(reader, loaded)
        elif {"eastings", "northings"} <= set(header):
            loaded.format = "OS Code-Point Open"
            yield from _codepoint(reader, loaded, header)
        else:
            raise PostcodeFileError(f"{name}: not a postcode file (its first line is not a "
                                    f"header we know); {EXPECTED}")
    except csv.Error as exc:
        raise PostcodeFileError(f"{name}: line {reader.line_num} is not CSV ({exc}); "
                                f"{EXPECTED}") from exc


def _is_onspd(header: list[str]) -> bool:
    has_code = any(c in header for c in ("pcds", "pcd2", "pcd", "postcode"))
    return has_code and "lat" in header and ("long" in header or "lon" in header)


def _is_codepoint_row(row: list[str]) -> bool:
    return len(row) >= 4 and normalise(row[0]) is not None and all(
        c.strip().lstrip("-").isdigit() for c in row[2:4])


def _onspd(reader: Iterable[list[str]], header: list[str], loaded: Loaded
           ) -> Iterator[tuple[str, float, float]]:
    code_at = next(header.index(c) for c in ("pcds", "pcd2", "pcd", "postcode") if c in header)
    lat_at = header.index("lat")
    lon_at = header.index("long") if "long" in header else header.index("lon")
    ended_at = header.index("doterm") if "doterm" in header else None
    for row in reader:
        try:
            code = normalise(row[code_at])
            lat, lon = float(row[lat_at]), float(row[lon_at])
            ended = ended_at is not None and row[ended_at].strip() != ""
        except (IndexError, ValueError):
            loaded.skipped += 1
            continue
        # No grid reference: ONSPD writes 99.999999, 0 (or leaves them empty).
        if code is None or ended or not (49.0 <= lat <= 61.5 and -9.0 <= lon <= 2.5):
            loaded.skipped += 1
            continue
        yield code, round(lat, 6), round(lon, 6)


def _codepoint(reader: Iterable[list[str]], loaded: Loaded, header: list[str] | None = None
               ) -> Iterator[tuple[str, float, float]]:
    code_at = header.index("postcode") if header and "postcode" in header else 0
    east_at = header.index("eastings") if header else 2
    north_at = header.index("northings") if header else 3
    for row in reader:
        try:
            code = normalise(row[code_at])
            east, north = float(row[east_at]), float(row[north_at])
        except (IndexError, ValueError):
            loaded.skipped += 1
            continue
        if code is None or (east == 0 and north == 0):  # quality 90: no coordinates
            loaded.skipped += 1
            continue
        lat, lon = osgb36_to_wgs84(east, north)
        yield code, round(lat, 6), round(lon, 6)


# British National Grid (Airy 1830, OSGB36) to WGS84 latitude and longitude: the Ordnance
# Survey's transverse Mercator inverse, then a Helmert transformation (good to about 5 m,
# ample for finding a house to drive to).
_AIRY = (6377563.396, 6356256.909)
_WGS84 = (6378137.0, 6356752.314245)
_F0, _LAT0, _LON0, _E0, _N0 = 0.9996012717, math.radians(49), math.radians(-2), 400000, -100000
_HELMERT = (446.448, -125.157, 542.060, -20.4894e-6,  # tx, ty, tz (m), scale
            math.radians(0.1502 / 3600), math.radians(0.2470 / 3600),
            math.radians(0.8421 / 3600))


def osgb36_to_wgs84(east: float, north: float) -> tuple[float, float]:
    """WGS84 (lat, lon) in degrees of a British National Grid point."""
    a, b = _AIRY
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)
    lat, m = _LAT0, 0.0
    while north - _N0 - m >= 1e-5:
        lat = (north - _N0 - m) / (a * _F0) + lat
        d, s = lat - _LAT0, lat + _LAT0
        m = b * _F0 * ((1 + n + 1.25 * n**2 + 1.25 * n**3) * d
                       - (3 * n + 3 * n**2 + 2.625 * n**3) * math.sin(d) * math.cos(s)
                       + (1.875 * n**2 + 1.875 * n**3) * math.sin(2 * d) * math.cos(2 * s)
                       - (35 / 24) * n**3 * math.sin(3 * d) * math.cos(3 * s))
    sin, cos, tan = math.sin(lat), math.cos(lat), math.tan(lat)
    nu = a * _F0 / math.sqrt(1 - e2 * sin * sin)
    rho = a * _F0 * (1 - e2) / (1 - e2 * sin * sin) ** 1.5
    eta2 = nu / rho - 1
    t2, t4, t6 = tan**2, tan**4, tan**6
    de = east - _E0
    lat = (lat - tan / (2 * rho * nu) * de**2
           + tan / (24 * rho * nu**3) * (5 + 3 * t2 + eta2 - 9 * t2 * eta2) * de**4
           - tan / (720 * rho * nu**5) * (61 + 90 * t2 + 45 * t4) * de**6)
    sec = 1 / cos
    lon = (_LON0 + sec / nu * de
           - sec / (6 * nu**3) * (nu / rho + 2 * t2) * de**3
           + sec / (120 * nu**5) * (5 + 28 * t2 + 24 * t4) * de**5
           - sec / (5040 * nu**7) * (61 + 662 * t2 + 1320 * t4 + 720 * t6) * de**7)
    # To cartesian on Airy, through Helmert, and back to latitude and longitude on WGS84.
    sin, cos = math.sin(lat), math.cos(lat)
    nu_plain = a / math.sqrt(1 - e2 * sin * sin)
    x = nu_plain * cos * math.cos(lon)
    y = nu_plain * cos * math.sin(lon)
    z = (1 - e2) * nu_plain * sin
    tx, ty, tz, s, rx, ry, rz = _HELMERT
    x2 = tx + (1 + s) * x - rz * y + ry * z
    y2 = ty + rz * x + (1 + s) * y - rx * z
    z2 = tz - ry * x + rx * y + (1 + s) * z
    a2, b2 = _WGS84
    e2w = 1 - (b2 * b2) / (a2 * a2)
    p = math.hypot(x2, y2)
    lat = math.atan2(z2, p * (1 - e2w))
    for _ in range(10):
        nu_w = a2 / math.sqrt(1 - e2w * math.sin(lat) ** 2)
        lat = math.atan2(z2 + e2w * nu_w * math.sin(lat), p)
    return math.degrees(lat), math.degrees(math.atan2(y2, x2))
