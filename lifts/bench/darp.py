"""Solve Cordeau-format DARP instances with our solver and two OR-Tools baselines, check every
plan with the independent checker, and compare with reference values.

Models: `ours` (routing.solve), `careful` (our OR-Tools model with OR-Tools' own search only:
parallel cheapest insertion + guided local search, no ruin-and-recreate) and `plain` (the
model as OR-Tools' guide writes it, lifts/bench/plain.py). A cost counts only when every
request is served and the checker finds no violation.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from statistics import mean, median

from lifts.bench.paths import A_SET, DARP_DIR, GENERATED, ROOT
from lifts.bench.plain import solve_plain
from routing import Plan, Route, StopKind, Unserved, Visit, check, solve
from routing.check import sequence_feasible
from routing.cordeau import SCALE, Instance, read
from routing.kernels import warm
from routing.plan import Objective, Reason, SolverStats

REFERENCE_FIELDS = ["instance", "bks", "seconds", "seed", "commit", "model", "load", "date",
                    "how"]


@dataclass(frozen=True)
class Result:
    """One model's run on one instance."""

    instance: str
    model: str  # "ours" | "careful" | "plain"
    seed: int
    cost: float | None  # None unless every request is served and the plan is feasible
    served: int
    requests: int
    violations: int
    seconds: float
    load: float  # one-minute load average when the run ended


def commit() -> str:
    """Short hash of the checked-out commit, with '+' if the tree has changes ('?' if unknown)."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                                "routing"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + ("+" if dirty.strip() else "")


def load_average() -> float:
    """The machine's one-minute load average."""
    return os.getloadavg()[0]


def load_bks(path: Path) -> dict[str, float]:
    """Best-known or reference values from a CSV with columns instance,bks,..."""
    if not path.exists():
        return {}
    with path.open() as handle:
        return {row["instance"]: float(row["bks"]) for row in csv.DictReader(handle)}


def instance_files(which: str) -> list[Path]:
    """The a-set (`a`) or the generated set (`generated`), in the repository."""
    if which == "a":
        return sorted(A_SET.glob("a*.txt"), key=lambda p: tuple(map(int, p.stem[1:].split("-"))))
    if which == "generated":
        def key(p: Path) -> tuple[str, int]:
            return p.stem[-1], int(p.stem[1:-1])
        return sorted(GENERATED.glob("G*.txt"), key=key)
    raise ValueError(f"unknown set {which!r}: use 'a' or 'generated'")


def references_for(which: str) -> Path:
    """Where the reference values of a set are."""
    return DARP_DIR / "bks.csv" if which == "a" else GENERATED / "references.csv"


# ---- plans as JSON (so a reference can be re-checked by anyone) ---------------------------

def plan_json(instance: Instance, plan: Plan) -> dict[str, object]:
    """The plan with file node numbers and times in the file's units (and our integers)."""
    routes = []
    for route in plan.routes:
        routes.append({
            "vehicle": route.vehicle, "start": route.start_time, "end": route.end_time,
            "nodes": [instance.node_of(v.request, v.kind == StopKind.DROPOFF)
                      for v in route.visits],
            "times": [v.start / SCALE for v in route.visits],
            "visits": [[v.request, v.kind.value, v.arrival, v.start, v.departure, v.load]
                       for v in route.visits],
        })
    return {"instance": instance.name, "cost": round(cost_of(instance, plan), 4),
            "routes": routes}


