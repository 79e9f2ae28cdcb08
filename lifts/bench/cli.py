"""`lifts bench ...`: the routing benchmarks (not timed tests)."""

from __future__ import annotations

from pathlib import Path
from statistics import mean, median

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from lifts.bench import darp as darp_bench

app = typer.Typer(help="Routing benchmarks: published DARP instances and rural scheme days.")
# The instances live in the repository (benchmarks/darp/README.md says where they come from).
DARP_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "darp"
_BKS = DARP_DIR / "bks.csv"


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


@app.command()
def darp(
    files: list[Path] = typer.Argument(  # noqa: B008
        None, help="Cordeau instance files (default: the 24 a-instances in benchmarks/darp)."),
    time_limit: float = typer.Option(30.0, help="Seconds per instance (one core)."),
    out: Path | None = typer.Option(None, help="Folder for per-instance JSON and summary.csv."),  # noqa: B008
    seed: int = typer.Option(0, help="Seed of our search."),
    plain: bool = typer.Option(True, help="Also run the plain OR-Tools model (same limit)."),
    bks: Path = typer.Option(_BKS, help="bks.csv with best-known values."),  # noqa: B008
) -> None:
    """Solve each instance, check it, and print gaps and the ratio to the plain model."""
    console, best = Console(), darp_bench.load_bks(bks)
    files = files or sorted((DARP_DIR / "cordeau2006").glob("a*.txt"))
    rows: list[darp_bench.Row] = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("solving", total=len(files))
        for path in files:
            progress.update(task, description=f"{path.stem}")
            rows.append(darp_bench.run_instance(path, best, time_limit, seed, out, plain))
            progress.advance(task)
    table = Table(title=f"Cordeau DARP, {time_limit:g} s per instance, seed {seed}")
    for name in ("instance", "BKS", "ours", "gap %", "feasible", "seconds", "plain", "ours/plain"):
        table.add_column(name, justify="right")
    for r in rows:
        table.add_row(r.instance, _fmt(r.bks, ".2f"), f"{r.cost:.2f}", _fmt(r.gap, ".2f"),
                      "yes" if r.feasible and r.served == r.requests else "NO",
                      f"{r.seconds:.1f}", _fmt(r.plain_cost, ".2f"), _fmt(r.ratio, ".3f"))
    console.print(table)
    gaps = [r.gap for r in rows if r.gap is not None]
    if gaps:
        console.print(f"feasible {sum(r.feasible and r.served == r.requests for r in rows)}/"
                      f"{len(rows)}; mean gap {mean(gaps):.2f} %, max {max(gaps):.2f} %")
    ratios = [r.ratio for r in rows if r.ratio is not None]
    if ratios:
        console.print(f"ours/plain: mean {mean(ratios):.3f} over {len(ratios)} instances "
                      f"where the plain model served all feasibly")
    if out is not None:
        darp_bench.write_summary(rows, out / "summary.csv")


@app.command()
def rural(
    time_limit: float = typer.Option(60.0, help="Seconds per scale."),
    sizes: str = typer.Option("25,50,100,200,400", help="Request counts, comma separated."),
    seed: int = typer.Option(0, help="Seed of the generator and the search."),
) -> None:
    """Generate Wensleydale scheme days and report scale and re-plan figures."""
    from lifts.bench import rural as rural_bench  # heavy: only when asked

    rural_bench.report(Console(), [int(s) for s in sizes.split(",")], time_limit, seed)


if __name__ == "__main__":
    app()


@app.command()
def outbox(
    database_url: str = typer.Option(
        "postgresql://postgres@127.0.0.1:5432/test",
        help="Server to make scratch databases on (postgresql://… or sqlite:///…)."),
    what: str = typer.Option("all", help="reminders | chaos | webhooks | all"),
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
