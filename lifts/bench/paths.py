"""Where the benchmark instances and their references live (importable without the solver)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DARP_DIR = ROOT / "benchmarks" / "darp"
A_SET = DARP_DIR / "cordeau2006"
GENERATED = DARP_DIR / "generated"
