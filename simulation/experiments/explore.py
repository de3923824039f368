"""Exploratory modelling: a sample of futures (uncertainties) crossed with policies (levers), replicated.

``agrifin explore`` samples ``--scenarios N`` futures from ``scenarios/uncertainties.yaml``
(Latin hypercube or Sobol') and, with ``--policies M``, ``M`` policies from
``scenarios/levers.yaml`` (a Latin hypercube; without it, the base scenario's own levers),
and runs every (future, policy) pair — an *experiment*, one design point — on the same
replicate seeds (common random numbers). It is an ordinary results folder written by the
runner (local pool or Dask, ``--resume``, ``manifest.json``) with two more tables:

- ``experiments.parquet``: one row per experiment, its ``future`` and ``policy`` numbers and
  the value of every uncertainty and lever (numbers, or a choice's label);
- ``outcomes.parquet``: one row per run (``point``, ``replicate``), the run summary's figures.

``explore.json`` records the entries explored, so that ``agrifin discover`` and the report
can name their units and ranges.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.experiments.levers import Space, point_scenarios
from simulation.experiments.run_plan import RunSpec
from simulation.scenario.loading import Scenario

LEVER_SEED_OFFSET = 7919  # the levers' sample is drawn from another stream than the futures'
INDEX_COLUMNS = ("future", "policy")


def explore_design(
    uncertainties: Space, levers: Space | None, scenarios: int, policies: int, method: str, seed: int
) -> pd.DataFrame:
    """Every future crossed with every policy: one row per experiment (``point``), futures varying fastest.

    Args:
        uncertainties: the uncertainties sampled.
        levers: the levers sampled (ignored when ``policies`` is 0: the base scenario's levers).
        scenarios: futures sampled.
        policies: policies sampled (0: none, the base policy only).
        method: ``lhs`` or ``sobol`` for the futures (policies are always a Latin hypercube).
        seed: the root seed (the samples are reproducible from it).
    """
    futures = uncertainties.sample(method, scenarios, seed)
    futures.insert(0, "future", range(scenarios))
    if not policies or levers is None:
        design = futures.assign(policy=0)
    else:
        chosen = levers.sample("lhs", policies, seed + LEVER_SEED_OFFSET)
        chosen.insert(0, "policy", range(policies))
        design = chosen.merge(futures, how="cross")
    ordered = [*INDEX_COLUMNS, *(c for c in design.columns if c not in INDEX_COLUMNS)]
    design = design[ordered].reset_index(drop=True)
    design.index.name = "point"
    return design


def explore_specs(
    base: Scenario, spaces: list[Space], design: pd.DataFrame, replications: int, seed: int, source: str
) -> list[RunSpec]:
    """The runs: every experiment under replicates 0..replications-1 of the root seed."""
    scenarios = point_scenarios(base, spaces, design, base.name, source)
    return [RunSpec(sc, seed, r, point=i) for r in range(replications) for i, sc in enumerate(scenarios)]


def space_record(space: Space) -> list[dict[str, Any]]:
    """The entries of a space as JSON (for explore.json and the report)."""
    return [{**asdict(e), "keys": list(e.keys)} for e in space.entries]


def write_tables(path: Path, design: pd.DataFrame, summary: pd.DataFrame, settings: dict[str, Any]) -> None:
    """``experiments.parquet``, ``outcomes.parquet`` and ``explore.json`` (each written atomically)."""
    from simulation.outputs.results import parquet_bytes, write_atomic

    experiments = design.reset_index()
    inputs = [c for c in design.columns if c not in ("point",)]
    outcomes = summary.drop(columns=[c for c in inputs if c in summary.columns] + ["scenario"], errors="ignore")
    write_atomic(path / "experiments.parquet", parquet_bytes(experiments))
    write_atomic(path / "outcomes.parquet", parquet_bytes(outcomes.reset_index(drop=True)))
    write_atomic(path / "explore.json", json.dumps(settings, indent=2, default=str))


def read_explore(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The experiments, outcomes and settings of an explore folder.

    Raises:
        FileNotFoundError: not an explore folder (one of the three files is missing).
    """
    path = Path(path)
    settings = json.loads((path / "explore.json").read_text())
    return pd.read_parquet(path / "experiments.parquet"), pd.read_parquet(path / "outcomes.parquet"), settings


def point_means(experiments: pd.DataFrame, outcomes: pd.DataFrame, outcome: str) -> pd.Series:
    """The outcome's mean over replicates, one value per experiment (in the order of ``experiments``)."""
    means = outcomes.groupby("point")[outcome].mean()
    return means.reindex(experiments["point"]).reset_index(drop=True)