def plan_from_json(instance: Instance, data: dict[str, object]) -> Plan:
    """Rebuild a Plan from `plan_json` output (for the checker)."""
    problem = instance.problem
    routes = []
    for raw in data["routes"]:  # type: ignore[attr-defined]
        visits = []
        for request, kind, arrival, start, departure, load in raw["visits"]:
            r = problem.requests[problem.request_index(request)]
            stop = r.pickup if kind == StopKind.PICKUP.value else r.dropoff
            visits.append(Visit(request, StopKind(kind), stop.location, arrival, start,
                                departure, load))
        routes.append(Route(raw["vehicle"], tuple(visits), raw["start"], raw["end"], 0))
    served = {v.request for route in routes for v in route.visits}
    unserved = tuple(Unserved(r.id, Reason.CAPACITY_EXHAUSTED) for r in problem.requests
                     if r.id not in served)
    return Plan(tuple(routes), unserved, Objective(len(served), len(unserved), 0, 0.0, 0),
                SolverStats(0.0, 0.0, 0, 0, 0))


def cost_of(instance: Instance, plan: Plan) -> float:
    """Unrounded Euclidean length of the plan in the file's units."""
    return instance.cost([[instance.node_of(v.request, v.kind == StopKind.DROPOFF)
                           for v in route.visits] for route in plan.routes])


# ---- the three models -------------------------------------------------------------------

def run_ours(instance: Instance, time_limit: float, seed: int,
             ortools_only: bool = False) -> tuple[Result, Plan]:
    """Our solver (or, with `ortools_only`, the careful OR-Tools-only model), checked."""
    started = time.monotonic()
    plan = solve(instance.problem, time_limit=time_limit, seed=seed, ortools_only=ortools_only)
    seconds = time.monotonic() - started
    violations = len(check(instance.problem, plan))
    complete = plan.objective.served == instance.n and violations == 0
    result = Result(instance.name, "careful" if ortools_only else "ours", seed,
                    cost_of(instance, plan) if complete else None, plan.objective.served,
                    instance.n, violations, seconds, load_average())
    return result, plan


def run_plain(instance: Instance, time_limit: float) -> Result:
    """The guide's model; its order is accepted if the checker's schedule makes it feasible."""
    problem = instance.problem
    started = time.monotonic()
    routes = solve_plain(problem, time_limit)
    seconds = time.monotonic() - started
    served = 0 if routes is None else sum(len(r) for r in routes) // 2
    cost, bad = None, 0
    if routes is not None:
        nodes = []
        for vehicle, route in zip(problem.vehicles, routes, strict=True):
            stops = [(problem.requests[r].id, StopKind.DROPOFF if off else StopKind.PICKUP)
                     for r, off in route]
            if route and not sequence_feasible(problem, vehicle.id, stops):
                bad += 1
            nodes.append([instance.node_of(rid, kind == StopKind.DROPOFF)
                          for rid, kind in stops])
        if served == instance.n and bad == 0:
            cost = instance.cost(nodes)
    return Result(instance.name, "plain", 0, cost, served, instance.n, bad, seconds,
                  load_average())


# ---- reference values -------------------------------------------------------------------

def read_references(path: Path) -> dict[str, dict[str, str]]:
    """Rows of a references CSV by instance."""
    if not path.exists():
        return {}
    with path.open() as handle:
        return {row["instance"]: row for row in csv.DictReader(handle)}


def recordable(path: Path) -> bool:
    """Whether `record` may write to `path`: a file of our own recorded runs (or none yet),
    never one of published values such as bks.csv, whose sources it would erase."""
    if not path.exists():
        return True
    with path.open() as handle:
        header = next(csv.reader(handle), [])
    return header in ([], REFERENCE_FIELDS)


