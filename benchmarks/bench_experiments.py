"""Experiment throughput (issue 24): start-up, overhead per run and two workers against one.

For each workload of the issue's table this runs the ``agrifin`` command line, as a user
does, in a fresh process (``--workers 1``, ``--workers 2`` and the default), and prints:

- **wall**: seconds from launching the command to its exit (median of ``--repeats``);
- **compute**: the model's own seconds for the same runs, timed in this process
  (``ValueChainModel(...)``, ``run_to_end()`` and every per-run table of
  ``simulation.experiments.runner.RUN_TABLES``, run after run);
- **start-up**: launch to the start of the first run (the earliest ``started`` in
  ``runs/status.jsonl``), with one worker. Since issue 24's second round a run's clock
  starts once the model's modules are imported, so start-up includes that import (about
  0.6 s, once per process); before, the first run's ``started`` came before it and the
  import was counted in the overhead per run;
- **overhead/run**: (wall with one worker − start-up − compute) / runs, and as a share
  of the model's compute per run;
- **speed-up** wall(1) / wall(2) and **efficiency** speed-up / 2.

``validate`` and ``describe`` are timed launch to exit. With ``--cluster`` the largest
workload also runs on a Dask ``LocalCluster`` of two single-thread worker processes
(started before the clock, as a standing cluster would be).

``--tree DIR`` times another checkout of agrifin (e.g. the code before a change: ``git
worktree add /tmp/before <commit>``) with this environment's packages: its ``simulation``
package is put first on ``PYTHONPATH``. Given twice or more, the trees take turns within
every repeat, so a noisy machine weighs on all of them alike and their ratios can be
compared. The in-process compute always uses this checkout.

Usage::

    .venv/bin/python benchmarks/bench_experiments.py                       # every workload, 3 repeats
    .venv/bin/python benchmarks/bench_experiments.py --only sweep16 --repeats 1
    .venv/bin/python benchmarks/bench_experiments.py --tree /tmp/before --tree . --cluster
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"


def agrifin(tree: Path) -> list[str]:
    """The ``agrifin`` program of ``tree``: its entry point's module (``pyproject.toml``), then ``main``."""
    cli = tree / "simulation" / "app" / "cli"
    module = next(
        (f"simulation.app.cli.{name}" for name in ("launch", "main") if (cli / f"{name}.py").exists()), "simulation.cli"
    )
    return [sys.executable, "-c", f"import sys; from {module} import main; sys.argv[0] = 'agrifin'; main()"]


@dataclass(frozen=True)
class Workload:
    """One experiment of the issue's table."""

    name: str
    command: str  # run or sweep
    households: int
    years: int
    replications: int
    varies: tuple[str, ...] = ()

    @property
    def runs(self) -> int:
        points = 1
        for vary in self.varies:
            points *= int(vary.rsplit(":", 1)[1])
        return points * self.replications

    def arguments(self, tree: Path = REPO) -> list[str]:
        """The command's arguments, on ``tree``'s own baseline (a tree from before reads only its own keys)."""
        args = [self.command, str(tree / "scenarios" / "baseline.yaml"), "-r", str(self.replications), "--seed", "1"]
        args += ["--households", str(self.households), "--years", str(self.years), "--no-charts", "-q"]
        for vary in self.varies:
            args += ["--vary", vary]
        return args


WORKLOADS = (
    Workload("sweep16", "sweep", 5_000, 3, 4, ("transfers.dibao_takeup=0.4:0.9:4",)),
    Workload("run4", "run", 20_000, 5, 4),
    Workload("run8", "run", 50_000, 10, 8),
    Workload("run1", "run", 50_000, 10, 1),
)


@dataclass
class Figures:
    """What one workload measured."""

    workload: str
    runs: int
    compute: float = 0.0
    wall: dict[str, list[float]] = field(default_factory=dict)
    startup: list[float] = field(default_factory=list)
    chosen: dict[str, str] = field(default_factory=dict)

    def median(self, key: str) -> float:
        return statistics.median(self.wall[key]) if self.wall.get(key) else float("nan")

    def summary(self) -> dict[str, float | int | str]:
        t1, t2 = self.median("1"), self.median("2")
        startup = statistics.median(self.startup) if self.startup else float("nan")
        overhead = (t1 - startup - self.compute) / self.runs
        return {
            "workload": self.workload,
            "runs": self.runs,
            "compute_s": self.compute,
            "wall_1_s": t1,
            "wall_2_s": t2,
            "wall_default_s": self.median("default"),
            "wall_cluster_s": self.median("cluster"),
            "startup_s": startup,
            "overhead_per_run_s": overhead,
            "overhead_share": overhead / (self.compute / self.runs),
            "speedup": t1 / t2,
            "efficiency": t1 / (2 * t2),
            "default_over_1": self.median("default") / t1,
            "default_executor": self.chosen.get("default", ""),
        }


