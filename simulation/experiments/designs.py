"""Experimental designs over scenario keys: grid, Latin hypercube, Sobol and Morris.

A *factor* is a scenario key varied over a range (``--vary KEY=LO:HI[:N]``): a lever a
planner controls or an uncertainty nobody does. A *design* is a table with one row per
point and one column per factor; each point becomes a scenario by setting those keys on
the base scenario. Every point is validated before anything runs, and every point runs on
the same replicate seeds (common random numbers across points too).

Risk shares are one lever, not four keys: ``--vary guarantee.risk_shares=4:3:2:1,5:3:1:1``
is a list of splits (a grid factor, each split normalised to sum 1), and
``--vary guarantee.risk_shares.guarantor=LO:HI[:N]`` varies one party's share with the
other three rescaled in proportion to the base scenario's split, so every point's shares
sum to 1 (the design table carries all four shares; see :func:`complete_shares`).
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

from simulation.scenario.loading import Scenario, ScenarioError, apply_overrides, validate_scenario
from simulation.scenario.risk import PARTIES

SHARES_KEY = "guarantee.risk_shares"
SHARE_KEYS = tuple(f"{SHARES_KEY}.{party}" for party in PARTIES)

DEFAULT_LEVELS = 5
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_KEY = re.compile(r"[A-Za-z_][\w.]*")
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


@dataclass(frozen=True)
class SplitFactor:
    """A list of risk-sharing splits (guarantor:reguarantor:bank:government), each summing to 1.

    A grid factor only: its levels are the splits, in the order given. In design tables it
    is the column ``guarantee.risk_shares`` (the split as written, e.g. ``4:3:2:1``) plus
    the four normalised shares.
    """

    labels: tuple[str, ...]
    shares: tuple[tuple[float, ...], ...]
    key: str = SHARES_KEY
    integer: bool = False

    @property
    def levels(self) -> int:
        """How many splits."""
        return len(self.labels)

    @property
    def column(self) -> str:
        """The column holding each split's label."""
        return self.key

    def rows(self) -> list[dict[str, Any]]:
        """One design row per split: its label and its four shares."""
        return [
            {self.key: label, **dict(zip(SHARE_KEYS, split, strict=True))}
            for label, split in zip(self.labels, self.shares, strict=True)
        ]


@dataclass(frozen=True)
class ValuesFactor:
    """A key set to each of a list of values: numbers, ``true``/``false`` or a schema's choices.

    A grid factor only (``--vary monitoring.enabled=false,true``); its levels are the values
    in the order given.
    """

    key: str
    choices: tuple[Any, ...]
    integer: bool = False

    @property
    def levels(self) -> int:
        """How many values."""
        return len(self.choices)

    @property
    def column(self) -> str:
        """The dotted key itself."""
        return self.key

    def rows(self) -> list[dict[str, Any]]:
        """One design row per value."""
        return [{self.key: value} for value in self.choices]


def parse_values(key: str, text: str, option: str = "--vary") -> ValuesFactor:
    """Read ``KEY=V1,V2,...``: each value read as YAML (``0.4``, ``true``, ``branch``); at least two, none repeated.

    Raises:
        ScenarioError: fewer than two values, a repeated one, or one that is not a plain value.
    """
    from simulation.scenario.file import ScenarioFileError, parse_yaml

    parts = [part.strip() for part in text.split(",")]
    if len(parts) < 2 or not all(parts):
        raise ScenarioError(option, key, f"expected at least two values separated by commas, got {text!r}")
    values = []
    for part in parts:
        try:
            value = parse_yaml(part)
        except ScenarioFileError:
            value = None
        if not isinstance(value, bool | int | float | str):
            raise ScenarioError(option, key, f"value {part!r} is not a number, true/false or a name")
        if value in values and type(value) is type(values[values.index(value)]):
            raise ScenarioError(option, key, f"value {part!r} given twice")
        values.append(value)
    return ValuesFactor(key, tuple(values))


def parse_split(text: str, option: str = "--vary") -> tuple[float, ...]:
    """One split ``G:R:B:V`` (guarantor:reguarantor:bank:government), normalised to sum 1.

    Raises:
        ScenarioError: not four numbers, a negative part, or all parts zero.
    """
    parts = text.strip().split(":")
    order = ":".join(PARTIES)
    if len(parts) != len(PARTIES):
        raise ScenarioError(option, SHARES_KEY, f"split {text!r} has {len(parts)} parts; expected 4 ({order})")
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise ScenarioError(option, SHARES_KEY, f"split {text!r} is not four numbers ({order})") from None
    negative = [party for party, value in zip(PARTIES, values, strict=True) if value < 0 or not np.isfinite(value)]
    if negative:
        raise ScenarioError(option, SHARES_KEY, f"split {text!r}: the {negative[0]}'s part is negative")
    total = sum(values)
    if total <= 0:
        raise ScenarioError(option, SHARES_KEY, f"split {text!r}: all parts are zero")
    return tuple(value / total for value in values)


