"""Speed and memory benchmark of ValueChainModel: construction, monthly stepping, phase split.

Each repeat runs in a fresh Python process (this script in ``--child`` mode, answering
with JSON on stdout), so the peak resident memory reported is that of one run alone.
The child builds the model (population synthesis, then the unrecorded spin-up inside
``ValueChainModel.__init__``), then steps exactly ``--months`` months. The ten phase
methods of ``ValueChainModel.step`` (and ``Households.reset_month``, which ``step``
calls first) are wrapped on the instance with a ``time.perf_counter`` timer, so the
per-phase split is measured without changing the model code.

Usage::

    .venv/bin/python benchmarks/bench_model.py                       # 100,000 x 120, 3 repeats
    .venv/bin/python benchmarks/bench_model.py --households 20000 --repeats 5
    .venv/bin/python benchmarks/bench_model.py --json > bench.json   # machine-readable
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from simulation.engine.month import PHASES
from simulation.experiments.profiling import timed

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"

# The phases of ValueChainModel.step, in their fixed order (docs/ODD.md, process overview).
RESET = "reset_month"  # Households.reset_month, called by step before the phases
OTHER = "other"  # the rest of a step: Mesa's event scheduling, the step body itself, the timers
MEASURE = "measure"  # ValueChainModel.measure, called inside account (metrics incl. the Gini)


# --------------------------------------------------------------------------- child: one run


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KB on Linux)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":  # bytes on macOS
        kb /= 1024
    return kb / 1024.0


def build_scenario(path: str | None, households: int, months: int, scaled: bool = True):
    """The scenario to benchmark, with its population and horizon set to the benchmark size.

    With ``scaled``, the institutions' capital grows with the county (the model's rule,
    ``population.scale_institutions``); otherwise it stays as the scenario writes it.
    """
    from simulation.scenario.loading import Scenario, apply_overrides, load_scenario, validate_scenario

    if path:
        base = load_scenario(path)
        source = path
    else:
        base = Scenario(name="bench", description="benchmark")
        source = "built-in defaults"
    data = base.model_dump(mode="json")
    overrides = {
        "population.households": households,
        "population.scale_institutions": scaled,
        "horizon.years": max(1, math.ceil(months / 12)),
    }
    return validate_scenario(apply_overrides(data, overrides, "bench"), source)


def run_child(
    households: int, months: int, scenario_path: str | None, seed: int, scaled: bool = True
) -> dict[str, Any]:
    """Build one model, step it ``months`` months, and return the timings."""
    from simulation.engine.model import ValueChainModel

    scenario = build_scenario(scenario_path, households, months, scaled)
    rss_imported = peak_rss_mb()
    spin_up_seconds = [0.0]

    class BenchModel(ValueChainModel):
        """The model unchanged; only the spin-up inside ``__init__`` is timed."""

        def spin_up(self) -> None:
            start = time.perf_counter()
            super().spin_up()
            spin_up_seconds[0] += time.perf_counter() - start

    start = time.perf_counter()
    model = BenchModel(scenario, seed=seed)
    construction = time.perf_counter() - start
    rss_constructed = peak_rss_mb()

    totals: dict[str, float] = defaultdict(float)
    for name in PHASES:
        setattr(model, name, timed(getattr(model, name), name, totals))
    model.households.reset_month = timed(model.households.reset_month, RESET, totals)
    detail: dict[str, float] = defaultdict(float)
    model.measure = timed(model.measure, MEASURE, detail)

    month_seconds = []
    clock = time.perf_counter
    for _ in range(months):
        start = clock()
        model.step()
        month_seconds.append(clock() - start)
    stepping = sum(month_seconds)
    if model.month != months:
        raise RuntimeError(f"stepped to month {model.month}, expected {months}")

    phases = {name: totals[name] for name in (RESET, *PHASES)}
    phases[OTHER] = max(stepping - sum(phases.values()), 0.0)
    return {
        "households": households,
        "months": months,
        "spin_up_months": 12 * scenario.horizon.spin_up_years,
        "construction_s": construction,
        "spin_up_s": spin_up_seconds[0],
        "synthesis_s": construction - spin_up_seconds[0],
        "stepping_s": stepping,
        "household_months_per_s": households * months / stepping,
        "month_ms_median": 1e3 * statistics.median(month_seconds),
        "month_ms_max": 1e3 * max(month_seconds),
        "rss_after_import_mb": rss_imported,
        "rss_after_construction_mb": rss_constructed,
        "peak_rss_mb": peak_rss_mb(),
        "phases_s": phases,
        "detail_s": {f"account.{MEASURE}": detail[MEASURE]},
        "records": len(model.records),
        "institutions_scaled": scaled,
        # the economy that was timed: last month's credit reach, comparable across sizes
        "borrower_share": float(model.records[-1]["borrower_share"]),
        "loans_per_household": float(model.records[-1]["loans_outstanding"]) / households,
    }


# --------------------------------------------------------------------------- parent


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (or the platform's guess)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def total_memory_gb() -> float | None:
    """Installed memory from /proc/meminfo, in GB."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return None


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    import mesa
    import numpy as np

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gb": total_memory_gb(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def run_repeat(args: argparse.Namespace, scenario: str | None) -> dict[str, Any]:
    """One repeat in a fresh interpreter; its JSON answer."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child"]
    command += ["--households", str(args.households), "--months", str(args.months), "--seed", str(args.seed)]
    if getattr(args, "fixed_institutions", False):
        command.append("--fixed-institutions")
    if scenario:
        command += ["--scenario", scenario]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"benchmark child failed with exit status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median over repeats of every figure (each phase separately)."""
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    result: dict[str, Any] = {k: statistics.median(r[k] for r in runs) for k in keys}
    for group in ("phases_s", "detail_s"):
        result[group] = {name: statistics.median(r[group][name] for r in runs) for name in runs[0][group]}
    return result


