"""Running replicates: one function per run, and a local process pool to run many.

A run is (scenario, root seed, replicate). Its random streams depend on the root seed
and the replicate only, so every scenario in a comparison sees the same luck
(common random numbers). A run that raises is reported as failed; the others go on.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

import pandas as pd

from simulation.metrics import summarise
from simulation.model import ValueChainModel
from simulation.rng import replicate_seed
from simulation.scenario import Scenario

KEY_COLUMNS = ("scenario", "replicate", "month")


@dataclass(frozen=True)
class RunSpec:
    """One run to do: a scenario under one replicate of the root seed."""

    scenario: Scenario
    seed: int
    replicate: int

    @property
    def label(self) -> str:
        """``<scenario>#<replicate>``, for messages and file names."""
        return f"{self.scenario.name}#{self.replicate}"

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


def simulate(spec: RunSpec) -> RunOutput:
    """Run one replicate to the end of the horizon; never raises for a model error."""
    started = time.time()
    try:
        model = ValueChainModel(spec.scenario, seed=spec.seed, replicate=spec.replicate)
        series = model.run_to_end()
        assessment = (series["month"].to_numpy() % 12) == 0
        row = summarise({c: series[c].to_numpy() for c in series.columns if c != "month"}, assessment)
        series.insert(0, "replicate", spec.replicate)
        series.insert(0, "scenario", spec.scenario.name)
        return RunOutput(
            spec.scenario.name, spec.replicate, spec.seed, "ok", time.time() - started, started, series, row
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
        )


def plan_runs(scenarios: Iterable[Scenario], replications: int, seed: int) -> list[RunSpec]:
    """Every scenario under replicates 0..replications-1 of the same root seed."""
    return [RunSpec(sc, seed, r) for r in range(replications) for sc in scenarios]


def default_workers() -> int:
    """All cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def execute(specs: list[RunSpec], workers: int | None = None) -> Iterator[RunOutput]:
    """Run the specs, yielding outputs as they finish (in-process when one worker suffices)."""
    workers = min(workers or default_workers(), len(specs)) if specs else 1
    if workers <= 1:
        for spec in specs:
            yield simulate(spec)
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: set[Future[RunOutput]] = {pool.submit(simulate, spec) for spec in specs}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()


@dataclass
class RunResult:
    """All runs of an experiment.

    ``timeseries`` has one row per (scenario, replicate, month), ``summary`` one row per
    (scenario, replicate); ``runs`` holds each run's status.
    """

    timeseries: pd.DataFrame
    summary: pd.DataFrame
    runs: list[RunOutput] = field(default_factory=list)

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
    else:
        timeseries = pd.DataFrame(columns=list(KEY_COLUMNS))
        summary = pd.DataFrame(columns=["scenario", "replicate"])
    return RunResult(timeseries, summary, outputs)


def run(
    scenarios: Scenario | list[Scenario],
    replications: int = 10,
    seed: int = 1,
    workers: int | None = None,
    on_result: Callable[[RunOutput], None] | None = None,
) -> RunResult:
    """Run one or more scenarios on the same replicate seeds and collect the results.

    Args:
        scenarios: a scenario, or several to compare (paired by replicate).
        replications: replicates per scenario.
        seed: root seed; replicate ``r`` uses spawn key ``(r,)`` under it.
        workers: processes in the local pool (default: all cores).
        on_result: called with each run's output as it finishes (progress, storage).

    Returns:
        The collected :class:`RunResult`.
    """
    scenario_list = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
    names = [s.name for s in scenario_list]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must differ within one experiment: {names}")
    outputs = []
    for output in execute(plan_runs(scenario_list, replications, seed), workers):
        if on_result is not None:
            on_result(output)
        outputs.append(output)
    return collect(outputs)
