"""Locating homes: the scheme's villages and postcode prefixes, the postcode table (ONSPD and
Code-Point Open files, real SQLite and PostgreSQL), and postcodes.io (a local fake server)."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from booking.audit import Actor
from booking.geo.geocoder import Geocoder, Location
from booking.geo.postcode_table import PostcodeFileError, import_postcodes, osgb36_to_wgs84
from booking.setup.importing import import_scheme
from booking.setup.scheme_file import read_scheme_file
from lifts.postcodes_io import PostcodesIo
from storage.db import transaction
from storage.tables import PostcodeLocation
from tests.support.fakes import fake_postcodes_io

NORFOLK = Path(__file__).parent.parent / "support" / "north_norfolk.toml"
BLAKENEY, CLEY, HOLT = (52.955, 1.018), (52.953, 1.044), (52.907, 1.090)
ONSPD = """pcd,pcd2,pcds,dointr,doterm,oscty,lat,long,oseast1m
NR257NX,NR25 7NX,NR25 7NX,198001,,E10000020,52.954012,1.019876,604000
NR257ZZ,NR25 7ZZ,NR25 7ZZ,198001,201212,E10000020,52.95,1.02,604000
NR259XX,NR25 9XX,NR25 9XX,198001,,E10000020,99.999999,0.000000,
SW1A1AA,SW1A 1AA,SW1A 1AA,198001,,E13000001,51.501009,-0.141588,529090
"""
CODEPOINT = (  # no header; postcode, quality, eastings, northings, then codes
    '"SW1A 1AA",10,529090,179645,"E92000001","E19000003","E18000007","","E09000033"\n'
    '"NR25 7NX",10,604310,343740,"E92000001","E19000001","E18000001","E10000020","E07000147"\n'
    '"ZE3 9JZ",90,0,0,"S92000003","","S08000026","","S12000027"\n')


def _scheme(engine: Engine) -> int:
    with transaction(engine) as session:
        done = import_scheme(session, read_scheme_file(NORFOLK.read_text()),
                             now=datetime(2026, 12, 1, tzinfo=UTC), by=Actor("T", "cli"))
        return done.scheme.id or 0


def _locate(engine: Engine, sid: int, address: str, postcode: str = "",
            geocoder: Geocoder | None = None) -> Location:
    with Session(engine) as session:
        return (geocoder or Geocoder()).locate(session, sid, address=address, postcode=postcode)


def test_offline_the_village_in_the_address_then_the_postcode_prefix(any_engine: Engine
                                                                      ) -> None:
    """A village named in the address (whole words, any case); else the one village with the
    postcode's prefix; else not located, with the reason for the coordinator."""
    sid = _scheme(any_engine)
    found = _locate(any_engine, sid, "3 High Street, blakeney, Holt")  # village, post town
    assert (found.lat, found.lon, found.how) == (*BLAKENEY, "village")
    cley = _locate(any_engine, sid, "Flint Cottage, CLEY NEXT THE SEA, Holt")
    assert (cley.lat, cley.lon) == CLEY
    assert (_locate(any_engine, sid, "9 Station Road, Holt").lat, ) == (HOLT[0], )
    by_prefix = _locate(any_engine, sid, "The Old Forge, Glandford", "nr25 7pq")
    assert (by_prefix.lat, by_prefix.lon, by_prefix.how) == (*BLAKENEY, "postcode prefix")
    nowhere = _locate(any_engine, sid, "Rose Cottage, Glandford")
    assert not nowhere.located and nowhere.why_not == "the address names none of our villages"
    assert _locate(any_engine, sid, "Rose Cottage", "12345").why_not == \
        "the postcode they gave is not a UK postcode"
    assert not _locate(any_engine, sid, "Rose Cottage", "PE31 8AA").located  # not our area
    assert not _locate(any_engine, sid, "Blakeneyside Farm").located  # a word, not a part


def test_the_postcode_table_from_the_ons_directory(any_engine: Engine, tmp_path: Path) -> None:
    """ONSPD: current postcodes with a grid reference stored; ended ones and ones without
    coordinates skipped; a stored postcode beats the village."""
    sid = _scheme(any_engine)
    path = tmp_path / "ONSPD_NOV_2026_UK.csv"
    path.write_text(ONSPD)
    seen: list[tuple[int, int]] = []
    loaded = import_postcodes(any_engine, path, progress=lambda a, b: seen.append((a, b)))
    assert (loaded.stored, loaded.skipped, loaded.format) == (2, 2, "ONS Postcode Directory")
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    found = _locate(any_engine, sid, "3 High Street, Blakeney", "nr257nx")
    assert (found.lat, found.lon, found.how) == (52.954012, 1.019876, "postcode table")
    again = import_postcodes(any_engine, path)  # a refresh: the same rows, no duplicates
    assert again.stored == 2
    with Session(any_engine) as session:
        assert len(session.exec(select(PostcodeLocation)).all()) == 2


