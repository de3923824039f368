"""Many-objective robust search over the levers: fiscal cost against robustness over fixed stress futures.

A *policy* is one value of every lever in ``scenarios/levers.yaml``. It is scored on a
fixed set of *stress futures* (a Latin hypercube of ``scenarios/uncertainties.yaml``, drawn
once from the seed), each future run on the same replicate seeds:

- **cost**: the mean over futures and replicates of the run's fiscal cost (million yuan);
- **robustness**: a high percentile over futures (default the 90th) of an outcome's mean
  over replicates (default ``cohort_poverty_rate``): how bad the policy does in a bad future;
- **constraint**: the share of futures in which another outcome's mean over replicates is
  above a line (default: ``large_scale_relapse`` above 0.5, the alarm in most replicates)
  must be at most ``max_share`` (default 10%).

NSGA-II (platypus-opt, the optimiser EMA Workbench uses) searches the levers, each encoded
in [0, 1) and decoded by its entry (a range scaled, a choice by slices): both objectives
minimised, the constraint enforced by constrained domination. Python's ``random`` is
seeded, and every policy's runs use the same seeds, so a search is reproducible; a
generation's runs go to the runner in one batch (local pool or Dask) into
``batches/batch-NNNN/`` (an ordinary results folder), and every scored policy is kept in
``evaluations.parquet``. A search killed part-way and started again with ``--resume``
replays the same proposals, takes the scores already kept, and resumes the unfinished
batch from its finished runs.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Score:
    """A policy's objectives and constraint value."""

    cost: float
    robustness: float
    constraint: float


def search(
    dimensions: int,
    decode: Callable[[Sequence[float]], Key],
    evaluate: Callable[[list[Key]], list[Score]],
    population: int,
    generations: int,
    seed: int,
    max_constraint: float,
) -> dict[Key, Score]:
    """NSGA-II over ``dimensions`` variables in [0, 1): ``evaluate`` is called once per generation.

    Args:
        dimensions: decision variables, each in [0, 1).
        decode: a point of the unit cube as the policy it stands for (equal policies are scored once).
        evaluate: scores of a batch of new policies (in order).
        population: NSGA-II's population size.
        generations: generations, the first being the random initial population.
        seed: seed of Python's ``random``, which platypus draws from.
        max_constraint: the largest constraint value of a feasible policy.

    Returns:
        Every policy scored, in the order first scored.
    """
    from simulation.extras import require

    platypus = require("platypus", "ema")  # platypus-opt comes with EMA Workbench
    scores: dict[Key, Score] = {}

    def function(variables: Sequence[float]) -> tuple[list[float], list[float]]:
        score = scores[decode(variables)]
        return [score.cost, score.robustness], [score.constraint]

    class BatchEvaluator(platypus.Evaluator):
        """Scores a generation's new policies in one call, then lets platypus read them."""

        def evaluate_all(self, jobs: list[Any], **kwargs: Any) -> list[Any]:
            new = list(dict.fromkeys(decode(job.solution.variables) for job in jobs))
            new = [key for key in new if key not in scores]
            if new:
                scores.update(zip(new, evaluate(new), strict=True))
            for job in jobs:
                job.run()
            return jobs

    problem = platypus.Problem(dimensions, 2, 1, function)
    problem.types[:] = platypus.Real(0.0, 1.0 - 1e-12)
    problem.constraints[:] = f"<={max_constraint!r}"
    problem.directions[:] = platypus.Problem.MINIMIZE
    state = random.getstate()
    random.seed(seed)
    try:
        algorithm = platypus.NSGAII(problem, population_size=population, evaluator=BatchEvaluator())
        for _ in range(generations):
            algorithm.step()
    finally:
        random.setstate(state)
    return scores


def pareto_mask(costs: np.ndarray) -> np.ndarray:
    """Rows not dominated by another row (every column minimised; equal rows both kept)."""
    costs = np.asarray(costs, np.float64)
    keep = np.ones(len(costs), dtype=bool)
    for i, row in enumerate(costs):
        dominated = np.all(costs <= row, axis=1) & np.any(costs < row, axis=1)
        keep[i] = not dominated.any()
    return keep


def score_runs(
    summary: pd.DataFrame, cost: str, robust: str, percentile: float, constraint: str, bad_above: float
) -> pd.DataFrame:
    """Each policy's score from its runs (``policy``, ``future``, ``replicate`` rows of the run summaries).

    Returns:
        One row per policy: ``cost`` (mean over futures and replicates, million yuan when the
        metric is in yuan), ``robustness`` (the percentile over futures of the mean over
        replicates) and ``constraint`` (share of futures whose mean is above ``bad_above``).
    """
    per_future = summary.groupby(["policy", "future"])[list(dict.fromkeys([cost, robust, constraint]))].mean()
    grouped = per_future.groupby(level="policy")
    scale = 1e-6 if cost == "fiscal_cost" else 1.0
    return pd.DataFrame(
        {
            "cost": grouped[cost].mean() * scale,
            "robustness": grouped[robust].quantile(percentile / 100.0),
            "constraint": grouped[constraint].apply(lambda v: float((v > bad_above).mean())),
        }
    )
