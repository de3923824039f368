"""Running replicates: one function per run, and executors that run many.

A run is (scenario, root seed, replicate), and in a sweep also the design point. Its
random streams depend on the root seed and the replicate only, so every scenario and
every sweep point sees the same luck (common random numbers). A run that raises is
reported as failed; the others go on.

Executors share one interface (:class:`Executor`): a local process pool
(:class:`LocalPool`) or a Dask distributed cluster (:class:`DaskCluster`). Both call the
same :func:`simulate`, so the same seed gives bit-identical results on either.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import socket
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from simulation.metrics import summarise
from simulation.model import ValueChainModel
from simulation.rng import replicate_seed
from simulation.scenario import Scenario

KEY_COLUMNS = ("scenario", "replicate", "month")
IN_FLIGHT_PER_WORKER = 4  # runs submitted ahead per worker: enough to keep it busy, few enough to stay flat


def run_label(scenario: str, replicate: int, point: int | None = None) -> str:
    """How a run is named in messages and the status log."""
    at = "" if point is None else f"@{point}"
    return f"{scenario}{at}#{replicate}"


@dataclass(frozen=True)
class RunSpec:
    """One run to do: a scenario under one replicate of the root seed."""

    scenario: Scenario
    seed: int
    replicate: int
    point: int | None = None  # design point of a sweep

    @property
    def label(self) -> str:
        """``<scenario>#<replicate>`` (``<scenario>@<point>#<replicate>`` in a sweep), for messages."""
        return run_label(self.scenario.name, self.replicate, self.point)

    @property
    def spawn_key(self) -> tuple[int, ...]:
        """The replicate's spawn key under the root seed (recorded in the manifest)."""
        return tuple(replicate_seed(self.seed, self.replicate).spawn_key)


@dataclass
class RunOutput:
    """What one run produced: its monthly series and summary row, or its error."""

    scenario: str
    replicate: int
    seed: int
    status: str  # "ok" or "failed"
    seconds: float
    started: float
    timeseries: pd.DataFrame | None = None
    summary: dict[str, float] | None = None
    error: str | None = None
    point: int | None = None
    worker: str = ""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # by_group, income_distribution

    @property
    def label(self) -> str:
        """Same as :attr:`RunSpec.label`."""
        return run_label(self.scenario, self.replicate, self.point)


def keyed(table: pd.DataFrame, spec: RunSpec) -> pd.DataFrame:
    """A per-run table with the run's key columns in front (scenario, [point], replicate)."""
    table.insert(0, "replicate", spec.replicate)
    if spec.point is not None:
        table.insert(0, "point", spec.point)
    table.insert(0, "scenario", spec.scenario.name)
    return table


class NonFiniteRecordError(RuntimeError):
    """A run's records hold NaN or infinity: the run fails, naming the metric."""


def check_finite(table: pd.DataFrame, what: str) -> None:
    """Refuse a table of records with a NaN or infinite number, naming its metric and month.

    Raises:
        NonFiniteRecordError: the first non-finite value found.
    """
    numbers = table.select_dtypes("number")
    finite = np.isfinite(numbers.to_numpy(dtype=np.float64))
    if finite.all():
        return
    row, column = np.argwhere(~finite)[0]
    month = f" in month {table['month'].iloc[row]}" if "month" in table.columns else ""
    raise NonFiniteRecordError(
        f"{what}: metric {numbers.columns[column]} is {numbers.iat[row, column]}{month} (not finite)"
    )