def phase_rows(summary: dict[str, Any]) -> list[tuple[str, float, float, float]]:
    """(phase, seconds, % of stepping, ms per month), sorted by cost, measure as a sub-row of account."""
    step, months = summary["stepping_s"], summary["months"]
    rows = []
    for name, seconds in sorted(summary["phases_s"].items(), key=lambda kv: -kv[1]):
        rows.append((name, seconds, 100.0 * seconds / step, 1e3 * seconds / months))
        if name == "account":
            for sub, sub_s in summary["detail_s"].items():
                label = "  of which " + sub.split(".", 1)[1]
                rows.append((label, sub_s, 100.0 * sub_s / step, 1e3 * sub_s / months))
    return rows


def add_institutions_option(parser: argparse.ArgumentParser) -> None:
    """``--fixed-institutions``, shared with bench_scale.py."""
    parser.add_argument(
        "--fixed-institutions",
        action="store_true",
        help="keep the scenario's bank, guarantor, insurer and risk-fund capital as written "
        "(default: scaled with the county, so every size runs the same economy)",
    )


def institutions_line(scaled: bool) -> str:
    """How the institutions were sized, for the report's header."""
    if scaled:
        return "institutions: bank, guarantor, insurer and risk-fund capital scaled with the county"
    return "institutions: capital as written in the scenario (--fixed-institutions)"


def economy_line(summary: dict[str, Any]) -> str:
    """Last month's credit reach: the same economy at every size when the institutions are scaled."""
    return (
        f"last month {100 * summary['borrower_share']:.1f}% of households borrowing, "
        f"{summary['loans_per_household']:,.0f} yuan of loans outstanding per household"
    )


