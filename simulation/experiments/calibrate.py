"""Calibration: fit varied scenario keys to published targets with Optuna, and check a fit.

A *trial* is one parameter set: the base scenario with the varied keys set, run on
replicates 0..R-1 of the root seed (the same replicate seeds for every trial: common
random numbers, so two trials differ by their parameters, not their luck). Its loss is the
weighted sum over targets of ((simulated mean - target) / tolerance)^2.

Optuna's TPE sampler (seeded) proposes the trials, a batch at a time: as many trials as
there are workers are asked for, all their runs go to the runner's executor (the local
pool or a Dask cluster) together, and each trial is told its loss when its runs are back.
The study lives in the results folder in Optuna's file journal (``study.journal``), so a
killed calibration resumes where it stopped: finished trials are kept, never re-run, and a
trial that was running when the process died is run again (its runs had not finished).

The outputs (``trials.parquet``, ``fit.csv``, ``posterior.parquet``, ``calibrated.yaml``)
are written atomically; :func:`check_fit` re-runs a scenario against the targets and the
validation facts.
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulation.experiments.calibration_targets import Quantity, TargetsFile, loss_of, measure_run, met
from simulation.experiments.designs import Factor, point_scenarios
from simulation.experiments.run_plan import RunSpec
from simulation.experiments.stats import t_interval
from simulation.outputs.results import write_atomic
from simulation.scenario.loading import Scenario, apply_overrides, validate_scenario

if TYPE_CHECKING:
    import optuna

    from simulation.experiments.executors import Executor

JOURNAL = "study.journal"
SETTINGS = "calibration.json"
MIN_ACCEPTED = 20  # fewer trials within every tolerance: the posterior is the best MIN_ACCEPTED by loss
STUDY = "agrifin-calibration"


@dataclass
class Calibration:
    """Everything a calibration needs: what is fitted, to what, how big each trial is, where it goes."""

    base: Scenario
    factors: list[Factor]
    targets: TargetsFile
    replications: int
    seed: int
    trials: int
    folder: Path
    settings: dict[str, Any]

    def trial_scenario(self, params: dict[str, float], number: int) -> Scenario:
        """The base with one trial's parameters set."""
        design = pd.DataFrame([params], index=pd.Index([number], name="point"))
        return point_scenarios(self.base, design, f"trial {number}")[0]


def open_study(calibration: Calibration, resume: bool) -> optuna.Study:
    """The study in the folder's journal (created, or reopened with ``resume``); stale trials are re-queued."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(str(calibration.folder / JOURNAL)))
    sampler = optuna.samplers.TPESampler(
        seed=calibration.seed, n_startup_trials=min(20, max(5, calibration.trials // 5))
    )
    study = optuna.create_study(study_name=STUDY, storage=storage, sampler=sampler, load_if_exists=resume)
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)  # its runs never came back
        study.enqueue_trial(trial.params, skip_if_exists=False)
    return study


def distributions(factors: Sequence[Factor]) -> dict[str, Any]:
    """Optuna's search space: each factor uniform on [low, high] (integers for integer factors)."""
    from optuna.distributions import FloatDistribution, IntDistribution

    return {
        f.key: IntDistribution(int(f.low), int(f.high)) if f.integer else FloatDistribution(f.low, f.high)
        for f in factors
    }