def test_code_point_open_eastings_and_northings_converted(any_engine: Engine,
                                                         tmp_path: Path) -> None:
    """Code-Point Open's zip (no header, British National Grid): converted to WGS84 within a
    few metres of postcodes.io's own figures; its documentation files are not read."""
    path = tmp_path / "codepo_gb.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Data/CSV/sw.csv", CODEPOINT.splitlines(keepends=True)[0])
        archive.writestr("Data/CSV/nr.csv", "".join(CODEPOINT.splitlines(keepends=True)[1:]))
        archive.writestr("Doc/Code-Point_Open_Column_Headers.csv", "PC,PQ,EA,NO\n")
    loaded = import_postcodes(any_engine, path)
    assert (loaded.stored, loaded.skipped, loaded.format) == (2, 1, "OS Code-Point Open")
    with Session(any_engine) as session:
        palace = session.get(PostcodeLocation, "SW1A 1AA")
        assert palace is not None
        assert abs(palace.lat - 51.501009) < 0.0001 and abs(palace.lon + 0.141588) < 0.0001


def test_the_grid_conversion_matches_the_ordnance_survey() -> None:
    lat, lon = osgb36_to_wgs84(529090, 179645)  # SW1A 1AA: postcodes.io says 51.501009, -0.141588
    assert round(lat, 5) == 51.50101 and round(lon, 5) == -0.14159


@pytest.mark.parametrize(("content", "says"), [
    ("name,town\nHolt,Norfolk\n", "not a postcode file"),
    ("", "no postcodes with coordinates found"),
    ("pcds,lat,long\nNR25 7NX,99.999999,0\n", "no postcodes with coordinates found"),
    ("\x00\x01\x02 binary", "not a postcode file"),
])
def test_a_bad_postcode_file_is_one_line_and_changes_nothing(engine: Engine, tmp_path: Path,
                                                             content: str, says: str) -> None:
    good = tmp_path / "good.csv"
    good.write_text(ONSPD)
    import_postcodes(engine, good)
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    with pytest.raises(PostcodeFileError) as caught:
        import_postcodes(engine, bad)
    assert says in str(caught.value) and "\n" not in str(caught.value)
    assert "expected an ONS Postcode Directory CSV" in str(caught.value)
    with Session(engine) as session:
        assert len(session.exec(select(PostcodeLocation)).all()) == 2


def test_postcodes_io_found_unknown_slow_and_broken(engine: Engine) -> None:
    """postcodes.io locates a postcode the table lacks; a postcode it does not know is said
    not to exist (and no prefix guess is made); a slow or broken service falls back to the
    offline steps after the timeout."""
    sid = _scheme(engine)
    with fake_postcodes_io({"NR25 7NX": (52.9541, 1.0199)}) as fake:
        remote = Geocoder(PostcodesIo(fake.url, timeout=0.5))
        found = _locate(engine, sid, "3 High Street, Glandford", "nr25 7nx", remote)
        assert (found.lat, found.lon, found.how) == (52.9541, 1.0199, "postcodes.io")
        assert fake.named("postcodes")[-1].params == {"postcode": "NR25 7NX"}
        missing = _locate(engine, sid, "Rose Cottage, Glandford", "NR25 7ZQ", remote)
        assert not missing.located
        assert missing.why_not == "the postcode they gave does not exist"
        assert _locate(engine, sid, "Rose Cottage, Blakeney", "NR25 7ZQ", remote).how == \
            "village"  # a mistyped postcode, but the village is plain
        fake.delay = 1.5
        slow = _locate(engine, sid, "The Old Forge, Glandford", "nr25 7pq", remote)
        assert (slow.lat, slow.lon, slow.how) == (*BLAKENEY, "postcode prefix")
        fake.delay, fake.broken = 0.0, True
        assert _locate(engine, sid, "2 Coast Road, Cley next the Sea", "NR25 7RZ",
                       remote).how == "village"
