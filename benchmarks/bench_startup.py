"""Start-up of the commands that do no simulation: ``--help``, ``validate``, ``describe``, ``scenarios``.

Each command runs ``--repeats`` times as a user types it (a fresh ``agrifin`` process, the
project's entry point), and the script prints the median and slowest wall time per
command against the 1 s target of issue 20. Nothing is asserted: a loaded machine is
slower, which is why this is a benchmark and not a test.

Usage::

    .venv/bin/python benchmarks/bench_startup.py               # 5 repeats each
    .venv/bin/python benchmarks/bench_startup.py --repeats 9
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.0
COMMANDS = (
    ("--help",),
    ("validate", "scenarios/baseline.yaml"),
    ("describe", "scenarios/baseline.yaml"),
    ("scenarios",),
)


def entry_point() -> list[str]:
    """The ``agrifin`` script beside this Python, else ``python -m simulation.app.cli.main``."""
    script = Path(sys.executable).with_name("agrifin")
    return [str(script)] if script.exists() else [sys.executable, "-m", "simulation.app.cli.main"]


def timed(command: list[str]) -> float:
    """Wall seconds of one run of ``command`` from the repository root (output discarded)."""
    began = time.perf_counter()
    subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    base = entry_point()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"agrifin start-up, {args.repeats} repeats, {os.cpu_count()} cores, load average {load:.2f}")
    print(f"{'command':<40}{'median s':>10}{'max s':>10}  target < {TARGET_SECONDS:g} s")
    for args_ in COMMANDS:
        timed([*base, *args_])  # once to warm the file cache
        seconds = [timed([*base, *args_]) for _ in range(args.repeats)]
        median = statistics.median(seconds)
        verdict = "met" if median < TARGET_SECONDS else "missed"
        print(f"{'agrifin ' + ' '.join(args_):<40}{median:>10.3f}{max(seconds):>10.3f}  {verdict}")
    if shutil.which("agrifin") is None and len(base) > 1:
        print("(run through python -m simulation.app.cli.main: no agrifin script beside this Python)")


if __name__ == "__main__":
    main()
