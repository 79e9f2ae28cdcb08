"""Solve Cordeau DARP instances, check every plan, compare with the best known and plain model."""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass
from pathlib import Path

from lifts.bench.plain import solve_plain
from routing import check, solve
from routing.check import sequence_feasible
from routing.cordeau import SCALE, Instance, read
from routing.plan import Plan, StopKind


@dataclass(frozen=True)
class Row:
    """One instance's result."""

    instance: str
    bks: float | None
    cost: float
    served: int
    requests: int
    feasible: bool
    seconds: float
    plain_cost: float | None  # None: the plain model did not serve every request feasibly

    @property
    def gap(self) -> float | None:
        """Percent above the best known, if there is one and every request is served."""
        if self.bks is None or self.served < self.requests:
            return None
        return 100.0 * (self.cost / self.bks - 1.0)

    @property
    def ratio(self) -> float | None:
        """Our cost over the plain model's cost."""
        return None if self.plain_cost is None else self.cost / self.plain_cost


def load_bks(path: Path) -> dict[str, float]:
    """Best-known values from bks.csv (instance,bks,...)."""
    if not path.exists():
        return {}
    with path.open() as handle:
        return {row["instance"]: float(row["bks"]) for row in csv.DictReader(handle)}


def solution_json(instance: Instance, plan: Plan) -> dict[str, list[list[float]]]:
    """The plan in the file's node numbers, service start times in the file's units."""
    routes, times = [], []
    for route in plan.routes:
        routes.append([instance.node_of(v.request, v.kind == StopKind.DROPOFF)
                       for v in route.visits])
        times.append([v.start / SCALE for v in route.visits])
    return {"routes": routes, "times": times}


def plain_cost(instance: Instance, time_limit: float) -> float | None:
    """Cost of the plain model's plan if it serves everyone in a feasible order, else None."""
    problem = instance.problem
    routes = solve_plain(problem, time_limit)
    if routes is None or sum(len(r) for r in routes) < 2 * instance.n:
        return None
    nodes = []
    for vehicle, route in zip(problem.vehicles, routes, strict=True):
        stops = [(problem.requests[r].id, StopKind.DROPOFF if off else StopKind.PICKUP)
                 for r, off in route]
        if route and not sequence_feasible(problem, vehicle.id, stops):
            return None
        nodes.append([instance.node_of(rid, kind == StopKind.DROPOFF) for rid, kind in stops])
    return instance.cost(nodes)


def run_instance(path: Path, bks: dict[str, float], time_limit: float, seed: int,
                 out: Path | None, plain: bool) -> Row:
    """Solve, check and (optionally) write one instance; run the plain model if asked."""
    instance = read(path)
    started = time.monotonic()
    plan = solve(instance.problem, time_limit=time_limit, seed=seed)
    seconds = time.monotonic() - started
    violations = check(instance.problem, plan)
    solution = solution_json(instance, plan)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{instance.name}.json").write_text(json.dumps(solution))
    cost = instance.cost(solution["routes"])  # type: ignore[arg-type]
    other = plain_cost(instance, time_limit) if plain else None
    return Row(instance.name, bks.get(instance.name), cost, plan.objective.served, instance.n,
               not violations, seconds, other)


def write_summary(rows: list[Row], path: Path) -> None:
    """All rows as CSV, for docs/benchmarks.md."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["instance", "bks", "cost", "gap_pct", "served", "requests", "feasible",
                         "seconds", "plain_cost", "ratio"])
        for r in rows:
            writer.writerow([r.instance, r.bks, f"{r.cost:.2f}",
                             "" if r.gap is None else f"{r.gap:.2f}", r.served, r.requests,
                             r.feasible, f"{r.seconds:.1f}",
                             "" if r.plain_cost is None else f"{r.plain_cost:.2f}",
                             "" if r.ratio is None else f"{r.ratio:.4f}"])
