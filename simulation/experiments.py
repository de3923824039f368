"""Experimental designs over scenario keys: grid, Latin hypercube, Sobol and Morris.

A *factor* is a scenario key varied over a range (``--vary KEY=LO:HI[:N]``): a lever a
planner controls or an uncertainty nobody does. A *design* is a table with one row per
point and one column per factor; each point becomes a scenario by setting those keys on
the base scenario. Every point is validated before anything runs, and every point runs on
the same replicate seeds (common random numbers across points too).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulation.scenario import Scenario, ScenarioError, apply_overrides, validate_scenario

DEFAULT_LEVELS = 5
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_VARY = re.compile(rf"^(?P<key>[A-Za-z_][\w.]*)=(?P<lo>{_NUMBER}):(?P<hi>{_NUMBER})(?::(?P<n>\d+))?$")


@dataclass(frozen=True)
class Factor:
    """A scenario key varied between ``low`` and ``high`` (``levels`` values on a grid)."""

    key: str
    low: float
    high: float
    levels: int = DEFAULT_LEVELS
    integer: bool = False  # both bounds written as integers: values are rounded

    def values(self) -> np.ndarray:
        """The grid levels, evenly spaced from low to high."""
        return self.cast(np.linspace(self.low, self.high, self.levels))

    def scale(self, unit: np.ndarray) -> np.ndarray:
        """Map points of [0, 1] onto [low, high]."""
        return self.cast(self.low + unit * (self.high - self.low))

    def cast(self, values: np.ndarray) -> np.ndarray:
        """Round to whole numbers for integer keys."""
        return np.round(values) if self.integer else values

    @property
    def column(self) -> str:
        """The factor's column in design and summary tables: the dotted key itself."""
        return self.key


def parse_vary(text: str, option: str = "--vary") -> Factor:
    """Read ``KEY=LO:HI[:N]``.

    Raises:
        ScenarioError: malformed text, ``LO >= HI`` or fewer than 2 levels.
    """
    match = _VARY.match(text.strip())
    if match is None:
        raise ScenarioError(option, text, "expected KEY=LO:HI[:N], e.g. transfers.dibao_takeup=0.4:0.9:6")
    key, lo, hi, n = match["key"], match["lo"], match["hi"], match["n"]
    low, high = float(lo), float(hi)
    if low >= high:
        raise ScenarioError(option, key, f"LO must be below HI, got {lo}:{hi}")
    levels = int(n) if n is not None else DEFAULT_LEVELS
    if levels < 2:
        raise ScenarioError(option, key, f"N must be at least 2 levels, got {levels}")
    integer = all(re.fullmatch(r"[-+]?\d+", v) for v in (lo, hi))
    return Factor(key, low, high, levels, integer)


def check_factors(factors: list[Factor], option: str = "--vary") -> None:
    """Refuse an empty or repeated list of factors."""
    if not factors:
        raise ScenarioError(option, "", "give at least one --vary KEY=LO:HI[:N]")
    keys = [f.key for f in factors]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ScenarioError(option, repeated[0], "varied more than once")


def _table(factors: list[Factor], values: np.ndarray) -> pd.DataFrame:
    design = pd.DataFrame(values, columns=[f.column for f in factors])
    for factor in factors:
        if factor.integer:
            design[factor.column] = design[factor.column].astype(np.int64)
    design.index.name = "point"
    return design


def grid_design(factors: list[Factor]) -> pd.DataFrame:
    """Full factorial grid: every combination of the factors' levels (last factor varies fastest)."""
    combos = np.array(list(itertools.product(*(f.values() for f in factors))), dtype=np.float64)
    return _table(factors, combos)


