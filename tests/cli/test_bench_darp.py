"""`lifts bench darp`: runs in parallel with --jobs, every plan checked, references recorded."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.cli.test_cli import run

ROOT = Path(__file__).resolve().parents[2]
A2_16 = ROOT / "benchmarks" / "darp" / "cordeau2006" / "a2-16.txt"


def test_two_jobs_run_every_seed_and_record_the_best(tmp_path: Path) -> None:
    """Two seeds in two processes: both rows in results.csv, the better one recorded as
    the reference with its plan, and the summary line printed."""
    refs = tmp_path / "refs.csv"
    out = tmp_path / "out"
    result = run(["bench", "darp", str(A2_16), "--time-limit", "2", "--seeds", "0,1",
                  "--no-plain", "--no-careful", "--jobs", "2", "--references", str(refs),
                  "--record", "--out", str(out)], tmp_path / "unused.db")
    assert result.returncode == 0, result.stderr
    assert "ours: 1/1 complete and feasible" in result.stdout
    with (out / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["seed"] for r in rows) == ["0", "1"]
    assert all(r["served"] == "16" and r["violations"] == "0" for r in rows)
    best = min(float(r["cost"]) for r in rows)
    with refs.open() as handle:
        kept = list(csv.DictReader(handle))
    assert [r["instance"] for r in kept] == ["a2-16"]
    assert abs(float(kept[0]["bks"]) - best) < 0.01
    plan = json.loads((tmp_path / "solutions" / "a2-16.json").read_text())
    assert plan and (out / "a2-16-s0.json").exists() and (out / "a2-16-s1.json").exists()
    # The report reads the runs back against the references as they are now.
    table = run(["bench", "darp-report", str(out), "--references", str(refs)],
                tmp_path / "unused.db")
    assert table.returncode == 0, table.stderr
    cells = [c.strip() for c in table.stdout.splitlines()[2].strip("|").split("|")]
    costs = sorted(float(r["cost"]) for r in rows)
    assert cells[0] == "a2-16" and float(cells[1]) == round(best, 2)
    assert float(cells[2]) == round((costs[0] + costs[1]) / 2, 2)  # median of two seeds
    assert "| 1/1 |" in table.stdout and "(a2-16)" in table.stdout


def test_mistakes_are_one_clear_answer(tmp_path: Path) -> None:
    """--jobs 0, and a report of a folder with no runs: a usage error, no traceback."""
    result = run(["bench", "darp", str(A2_16), "--jobs", "0"], tmp_path / "unused.db")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "--jobs" in result.stderr
    result = run(["bench", "darp-report", str(tmp_path)], tmp_path / "unused.db")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "results.csv" in result.stderr


def test_record_never_overwrites_published_values(tmp_path: Path) -> None:
    """--record on the a-set (bks.csv: literature values with their sources) is refused at
    once, before any run; the file is left as it was."""
    bks = ROOT / "benchmarks" / "darp" / "bks.csv"
    published = tmp_path / "bks.csv"
    published.write_bytes(bks.read_bytes())
    for refs in ([], ["--references", str(published)]):
        result = run(["bench", "darp", str(A2_16), "--time-limit", "1", "--no-plain",
                      "--no-careful", "--record", *refs], tmp_path / "unused.db")
        assert result.returncode == 2, result.stdout
        assert "Traceback" not in result.stderr and "published values" in result.stderr
        assert "load average" not in result.stdout  # refused before any run began
    assert published.read_bytes() == bks.read_bytes()
