"""EMA Workbench adapter: agrifin as a ``ReplicatorModel`` for exploratory modelling (``pip install 'agrifin[ema]'``).

Each EMA experiment is a scenario file with some parameters set (its uncertainties and
levers, named by their dotted keys); each replication is one of agrifin's replicate
seeds, so every experiment meets the same weather, health and price luck (common
random numbers) and two experiments differ by their parameters only. Outcomes are the
run summary's figures (``agrifin run``'s ``summary.csv``) and, optionally, monthly series,
averaged over the replications.

Example:
    >>> from ema_workbench import RealParameter, perform_experiments
    >>> from simulation import ema
    >>> m = ema.model("baseline", uncertainties=[
    ...     RealParameter("illness", 0.002, 0.008, variable_name="health.event_probability")],
    ...     outcomes=["relapse_count", "large_scale_relapse"], replications=3, households=2000)
    >>> experiments, outcomes = perform_experiments(m, scenarios=50)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from simulation.extras import require
from simulation.scenario.loading import Scenario, apply_overrides, load_scenario, scenario_from_dict

DEFAULT_OUTCOMES = ("relapse_count", "poverty_person_years", "fiscal_cost", "large_scale_relapse")


def dotted(key: str) -> str:
    """A parameter's scenario key: its dotted ``variable_name``, or a name with ``__`` for each dot."""
    return key.replace("__", ".")


def mean_over_replications(values: Sequence[Any]) -> Any:
    """The mean of the replications' values (a scalar, or a series month by month)."""
    mean = np.mean(np.asarray(values, np.float64), axis=0)
    return float(mean) if np.ndim(mean) == 0 else mean


class AgrifinRun:
    """The function EMA calls for one replication of one experiment (picklable, for EMA's process pools)."""

    def __init__(self, base: dict[str, Any], fixed: dict[str, Any], seed: int, outcomes: Sequence[str],
                 series: Sequence[str]) -> None:  # fmt: skip
        self.base, self.fixed, self.seed = base, fixed, seed
        self.outcomes, self.series = tuple(outcomes), tuple(series)

    def __call__(self, replicate: int, **parameters: Any) -> dict[str, Any]:
        """Run replicate ``replicate`` of the base scenario with ``parameters`` set; the outcomes by name."""
        from simulation.experiments.runner import RunSpec, simulate

        overrides = {**self.fixed, **{dotted(key): _plain(value) for key, value in parameters.items()}}
        scenario = scenario_from_dict(apply_overrides(self.base, overrides), "EMA experiment")
        output = simulate(RunSpec(scenario, self.seed, int(replicate)))
        if output.status != "ok":
            raise RuntimeError(f"agrifin run failed: {output.error}")
        results: dict[str, Any] = {name: float(output.summary[name]) for name in self.outcomes}
        for name in self.series:
            results[name] = output.timeseries[name].to_numpy(np.float64)
        return results


def _plain(value: Any) -> Any:
    """A numpy scalar EMA hands over, as the plain Python value the schema expects."""
    return value.item() if isinstance(value, np.generic) else value


def model(
    base: str | Path | Scenario = "baseline",
    uncertainties: Sequence[Any] = (),
    levers: Sequence[Any] = (),
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    series: Sequence[str] = (),
    replications: int = 3,
    seed: int = 1,
    households: int | None = None,
    years: int | None = None,
    name: str = "agrifin",
) -> Any:
    """An EMA Workbench ``ReplicatorModel`` running agrifin.

    Args:
        base: the scenario the experiments start from (a file, a shipped name or a Scenario).
        uncertainties: EMA parameters nobody controls; each names its scenario key by
            ``variable_name="weather.loss_fraction_mean"`` (or by a name with ``__`` for dots).
        levers: EMA parameters a planner controls, named the same way.
        outcomes: summary figures (names of ``summary.csv``), each averaged over the replications.
        series: monthly metrics returned as time series (averaged over the replications month by month).
        replications: replicate seeds per experiment (the same for every experiment).
        seed: root seed of the replicates.
        households: population size, if not the scenario's.
        years: horizon in years, if not the scenario's.
        name: the model's name in EMA's results.

    Returns:
        A ``ema_workbench.ReplicatorModel`` ready for ``perform_experiments``.
    """
    ema = require("ema_workbench", "ema")
    scenario = base if isinstance(base, Scenario) else load_scenario(base)
    fixed = {key: value for key, value in (("population.households", households), ("horizon.years", years)) if value}
    built = ema.ReplicatorModel(
        name, function=AgrifinRun(scenario.model_dump(mode="json"), fixed, seed, outcomes, series)
    )
    built.uncertainties = list(uncertainties)
    built.levers = list(levers)
    built.outcomes = [
        *(ema.ScalarOutcome(o, function=mean_over_replications) for o in outcomes),
        *(ema.TimeSeriesOutcome(s, function=mean_over_replications) for s in series),
    ]
    built.replications = [{"replicate": r} for r in range(replications)]
    return built
