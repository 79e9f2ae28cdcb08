"""Reading one published benchmark instance and solving it briefly."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing import check, solve
from routing.cordeau import read

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
A2_16 = SHARED / "benchmarks" / "darp" / "cordeau2006" / "a2-16.txt"


@pytest.mark.skipif(not A2_16.exists(), reason=f"benchmark file not found at {A2_16}")
def test_read_and_solve_a2_16() -> None:
    """a2-16 reads as 16 requests, 2 vehicles, and a 1 s solve is feasible and near 294.25."""
    instance = read(A2_16)
    assert instance.n == 16 and len(instance.problem.vehicles) == 2
    assert instance.problem.requests[0].max_ride == 30_000
    plan = solve(instance.problem, time_limit=1.0)
    assert check(instance.problem, plan) == []
    assert plan.objective.served == 16
    routes = [[instance.node_of(v.request, v.kind == "dropoff") for v in r.visits]
              for r in plan.routes]
    assert instance.cost(routes) < 294.25 * 1.03