def render(report: dict[str, Any]) -> str:
    """The plain-text report."""
    m, cfg, runs, med = report["machine"], report["config"], report["runs"], report["median"]
    mem = f", {m['memory_gb']:.0f} GB RAM" if m["memory_gb"] else ""
    load = ", load avg {:.2f} {:.2f} {:.2f}".format(*m["load_average"]) if m["load_average"] else ""
    out = [
        f"agrifin ValueChainModel benchmark  {report['date']}",
        f"machine : {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable){mem}, {m['os']}{load}",
        f"software: Python {m['python']}, numpy {m['numpy']}, mesa {m['mesa']}",
        f"run     : {cfg['households']:,} households x {cfg['months']} months, {cfg['repeats']} repeats "
        f"(fresh process each), seed {cfg['seed']}, scenario {cfg['scenario']}",
        f"          construction = population synthesis + {med['spin_up_months']:.0f}-month unrecorded spin-up",
        f"          {institutions_line(cfg['institutions_scaled'])}",
        "          RSS: peak resident memory of the run's process after imports, after construction, at the end",
        "",
        f"{'repeat':>7} {'construct s':>11} {'(synth':>7} {'spin-up)':>8} {'step s':>8} "
        f"{'hh-months/s':>12} {'ms/month':>9} {'max ms':>8} {'RSS MB: imports':>15} {'built':>6} {'peak':>6}",
    ]

    def line(label: str, r: dict[str, Any]) -> str:
        return (
            f"{label:>7} {r['construction_s']:>11.2f} {r['synthesis_s']:>7.2f} {r['spin_up_s']:>8.2f} "
            f"{r['stepping_s']:>8.2f} {r['household_months_per_s']:>12,.0f} {r['month_ms_median']:>9.1f} "
            f"{r['month_ms_max']:>8.1f} {r['rss_after_import_mb']:>15.0f} {r['rss_after_construction_mb']:>6.0f} "
            f"{r['peak_rss_mb']:>6.0f}"
        )

    out += [line(str(i + 1), r) for i, r in enumerate(runs)]
    out.append(line("median", med))
    out += [
        "",
        "phase split of the timed months (median over repeats), by cost",
        f"{'phase':<22} {'seconds':>8} {'% of step':>10} {'ms/month':>9}",
    ]
    out += [f"{name:<22} {s:>8.3f} {pct:>9.1f}% {ms:>9.2f}" for name, s, pct, ms in phase_rows(med)]
    out.append(f"{'total (stepping)':<22} {med['stepping_s']:>8.3f} {100.0:>9.1f}%")
    out.append("")
    out.append(f"economy timed: {economy_line(med)}")
    return "\n".join(out)


def shown_path(path: str) -> str:
    """A scenario path, relative to the repository when it lies inside it."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(REPO)) if resolved.is_relative_to(REPO) else str(resolved)


def default_scenario() -> str | None:
    """scenarios/baseline.yaml when it exists, else None (the built-in defaults)."""
    return str(BASELINE) if BASELINE.is_file() else None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000, help="households in the county (default 100000)")
    parser.add_argument("--months", type=int, default=120, help="months stepped after construction (default 120)")
    parser.add_argument(
        "--scenario",
        default=None,
        help="scenario YAML (default: scenarios/baseline.yaml if present, else the built-in defaults)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs, each in a fresh process (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="root seed (the same for every repeat; default 1)")
    add_institutions_option(parser)
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.households < 1 or args.months < 1 or args.repeats < 1:
        parser.error("--households, --months and --repeats must be at least 1")
    if args.months > 1200:
        parser.error("--months must be at most 1200 (the scenario horizon allows 100 years)")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the repeats and print the report."""
    args = parse_args(argv)
    if args.child:
        print(
            json.dumps(run_child(args.households, args.months, args.scenario, args.seed, not args.fixed_institutions))
        )
        return
    scenario = str(Path(args.scenario).resolve()) if args.scenario else default_scenario()
    if scenario:
        from simulation.scenario.loading import ScenarioError

        try:
            # fail early on a bad file
            build_scenario(scenario, args.households, args.months, not args.fixed_institutions)
        except ScenarioError as err:
            raise SystemExit(f"bench_model.py: {err}") from None
    runs = []
    for i in range(args.repeats):
        if not args.json:
            print(f"repeat {i + 1}/{args.repeats} ...", file=sys.stderr, flush=True)
        runs.append(run_repeat(args, scenario))
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine_info(),
        "config": {
            "households": args.households,
            "months": args.months,
            "repeats": args.repeats,
            "seed": args.seed,
            "scenario": shown_path(scenario) if scenario else "built-in defaults",
            "institutions_scaled": not args.fixed_institutions,
        },
        "runs": runs,
        "median": medians(runs),
    }
    print(json.dumps(report, indent=2) if args.json else render(report))


if __name__ == "__main__":
    main()
