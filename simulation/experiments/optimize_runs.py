"""Scoring policies with the model for ``agrifin optimize``: each generation one batch of runs, kept on disk.

A generation's new policies, each in every stress future on every replicate seed, are one
batch: an ordinary results folder ``batches/batch-NNNN/`` written by the campaign machinery
(:func:`simulation.experiments.campaign.carry_out`), so a batch killed part-way resumes from its
finished runs. Every scored policy is appended to ``evaluations.parquet`` (rewritten
atomically) the moment its batch is done; a resumed search reads it back and scores again
only what is missing.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from simulation.experiments.levers import Space, point_scenarios
from simulation.experiments.optimize import Key, Score, score_runs
from simulation.experiments.run_plan import RunSpec
from simulation.scenario.loading import Scenario, apply_overrides

SCORE_COLUMNS = ("cost", "robustness", "constraint", "feasible")


def plain(value: Any) -> Any:
    """A numpy scalar as a plain Python value; floats kept to 4 significant digits (equal policies compare equal)."""
    value = value.item() if isinstance(value, np.generic) else value
    return float(f"{value:.4g}") if isinstance(value, float) else value


class PolicyRuns:
    """Scores batches of policies by running them in the stress futures (see the module's text).

    Args:
        path: the optimize folder.
        base: the base scenario (county size and horizon set).
        uncertainties: the futures' entries; ``futures`` their values, one row per future.
        levers: the policies' entries.
        search: ``cost``, ``robustness``, ``percentile``, ``constraint``, ``bad_above``, ``max_share``.
        replications: replicate seeds per (policy, future).
        seed: root seed of the replicates.
        executor: local pool or Dask cluster.
        command: the command line (provenance of each batch folder).
        report: called with a line of progress per batch.
    """

    def __init__(
        self,
        path: Path,
        base: Scenario,
        uncertainties: Space,
        futures: pd.DataFrame,
        levers: Space,
        search: dict[str, Any],
        replications: int,
        seed: int,
        executor: Any,
        command: list[str],
        report: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.path, self.base, self.uncertainties, self.futures, self.levers = path, base, uncertainties, futures, levers
        self.search, self.replications, self.seed = search, replications, seed
        self.executor, self.command, self.report = executor, command, report
        self.batches = 0
        self.runs_done = 0
        file = path / "evaluations.parquet"
        self.evaluations = pd.read_parquet(file) if file.is_file() else pd.DataFrame()
        self.kept: dict[Key, Score] = {}
        for row in self.evaluations.to_dict("records"):
            self.kept[self.key_of(row)] = Score(row["cost"], row["robustness"], row["constraint"])

    def key_of(self, row: dict[str, Any]) -> Key:
        """The policy of a table row, as a key."""
        return tuple(plain(row[name]) for name in self.levers.names)

    def decode(self, unit: Sequence[float]) -> Key:
        """A point of the unit cube as the policy (lever values) it stands for."""
        return tuple(plain(e.from_unit(np.array([u]))[0]) for e, u in zip(self.levers.entries, unit, strict=True))

    def evaluate(self, keys: list[Key]) -> list[Score]:
        """Scores of ``keys``: kept ones read back, the others run now as one batch."""
        self.batches += 1
        new = [key for key in keys if key not in self.kept]
        if new:
            self.run_batch(new)
        return [self.kept[key] for key in keys]

    def design(self, keys: list[Key]) -> pd.DataFrame:
        """One row per (policy of the batch, future): the lever and uncertainty values."""
        policies = pd.DataFrame([dict(zip(self.levers.names, key, strict=True)) for key in keys])
        policies.insert(0, "policy", range(len(keys)))
        design = policies.merge(self.futures, how="cross")
        columns = ["policy", "future", *self.levers.names, *self.uncertainties.names]
        design = design[columns].reset_index(drop=True)
        design.index.name = "point"
        return design

    def run_batch(self, keys: list[Key]) -> None:
        """Run the new policies in every future, score them, keep them on disk."""
        import time

        from simulation.experiments.campaign import carry_out
        from simulation.experiments.designs import design_fingerprint
        from simulation.outputs.results import ResultsFolder, parquet_bytes, plan_fingerprint, write_atomic

        started = time.monotonic()
        design = self.design(keys)
        folder_path = self.path / "batches" / f"batch-{self.batches:04d}"
        source = f"{folder_path} (optimize)"
        scenarios = point_scenarios(self.base, [self.uncertainties, self.levers], design, self.base.name, source)
        specs = [RunSpec(sc, self.seed, r, point=i) for r in range(self.replications) for i, sc in enumerate(scenarios)]
        design_hash = design_fingerprint(design, "optimize-batch")
        experiment = {
            "kind": "optimize-batch",
            "replications": self.replications,
            "runs": len(specs),
            "fingerprint": plan_fingerprint(specs, "optimize-batch", design_hash),
            "design_hash": design_hash,
        }
        args = (folder_path, [self.base], self.seed, self.command, experiment, design)
        resuming = (folder_path / "manifest.json").is_file()
        folder = ResultsFolder.resume(*args) if resuming else ResultsFolder(*args)
        folder.experiment["executor"] = self.executor.description
        outcome = carry_out(folder, specs, self.executor)
        if outcome.failures:
            label, error = outcome.failures[0]
            raise RuntimeError(f"run {label} failed: {error} ({len(outcome.failures)} failed in {folder_path})")
        scores = score_runs(
            outcome.summary, **{k: self.search[k] for k in ("cost", "robust", "percentile", "constraint", "bad_above")}
        )
        rows = []
        for i, key in enumerate(keys):
            score = Score(*(float(scores.loc[i, c]) for c in ("cost", "robustness", "constraint")))
            self.kept[key] = score
            feasible = score.constraint <= self.search["max_share"]
            rows.append(
                {
                    "evaluation": len(self.evaluations) + i,
                    "batch": self.batches,
                    **dict(zip(self.levers.names, key, strict=True)),
                    "cost": score.cost,
                    "robustness": score.robustness,
                    "constraint": score.constraint,
                    "feasible": feasible,
                }
            )
        self.evaluations = pd.concat([self.evaluations, pd.DataFrame(rows)], ignore_index=True)
        write_atomic(self.path / "evaluations.parquet", parquet_bytes(self.evaluations))
        self.runs_done += outcome.ran
        self.report(
            f"generation batch {self.batches}: {len(keys)} new policies x {len(self.futures)} futures x "
            f"{self.replications} replicates = {len(specs)} runs ({outcome.ran} run now, "
            f"{time.monotonic() - started:.0f} s)"
        )


def extends_reference(scenario: Path, folder: Path) -> str:
    """How a policy file in ``folder`` names the base scenario: a shipped name, or a path relative to it."""
    from simulation.scenario.shipped import find_scenario, shipped_dir

    path, _ = find_scenario(scenario)
    shipped = shipped_dir()
    if shipped is not None and path.resolve().parent == shipped.resolve() and str(scenario) in (path.name, path.stem):
        return path.stem
    return os.path.relpath(path.resolve(), folder.resolve())


def policy_yaml(name: str, comment: str, description: str, extends: str, overrides: dict[str, Any]) -> str:
    """A runnable scenario file: the schema line, a comment, ``extends`` and the levers' keys, nested."""
    body = {"extends": extends, "name": name, "description": description}
    nested = apply_overrides({}, {k: plain(v) for k, v in overrides.items()})
    text = yaml.safe_dump({**body, **nested}, sort_keys=False, allow_unicode=True, width=110)
    return f"# yaml-language-server: $schema=scenario.schema.json\n# {comment}\n{text}"


def future_overrides(uncertainties: Space, futures: pd.DataFrame, base: Scenario) -> list[dict[str, Any]]:
    """Each future's dotted keys and values (as ``--set`` would give them)."""
    raw = base.model_dump(mode="json")
    exact = [uncertainties.overrides(row, raw) for row in futures.to_dict("records")]
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in future.items()} for future in exact]


def set_options(overrides: dict[str, Any]) -> list[str]:
    """``--set KEY=VALUE`` words for a future (lists and mappings as JSON, which YAML reads)."""
    words = []
    for key, value in overrides.items():
        text = json.dumps(value) if isinstance(value, list | dict | bool) else str(value)
        words += ["--set", f"{key}={text}"]
    return words


def verify_commands(
    base_ref: str,
    policy_file: str,
    overrides: list[dict[str, Any]],
    replications: int,
    seed: int,
    households: int,
    years: int,
) -> list[str]:
    """One ``agrifin compare`` per stress future: the base against the policy, on the same seeds."""
    lines = []
    for number, future in enumerate(overrides):
        words = [
            "agrifin",
            "compare",
            base_ref,
            policy_file,
            "-r",
            str(replications),
            "--seed",
            str(seed),
            "--households",
            str(households),
            "--years",
            str(years),
            *set_options(future),
            "-o",
            f"verify/future-{number:02d}",
            "-q",
        ]
        lines.append(shlex.join(words))
    return lines
