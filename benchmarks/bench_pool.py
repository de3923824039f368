"""Parallel efficiency of the local process pool: the same runs on 1 and on 2 workers.

Runs ``--runs`` replicates of a ``--households`` county for ``--years`` years through
:class:`simulation.experiments.executors.LocalPool`, first with one worker (in this process), then with
two workers (this process and one pool process; pool start-up included), and prints runs
per second and the parallel efficiency t1 / (2 * t2). Outputs are dropped as they arrive, as a sweep does.

Usage::

    .venv/bin/python benchmarks/bench_pool.py                     # 200 runs, 5,000 households, 10 years
    .venv/bin/python benchmarks/bench_pool.py --runs 50 --years 5
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from simulation.experiments.executors import LocalPool
from simulation.experiments.runner import plan_runs
from simulation.scenario.loading import Scenario, load_scenario, scenario_from_dict

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def county(households: int, years: int) -> Scenario:
    overrides = {"population.households": households, "horizon.years": years}
    if BASELINE.exists():
        return load_scenario(BASELINE, overrides)
    return scenario_from_dict(
        {
            "name": "default_county",
            "description": "schema defaults",
            "population": {"households": households},
            "horizon": {"years": years},
        }
    )


def timed(workers: int, runs: int, scenario: Scenario, seed: int) -> tuple[float, int]:
    specs = plan_runs([scenario], runs, seed)
    started = time.perf_counter()
    failed = sum(output.status != "ok" for output in LocalPool(workers).run_all(specs))
    return time.perf_counter() - started, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--households", type=int, default=5_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scenario = county(args.households, args.years)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{args.runs} runs of {args.households:,} households x {args.years} years ({scenario.name})")
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {cores} cores usable, Python {platform.python_version()}")
    t1, failed1 = timed(1, args.runs, scenario, args.seed)
    print(f"1 worker : {t1:8.1f} s  {args.runs / t1:7.2f} runs/s  ({failed1} failed)")
    t2, failed2 = timed(2, args.runs, scenario, args.seed)
    print(f"2 workers: {t2:8.1f} s  {args.runs / t2:7.2f} runs/s  ({failed2} failed)")
    print(f"speed-up {t1 / t2:.2f}x, parallel efficiency t1/(2*t2) = {t1 / (2 * t2):.0%}")


if __name__ == "__main__":
    main()
