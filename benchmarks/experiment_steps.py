"""Where an experiment's time goes, step by step, in one process (issue 24).

Runs ``agrifin sweep`` (the ``sweep16`` workload of ``bench_experiments.py``: 4 points x 4
replicates of 5,000 households x 3 years, one worker) inside this process with a timer
around each step of its life, and prints each step's CPU seconds (``time.process_time``:
what this process itself spent, so other work on a shared machine weighs little) and,
for the exit, the wall seconds from the last exit handler to the process's end.

- **start-up**: importing the command line and reading and planning the experiment,
  up to the first run; **model import**: importing the model's modules (once per process);
- **model** (the model's own compute): constructing the model (population synthesis and
  spin-up), ``run_to_end`` and its per-run tables;
- **run extras**: the rest of a run (summary row, checks, key columns);
- **batch packing**, **storing batches** (part files, batch JSON, status log),
  **consolidation** (the folder's tables, summary, final manifest), **exit**.

``--tree DIR`` times another checkout (its ``simulation`` package first on the path), e.g.
the code before a change; given twice, the trees take turns.

Usage::

    .venv/bin/python benchmarks/experiment_steps.py --tree /tmp/before --tree . --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SWEEP = [
    "sweep",
    str(REPO / "scenarios" / "baseline.yaml"),
    *("-r", "4", "--seed", "1", "--households", "5000", "--years", "3", "--no-charts", "-q"),
    *("--vary", "transfers.dibao_takeup=0.4:0.9:4", "--workers", "1"),
]

# Run inside the child: wrap each step with a CPU timer, run the command, print the totals as JSON.
CHILD = r"""
import time
cpu = time.process_time
launched = cpu()
import atexit, functools, json, sys
totals = {}
first = {}


def add(key, seconds):
    totals[key] = totals.get(key, 0.0) + seconds


def wrap(owner, name, key):
    found = getattr(owner, name, None)
    if found is None:
        return

    @functools.wraps(found)
    def timed(*args, **kwargs):
        started = cpu()
        try:
            return found(*args, **kwargs)
        finally:
            add(key, cpu() - started)

    setattr(owner, name, timed)


import simulation.experiments.campaign as campaign
import simulation.outputs.results as results
import simulation.experiments.runner as runner

original_class = runner.model_class


def model_class():
    if "ValueChainModel" in vars(runner):
        return original_class()
    started = cpu()
    found = original_class()  # the first run imports the model
    add("model import", cpu() - started)
    first.setdefault("run", started)
    for name in ("__init__", "run_to_end", "by_group", "income_distribution", "relapse_causes"):
        wrap(found, name, "model")
    return found


runner.model_class = model_class
wrap(runner, "simulate", "runs (all)")
wrap(runner.RunBatch, "of", "batch packing")
wrap(results.ResultsFolder, "record_batch", "storing batches")
wrap(results.ResultsFolder, "finish", "consolidation")
wrap(campaign, "carry_out", "carry_out (all)")


def report():
    totals["start-up"] = first["run"] - launched
    totals["run extras"] = totals.pop("runs (all)") - totals["model"] - totals["model import"]
    carried = totals.pop("carry_out (all)")
    parts = ("model import", "model", "run extras", "batch packing", "storing batches", "consolidation")
    totals["other (in the campaign)"] = carried - sum(totals.get(k, 0.0) for k in parts)
    totals["total CPU of the process"] = cpu()
    sys.stderr.write("STEPS " + json.dumps(totals) + "\n")
    sys.stderr.write(f"EXIT {time.time():.6f}\n")
    sys.stderr.flush()


from simulation.app.cli.main import main

sys.argv = ["agrifin", *ARGS]
atexit.register(report)
main()
"""


def one(tree: Path, out: Path) -> dict[str, float]:
    """Step seconds of one launch of the sweep on ``tree``."""
    code = CHILD.replace("ARGS", repr([*SWEEP, "-o", str(out)]))
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=out.parent)
    ended = time.time()
    lines = done.stderr.splitlines()
    steps = next((json.loads(line[6:]) for line in lines if line.startswith("STEPS ")), None)
    if done.returncode != 0 or steps is None:
        raise SystemExit(f"{tree}: the sweep failed: {done.stderr[-800:]}")
    steps["exit (wall)"] = ended - float(next(line[5:] for line in lines if line.startswith("EXIT ")))
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, action="append", help="agrifin checkout (repeatable; default: this)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    trees = [tree.resolve() for tree in (args.tree or [REPO])]
    found: dict[Path, list[dict[str, float]]] = {tree: [] for tree in trees}
    with tempfile.TemporaryDirectory() as scratch:
        for repeat in range(args.repeats):
            for i, tree in enumerate(trees):
                found[tree].append(one(tree, Path(scratch) / f"{repeat}-{i}"))
    keys = list(found[trees[0]][0])
    print(f"{'step (median of ' + str(args.repeats) + ', s)':<34}" + "".join(f"{t.name or str(t):>14}" for t in trees))
    for key in keys:
        cells = "".join(f"{statistics.median(r[key] for r in found[t]):>14.3f}" for t in trees)
        print(f"{key:<34}{cells}")


if __name__ == "__main__":
    main()