def lhs_design(factors: list[Factor], samples: int, seed: int) -> pd.DataFrame:
    """Latin hypercube of ``samples`` points (scipy.stats.qmc), reproducible from ``seed``."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(factors), rng=np.random.default_rng(seed)).random(samples)
    return _table(factors, np.column_stack([f.scale(unit[:, i]) for i, f in enumerate(factors)]))


def salib_problem(factors: list[Factor]) -> dict[str, Any]:
    """The SALib problem definition of the factors."""
    return {"num_vars": len(factors), "names": [f.key for f in factors], "bounds": [[f.low, f.high] for f in factors]}


def sobol_design(factors: list[Factor], samples: int, seed: int) -> pd.DataFrame:
    """Saltelli/Sobol sample for first and total order indices: ``samples * (D + 2)`` points."""
    from SALib.sample import sobol

    values = sobol.sample(salib_problem(factors), samples, calc_second_order=False, scramble=True, seed=seed)
    return _table(factors, np.column_stack([f.cast(values[:, i]) for i, f in enumerate(factors)]))


def morris_design(factors: list[Factor], samples: int, seed: int, levels: int = 4) -> pd.DataFrame:
    """Morris elementary-effects trajectories: ``samples * (D + 1)`` points."""
    from SALib.sample import morris

    values = morris.sample(salib_problem(factors), samples, num_levels=levels, seed=seed)
    return _table(factors, np.column_stack([f.cast(values[:, i]) for i, f in enumerate(factors)]))


def make_design(factors: list[Factor], design: str, samples: int | None, seed: int) -> pd.DataFrame:
    """The design table for ``grid``, ``lhs``, ``sobol`` or ``morris``."""
    if design == "grid":
        return grid_design(factors)
    if samples is None or samples < 1:
        raise ScenarioError("--samples", "", f"the {design} design needs --samples N (N >= 1)")
    builders = {"lhs": lhs_design, "sobol": sobol_design, "morris": morris_design}
    return builders[design](factors, samples, seed)


def point_scenarios(base: Scenario, design: pd.DataFrame, source: str) -> list[Scenario]:
    """One validated scenario per design point: the base with the point's keys set.

    Raises:
        ScenarioError: a key the schema does not know, or a value out of its range, naming
            the point's values.
    """
    raw = base.model_dump(mode="json")
    scenarios = []
    for point, values in zip(design.index, design.to_dict("records"), strict=True):
        overrides = {key: (value.item() if hasattr(value, "item") else value) for key, value in values.items()}
        try:
            scenarios.append(validate_scenario(apply_overrides(raw, overrides, source), source))
        except ScenarioError as err:
            where = ", ".join(f"{k}={v:g}" for k, v in overrides.items())
            raise ScenarioError(source, err.key, f"{err.problem} (design point {point}: {where})") from None
    return scenarios


def design_fingerprint(design: pd.DataFrame, method: str) -> str:
    """Content hash of a design (method, factor keys and every point's values)."""
    text = json.dumps({"method": method, "columns": list(design.columns), "values": design.to_numpy().tolist()})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def sensitivity_indices(
    method: str, factors: list[Factor], design: pd.DataFrame, outcome: np.ndarray, seed: int
) -> pd.DataFrame:
    """Global sensitivity indices of one outcome (mean over replicates, one value per point).

    Sobol gives first-order ``S1`` and total ``ST`` indices; Morris gives ``mu_star`` (mean
    absolute elementary effect) and ``sigma``. ``conf`` is the half-width of the 95%
    bootstrap interval SALib reports (NaN where it reports none).

    Returns:
        One row per (factor, index) with ``value``, ``conf``, ``ci_low`` and ``ci_high``.
    """
    problem = salib_problem(factors)
    rows = []
    if method == "sobol":
        from SALib.analyze import sobol

        found = sobol.analyze(problem, outcome, calc_second_order=False, seed=seed)
        pairs = (("S1", "S1_conf"), ("ST", "ST_conf"))
    else:
        from SALib.analyze import morris

        found = morris.analyze(problem, design.to_numpy(np.float64), outcome, seed=seed)
        pairs = (("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None))
    for i, factor in enumerate(factors):
        for index, conf_name in pairs:
            value = float(found[index][i])
            conf = float(found[conf_name][i]) if conf_name else float("nan")
            rows.append(
                {
                    "parameter": factor.key,
                    "index": index,
                    "value": value,
                    "conf": conf,
                    "ci_low": value - conf,
                    "ci_high": value + conf,
                }
            )
    return pd.DataFrame(rows)


def key_unit(key: str) -> str | None:
    """The unit the scenario schema declares for a dotted key (None if it declares none)."""
    model: Any = Scenario
    info = None
    for part in key.split("."):
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return None
        info = fields[part]
        model = info.annotation
    extra = info.json_schema_extra if info is not None else None
    return extra.get("unit") if isinstance(extra, dict) else None
