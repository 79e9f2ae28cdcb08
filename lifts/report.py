"""The impact report's outputs: a CSV for spreadsheets and a chart for funders' reports."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no screen

import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend

from booking.reports.impact import Impact, summary  # noqa: E402

__all__ = ["COLUMNS", "summary", "write_chart", "write_csv"]

COLUMNS = ("week starting", "requested", "done", "cancelled", "unserved")


def write_csv(figures: Impact, path: Path) -> None:
    """One row per week and a total row; then the summary figures, one per row."""
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for week in figures.weeks:
            out.writerow((week.starts.isoformat(), week.requested, week.done, week.cancelled,
                          week.unserved))
        out.writerow(("total", figures.requested, figures.done, figures.cancelled,
                      figures.unserved))
        out.writerow(())
        for name, value in summary(figures):
            out.writerow((name, value))
        for reason, count in figures.reasons.most_common():
            out.writerow((f"unserved: {reason}", count))


def write_chart(figures: Impact, path: Path, title: str) -> None:
    """Lifts per week by outcome, and why requests could not be served."""
    fig, (weeks, why) = plt.subplots(1, 2, figsize=(11, 4.5),
                                     gridspec_kw={"width_ratios": [3, 2]})
    labels = [f"{w.starts:%d %b}" for w in figures.weeks]
    done = [w.done for w in figures.weeks]
    cancelled = [w.cancelled for w in figures.weeks]
    unserved = [w.unserved for w in figures.weeks]
    weeks.bar(labels, done, color="#2a9d8f", label="given")
    weeks.bar(labels, cancelled, bottom=done, color="#e9c46a", label="cancelled")
    below = [a + b for a, b in zip(done, cancelled, strict=True)]
    weeks.bar(labels, unserved, bottom=below, color="#e76f51", label="could not be served")
    weeks.bar(labels, [w.other for w in figures.weeks],
              bottom=[a + b for a, b in zip(below, unserved, strict=True)], color="#c0c0c0",
              label="still to happen, or did not come")
    weeks.set_title("Lifts by week (appointment date)")
    weeks.set_xlabel("week starting")
    weeks.set_ylabel("lifts")
    weeks.yaxis.get_major_locator().set_params(integer=True)
    # An empty month would otherwise get an axis from -0.04 to 0.04: counts start at nought.
    weeks.set_ylim(0, max(1, max((w.requested for w in figures.weeks), default=0)) * 1.15)
    weeks.legend(frameon=False)
    reasons = figures.reasons.most_common(6)
    if reasons:
        why.barh([textwrap.fill(r, 28) for r, _ in reasons][::-1], [n for _, n in reasons][::-1],
                 color="#e76f51")
        why.xaxis.get_major_locator().set_params(integer=True)
        why.set_title("Why requests could not be served")
    else:
        why.axis("off")
        why.text(0.5, 0.5, "No request went unserved", ha="center", va="center", fontsize=12)
    fig.suptitle(f"{title}: {figures.done} lifts given to {figures.passengers} people, "
                 f"{figures.live_miles:.0f} miles with a passenger", fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)

