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