def simulate(spec: RunSpec) -> RunOutput:
    """Run one replicate to the end of the horizon; never raises for a model error."""
    started = time.time()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        model = ValueChainModel(spec.scenario, seed=spec.seed, replicate=spec.replicate)
        series = model.run_to_end()
        check_finite(series, "monthly records")
        assessment = (series["month"].to_numpy() % 12) == 0
        row = summarise({c: series[c].to_numpy() for c in series.columns if c != "month"}, assessment)
        series.insert(0, "replicate", spec.replicate)
        if spec.point is not None:
            series.insert(0, "point", spec.point)
        series.insert(0, "scenario", spec.scenario.name)
        tables = {
            name: keyed(table, spec)
            for name, table in (
                ("by_group", model.by_group()),
                ("income_distribution", model.income_distribution()),
                ("relapse_causes", model.relapse_causes()),
            )
        }
        for name, table in tables.items():
            check_finite(table, name)
        seconds = time.time() - started
        return RunOutput(
            spec.scenario.name,
            spec.replicate,
            spec.seed,
            "ok",
            seconds,
            started,
            series,
            row,
            None,
            spec.point,
            worker,
            tables,
        )
    except Exception as err:  # a failed run is recorded, never fatal to the batch
        message = f"{type(err).__name__}: {err}"
        detail = traceback.format_exc(limit=6)
        return RunOutput(
            spec.scenario.name,
            spec.replicate,
            spec.seed,
            "failed",
            time.time() - started,
            started,
            error=f"{message}\n{detail}",
            point=spec.point,
            worker=worker,
        )


def plan_runs(scenarios: Iterable[Scenario], replications: int, seed: int) -> list[RunSpec]:
    """Every scenario under replicates 0..replications-1 of the same root seed."""
    return [RunSpec(sc, seed, r) for r in range(replications) for sc in scenarios]


def default_workers() -> int:
    """All cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def failed_output(spec: RunSpec, error: str, started: float | None = None) -> RunOutput:
    """A run that did not come back from its worker (lost worker, broken pool)."""
    started = time.time() if started is None else started
    return RunOutput(
        spec.scenario.name, spec.replicate, spec.seed, "failed", 0.0, started, error=error, point=spec.point
    )


class Executor(Protocol):
    """Runs specs somewhere and yields their outputs as they finish (in any order)."""

    description: str

    def run_all(self, specs: Sequence[RunSpec]) -> Iterator[RunOutput]:
        """Run every spec once; yield each output as soon as it is back."""
        ...

    def close(self) -> None:
        """Release processes or connections."""
        ...


class LocalPool:
    """A local process pool (in-process when one worker suffices)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self.description = f"local process pool, {self.workers} worker{'s' if self.workers > 1 else ''}"

    def run_all(self, specs: Sequence[RunSpec]) -> Iterator[RunOutput]:
        """Run the specs, keeping at most a few per worker in flight so memory stays flat."""
        workers = min(self.workers, len(specs))
        if workers <= 1:
            for spec in specs:
                yield simulate(spec)
            return
        context = multiprocessing.get_context("forkserver")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        queue = iter(specs)
        pending: dict[Future[RunOutput], RunSpec] = {}
        try:
            for spec in itertools.islice(queue, IN_FLIGHT_PER_WORKER * workers):
                pending[pool.submit(simulate, spec)] = spec
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    spec = pending.pop(future)
                    try:
                        output = future.result()
                    except BrokenProcessPool as err:  # a worker process died (killed, out of memory)
                        output = failed_output(spec, f"worker process died: {err}")
                    yield output
                    for following in itertools.islice(queue, 1):
                        pending[pool.submit(simulate, following)] = following
        finally:
            pool.shutdown(wait=not pending, cancel_futures=True)

    def close(self) -> None:
        """Nothing to release: the pool lives only while :meth:`run_all` runs."""


