"""The yardstick: a minimal one-object-per-household Mesa model, timed per agent-step.

Each household is a ``mesa.Agent``; each month the model calls
``self.agents.shuffle_do("step")`` and a household's ``step`` only updates its income
and cash (three attribute reads, two writes, a little arithmetic). It does nothing
else: no shocks, no markets, no ledger, no metrics. This is the cheapest honest Mesa
model of the same county, and the reference the full agrifin model is compared with
(``bench_scale.py`` prints the ratio).

Each repeat runs in a fresh Python process (this script in ``--child`` mode, answering
with JSON), so the peak resident memory is that of one run alone.

Usage::

    .venv/bin/python benchmarks/bench_mesa_reference.py                        # 100,000 agents x 12 months
    .venv/bin/python benchmarks/bench_mesa_reference.py --households 1000000 --months 6 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KB on Linux)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)


def run_child(households: int, months: int, seed: int) -> dict[str, Any]:
    """Build the minimal Mesa model and step it ``months`` times; return the timings."""
    import mesa

    class Household(mesa.Agent):
        """One household: a monthly wage and spending, income and cash."""

        def __init__(self, model: mesa.Model, wage: float, spending: float) -> None:
            super().__init__(model)
            self.wage = wage
            self.spending = spending
            self.income = 0.0
            self.cash = 0.0

        def step(self) -> None:
            self.income = self.wage
            self.cash += self.income - self.spending

    class County(mesa.Model):
        """One agent per household; a month is one shuffled activation of every agent."""

        def __init__(self, n: int, seed: int) -> None:
            super().__init__(rng=seed)
            for i in range(n):
                Household(self, 1000.0 + i % 97, 800.0)

        def step(self) -> None:
            self.agents.shuffle_do("step")

    rss_imported = peak_rss_mb()
    start = time.perf_counter()
    model = County(households, seed)
    construction = time.perf_counter() - start
    month_seconds = []
    for _ in range(months):
        start = time.perf_counter()
        model.step()
        month_seconds.append(time.perf_counter() - start)
    stepping = sum(month_seconds)
    return {
        "households": households,
        "months": months,
        "construction_s": construction,
        "stepping_s": stepping,
        "ns_per_agent_step": 1e9 * stepping / (households * months),
        "agent_steps_per_s": households * months / stepping,
        "rss_after_import_mb": rss_imported,
        "peak_rss_mb": peak_rss_mb(),
        "mesa": mesa.__version__,
    }


def run_repeat(households: int, months: int, seed: int) -> dict[str, Any]:
    """One repeat in a fresh interpreter; its JSON answer."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child"]
    command += ["--households", str(households), "--months", str(months), "--seed", str(seed)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"Mesa reference child failed with exit status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(households: int, months: int, repeats: int, seed: int = 1) -> dict[str, Any]:
    """``repeats`` fresh-process runs and the median of each figure."""
    runs = [run_repeat(households, months, seed) for _ in range(repeats)]
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    return {"runs": runs, "median": {k: statistics.median(r[k] for r in runs) for k in keys}}


def main(argv: list[str] | None = None) -> None:
    """Run the repeats and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000, help="agents, one per household (default 100000)")
    parser.add_argument("--months", type=int, default=12, help="steps timed (default 12)")
    parser.add_argument("--repeats", type=int, default=3, help="runs, each in a fresh process (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="Mesa's seed (default 1)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.households, args.months, args.repeats) < 1:
        parser.error("--households, --months and --repeats must be at least 1")
    if args.child:
        print(json.dumps(run_child(args.households, args.months, args.seed)))
        return
    result = measure(args.households, args.months, args.repeats, args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"minimal Mesa model (mesa {result['runs'][0]['mesa']}): {args.households:,} agents x {args.months} months, "
        f"{args.repeats} repeats (fresh process each)"
    )
    print(f"{'repeat':>7} {'construct s':>11} {'step s':>8} {'ns/agent-step':>14} {'peak RSS MB':>12}")
    for label, r in [*((str(i + 1), r) for i, r in enumerate(result["runs"])), ("median", result["median"])]:
        print(
            f"{label:>7} {r['construction_s']:>11.2f} {r['stepping_s']:>8.2f} {r['ns_per_agent_step']:>14.0f} "
            f"{r['peak_rss_mb']:>12.0f}"
        )


if __name__ == "__main__":
    main()