def record(path: Path, instance: Instance, result: Result, plan: dict[str, object],
           how: str) -> bool:
    """Keep `result` as the reference of its instance if it is complete and better than the
    one recorded; the plan (as `plan_json` gives it) goes to solutions/NAME.json next to the
    CSV. True if kept."""
    if result.cost is None:
        return False
    if not recordable(path):
        raise ValueError(f"{path.name} holds published values, not recorded runs")
    rows = read_references(path)
    old = rows.get(instance.name)
    if old is not None and float(old["bks"]) <= result.cost + 1e-9:
        return False
    rows[instance.name] = {
        "instance": instance.name, "bks": f"{result.cost:.4f}",
        "seconds": f"{result.seconds:.1f}", "seed": str(result.seed), "commit": commit(),
        "model": result.model, "load": f"{result.load:.2f}",
        "date": dt.datetime.now(dt.UTC).date().isoformat(), "how": how}
    solutions = path.parent / "solutions"
    solutions.mkdir(parents=True, exist_ok=True)
    (solutions / f"{instance.name}.json").write_text(json.dumps(plan))
    order = {p.stem: k for k, p in enumerate(instance_files("generated"))}
    fresh = path.with_suffix(".tmp")  # a run stopped mid-write must not cut the file short
    with fresh.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=REFERENCE_FIELDS)
        writer.writeheader()
        for name in sorted(rows, key=lambda n: order.get(n, len(order))):
            writer.writerow(rows[name])
    fresh.replace(path)
    return True


# ---- summaries --------------------------------------------------------------------------

@dataclass(frozen=True)
class Summary:
    """One instance over its runs."""

    instance: str
    reference: float | None
    ours: list[Result]
    careful: Result | None
    plain: Result | None

    @property
    def median_cost(self) -> float | None:
        """Median over seeds of our cost (None if any seed left a request unserved)."""
        costs = [r.cost for r in self.ours]
        if not costs or any(c is None for c in costs):
            return None
        return median(c for c in costs if c is not None)

    def gap(self, cost: float | None) -> float | None:
        """Percent above the reference."""
        if cost is None or self.reference is None:
            return None
        return 100.0 * (cost / self.reference - 1.0)

    def ratio(self, other: Result | None) -> float | None:
        """Our median cost over the other model's cost."""
        mine = self.median_cost
        if other is None or other.cost is None or mine is None:
            return None
        return mine / other.cost


def _run(path: Path, model: str, seed: int, time_limit: float
         ) -> tuple[str, int, Result, dict[str, object] | None]:
    """One run of one model on one instance (in a worker process when --jobs > 1)."""
    instance = read(path)
    if model == "plain":
        return model, seed, run_plain(instance, time_limit), None
    result, plan = run_ours(instance, time_limit, seed, ortools_only=model == "careful")
    return model, seed, result, plan_json(instance, plan)


def run_set(paths: Sequence[Path], references: dict[str, float], time_limit: float,
            seeds: Sequence[int], models: Iterable[str], record_to: Path | None = None,
            out: Path | None = None, progress: object = None, jobs: int = 1) -> list[Summary]:
    """Every instance: our solver per seed, then the baselines once each; with `jobs` > 1
    that many runs at once, each in its own process (give each a core of its own)."""
    models = set(models)
    kinds = ([("ours", s) for s in seeds if "ours" in models]
             + [(m, 0) for m in ("careful", "plain") if m in models])
    tasks = [(path, model, seed) for path in paths for model, seed in kinds]
    # The compiled kernels load once per process, before any clock starts: inside a run's
    # limit they cost the first run in each worker about a third of its steps.
    if jobs > 1:
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                                   initializer=warm)
        futures = [pool.submit(_run, path, model, seed, time_limit)
                   for path, model, seed in tasks]
        done: Iterable[tuple[str, int, Result, dict[str, object] | None]] = (
            f.result() for f in futures)
    else:
        pool = None
        warm()
        done = (_run(path, model, seed, time_limit) for path, model, seed in tasks)
    summaries: list[Summary] = []
    runs: dict[Path, list[tuple[str, int, Result, dict[str, object] | None]]] = {}
    try:
        for (path, _, _), run in zip(tasks, done, strict=True):
            runs.setdefault(path, []).append(run)
            if len(runs[path]) < len(kinds):
                continue
            instance = read(path)
            ours: list[Result] = []
            careful = plain = None
            for model, seed, result, plan in runs.pop(path):
                if plan is not None and record_to is not None:
                    how = "careful model" if model == "careful" else "lifts bench darp"
                    record(record_to, instance, result, plan, f"{how}, {time_limit:g} s")
                if model == "ours":
                    ours.append(result)
                    if out is not None and plan is not None:
                        out.mkdir(parents=True, exist_ok=True)
                        (out / f"{instance.name}-s{seed}.json").write_text(json.dumps(plan))
                elif model == "careful":
                    careful = result
                else:
                    plain = result
            summaries.append(Summary(instance.name, references.get(instance.name), ours,
                                     careful, plain))
            if callable(progress):
                progress(summaries[-1])
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return summaries