class DaskCluster:
    """A Dask distributed cluster reached through its scheduler (``tcp://host:8786``)."""

    def __init__(self, address: str, timeout: float = 15.0) -> None:
        from distributed import Client

        from simulation.scheduler_check import check_scheduler

        self.address = check_scheduler(address)  # within seconds: a bad or non-Dask address raises SchedulerError
        self.client = Client(address, timeout=timeout, set_as_default=False)
        self.description = f"Dask distributed scheduler {address}"

    def run_all(self, specs: Sequence[RunSpec]) -> Iterator[RunOutput]:
        """Submit the specs a batch at a time and yield outputs as the cluster returns them."""
        from distributed import as_completed

        threads = max(1, sum(self.client.nthreads().values()))
        queue = iter(specs)
        pending: dict[Any, RunSpec] = {}

        def submit(spec: RunSpec) -> Any:
            future = self.client.submit(simulate, spec, pure=False, key=f"agrifin-{spec.label}-{uuid.uuid4().hex}")
            pending[future] = spec
            return future

        first = [submit(s) for s in itertools.islice(queue, IN_FLIGHT_PER_WORKER * threads)]
        ongoing = as_completed(first, loop=self.client.loop)
        try:
            for future in ongoing:
                spec = pending.pop(future)
                try:
                    output = future.result()
                except Exception as err:  # the cluster lost the task (e.g. KilledWorker)
                    output = failed_output(spec, f"{type(err).__name__}: {err}")
                future.release()
                yield output
                for following in itertools.islice(queue, 1):
                    ongoing.add(submit(following))
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster keeps running)."""
        self.client.close()


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """A Dask cluster when a scheduler address is given (or in DASK_SCHEDULER_ADDRESS), else a local pool."""
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    return DaskCluster(address) if address else LocalPool(workers)


def execute(specs: list[RunSpec], workers: int | None = None, scheduler: str | None = None) -> Iterator[RunOutput]:
    """Run the specs on a local pool (or a Dask cluster), yielding outputs as they finish."""
    executor = make_executor(workers, scheduler)
    try:
        yield from executor.run_all(specs)
    finally:
        executor.close()


@dataclass
class RunResult:
    """All runs of an experiment.

    ``timeseries`` has one row per (scenario, replicate, month), ``summary`` one row per
    (scenario, replicate); ``runs`` holds each run's status.
    """

    timeseries: pd.DataFrame
    summary: pd.DataFrame
    runs: list[RunOutput] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def by_group(self) -> pd.DataFrame:
        """One row per (scenario, replicate, month, dimension, group): counts and rates by region and group."""
        return self.tables.get("by_group", pd.DataFrame())

    @property
    def failed(self) -> list[RunOutput]:
        """Runs that raised."""
        return [r for r in self.runs if r.status != "ok"]


def collect(outputs: Iterable[RunOutput]) -> RunResult:
    """Assemble run outputs into tidy tables sorted by scenario order, replicate and month."""
    outputs = list(outputs)
    ok = [o for o in outputs if o.status == "ok"]
    order = {name: i for i, name in enumerate(dict.fromkeys(o.scenario for o in outputs))}
    ok.sort(key=lambda o: (order[o.scenario], o.replicate))
    if ok:
        timeseries = pd.concat([o.timeseries for o in ok], ignore_index=True)
        summary = pd.DataFrame([{"scenario": o.scenario, "replicate": o.replicate, **o.summary} for o in ok])
        names = dict.fromkeys(name for o in ok for name in o.tables)
        tables = {
            name: pd.concat([o.tables[name] for o in ok if name in o.tables], ignore_index=True) for name in names
        }
    else:
        timeseries = pd.DataFrame(columns=list(KEY_COLUMNS))
        summary = pd.DataFrame(columns=["scenario", "replicate"])
        tables = {}
    return RunResult(timeseries, summary, outputs, tables)


def run(
    scenarios: Scenario | list[Scenario],
    replications: int = 10,
    seed: int = 1,
    workers: int | None = None,
    on_result: Callable[[RunOutput], None] | None = None,
    scheduler: str | None = None,
) -> RunResult:
    """Run one or more scenarios on the same replicate seeds and collect the results.

    Args:
        scenarios: a scenario, or several to compare (paired by replicate).
        replications: replicates per scenario.
        seed: root seed; replicate ``r`` uses spawn key ``(r,)`` under it.
        workers: processes in the local pool (default: all cores).
        on_result: called with each run's output as it finishes (progress, storage).
        scheduler: address of a Dask distributed scheduler; runs go there instead of the pool.

    Returns:
        The collected :class:`RunResult`.
    """
    scenario_list = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
    names = [s.name for s in scenario_list]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must differ within one experiment: {names}")
    outputs = []
    for output in execute(plan_runs(scenario_list, replications, seed), workers, scheduler):
        if on_result is not None:
            on_result(output)
        outputs.append(output)
    return collect(outputs)
