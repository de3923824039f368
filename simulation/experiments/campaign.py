"""Carrying out an experiment's runs into its results folder.

Runs that already have their part on disk (an interrupted experiment continued with
``--resume``) are skipped; every other run goes to the executor, and each task's batch of
runs is written to the folder the moment it comes back, so memory stays flat however
many runs there are. At the end the parts are consolidated into the folder's tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from simulation.outputs.results import ResultsFolder

if TYPE_CHECKING:
    from simulation.experiments.executors import Executor
    from simulation.experiments.run_plan import RunSpec


@dataclass
class CampaignOutcome:
    """What a campaign left behind: the summary table and which runs failed."""

    summary: pd.DataFrame
    planned: int
    ran: int
    skipped: int
    failures: list[tuple[str, str]] = field(default_factory=list)  # (run label, first line of the error)


def carry_out(
    folder: ResultsFolder,
    specs: list[RunSpec],
    executor: Executor,
    on_run: Callable[[], None] | None = None,
) -> CampaignOutcome:
    """Run every planned spec not yet finished in ``folder``, record each, then consolidate.

    Args:
        folder: the results folder (new, or reopened with :meth:`ResultsFolder.resume`).
        specs: every run of the experiment, finished or not.
        executor: where the runs go (local pool or Dask cluster).
        on_run: called once per run that comes back (progress bars).

    Returns:
        The consolidated summary and the failures of this session.
    """
    to_do = [spec for spec in specs if not folder.is_finished(spec)]
    by_label = {spec.label: spec for spec in to_do}
    folder.begin(len(to_do), executor.description)
    failures = []
    for batch in executor.run_batches(to_do):
        folder.record_batch(batch, [by_label[output.label] for output in batch.outputs])
        for output in batch.outputs:
            if output.status != "ok":
                failures.append((output.label, (output.error or "unknown error").splitlines()[0]))
            if on_run is not None:
                on_run()
    summary = folder.finish(specs=specs)
    return CampaignOutcome(summary, len(specs), len(to_do), len(specs) - len(to_do), failures)
