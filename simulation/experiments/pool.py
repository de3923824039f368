"""How an experiment's runs are spread over processes: how many workers, how many runs per task.

Nothing here imports the model, so the command line can decide the workers and start the
fork server (which imports the model once, in its own process) before it imports the
model itself.

- :func:`choose_workers`: without ``--workers``, one process unless the estimated model
  work of the experiment is large enough to repay starting a pool (:data:`POOL_START_SECONDS`),
  so the default is never slower than one worker.
- :func:`runs_per_task`: tiny runs are grouped into tasks of about :data:`TASK_SECONDS`
  of model work, so each task's records travel and are written once per group; a task
  is what a kill can lose.
- :func:`start_fork_server`: the pool's worker processes are forked from a server that
  has already imported the model (:data:`PRELOAD`, :mod:`simulation.experiments.fork_server`),
  once per experiment; :func:`start_early` starts it first thing when ``--workers N``
  asks for a pool (the ``agrifin`` program calls it before importing its command line:
  :mod:`simulation.app.cli.launch`).
- :func:`end_with_parent`: each worker ends as soon as the process that made the pool
  ends, even after ``kill -9`` (which runs no clean-up).
- :func:`main_module_hidden`: workers start without re-running the caller's script, so
  ``run()`` works from a script with no ``if __name__ == "__main__":`` guard, from stdin
  and from a notebook.
"""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.forkserver
import os
import select
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulation.experiments.runner import RunSpec
    from simulation.scenario.loading import Scenario

# Cost of one run on the reference 2-core machine (benchmarks/README.md, issue 24): a fixed
# part (building the county, the per-run tables) and a part per simulated household-month.
RUN_FIXED_SECONDS = 0.1
SECONDS_PER_HOUSEHOLD_MONTH = 0.35e-6
# What starting a pool costs before its first run ends: forking the workers from the fork
# server, sending runs and records between processes (measured: benchmarks/README.md).
POOL_START_SECONDS = 0.6
TASK_SECONDS = 1.0  # model work grouped into one task (at most; fewer runs when there are few)
TASKS_PER_WORKER = 4  # at least this many tasks per worker, so the last ones balance out
PRELOAD = ["simulation.experiments.fork_server"]  # imported once in the fork server: the model and runner (see there)
# commands that may start a local pool
EXPERIMENT_COMMANDS = ("run", "compare", "sweep", "sensitivity", "calibrate", "explore", "optimize")
WATCH_INTERVAL_SECONDS = 1.0  # where a process cannot be waited on directly, how often to look


def estimated_run_seconds(scenario: Scenario) -> float:
    """Rough model seconds of one run of ``scenario`` (spin-up months included)."""
    months = 12 * (scenario.horizon.years + scenario.horizon.spin_up_years)
    return RUN_FIXED_SECONDS + SECONDS_PER_HOUSEHOLD_MONTH * scenario.population.households * months


def estimated_seconds(specs: Sequence[RunSpec]) -> float:
    """Rough model seconds of all the runs, one after another."""
    costs: dict[int, float] = {}
    return sum(costs.setdefault(id(s.scenario), estimated_run_seconds(s.scenario)) for s in specs)