def environment(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    return env


def launch(args: list[str], tree: Path, cwd: Path) -> float:
    """Seconds from launching ``agrifin ARGS`` to its exit (it must succeed)."""
    started = time.perf_counter()
    done = subprocess.run([*agrifin(tree), *args], cwd=cwd, env=environment(tree), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"agrifin {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return seconds


def first_run_start(folder: Path) -> float:
    """Wall-clock time (epoch seconds) at which the first run of the folder started."""
    entries = [json.loads(line) for line in (folder / "runs" / "status.jsonl").read_text().splitlines() if line]
    return min(dt.datetime.fromisoformat(e["started"]).timestamp() for e in entries)


def executor_of(folder: Path) -> str:
    return json.loads((folder / "manifest.json").read_text())["experiment"].get("executor", "")


def timed_experiment(workload: Workload, extra: list[str], tree: Path, scratch: Path) -> tuple[float, float, str]:
    """Wall seconds, start-up seconds (launch to first run) and the executor the manifest names."""
    out = Path(tempfile.mkdtemp(dir=scratch)) / "out"
    launched = time.time()
    wall = launch([*workload.arguments(tree), "-o", str(out), *extra], tree, scratch)
    startup = first_run_start(out) - launched
    executor = executor_of(out)
    shutil.rmtree(out.parent)
    return wall, startup, executor


def model_compute(workload: Workload) -> float:
    """The model's own seconds for the workload's runs, one after another in this process."""
    from simulation.engine.model import ValueChainModel
    from simulation.experiments.designs import grid_design, parse_vary, point_scenarios
    from simulation.experiments.runner import RUN_TABLES
    from simulation.scenario.loading import load_scenario

    base = load_scenario(BASELINE, {"population.households": workload.households, "horizon.years": workload.years})
    scenarios = [base]
    if workload.varies:
        scenarios = point_scenarios(base, grid_design([parse_vary(v) for v in workload.varies]), "bench")
    total = 0.0
    for replicate in range(workload.replications):
        for scenario in scenarios:
            started = time.perf_counter()
            model = ValueChainModel(scenario, seed=1, replicate=replicate)
            model.run_to_end()
            for name in RUN_TABLES:  # the model's per-run tables
                getattr(model, name)()
            total += time.perf_counter() - started
    return total


def local_cluster():
    from distributed import LocalCluster

    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)


def measure(
    workload: Workload, repeats: int, trees: list[Path], scratch: Path, cluster: str | None
) -> dict[Path, Figures]:
    """Every setting of the workload on every tree, the trees taking turns within each repeat."""
    print(f"[{workload.name}] model compute in this process ...", file=sys.stderr)
    compute = model_compute(workload)
    figures = {tree: Figures(workload.name, workload.runs, compute) for tree in trees}
    settings = {"1": ["--workers", "1"], "2": ["--workers", "2"], "default": []}
    if cluster is not None:
        settings["cluster"] = ["--scheduler", cluster]
    for repeat in range(repeats):
        for key, extra in settings.items():
            for tree in trees:
                print(f"[{workload.name}] repeat {repeat + 1}/{repeats}, workers {key}, {tree} ...", file=sys.stderr)
                wall, startup, executor = timed_experiment(workload, extra, tree, scratch)
                figures[tree].wall.setdefault(key, []).append(wall)
                figures[tree].chosen[key] = executor
                if key == "1":
                    figures[tree].startup.append(startup)
    return figures


def quick_commands(repeats: int, trees: list[Path], scratch: Path) -> dict[Path, dict[str, float]]:
    """Median seconds of ``validate`` and ``describe`` of the baseline scenario, launch to exit."""
    commands = ("validate", "describe")
    seconds: dict[Path, dict[str, list[float]]] = {tree: {name: [] for name in commands} for tree in trees}
    for _ in range(repeats):
        for name in commands:
            for tree in trees:
                seconds[tree][name].append(launch([name, str(tree / "scenarios" / "baseline.yaml")], tree, scratch))
    return {tree: {name: statistics.median(found) for name, found in by.items()} for tree, by in seconds.items()}


def render(rows: list[dict], quick: dict[str, float]) -> str:
    head = (
        f"{'workload':<9}{'runs':>5}{'compute':>9}{'start-up':>9}{'wall 1':>8}{'wall 2':>8}{'default':>8}"
        f"{'cluster':>8}{'ovh/run':>9}{'ovh %':>7}{'speedup':>8}{'eff.':>6}  default executor"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['workload']:<9}{r['runs']:>5}{r['compute_s']:>9.2f}{r['startup_s']:>9.2f}{r['wall_1_s']:>8.2f}"
            f"{r['wall_2_s']:>8.2f}{r['wall_default_s']:>8.2f}{r['wall_cluster_s']:>8.2f}"
            f"{r['overhead_per_run_s']:>9.3f}{r['overhead_share']:>7.0%}{r['speedup']:>8.2f}{r['efficiency']:>6.0%}"
            f"  {r['default_executor']}"
        )
    lines.append("  ".join(f"{name}: {seconds:.2f} s" for name, seconds in quick.items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="launches of each command (median reported)")
    parser.add_argument("--only", action="append", choices=[w.name for w in WORKLOADS], help="workload (repeatable)")
    parser.add_argument(
        "--tree", type=Path, action="append", help="agrifin checkout to time (repeatable; default: this)"
    )
    parser.add_argument("--cluster", action="store_true", help="also run the largest workload on a LocalCluster")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    trees = [tree.resolve() for tree in (args.tree or [REPO])]
    chosen = [w for w in WORKLOADS if not args.only or w.name in args.only]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"trees {', '.join(map(str, trees))}; {cores} cores usable, Python {platform.python_version()}", file=sys.stderr
    )
    scratch = Path(tempfile.mkdtemp(prefix="bench-experiments-"))
    cluster = local_cluster() if args.cluster else None
    try:
        rows: dict[Path, list[dict]] = {tree: [] for tree in trees}
        for workload in chosen:
            address = cluster.scheduler_address if cluster is not None and workload.name == "run8" else None
            for tree, figures in measure(workload, args.repeats, trees, scratch, address).items():
                rows[tree].append(figures.summary())
        quick = quick_commands(args.repeats, trees, scratch)
    finally:
        if cluster is not None:
            cluster.close()
        shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        found = [{"tree": str(t), "workloads": rows[t], "commands": quick[t]} for t in trees]
        print(json.dumps({"cores": cores, "repeats": args.repeats, "trees": found}, indent=2))
    else:
        print("\n\n".join(f"{tree}\n{render(rows[tree], quick[tree])}" for tree in trees))


if __name__ == "__main__":
    main()
