"""`lifts geo import-postcodes` and `lifts geo locate`, as real processes on a real database."""

from __future__ import annotations

from pathlib import Path

from tests.booking.test_geocoder import ONSPD
from tests.cli.test_cli import run

NORFOLK = Path(__file__).parent.parent / "support" / "north_norfolk.toml"


def test_import_postcodes_then_locate(tmp_path: Path) -> None:
    """The table loads (creating the database), and the geocoder then uses it; an address
    nothing locates says why, in one line, exit 1."""
    db = tmp_path / "lifts.db"
    onspd = tmp_path / "ONSPD.csv"
    onspd.write_text(ONSPD)
    loaded = run(["geo", "import-postcodes", str(onspd)], db)
    assert loaded.returncode == 0, loaded.stderr
    assert "2 postcodes stored from ONSPD.csv (ONS Postcode Directory); 2 skipped" in loaded.stdout
    assert run(["scheme", "import", str(NORFOLK)], db).returncode == 0
    found = run(["geo", "locate", "3 High Street, Glandford NR25 7NX"], db)
    assert found.stdout.strip() == "52.95401, 1.01988: the postcode, from the postcode table"
    village = run(["geo", "locate", "Flint Cottage, Cley next the Sea"], db)
    assert "52.95300, 1.04400: the village named in the address" in village.stdout
    lost = run(["geo", "locate", "Rose Cottage, Glandford"], db)
    assert lost.returncode == 1 and lost.stdout.count("\n") == 1
    assert lost.stdout.startswith("Not located: the address names none of our villages.")


def test_a_bad_postcode_file_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "lifts.db"
    bad = tmp_path / "villages.csv"
    bad.write_text("name,town\nHolt,Norfolk\n")
    result = run(["geo", "import-postcodes", str(bad)], db)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "Not imported, nothing changed: villages.csv: not a postcode file")
    missing = run(["geo", "import-postcodes", str(tmp_path / "nope.csv")], db)
    assert missing.returncode == 1 and "No such file or folder" in missing.stderr


def test_place_a_home_by_hand(tmp_path: Path) -> None:
    """`lifts geo place`: the home is set and audited; a stranger's number or a point off the
    map is one line, exit 1, nothing changed."""
    from sqlmodel import Session, select

    from storage.db import make_engine, transaction
    from storage.tables import AuditEntry, Person

    db = tmp_path / "lifts.db"
    assert run(["scheme", "import", str(NORFOLK)], db).returncode == 0
    engine = make_engine(f"sqlite:///{db}")
    with transaction(engine) as session:
        session.add(Person(scheme_id=1, role="resident", name="Ada Lamb", phone="+447700900600"))
    off = run(["geo", "place", "07700 900600", "152.9,1.0"], db)
    assert off.returncode == 1 and off.stdout.startswith("Not placed: That point is not on")
    stranger = run(["geo", "place", "07700 900601", "52.9,1.0"], db)
    assert stranger.stdout.strip() == "Not placed: Nobody in north-norfolk has that number."
    done = run(["geo", "place", "07700 900600", "52.936, 1.041", "--by", "Sam Rix"], db)
    assert done.stdout.strip() == "Home of Ada Lamb placed; 0 lift(s) back to planning."
    with Session(engine) as session:
        ada = session.exec(select(Person).where(Person.name == "Ada Lamb")).one()
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "place_home")).one()
        assert (ada.lat, ada.lon, entry.actor_name) == (52.936, 1.041, "Sam Rix")
    engine.dispose()
