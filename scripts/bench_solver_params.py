"""Try the solver with some of its module constants changed, on a few DARP instances.

    .venv/bin/python scripts/bench_solver_params.py --time-limit 30 --seeds 0,1,2 \
        --param FAST_RUIN=0.15 a6-72 a7-84 a8-80 a8-96

Each (instance, seed) runs in its own process, `--jobs` at a time (one per free core);
every plan is checked. Prints each gap (to bks.csv for the a-set, to the generated set's
references for G…) and the mean. The constants are those of routing/search.py,
routing/insert.py and routing/pool.py (e.g. TEMPERATURE, ORTOOLS_SHARE, POOL_EVERY,
FAST_RUIN, FAST_RUIN_MAX, EXACT_TRIES, POOL_MAX): this is how docs/benchmarks.md's
parameter tables were made.
"""

from __future__ import annotations

import argparse
import sys
from multiprocessing import get_context
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lifts.bench.darp import DARP_DIR, GENERATED, load_bks, references_for, run_ours  # noqa: E402
from routing.kernels import warm  # noqa: E402


def _set(params: list[str]) -> None:
    import routing.insert
    import routing.pool
    import routing.search

    for item in params:
        name, _, text = item.partition("=")
        module = next((m for m in (routing.search, routing.insert, routing.pool)
                       if hasattr(m, name)), None)
        if module is None:
            raise SystemExit(f"no such solver constant: {name}")
        old = getattr(module, name)
        setattr(module, name, type(old)(float(text)) if isinstance(old, float) else int(text))


def _job(args: tuple[str, int, float, list[str]]) -> tuple[str, int, float | None, int]:
    from routing.cordeau import read

    name, seed, limit, params = args
    _set(params)
    folder = GENERATED if name.startswith("G") else DARP_DIR / "cordeau2006"
    result, plan = run_ours(read(folder / f"{name}.txt"), limit, seed)
    return name, seed, result.cost, plan.stats.iterations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="+", help="names, e.g. a8-96 G10a")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--param", action="append", default=[], help="NAME=VALUE")
    args = parser.parse_args()
    _set(args.param)  # fail fast on a misspelt name
    refs = {**load_bks(references_for("a")), **load_bks(references_for("generated"))}
    seeds = [int(s) for s in args.seeds.split(",")]
    jobs = [(n, s, args.time_limit, args.param) for s in seeds for n in args.instances]
    # Kernels loaded once per worker, before any run's clock starts.
    with get_context("spawn").Pool(args.jobs, initializer=warm) as pool:
        done = pool.map(_job, jobs, chunksize=1)
    gaps = []
    for name, seed, cost, steps in done:
        gap = None if cost is None else 100 * (cost / refs[name] - 1)
        if gap is not None:
            gaps.append(gap)
        shown = "incomplete" if gap is None else f"{gap:6.2f} %"
        print(f"{name:6} seed {seed}: {shown}  ({steps} steps)")
    params = " ".join(args.param) or "as is"
    if gaps:
        print(f"{params}: mean gap {mean(gaps):.3f} % over {len(gaps)}/{len(done)} complete")


if __name__ == "__main__":
    main()