def usable_cores() -> int:
    """Cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass(frozen=True)
class WorkerChoice:
    """How many worker processes an experiment uses, and why (recorded in the manifest)."""

    workers: int
    reason: str

    def as_dict(self) -> dict[str, int | str]:
        """For ``manifest.json``."""
        return {"workers": self.workers, "reason": self.reason}


def choose_workers(specs: Sequence[RunSpec], requested: int | None = None, cores: int | None = None) -> WorkerChoice:
    """The number of local worker processes for these runs.

    Args:
        specs: the runs still to do.
        requested: ``--workers`` when given (used as given, at most one per run).
        cores: usable cores (default: those of this process).

    Returns:
        The count and a sentence saying why.
    """
    runs = len(specs)
    if requested is not None:
        return WorkerChoice(max(1, min(requested, runs)), f"--workers {requested}")
    cores = cores or usable_cores()
    total = estimated_seconds(specs)
    most = min(cores, runs)
    if most <= 1:
        why = {0: "no runs left", 1: "one run"}.get(runs, "one usable core")
        return WorkerChoice(1, f"default: {why}")
    saved = total - total / most
    if saved <= 2 * POOL_START_SECONDS:
        return WorkerChoice(
            1,
            f"default: {runs} runs of about {total:.1f} s of model work in all; "
            f"{most} workers would save at most {saved:.1f} s, less than twice the pool's start-up",
        )
    return WorkerChoice(most, f"default: {runs} runs of about {total:.1f} s of model work, {cores} usable cores")


def runs_per_task(specs: Sequence[RunSpec], workers: int) -> int:
    """Runs grouped into one task: about :data:`TASK_SECONDS` of work, and enough tasks to balance."""
    if not specs:
        return 1
    each = estimated_seconds(specs) / len(specs)
    by_cost = max(1, int(TASK_SECONDS // max(each, 1e-9)))
    by_balance = max(1, math.ceil(len(specs) / (max(1, workers) * TASKS_PER_WORKER)))
    return min(by_cost, by_balance)


def start_fork_server() -> multiprocessing.context.BaseContext:
    """The forkserver context, its server started (in the background) with the model preloaded.

    Call it early: the server imports the model in its own process while this one goes on.
    Once a server runs, later calls reuse it (its preload list is fixed when it starts).
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    multiprocessing.forkserver.ensure_running()
    return context


def workers_requested(args: Sequence[str]) -> int | None:
    """The ``--workers N`` of a command line, if given as a number."""
    for i, arg in enumerate(args):
        text = args[i + 1] if arg == "--workers" and i + 1 < len(args) else None
        if arg.startswith("--workers="):
            text = arg.partition("=")[2]
        if text is not None:
            try:
                return int(text)
            except ValueError:
                return None
    return None


def start_early(args: Sequence[str]) -> bool:
    """Start the fork server first thing when the command line asks for several local workers.

    Called by ``agrifin`` before it imports anything heavy: the server imports the model on
    another core while the command reads its scenarios and imports the model itself, so the
    pool's processes are ready about when this process is. Only for ``--workers N`` with
    N > 1 on an experiment command without ``--scheduler``, ``--profile`` or ``--help``
    (the default's choice needs the scenarios; its server starts when it is made).

    Args:
        args: the command line after the program's name.

    Returns:
        Whether the server was started.
    """
    command = next((arg for arg in args if not arg.startswith("-")), None)
    if command not in EXPERIMENT_COMMANDS or os.environ.get("DASK_SCHEDULER_ADDRESS"):
        return False
    if any(arg in ("-h", "--help", "--profile") or arg.startswith("--scheduler") for arg in args):
        return False
    workers = workers_requested(args)
    if workers is None or workers <= 1:
        return False
    start_fork_server()
    return True


def process_ended(pid: int) -> bool:
    """Whether process ``pid`` no longer exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def wait_for_end(pid: int) -> None:
    """Block until process ``pid`` ends (a pidfd where Linux offers one, else a look every second)."""
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux >= 5.3, or already gone
        handle = None
    if handle is not None:
        select.select([handle], [], [])  # readable once the process has ended
        os.close(handle)
        return
    while not process_ended(pid):
        time.sleep(WATCH_INTERVAL_SECONDS)


def end_with_parent(parent: int) -> None:
    """Worker initializer: a daemon thread ends this process as soon as ``parent`` ends.

    The pool's workers are children of the fork server, which they keep alive, so
    neither a parent-death signal nor the pool's pipes would end them after the parent is
    killed; they watch the parent's process instead.
    """

    def watch() -> None:
        wait_for_end(parent)
        os._exit(1)

    threading.Thread(target=watch, name="agrifin-watch-parent", daemon=True).start()


@contextmanager
def main_module_hidden() -> Iterator[None]:
    """Hide the ``__main__`` module's file and spec while pool processes are started.

    A process started by the fork server first re-imports the parent's main module, from
    its file or by its module name: a script without an ``if __name__ == "__main__":``
    guard would run again in every worker (and start pools of its own), and code read
    from stdin (``<stdin>``) cannot be re-imported at all. The workers run agrifin's
    functions only, never anything defined in ``__main__``, so they need none of it: with
    the file and spec hidden they start as they would from a notebook.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)
