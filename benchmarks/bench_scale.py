"""Speed and scale of the full model against the issue-10 targets, with the Mesa yardstick beside it.

For each county size in ``--households`` (default 20,000, 100,000 and 1,000,000) the
full model (``--scenario``, default ``scenarios/integrated_system.yaml``: every
mechanism on) is built and stepped ``--months`` months in fresh Python processes, exactly
as ``bench_model.py`` does (its child mode is reused). It prints, per size:
household-months per second, nanoseconds per household-month, the start-up (population
synthesis and set-up) and the 12-month spin-up, the wall time of construction plus
stepping, the peak resident memory, and the per-phase split of the stepping time. Then
the scaling ratio time(largest) / time(100,000), and, side by side in the same run, the
minimal one-object-per-household Mesa model of ``bench_mesa_reference.py`` at the same
sizes: its cost per agent-step, agrifin's per household-month, and their ratio.

Targets are printed beside the figures (never asserted): 1,000,000 x 120 months within
60 s wall and 3 GB; 20,000 x 120 within 2 s; time(1,000,000) / time(100,000) <= 11;
agrifin at least 10 times cheaper per household-month than Mesa per agent-step;
start-up of 1,000,000 households within 5 s.

Usage::

    .venv/bin/python benchmarks/bench_scale.py                                   # 20k, 100k, 1M x 120 months
    .venv/bin/python benchmarks/bench_scale.py --households 20000,100000 --repeats 5
    .venv/bin/python benchmarks/bench_scale.py --scenario scenarios/baseline.yaml --json > scale.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import bench_mesa_reference
import bench_model

REPO = Path(__file__).resolve().parents[1]
INTEGRATED = REPO / "scenarios" / "integrated_system.yaml"
LARGE = 1_000_000  # from this size on, --repeats-large applies
TARGETS = {
    "wall_1m_s": 60.0,  # 1,000,000 x 120 months, construction + stepping
    "rss_1m_mb": 3 * 1024.0,
    "wall_20k_s": 2.0,  # 20,000 x 120 months
    "scaling": 11.0,  # time(1,000,000) / time(100,000)
    "mesa_ratio": 10.0,  # Mesa ns per agent-step / agrifin ns per household-month
    "startup_1m_s": 5.0,  # population synthesis and set-up of 1,000,000 households
}


def default_scenario() -> str | None:
    """integrated_system.yaml when it exists, else baseline.yaml, else the built-in defaults."""
    if INTEGRATED.is_file():
        return str(INTEGRATED)
    return bench_model.default_scenario()


def sizes(text: str) -> list[int]:
    """A comma-separated list of county sizes (underscores allowed: 1_000_000)."""
    values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("expected positive sizes, e.g. 20000,100000,1000000")
    return sorted(set(values))


def measure_model(households: int, args: argparse.Namespace, scenario: str | None) -> dict[str, Any]:
    """Fresh-process repeats of the full model at one size (bench_model's child), with medians."""
    repeats = args.repeats_large if households >= LARGE else args.repeats
    child_args = argparse.Namespace(
        households=households, months=args.months, seed=args.seed, fixed_institutions=args.fixed_institutions
    )
    runs = []
    for i in range(repeats):
        print(f"agrifin {households:,} x {args.months}: repeat {i + 1}/{repeats} ...", file=sys.stderr, flush=True)
        runs.append(bench_model.run_repeat(child_args, scenario))
    summary = bench_model.medians(runs)
    summary["wall_s"] = statistics.median(r["construction_s"] + r["stepping_s"] for r in runs)
    summary["ns_per_household_month"] = 1e9 * summary["stepping_s"] / (households * args.months)
    return {"runs": runs, "median": summary, "repeats": repeats}


def measure_mesa(households: int, args: argparse.Namespace) -> dict[str, Any]:
    """Fresh-process repeats of the minimal Mesa model at one size."""
    repeats = args.repeats_large if households >= LARGE else args.repeats
    print(f"Mesa reference {households:,} x {args.mesa_months}: {repeats} repeats ...", file=sys.stderr, flush=True)
    result = bench_mesa_reference.measure(households, args.mesa_months, repeats, args.seed)
    result["repeats"] = repeats
    return result


def mark(value: float, target: float, at_most: bool = True) -> str:
    """'met' or 'missed' against a target."""
    ok = value <= target if at_most else value >= target
    return "met" if ok else "MISSED"


def render(report: dict[str, Any]) -> str:
    """The plain-text report."""
    m, cfg = report["machine"], report["config"]
    model, mesa = report["model"], report["mesa"]
    mem = f", {m['memory_gb']:.0f} GB RAM" if m["memory_gb"] else ""
    load = ", load avg {:.2f} {:.2f} {:.2f}".format(*m["load_average"]) if m["load_average"] else ""
    out = [
        f"agrifin scale benchmark  {report['date']}",
        f"machine : {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable){mem}, {m['os']}{load}",
        f"software: Python {m['python']}, numpy {m['numpy']}, mesa {m['mesa']}",
        f"scenario: {cfg['scenario']}, seed {cfg['seed']}, {cfg['months']} months timed after construction "
        f"(construction = start-up + 12-month spin-up); medians of fresh-process repeats",
        f"          {bench_model.institutions_line(cfg['institutions_scaled'])}",
        "",
        f"{'households':>10} {'reps':>4} {'start-up s':>10} {'spin-up s':>9} {'step s':>8} {'wall s':>8} "
        f"{'hh-months/s':>12} {'ns/hh-month':>11} {'ms/month':>9} {'peak RSS MB':>11}",
    ]
    for n, entry in model.items():
        r = entry["median"]
        out.append(
            f"{int(n):>10,} {entry['repeats']:>4} {r['synthesis_s']:>10.2f} {r['spin_up_s']:>9.2f} "
            f"{r['stepping_s']:>8.2f} {r['wall_s']:>8.2f} {r['household_months_per_s']:>12,.0f} "
            f"{r['ns_per_household_month']:>11.0f} {r['month_ms_median']:>9.1f} {r['peak_rss_mb']:>11.0f}"
        )
    out += ["", "economy timed (the same at every size when the institutions are scaled)"]
    out += [f"{int(n):>10,}: {bench_model.economy_line(entry['median'])}" for n, entry in model.items()]
    out += ["", "phase split of the stepping time (ms per month, % of stepping), by cost at the largest size"]
    names = list(model)
    largest = model[names[-1]]["median"]
    order = [name for name, *_ in bench_model.phase_rows(largest)]
    header = f"{'phase':<22}" + "".join(f"{f'{int(n):,}: ms':>14} {'%':>6}" for n in names)
    out.append(header)
    for name in order:
        cells = []
        for n in names:
            rows = {row[0]: row for row in bench_model.phase_rows(model[n]["median"])}
            _, _, pct, ms = rows[name]
            cells.append(f"{ms:>14.2f} {pct:>5.1f}%")
        out.append(f"{name:<22}" + "".join(cells))
    out += ["", "minimal Mesa model (mesa.Agent per household, shuffle_do('step'), income and cash only)"]
    out.append(
        f"{'households':>10} {'Mesa ns/agent-step':>19} {'agrifin ns/hh-month':>20} {'ratio Mesa/agrifin':>19} "
        f"{'Mesa peak RSS MB':>17}"
    )
    for n, entry in mesa.items():
        ref = entry["median"]["ns_per_agent_step"]
        own = model[n]["median"]["ns_per_household_month"] if n in model else float("nan")
        out.append(
            f"{int(n):>10,} {ref:>19.0f} {own:>20.0f} {ref / own:>18.2f}x {entry['median']['peak_rss_mb']:>17.0f}"
        )
    out += ["", "targets (figures, not assertions)"]
    out += [f"  {line}" for line in target_lines(report)]
    return "\n".join(out)


def target_lines(report: dict[str, Any]) -> list[str]:
    """One line per target that this run's sizes allow to check."""
    model, mesa, months = report["model"], report["mesa"], report["config"]["months"]
    big, small, mid = model.get(str(LARGE)), model.get("20000"), model.get("100000")
    lines = []
    if big and months == 120:
        wall, rss = big["median"]["wall_s"], big["median"]["peak_rss_mb"]
        lines.append(f"1,000,000 x 120 wall {wall:.1f} s (target <= 60 s): {mark(wall, TARGETS['wall_1m_s'])}")
        lines.append(f"1,000,000 peak RSS {rss:.0f} MB (target <= 3072 MB): {mark(rss, TARGETS['rss_1m_mb'])}")
    if big:
        startup = big["median"]["synthesis_s"]
        lines.append(f"1,000,000 start-up {startup:.2f} s (target <= 5 s): {mark(startup, TARGETS['startup_1m_s'])}")
    if small and months == 120:
        wall = small["median"]["wall_s"]
        lines.append(f"20,000 x 120 wall {wall:.2f} s (target <= 2 s): {mark(wall, TARGETS['wall_20k_s'])}")
    if big and mid:
        ratio = big["median"]["stepping_s"] / mid["median"]["stepping_s"]
        lines.append(f"time(1,000,000)/time(100,000) = {ratio:.2f} (target <= 11): {mark(ratio, TARGETS['scaling'])}")
    for n, entry in mesa.items():
        if n in model:
            ratio = entry["median"]["ns_per_agent_step"] / model[n]["median"]["ns_per_household_month"]
            verdict = mark(ratio, TARGETS["mesa_ratio"], at_most=False)
            lines.append(f"Mesa/agrifin cost ratio at {int(n):,} households: {ratio:.2f}x (target >= 10x): {verdict}")
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=sizes, default=[20_000, 100_000, 1_000_000], help="sizes, comma-separated")
    parser.add_argument("--months", type=int, default=120, help="months stepped after construction (default 120)")
    parser.add_argument("--scenario", default=None, help="scenario YAML (default: integrated_system.yaml)")
    parser.add_argument("--repeats", type=int, default=3, help="fresh-process repeats per size (default 3)")
    parser.add_argument(
        "--repeats-large", type=int, default=1, help=f"repeats from {LARGE:,} households on (default 1)"
    )
    parser.add_argument("--mesa-months", type=int, default=12, help="months the Mesa reference is timed (default 12)")
    parser.add_argument(
        "--mesa-households",
        type=sizes,
        default=None,
        help="sizes for the Mesa reference (default: the same as --households)",
    )
    parser.add_argument("--no-mesa", action="store_true", help="skip the Mesa reference")
    bench_model.add_institutions_option(parser)
    parser.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of the tables")
    args = parser.parse_args(argv)
    if min(args.months, args.repeats, args.repeats_large, args.mesa_months) < 1:
        parser.error("--months, --repeats, --repeats-large and --mesa-months must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run every size, the Mesa reference, and print the report."""
    args = parse_args(argv)
    scenario = str(Path(args.scenario).resolve()) if args.scenario else default_scenario()
    model = {str(n): measure_model(n, args, scenario) for n in args.households}
    mesa_sizes = [] if args.no_mesa else (args.mesa_households or args.households)
    mesa = {str(n): measure_mesa(n, args) for n in mesa_sizes}
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": bench_model.machine_info(),
        "config": {
            "households": args.households,
            "months": args.months,
            "repeats": args.repeats,
            "repeats_large": args.repeats_large,
            "mesa_months": args.mesa_months,
            "institutions_scaled": not args.fixed_institutions,
            "seed": args.seed,
            "scenario": bench_model.shown_path(scenario) if scenario else "built-in defaults",
        },
        "model": model,
        "mesa": mesa,
        "targets": TARGETS,
    }
    print(json.dumps(report, indent=2) if args.json else render(report))


if __name__ == "__main__":
    main()