def finished(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    """The trials whose runs all came back."""
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def run_trials(
    calibration: Calibration,
    study: optuna.Study,
    executor: Executor,
    batch_size: int,
    progress: Callable[[str], None],
    after_batch: Callable[[], None] = lambda: None,
) -> None:
    """Ask, run and tell trials a batch at a time until ``calibration.trials`` have finished."""
    space = distributions(calibration.factors)
    while (done := len(finished(study))) < calibration.trials:
        asked = [study.ask(space) for _ in range(min(batch_size, calibration.trials - done))]
        scenarios = {t.number: calibration.trial_scenario(t.params, t.number) for t in asked}
        specs = [
            RunSpec(scenarios[t.number], calibration.seed, r, point=t.number)
            for t in asked
            for r in range(calibration.replications)
        ]
        values: dict[int, dict[int, dict[str, float]]] = {t.number: {} for t in asked}
        failed: dict[int, str] = {}
        for output in executor.run_all(specs):
            if output.status != "ok":
                failed[output.point] = (output.error or "failed").splitlines()[0]
                continue
            values[output.point][output.replicate] = measure_run(calibration.targets, output.timeseries)
        for trial in asked:
            if trial.number in failed:
                trial.set_user_attr("error", failed[trial.number])
                study.tell(trial, state=_failed_state())
                progress(f"trial {trial.number} failed: {failed[trial.number]}")
                continue
            per_run = [values[trial.number][r] for r in sorted(values[trial.number])]
            means = {name: float(np.mean([row[name] for row in per_run])) for name in per_run[0]}
            loss = loss_of(calibration.targets, means)
            trial.set_user_attr("replicates", per_run)
            study.tell(trial, loss if math.isfinite(loss) else 1e12)
        after_batch()
        best = study.best_trial
        progress(f"trial {len(finished(study))}/{calibration.trials}: best loss {best.value:.4g} (trial {best.number})")


def _failed_state() -> Any:
    from optuna.trial import TrialState

    return TrialState.FAIL


def trials_table(calibration: Calibration, study: optuna.Study) -> pd.DataFrame:
    """One row per finished trial: number, loss, parameters, each target's mean, whether all are met."""
    rows = []
    for trial in finished(study):
        per_run = trial.user_attrs.get("replicates", [])
        means = {name: float(np.mean([row[name] for row in per_run])) for name in per_run[0]} if per_run else {}
        ok = met(calibration.targets, means) if means else {}
        rows.append(
            {
                "trial": trial.number,
                "loss": float(trial.value),
                **trial.params,
                **{f"sim_{name}": value for name, value in means.items()},
                "targets_met": int(sum(ok.values())),
                "all_met": bool(ok) and all(ok.values()),
            }
        )
    return pd.DataFrame(rows).sort_values("trial", ignore_index=True) if rows else pd.DataFrame()


def posterior(calibration: Calibration, table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The accepted parameter sets and how they were chosen.

    Every trial with all targets within tolerance (an ABC rejection step with the
    tolerances as the acceptance region); if fewer than :data:`MIN_ACCEPTED`, the best
    ``MIN_ACCEPTED`` by loss, and the selection says so.
    """
    keys = [f.key for f in calibration.factors]
    within = table[table["all_met"]]
    if len(within) >= MIN_ACCEPTED:
        chosen, selection = within, "within_tolerance"
    else:
        chosen, selection = table.nsmallest(MIN_ACCEPTED, "loss"), f"best_{MIN_ACCEPTED}_by_loss"
    return chosen.sort_values("loss")[["trial", "loss", *keys]].reset_index(drop=True), selection


def write_parquet(path: Path, table: pd.DataFrame, metadata: dict[str, Any] | None = None) -> None:
    """A DataFrame as Parquet, atomically, with optional JSON metadata under the key ``agrifin``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(table, preserve_index=False)
    if metadata is not None:
        arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), b"agrifin": json.dumps(metadata)})
    buffer = io.BytesIO()
    pq.write_table(arrow, buffer)
    write_atomic(path, buffer.getvalue())


def calibrated_yaml(calibration: Calibration, best: pd.Series, command: str, extends: str) -> str:
    """A scenario file extending the base with only the fitted keys, each commented with its trial and loss."""
    nested: dict[str, Any] = {}
    for factor in calibration.factors:
        node = nested
        *parents, leaf = factor.key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        value = best[factor.key]
        node[leaf] = int(value) if factor.integer else float(value)
    trial, loss = int(best["trial"]), float(best["loss"])
    lines = [
        f"# Calibrated by: {command}",
        f"# Best of {len(calibration.settings.get('finished', [])) or calibration.trials} trials: trial {trial}, "
        f"loss {loss:.4g} (weighted sum of ((simulated - target) / tolerance)^2).",
        f"extends: {extends}",
        f"name: {calibration.base.name}_calibrated",
        f"description: {calibration.base.name} with the parameters fitted to the calibration targets.",
    ]

    def emit(node: dict[str, Any], indent: int) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                lines.append(f"{'  ' * indent}{key}:")
                emit(value, indent + 1)
            else:
                lines.append(f"{'  ' * indent}{key}: {value!r}  # fitted: trial {trial}, loss {loss:.4g}")

    emit(nested, 0)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the fit of one scenario


def _window_quantity(metric: str, years: tuple[int, int] | None, series: pd.DataFrame) -> float:
    span = years or (int(series["calendar_year"].min()), int(series["calendar_year"].max()))
    return Quantity(metric=metric, years=span).of(series)


def disaster_contrast(metric: str, runs: list[pd.DataFrame], years: tuple[int, int] | None, lag: int = 0) -> float:
    """Mean yearly ``metric`` in calendar years with a disaster season over years without, pooled over runs.

    The flow of year Y is counted over the twelve months from ``lag`` months into Y (a
    harvest lost in autumn defaults months later); a year whose lagged months run past the
    end of the run is left out.
    """
    hit, calm = [], []
    for series in runs:
        rows = series if years is None else series[series["calendar_year"].between(*years)]
        disaster = rows.groupby("calendar_year")["disaster_regions"].max()
        shifted = pd.DataFrame(
            {
                "of_year": series["calendar_year"].to_numpy()[: len(series) - lag],
                metric: series[metric].to_numpy()[lag:],
            }
        )
        grouped = shifted.groupby("of_year")[metric]
        flow = grouped.sum()[grouped.count() == 12]
        yearly = pd.DataFrame({"value": flow, "disaster": disaster}).dropna()
        hit += yearly.loc[yearly["disaster"] > 0, "value"].tolist()
        calm += yearly.loc[yearly["disaster"] == 0, "value"].tolist()
    if not hit or not calm or np.mean(calm) == 0:
        return float("nan")
    return float(np.mean(hit) / np.mean(calm))


