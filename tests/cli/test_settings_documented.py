"""Every setting the code reads is documented in .env.example and the README, and nothing is
documented that the code does not read."""

from __future__ import annotations

import re
from pathlib import Path

from lifts.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _read() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def test_env_example_lists_exactly_the_settings() -> None:
    """.env.example has a line NAME= for every setting, and no other."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    documented = {m.group(1) for line in lines if (m := re.match(r"([A-Z][A-Z0-9_]+)=", line))}
    assert documented == _read()


def test_readme_settings_table_lists_exactly_the_settings() -> None:
    """The README's settings table names every setting, and no other."""
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("### Settings"):]
    table = table[:table.index("\n### ")]
    documented = {name for row in table.splitlines() if row.startswith("| `")
                  for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}
    assert documented == _read()
