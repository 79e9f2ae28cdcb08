"""The life-cycle diagram beside the code says what the transition table says."""

from __future__ import annotations

import re
from pathlib import Path

from booking.domain.transitions import LEG_MOVES

DIAGRAM = Path(__file__).resolve().parents[2] / "booking" / "domain" / "lifecycle.mmd"


def test_the_diagram_has_every_move_of_the_table_and_no_other() -> None:
    """Each `a --> b: causes` line of lifecycle.mmd is a move of LEG_MOVES with its causes."""
    drawn = {}
    for a, b, causes in re.findall(r"^\s+(\w+) --> (\w+): ([\w, ]+)$", DIAGRAM.read_text(),
                                   re.M):
        if "[*]" not in (a, b) and causes != "booked":
            drawn[(a, b)] = {c.strip() for c in causes.split(",")}
    table = {(str(a), str(b)): {str(c) for c in causes} for (a, b), causes in LEG_MOVES.items()}
    assert drawn == table