def parse_splits(text: str, option: str = "--vary") -> SplitFactor:
    """Read ``guarantee.risk_shares=4:3:2:1,5:3:1:1,...`` (at least two splits, none repeated)."""
    splits = [part.strip() for part in text.split(",") if part.strip()]
    if len(splits) < 2:
        raise ScenarioError(option, SHARES_KEY, "give at least two splits, e.g. guarantee.risk_shares=4:3:2:1,5:3:1:1")
    shares = tuple(parse_split(split, option) for split in splits)
    seen = [s for i, s in enumerate(shares) if any(np.allclose(s, other) for other in shares[:i])]
    if seen:
        raise ScenarioError(option, SHARES_KEY, f"split {':'.join(f'{v:g}' for v in seen[0])} given twice")
    return SplitFactor(tuple(splits), shares)


def parse_vary(text: str, option: str = "--vary") -> Factor | SplitFactor | ValuesFactor:
    """Read ``KEY=LO:HI[:N]``, a list of values ``KEY=V1,V2,...``, or of splits ``guarantee.risk_shares=G:R:B:V,...``.

    A key ``guarantee.risk_shares.<party>`` is one party's share in [0, 1]; the others are
    rescaled in proportion when the design is completed (:func:`complete_shares`).

    Raises:
        ScenarioError: malformed text, ``LO >= HI``, fewer than 2 levels, a bad split or an
            unknown party.
    """
    key_text, sep, rest = text.strip().partition("=")
    if sep and key_text.strip() == SHARES_KEY:
        return parse_splits(rest, option)
    if key_text.startswith(SHARES_KEY + ".") and key_text not in SHARE_KEYS:
        party = key_text.removeprefix(SHARES_KEY + ".")
        raise ScenarioError(option, key_text, f"unknown party {party!r}; choose one of {', '.join(PARTIES)}")
    if sep and "," in rest and _KEY.fullmatch(key_text.strip()):
        return parse_values(key_text.strip(), rest, option)
    match = _VARY.match(text.strip())
    if match is None:
        raise ScenarioError(
            option,
            text,
            "expected KEY=LO:HI[:N] or KEY=V1,V2,..., "
            "e.g. transfers.dibao_takeup=0.4:0.9:6 or monitoring.enabled=false,true",
        )
    key, lo, hi, n = match["key"], match["lo"], match["hi"], match["n"]
    low, high = float(lo), float(hi)
    if low >= high:
        raise ScenarioError(option, key, f"LO must be below HI, got {lo}:{hi}")
    levels = int(n) if n is not None else DEFAULT_LEVELS
    if levels < 2:
        raise ScenarioError(option, key, f"N must be at least 2 levels, got {levels}")
    if key in SHARE_KEYS and (low < 0 or high > 1):
        raise ScenarioError(option, key, f"a share of the loss lies in [0, 1], got {lo}:{hi}")
    integer = all(re.fullmatch(r"[-+]?\d+", v) for v in (lo, hi)) and key not in SHARE_KEYS
    return Factor(key, low, high, levels, integer)


def check_factors(factors: list[Factor | SplitFactor], option: str = "--vary") -> None:
    """Refuse an empty or repeated list of factors, and more than one risk-share factor."""
    if not factors:
        raise ScenarioError(option, "", "give at least one --vary KEY=LO:HI[:N]")
    keys = [f.key for f in factors]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ScenarioError(option, repeated[0], "varied more than once")
    shares = [k for k in keys if k == SHARES_KEY or k in SHARE_KEYS]
    if len(shares) > 1:
        raise ScenarioError(
            option, shares[1], f"the risk shares are one lever: vary {SHARES_KEY}=G:R:B:V,... or one party's share"
        )


