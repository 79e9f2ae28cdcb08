"""`lifts bench ...`: the routing benchmarks (not timed tests)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from statistics import mean, median
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from lifts.bench.paths import GENERATED

if TYPE_CHECKING:  # the solver is imported only by the commands that run it
    from lifts.bench import darp as darp_bench

app = typer.Typer(help="Routing benchmarks: published DARP instances and rural scheme days.")


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _ints(text: str, name: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter(f"{name}: comma-separated whole numbers, e.g. 0,1,2") from None


@app.command()
def darp(
    files: list[Path] = typer.Argument(  # noqa: B008
        None, help="Cordeau-format instance files (default: every instance of --set)."),
    which: str = typer.Option("a", "--set", help="a (Cordeau 2006 a-series) or generated."),
    time_limit: float = typer.Option(30.0, help="Seconds per run (one core)."),
    seeds: str = typer.Option("0", help="Seeds of our search, comma separated; the table "
                                        "shows the median cost over them."),
    plain: bool = typer.Option(True, help="Also run the plain OR-Tools model (same limit)."),
    careful: bool = typer.Option(True, help="Also run the careful OR-Tools-only model "
                                            "(our model, OR-Tools' PCI + GLS, same limit)."),
    ours: bool = typer.Option(True, help="Run our solver."),
    out: Path | None = typer.Option(None, help="Folder for plans (JSON) and results.csv."),  # noqa: B008
    references: Path | None = typer.Option(  # noqa: B008
        None, help="CSV of reference values (default: bks.csv, or generated/references.csv)."),
    record: bool = typer.Option(False, help="Keep any complete plan better than the "
                                            "reference as the new reference (generated set)."),
    jobs: int = typer.Option(1, min=1, help="Runs at once, each in its own process: at most "
                                            "one per free core, or the time limits mean less."),
) -> None:
    """Solve each instance, check every plan, print gaps and the ratios to the baselines."""
    from lifts.bench import darp as darp_bench

    console = Console(width=120)
    try:
        paths = list(files) if files else darp_bench.instance_files(which)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise typer.BadParameter(f"no such file: {missing[0]}")
    ref_path = references or darp_bench.references_for(which)
    if record and not darp_bench.recordable(ref_path):
        raise typer.BadParameter(
            f"--record keeps our own runs, and {ref_path.name} holds published values: "
            "add --set generated, or --references FILE")
    best = darp_bench.load_bks(ref_path)
    models = [m for m, on in (("ours", ours), ("careful", careful), ("plain", plain)) if on]
    seed_list = _ints(seeds, "--seeds") or [0]
    console.print(f"load average at start: {darp_bench.load_average():.2f}; "
                  f"commit {darp_bench.commit()}")

    def show(s: darp_bench.Summary) -> None:
        costs = ", ".join(_fmt(r.cost, ".2f") for r in s.ours)
        console.print(f"{s.instance}: ours [{costs}] careful "
                      f"{_fmt(s.careful.cost if s.careful else None, '.2f')} plain "
                      f"{_fmt(s.plain.cost if s.plain else None, '.2f')} "
                      f"(load {darp_bench.load_average():.2f})")

    summaries = darp_bench.run_set(paths, best, time_limit, seed_list, models,
                                   record_to=ref_path if record else None, out=out,
                                   progress=show, jobs=jobs)
    print_summary(console, summaries, time_limit, seed_list)
    if out is not None:
        darp_bench.write_results(summaries, out / "results.csv")


def print_summary(console: Console, summaries: list[darp_bench.Summary], time_limit: float,
                  seeds: list[int]) -> None:
    """The per-instance table and the mean / max lines."""
    title = (f"DARP, {time_limit:g} s per run, ours: median of seed(s) "
             f"{','.join(map(str, seeds))}")
    table = Table(title=title)
    for name in ("instance", "ref", "ours", "gap %", "careful", "gap %", "plain", "gap %",
                 "ours/careful", "ours/plain"):
        table.add_column(name, justify="right")
    for s in summaries:
        careful = s.careful.cost if s.careful else None
        plain = s.plain.cost if s.plain else None
        table.add_row(s.instance, _fmt(s.reference, ".2f"), _fmt(s.median_cost, ".2f"),
                      _fmt(s.gap(s.median_cost), ".2f"), _fmt(careful, ".2f"),
                      _fmt(s.gap(careful), ".2f"), _fmt(plain, ".2f"), _fmt(s.gap(plain), ".2f"),
                      _fmt(s.ratio(s.careful), ".3f"), _fmt(s.ratio(s.plain), ".3f"))
    console.print(table)
    picks: list[tuple[str, Callable[[darp_bench.Summary], float | None]]] = [
        ("ours", lambda s: s.median_cost),
        ("careful", lambda s: s.careful.cost if s.careful else None),
        ("plain", lambda s: s.plain.cost if s.plain else None)]
    for label, pick in picks:
        runs = [s for s in summaries if (label == "ours" and s.ours)
                or (label == "careful" and s.careful) or (label == "plain" and s.plain)]
        if not runs:
            continue
        gaps = [g for s in runs if (g := s.gap(pick(s))) is not None]
        complete = sum(pick(s) is not None for s in runs)
        line = f"{label}: {complete}/{len(runs)} complete and feasible"
        if gaps:
            at_ref = sum(g < 0.005 for g in gaps)
            line += (f"; gap mean {mean(gaps):.2f} %, median {median(gaps):.2f} %, "
                     f"max {max(gaps):.2f} %, {at_ref} at or below the reference")
        console.print(line)
    for label, attr in (("careful", "careful"), ("plain", "plain")):
        ratios = [r for s in summaries if (r := s.ratio(getattr(s, attr))) is not None]
        if ratios:
            console.print(f"ours/{label}: mean {mean(ratios):.3f} (min {min(ratios):.3f}, "
                          f"max {max(ratios):.3f}) over {len(ratios)} instances where both "
                          "are complete")


@app.command("darp-report")
def darp_report(
    results: list[Path] = typer.Argument(  # noqa: B008
        ..., help="`lifts bench darp --out` folders (or their results.csv), one per column."),
    which: str = typer.Option("generated", "--set", help="a or generated: whose references."),
    references: Path | None = typer.Option(  # noqa: B008
        None, help="CSV of reference values (default: that of --set)."),
) -> None:
    """Markdown tables of recorded runs against the references as they are now (after
    longer runs improved them): median cost and gap per instance and run, then the means."""
    from lifts.bench import darp as darp_bench

    try:
        ref_path = references or darp_bench.references_for(which)
        columns = [darp_bench.read_results(path) for path in results]
    except (OSError, ValueError, KeyError) as error:
        raise typer.BadParameter(str(error)) from None
    typer.echo(darp_bench.report(columns, darp_bench.load_bks(ref_path)))


@app.command()
def generate(
    out: Path = typer.Option(GENERATED, help="Folder to write G1a … G10b into."),  # noqa: B008
) -> None:
    """Write the 20 generated instances (Cordeau & Laporte 2003 style) into `out`."""
    from lifts.bench.generate import write_all

    paths = write_all(out)
    Console().print(f"wrote {len(paths)} instances to {out}")


@app.command()
def rural(
    time_limit: float = typer.Option(60.0, help="Seconds per scale."),
    sizes: str = typer.Option("25,50,100,200,400", help="Request counts, comma separated."),
    seed: int = typer.Option(0, help="Seed of the generator and the search."),
    replan_size: int = typer.Option(200, help="Size whose plan is re-planned after one "
                                              "change (0: none)."),
    replan_budget: float = typer.Option(2.0, help="Seconds for each re-plan."),
) -> None:
    """Generate days of the demo scheme (examples/wensleydale.toml) and report scale and
    re-plan figures."""
    from lifts.bench import rural as rural_bench  # heavy: only when asked

    rural_bench.report(Console(), _ints(sizes, "--sizes"), time_limit, seed,
                       replan_size=replan_size, replan_budget=replan_budget)


@app.command()
def fairness(
    levels: str = typer.Option("off,gentle,strong", help="Levels of the rule to compare."),
    days: int = typer.Option(20, help="Weekdays simulated in a row."),
    requests: int = typer.Option(40, help="Trips a day (half outbound, half linked returns)."),
    drivers: int = typer.Option(20, help="Volunteers in the scheme."),
    willing: float = typer.Option(0.6, help="Chance each is free on a given day."),
    iterations: int = typer.Option(200, help="Search steps per day (deterministic)."),
    seed: int = typer.Option(0, help="Seed of the generator and the search."),
) -> None:
    """A simulated month per fairness level: miles added against the spread of trips."""
    from lifts.bench import fairness as bench

    console = Console()
    table = Table(title=f"{days} days, {requests} trips a day, {drivers} volunteers "
                        f"({willing:.0%} free each day), {iterations} steps a day, seed {seed}")
    for name in ("level", "served", "miles", "vs off", "trips max/mean", "trips Gini",
                 "miles Gini", "violations"):
        table.add_column(name, justify="right")
    base = None
    for level in [x.strip() for x in levels.split(",") if x.strip()]:
        if level not in ("off", "gentle", "strong"):
            raise typer.BadParameter(f"--levels: {level!r} is not off, gentle or strong")
        month = bench.simulate(level, days=days, requests=requests, drivers=drivers,
                               willing=willing, iterations=iterations, seed=seed)
        base = base if base is not None else month.miles
        table.add_row(level, f"{month.served}/{month.requests}", f"{month.miles:.0f}",
                      f"{100 * (month.miles / base - 1):+.1f} %", f"{month.max_over_mean:.2f}",
                      f"{month.gini:.3f}", f"{month.miles_gini:.3f}", str(month.violations))
        console.print(f"{level}: trips per driver {sorted(month.trips.values())}")
    console.print(table)


@app.command()
def purge(
    database_url: str = typer.Option(
        "sqlite:///", help="Where to make the scratch database (postgresql://… or sqlite:///)."),
    per_day: int = typer.Option(60, help="Lift requests each weekday."),
    days: int = typer.Option(450, help="Days of history (the retention period is 365)."),
    seed: int = typer.Option(0, help="Seed of the generator."),
) -> None:
    """The retention purge on a generated year and more of a busy scheme (docs/benchmarks.md)."""
    import tempfile

    from lifts.bench import purge as bench

    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        result = bench.run(database_url, Path(tmp), per_day=per_day, days=days, seed=seed)
    console.print(f"{result.backend}: generated {sum(result.generated.values()):,} rows in "
                  f"{result.generate_seconds:.1f} s: " + ", ".join(
                      f"{table} {n:,}" for table, n in sorted(result.generated.items())))
    table = Table("step", "seconds", "rows changed or removed", title=f"{result.backend}")
    for timing in result.timings:
        table.add_row(timing.what, f"{timing.seconds:.2f}", f"{timing.rows:,}")
    console.print(table)


@app.command()
def outbox(
    database_url: str = typer.Option(
        "postgresql://postgres@127.0.0.1:5432/test",
        help="Server to make scratch databases on (postgresql://… or sqlite:///…)."),
    what: str = typer.Option("all", help="reminders | chaos | webhooks | inbound | all"),
    count: int = typer.Option(10_000, help="Reminders due within one minute."),
    processes: str = typer.Option("1,3", help="Process counts for the reminders run."),
    chaos_count: int = typer.Option(2_000, help="Messages due during the kill -9 run."),
    kill_every: float = typer.Option(3.0, help="Seconds between kill -9s."),
    requests: int = typer.Option(2_000, help="Inbound webhook requests."),
    concurrency: int = typer.Option(8, help="Webhook requests in flight at once."),
    workers: int = typer.Option(1, help="`lifts serve --workers` for the webhook run."),
    new_connections: bool = typer.Option(
        False, help="Open a new connection per webhook (no keep-alive), so the kernel "
                    "spreads requests over the workers one by one."),
    repeat: int = typer.Option(1, help="Webhook runs (each on a fresh database); prints "
                                       "the median too."),
) -> None:
    """The outbox and webhooks on real `lifts serve` processes against a fake Twilio."""
    import tempfile

    from lifts.bench import outbox as bench

    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if what in ("reminders", "all"):
            table = Table(title=f"{count} reminders due within one minute")
            for name in ("processes", "sent", "lost", "dupl.", "p50 s", "p95 s", "p99 s",
                         "max s", "msgs/s"):
                table.add_column(name, justify="right")
            for n in (int(p) for p in processes.split(",")):
                r = bench.run_reminders(database_url, work, count=count, processes=n)
                table.add_row(str(n), str(r.received), str(r.lost), str(r.duplicates),
                              f"{r.lateness_p50:.2f}", f"{r.lateness_p95:.2f}",
                              f"{r.lateness_p99:.2f}", f"{r.lateness_max:.2f}",
                              f"{r.per_second:.0f}")
            console.print(table)
        if what in ("chaos", "all"):
            r = bench.run_chaos(database_url, work, count=chaos_count, kill_every=kill_every)
            console.print(f"kill -9 every {kill_every:g} s, {r.kills} kills, {r.messages} due: "
                          f"received {r.received}, lost {r.lost}, duplicates {r.duplicates}")
        if what in ("inbound", "all"):
            i = bench.run_inbound_chaos(database_url, work, kill_every=kill_every)
            console.print(f"inbound texts, kill -9 every {kill_every:g} s, {i.kills} kills, "
                          f"{i.messages} messages: answered by TwiML {i.by_twiml}, by the "
                          f"outbox {i.by_outbox}, handled but lost {i.lost}, answered twice "
                          f"{i.duplicates}, never reached a server {i.never_reached}")
        if what in ("webhooks", "all"):
            how = "new connection each" if new_connections else "keep-alive"
            runs = []
            for _ in range(repeat):
                w = bench.run_webhooks(database_url, work, requests=requests,
                                       concurrency=concurrency, workers=workers,
                                       keepalive=0 if new_connections else None)
                runs.append(w)
                console.print(f"inbound webhooks ({concurrency} in flight, {workers} worker(s), "
                              f"{how}): {w.requests} requests, {w.errors} errors, "
                              f"{w.per_second:.0f} req/s, p50 {w.p50_ms:.1f} ms, "
                              f"p95 {w.p95_ms:.1f} ms, p99 {w.p99_ms:.1f} ms")
            if repeat > 1:
                console.print(f"median of {repeat}: "
                              f"{median(r.per_second for r in runs):.0f} req/s, "
                              f"p95 {median(r.p95_ms for r in runs):.1f} ms")


@app.command()
def abuse(
    database_url: str = typer.Option(
        "postgresql://postgres@127.0.0.1:5432/test",
        help="Server to make a scratch database on (postgresql://… or sqlite:///…)."),
    each: int = typer.Option(2_000, help="Malformed requests of each kind (and a quarter as "
                                         "many forgeries)."),
    seed: int = typer.Option(0, help="Seed of the generator."),
) -> None:
    """Malformed and forged requests against a real `lifts serve`: server errors must be 0,
    forgeries accepted must be 0."""
    import tempfile

    from lifts.bench.abuse import run_abuse

    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        result = run_abuse(database_url, Path(tmp), each=each, seed=seed)
    table = Table(title=f"{each} malformed requests per webhook, {each // 4} forgeries per kind")
    for name in ("requests to", "answers (status: count)"):
        table.add_column(name)
    for kind, counts in result.statuses.items():
        table.add_row(kind, ", ".join(f"{code}: {n}" for code, n in sorted(counts.items())))
    console.print(table)
    console.print(f"server errors: {result.server_errors}; forgeries accepted: "
                  f"{result.forged_accepted}; messages stored by forgeries: "
                  f"{result.stored_by_forgeries}")


if __name__ == "__main__":
    app()
