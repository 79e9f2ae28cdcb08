"""The kinds of reason a request went unserved, for counting in funders' reports.

`booking.planning.explain` writes the sentences (with the day, village and car); this reads
back their kind, leaving the particulars out.
"""

from __future__ import annotations

CATEGORIES = (  # (how an explanation starts, what funders' reports count it as)
    ("no driver is free on", "no driver free that day"),
    ("no driver is free", "no driver free at that time"),
    ("needs ", "needs a particular car"),
    ("every driver who could take it has declined", "declined by every suitable driver"),
    ("the drivers free", "drivers free then too far or too busy"),
    ("no one driver can take both", "the way home could not be arranged"),
    ("the drivers who could take it have reached", "drivers at their daily limit"),
)


def category(reason: str) -> str:
    """The kind of reason, for counting (the report leaves days and villages out)."""
    for start, kind in CATEGORIES:
        if reason.startswith(start):
            if kind == "drivers free then too far or too busy":
                return "drivers free then too far away" if "too far" in reason else \
                    "drivers free then already busy"
            return kind
    return reason.split(":")[0].strip() or "no reason recorded"