def complete_shares(design: pd.DataFrame, base: Scenario) -> pd.DataFrame:
    """Add the other parties' shares when one party's share is varied, rescaled in proportion.

    With ``guarantee.risk_shares.guarantor = g`` the reguarantor, bank and government get
    ``(1 - g)`` split in the proportions of the base scenario's shares (equally if those are
    all zero), so each point's four shares sum to 1.
    """
    varied = [key for key in SHARE_KEYS if key in design.columns]
    if len(varied) != 1:
        return design
    key = varied[0]
    base_shares = base.guarantee.risk_shares.model_dump()
    others = {k: base_shares[k.rsplit(".", 1)[1]] for k in SHARE_KEYS if k != key}
    total = sum(others.values())
    weights = {k: (v / total if total > 0 else 1.0 / len(others)) for k, v in others.items()}
    completed = design.copy()
    for other, weight in weights.items():
        completed[other] = (1.0 - completed[key].astype(np.float64)) * weight
    return completed


def rescaling_note(factors: list[Factor | SplitFactor], base: Scenario) -> str | None:
    """One sentence saying how the risk shares of a design were made to sum to 1 (None without them)."""
    for factor in factors:
        if isinstance(factor, SplitFactor):
            order = ":".join(PARTIES)
            return f"{SHARES_KEY}: {factor.levels} splits ({order}), each normalised to sum 1"
        if factor.key in SHARE_KEYS:
            party = factor.key.rsplit(".", 1)[1]
            shares = base.guarantee.risk_shares.model_dump()
            rest = [p for p in PARTIES if p != party]
            ratio = ":".join(f"{shares[p]:g}" for p in rest)
            return (
                f"{factor.key} varied {factor.low:g} to {factor.high:g}; {', '.join(rest)} rescaled in proportion "
                f"to the base scenario's {ratio} so that the four shares sum to 1"
            )
    return None


def _table(factors: list[Factor], values: np.ndarray) -> pd.DataFrame:
    design = pd.DataFrame(values, columns=[f.column for f in factors])
    for factor in factors:
        if factor.integer:
            design[factor.column] = design[factor.column].astype(np.int64)
    design.index.name = "point"
    return design


def grid_design(factors: list[Factor | SplitFactor]) -> pd.DataFrame:
    """Full factorial grid: every combination of the factors' levels (last factor varies fastest)."""
    if all(isinstance(f, Factor) for f in factors):
        combos = np.array(list(itertools.product(*(f.values() for f in factors))), dtype=np.float64)
        return _table(factors, combos)
    levels = [[{f.column: v} for v in f.values()] if isinstance(f, Factor) else f.rows() for f in factors]
    design = pd.DataFrame([{k: v for row in combo for k, v in row.items()} for combo in itertools.product(*levels)])
    for factor in factors:
        if isinstance(factor, Factor) and factor.integer:
            design[factor.column] = design[factor.column].astype(np.int64)
    design.index.name = "point"
    return design


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


def make_design(
    factors: list[Factor | SplitFactor], design: str, samples: int | None, seed: int, base: Scenario | None = None
) -> pd.DataFrame:
    """The design table for ``grid``, ``lhs``, ``sobol`` or ``morris``.

    With ``base``, a varied party's share is completed by the other three (:func:`complete_shares`).
    """
    if base is not None:
        return complete_shares(make_design(factors, design, samples, seed), base)
    if design == "grid":
        return grid_design(factors)
    listed = [f for f in factors if isinstance(f, ValuesFactor)]
    if listed:
        raise ScenarioError(
            "--vary",
            listed[0].key,
            f"a list of values is a grid factor; the {design} design needs a range KEY=LO:HI",
        )
    if any(isinstance(f, SplitFactor) for f in factors):
        raise ScenarioError(
            "--vary",
            SHARES_KEY,
            f"a list of splits is a grid factor; for {design} vary one party's share, "
            f"e.g. {SHARES_KEY}.guarantor=0.2:0.6",
        )
    if samples is None or samples < 1:
        raise ScenarioError("--samples", "", f"the {design} design needs --samples N (N >= 1)")
    if design == "sobol" and samples & (samples - 1):  # Sobol' points balance only in powers of 2 (scipy warns)
        below = 1 << (samples.bit_length() - 1)
        raise ScenarioError("--samples", str(samples), f"Sobol needs a power of 2, e.g. {below} or {2 * below}")
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
        overrides = {
            key: (value.item() if hasattr(value, "item") else value)
            for key, value in values.items()
            if key != SHARES_KEY
        }
        try:
            scenarios.append(validate_scenario(apply_overrides(raw, overrides, source), source))
        except ScenarioError as err:
            where = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in overrides.items())
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

        columns = [f.column for f in factors]  # not the rescaled shares a design may carry too
        found = morris.analyze(problem, design[columns].to_numpy(np.float64), outcome, seed=seed)
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
