"""Running replicates: one function per run, and executors that run many.

A run is (scenario, root seed, replicate), and in a sweep also the design point. Its
random streams depend on the root seed and the replicate only, so every scenario and
every sweep point sees the same luck (common random numbers). A run that raises is
reported as failed; the others go on.

Executors (:mod:`simulation.experiments.executors`) share one interface: a local process
pool or a Dask distributed cluster. Both call the
same :func:`simulate`, so the same seed gives bit-identical results on either.

Runs travel in tasks of a few runs (:func:`simulation.experiments.pool.runs_per_task`; in the local
pool, :class:`simulation.experiments.work_queue.WorkQueue`, whose tasks shrink as the work runs out): a
task runs them one after another and sends back one :class:`RunBatch`, whose records (the
monthly series and every per-run table) are Arrow tables, one per record for the whole
task, with the runs' key columns added there, so they are serialised once, compactly, and
written to disk as they are.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from simulation.engine.metrics import summarise
from simulation.experiments.pool import (
    runs_per_task,
)
from simulation.experiments.run_plan import RunSpec, output_order, plan_runs, run_label
from simulation.outputs.parts import TIMESERIES, arrow_table, with_run_keys
from simulation.scenario.custom_outcomes import custom_values
from simulation.scenario.loading import Scenario

if TYPE_CHECKING:
    from simulation.engine.model import ValueChainModel

__all__ = ["RunBatch", "RunOutput", "RunResult", "RunSpec", "collect", "plan_runs", "run", "run_label", "simulate"]

KEY_COLUMNS = ("scenario", "replicate", "month")
# Per-run tables: each is a method of the model returning a DataFrame, travels back with the run
# and is consolidated into <name>.parquet in the results folder. Add a name here to add a table.
RUN_TABLES = ("by_group", "income_distribution", "relapse_causes")


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
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # any name: by_group, income_distribution, ...
    keyed: bool = True  # the frames start with the run's key columns (False: RunBatch.of adds them)

    @property
    def label(self) -> str:
        """Same as :attr:`RunSpec.label`."""
        return run_label(self.scenario, self.replicate, self.point)

    def records(self) -> dict[str, pd.DataFrame]:
        """The monthly series and every per-run table, by record name."""
        return {TIMESERIES: self.timeseries, **self.tables} if self.status == "ok" else {}


@dataclass
class RunBatch:
    """The runs of one task: each run's status and summary, and all their records as Arrow tables.

    ``records[name]`` holds the rows of every successful run of the batch, run after run
    in the order of ``outputs``; ``rows[i][name]`` is how many rows run ``i`` has there.
    The outputs carry no DataFrames (their rows are in ``records``).
    """

    outputs: list[RunOutput]
    records: dict[str, pa.Table] = field(default_factory=dict)
    rows: list[dict[str, int]] = field(default_factory=list)

    @classmethod
    def of(cls, outputs: list[RunOutput]) -> RunBatch:
        """Pack finished runs: each record of all of them becomes one Arrow table.

        Frames without their key columns (``keyed`` False, as :func:`simulate_batch` makes
        them) get them here, as Arrow columns, which costs less than inserting them into
        each DataFrame.
        """
        frames: dict[str, list[pd.DataFrame]] = {}
        owners: dict[str, list[RunOutput]] = {}
        rows = []
        for output in outputs:
            records = output.records()
            for name, frame in records.items():
                frames.setdefault(name, []).append(frame)
                owners.setdefault(name, []).append(output)
            rows.append({name: len(frame) for name, frame in records.items()})
            output.timeseries, output.tables = None, {}
        records = {}
        for name, parts in frames.items():
            table = arrow_table(parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True))
            if not owners[name][0].keyed:
                runs = owners[name]
                points = None if runs[0].point is None else [o.point for o in runs]
                counts = [len(part) for part in parts]
                table = with_run_keys(table, [o.scenario for o in runs], points, [o.replicate for o in runs], counts)
            records[name] = table
        return cls(outputs, records, rows)

    def offsets(self) -> list[dict[str, tuple[int, int]]]:
        """Per output, where its rows are in each record: ``(first row, row count)``."""
        start: dict[str, int] = dict.fromkeys(self.records, 0)
        found = []
        for counts in self.rows:
            found.append({name: (start[name], n) for name, n in counts.items()})
            for name, n in counts.items():
                start[name] += n
        return found

    def unpacked(self) -> list[RunOutput]:
        """The outputs with their DataFrames back (for callers that want runs one by one)."""
        for output, where in zip(self.outputs, self.offsets(), strict=True):
            if output.status != "ok":
                continue
            frames = {name: self.records[name].slice(*span).to_pandas() for name, span in where.items()}
            output.timeseries = frames.pop(TIMESERIES)
            output.tables = frames
            output.keyed = True  # the records carry the key columns
        return self.outputs


def __getattr__(name: str) -> Any:
    """``runner.ValueChainModel``: the model class, imported on first use (PEP 562).

    A process that only hands runs to workers never imports the model; tests and
    ``--profile`` may replace ``runner.ValueChainModel`` with a subclass.
    """
    if name == "ValueChainModel":
        from simulation.engine.model import ValueChainModel

        globals()[name] = ValueChainModel
        return ValueChainModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def model_class() -> type[ValueChainModel]:
    """The model class runs are built from (``runner.ValueChainModel``, possibly replaced)."""
    return globals().get("ValueChainModel") or __getattr__("ValueChainModel")


def add_keys(table: pd.DataFrame, spec: RunSpec) -> pd.DataFrame:
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


def simulate(spec: RunSpec, keyed: bool = True) -> RunOutput:
    """Run one replicate to the end of the horizon; never raises for a model error.

    The model's modules are imported (once per process) before the run's clock starts, so
    a run's ``started`` and ``seconds`` are its own, not the process's start-up.

    Args:
        spec: the run.
        keyed: put the run's key columns (scenario, [point], replicate) in front of its
            frames; without, :meth:`RunBatch.of` adds them to the batch's Arrow tables.
    """
    started = time.time()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        build = model_class()
        started = time.time()
        model = build(spec.scenario, seed=spec.seed, replicate=spec.replicate)
        series = model.run_to_end()
        check_finite(series, "monthly records")
        assessment = (series["month"].to_numpy() % 12) == 0
        row = summarise({c: series[c].to_numpy() for c in series.columns if c != "month"}, assessment)
        if spec.scenario.outcomes:  # the user's own outcomes, one more summary column each
            row.update(custom_values(spec.scenario.outcomes, row, model))
        tables = {name: getattr(model, name)() for name in RUN_TABLES}
        for name, table in tables.items():
            check_finite(table, name)
        if keyed:
            series = add_keys(series, spec)
            tables = {name: add_keys(table, spec) for name, table in tables.items()}
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
            keyed,
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


def simulate_batch(specs: Sequence[RunSpec]) -> RunBatch:
    """Run the specs one after another (in a worker) and pack their results."""
    return RunBatch.of([simulate(spec, keyed=False) for spec in specs])


def tasks(specs: Sequence[RunSpec], workers: int) -> list[list[RunSpec]]:
    """The specs grouped into tasks of a few runs each, neighbours in the results' order."""
    ordered = output_order(specs)
    size = runs_per_task(ordered, workers)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def failed_output(spec: RunSpec, error: str, started: float | None = None) -> RunOutput:
    """A run that did not come back from its worker (lost worker, broken pool)."""
    started = time.time() if started is None else started
    return RunOutput(
        spec.scenario.name, spec.replicate, spec.seed, "failed", 0.0, started, error=error, point=spec.point
    )


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
        workers: processes in the local pool (default: chosen from the work,
            :func:`simulation.experiments.pool.choose_workers`).
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
    from simulation.experiments.executors import execute

    for output in execute(plan_runs(scenario_list, replications, seed), workers, scheduler):
        if on_result is not None:
            on_result(output)
        outputs.append(output)
    return collect(outputs)