def write_results(summaries: Sequence[Summary], path: Path) -> None:
    """Every run as one CSV row, for docs/benchmarks.md."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["instance", "reference", "model", "seed", "cost", "gap_pct", "served",
                         "requests", "violations", "seconds", "load"])
        for s in summaries:
            runs = [*s.ours, *(r for r in (s.careful, s.plain) if r is not None)]
            for r in runs:
                gap = s.gap(r.cost)
                writer.writerow([r.instance, s.reference, r.model, r.seed,
                                 "" if r.cost is None else f"{r.cost:.2f}",
                                 "" if gap is None else f"{gap:.2f}", r.served, r.requests,
                                 r.violations, f"{r.seconds:.1f}", f"{r.load:.2f}"])


# ---- tables from recorded runs ----------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One results.csv (one time limit) reduced to our median cost per instance."""

    label: str
    median: dict[str, float | None]  # None: some seed left a request unserved
    seeds: int


def read_results(path: Path, model: str = "ours") -> Column:
    """Our runs of a `lifts bench darp --out` folder (or its results.csv), median per
    instance over the seeds; labelled by the median run time, e.g. "30 s"."""
    csv_path = path / "results.csv" if path.is_dir() else path
    with csv_path.open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["model"] == model]
    if not rows:
        raise ValueError(f"{csv_path}: no runs of the {model} model")
    costs: dict[str, list[float | None]] = {}
    for row in rows:
        costs.setdefault(row["instance"], []).append(float(row["cost"]) if row["cost"] else None)
    med: dict[str, float | None] = {
        name: None if any(c is None for c in cs) else median(c for c in cs if c is not None)
        for name, cs in costs.items()}
    seconds = median(float(r["seconds"]) for r in rows)
    return Column(f"{seconds:.0f} s", med, max(len(cs) for cs in costs.values()))


def report(columns: Sequence[Column], references: dict[str, float]) -> str:
    """A markdown table: reference, then per column the median cost and its gap; then per
    column the count complete, mean and max gap, and the instances above 4 %."""
    names = [n for n in references if any(n in c.median for c in columns)]
    head = ["instance", "reference"]
    for c in columns:
        head += [f"{c.label} (median of {c.seeds})", "gap %"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    gaps: list[dict[str, float]] = [{} for _ in columns]
    for name in names:
        cells = [name, f"{references[name]:.2f}"]
        for k, c in enumerate(columns):
            cost = c.median.get(name)
            if cost is None:
                cells += ["—" if name not in c.median else "incomplete", "—"]
                continue
            gap = 100.0 * (cost / references[name] - 1.0)
            gaps[k][name] = gap
            cells += [f"{cost:.2f}", f"{gap:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| run | complete | mean gap % | max gap % | above 4 % |",
              "| --- | --- | --- | --- | --- |"]
    for c, g in zip(columns, gaps, strict=True):
        ran = sum(1 for n in names if n in c.median)
        if g:
            worst = max(g, key=lambda n: g[n])
            above = sum(1 for v in g.values() if v > 4.0)
            lines.append(f"| {c.label} | {len(g)}/{ran} | {mean(g.values()):.2f} | "
                         f"{g[worst]:.2f} ({worst}) | {above} |")
        else:
            lines.append(f"| {c.label} | 0/{ran} | — | — | — |")
    return "\n".join(lines)
