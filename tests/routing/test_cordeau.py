"""Reading one published benchmark instance and solving it briefly."""

from __future__ import annotations

import csv

from routing import check, solve
from routing.cordeau import read
from tests.routing.conftest import CORDEAU_A, DARP

A2_16 = CORDEAU_A / "a2-16.txt"


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


def test_vendored_a_set_is_complete() -> None:
    """The repository holds all 24 a-instances, each readable, with a best-known value each."""
    files = sorted(CORDEAU_A.glob("a*.txt"))
    assert len(files) == 24
    with (DARP / "bks.csv").open() as handle:
        bks = {row["instance"]: float(row["bks"]) for row in csv.DictReader(handle)}
    for path in files:
        instance = read(path)
        vehicles, requests = (int(x) for x in path.stem[1:].split("-"))
        assert (len(instance.problem.vehicles), instance.n) == (vehicles, requests)
        assert bks[path.stem] > 0