def run_series(executor: Executor, scenario: Scenario, replications: int, seed: int) -> list[pd.DataFrame]:
    """The monthly series of replicates 0..R-1 (failed runs raise)."""
    outputs = sorted(
        executor.run_all([RunSpec(scenario, seed, r) for r in range(replications)]), key=lambda o: o.replicate
    )
    bad = [o for o in outputs if o.status != "ok"]
    if bad:
        raise RuntimeError(f"run {bad[0].label} failed: {(bad[0].error or '').splitlines()[0]}")
    return [o.timeseries for o in outputs]


def check_fit(
    targets: TargetsFile, scenario: Scenario, executor: Executor, replications: int, seed: int
) -> pd.DataFrame:
    """``fit.csv``: each target's simulated mean and 95% interval over replicates, and each validation fact.

    Columns: ``section`` (target / validation), ``name``, ``description``, ``target`` (the
    published value; the acceptable range for validation), ``simulated``, ``ci_low``,
    ``ci_high``, ``tolerance``, ``met``, ``source``, ``note``.
    """
    runs = run_series(executor, scenario, replications, seed)
    per_run = [measure_run(targets, series) for series in runs]
    rows = []
    for target in targets.targets:
        found = t_interval(np.array([row[target.name] for row in per_run]))
        ok = bool(np.isfinite(found.estimate) and abs(found.estimate - target.value) <= target.tolerance)
        side = "" if ok else ("above" if found.estimate > target.value else "below")
        rows.append(
            {
                "section": "target",
                "name": target.name,
                "description": target.description,
                "target": f"{target.value:g}",
                "simulated": found.estimate,
                "ci_low": found.low,
                "ci_high": found.high,
                "tolerance": target.tolerance,
                "met": ok,
                "source": target.source,
                "note": f"simulated {side} the tolerance band" if side else "",
            }
        )
    for fact in targets.validation:
        rows.append(_validation_row(fact, scenario, runs, executor, replications, seed))
    return pd.DataFrame(rows)


def _validation_row(fact, scenario, runs, executor, replications, seed) -> dict[str, Any]:
    low, high = fact.low, fact.high
    if fact.kind == "disaster_contrast":
        value, spread = disaster_contrast(fact.metric, runs, fact.years, fact.lag_months), (np.nan, np.nan)
        note = f"defaults counted from {fact.lag_months} months into each year" if fact.lag_months else ""
        if not np.isfinite(value):
            note = "not estimable: the runs have no years with (or without) a disaster season, or no events"
    else:
        raw = scenario.model_dump(mode="json")
        switched = validate_scenario(apply_overrides(raw, fact.set, f"validation {fact.name}"), fact.name)
        other = run_series(executor, switched, replications, seed)
        with_lever = np.array([_window_quantity(fact.metric, fact.years, s) for s in runs])
        without = np.array([_window_quantity(fact.metric, fact.years, s) for s in other])
        relative = with_lever / np.where(without == 0, np.nan, without) - 1.0
        found = t_interval(relative)
        value, spread = found.estimate, (found.low, found.high)
        note = f"relative effect of the lever (same seeds) against {', '.join(f'{k}={v}' for k, v in fact.set.items())}"
    ok = bool(np.isfinite(value) and low <= value <= high)
    return {
        "section": "validation",
        "name": fact.name,
        "description": fact.description,
        "target": f"[{low:g}, {high:g}]",
        "simulated": value,
        "ci_low": spread[0],
        "ci_high": spread[1],
        "tolerance": np.nan,
        "met": ok,
        "source": fact.source,
        "note": note,
    }


def fit_text(fit: pd.DataFrame) -> str:
    """The fit as a table for the terminal."""
    lines = [f"{'':<36}{'target':>16}{'simulated':>14}  {'95% CI':<26}{'tolerance':>11}  met"]
    for section, rows in fit.groupby("section", sort=False):
        lines.append(f"{section}s:" if section == "target" else "validation (not fitted):")
        for _, row in rows.iterrows():
            ci = f"[{row['ci_low']:.4g}, {row['ci_high']:.4g}]" if np.isfinite(row["ci_low"]) else ""
            tol = f"{row['tolerance']:.4g}" if np.isfinite(row["tolerance"]) else ""
            mark = "yes" if row["met"] else "NO"
            lines.append(f"  {row['name']:<34}{row['target']:>16}{row['simulated']:>14.5g}  {ci:<26}{tol:>11}  {mark}")
    return "\n".join(lines)


def relative_to(target: Path, folder: Path) -> str:
    """How ``calibrated.yaml`` in ``folder`` names its base: a path relative to it (a shipped name as given)."""
    if not Path(target).is_file():
        return str(target)
    return os.path.relpath(Path(target).resolve(), Path(folder).resolve())
