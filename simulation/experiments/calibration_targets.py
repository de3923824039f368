"""Calibration targets: the published facts a county must reproduce, and how a run is measured against them.

A targets file (``scenarios/calibration/targets.yaml``) lists ``targets`` (fitted) and
``validation`` facts (checked, never fitted). A target is a *quantity* of a run — one
metric (or the sum of several) over a calendar year or window — or the ratio of two
quantities, with the published value, a tolerance, a weight and a source key of
``docs/sources.md``. How a window is read depends on the metric's summary rule
(:mod:`simulation.engine.metrics`): flows (``sum``) are summed per year and averaged over the
window's years, annual-assessment rates (``assessments``) are averaged over the window's
December assessments, and levels are averaged over the window's months — or taken at the
window's first or last month with ``at: start`` / ``at: end`` (a rolling 12-month income at
the last month of a year is that calendar year's income).

Validation facts are of two kinds: ``disaster_contrast`` (a flow is higher in calendar years
with a disaster season than in years without, pooled over replicates) and ``counterfactual``
(the relative effect of a lever switched off on the same seeds lies in a range).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from simulation.engine.metrics import METRIC_BY_NAME
from simulation.scenario.loading import ScenarioError

ASSESSMENT_MONTH = 12  # the annual poverty assessment is in December (month % 12 == 0)
# monthly columns beside the registry's metrics (docs/metrics.md): per-product credit quality
EXTRA_COLUMNS = {"npl_ratio_microcredit": "last_year", "npl_ratio_chain": "last_year"}


def summary_rule(name: str) -> str | None:
    """How a monthly column is summarised (``sum``, ``assessments``, ...); None for an unknown name."""
    if name in METRIC_BY_NAME:
        return METRIC_BY_NAME[name].summary
    if name.startswith("fiscal_"):
        return "sum"
    return EXTRA_COLUMNS.get(name)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Quantity(_Strict):
    """One number of a run: a metric (or the sum of several) over a year or window of years."""

    metric: str | list[str] = Field(description="A metric name of docs/metrics.md, or a list summed month by month")
    year: int | None = Field(None, description="Calendar year (one year window)")
    years: tuple[int, int] | None = Field(None, description="Window of calendar years, first and last included")
    at: Literal["mean", "start", "end"] = Field("mean", description="Mean over the window, or its first/last month")

    @field_validator("metric")
    @classmethod
    def _known(cls, value: str | list[str]) -> str | list[str]:
        for name in [value] if isinstance(value, str) else value:
            if summary_rule(name) is None:
                raise ValueError(f"unknown metric {name!r} (see docs/metrics.md)")
        return value

    @model_validator(mode="after")
    def _window(self) -> Quantity:
        if (self.year is None) == (self.years is None):
            raise ValueError("give exactly one of year or years")
        if self.years is not None and self.years[0] > self.years[1]:
            raise ValueError(f"years {self.years[0]}-{self.years[1]}: the first year is after the last")
        return self

    @property
    def metrics(self) -> list[str]:
        """The metric names summed."""
        return [self.metric] if isinstance(self.metric, str) else list(self.metric)

    @property
    def window(self) -> tuple[int, int]:
        """First and last calendar year."""
        return (self.year, self.year) if self.year is not None else self.years  # type: ignore[return-value]

    def of(self, series: pd.DataFrame) -> float:
        """The quantity in one run's monthly series (NaN when the run does not cover the window)."""
        first, last = self.window
        rows = series[(series["calendar_year"] >= first) & (series["calendar_year"] <= last)]
        if rows.empty or rows["calendar_year"].nunique() != last - first + 1:
            return float("nan")
        values = rows[self.metrics].sum(axis=1).to_numpy(np.float64)
        how = summary_rule(self.metrics[0])
        if self.at == "start":
            return float(values[0])
        if self.at == "end":
            return float(values[-1])
        if how == "sum":
            return float(values.sum() / (last - first + 1))
        if how == "assessments":
            december = rows["month"].to_numpy() % ASSESSMENT_MONTH == 0
            return float(values[december].mean()) if december.any() else float("nan")
        return float(values.mean())


class Target(_Strict):
    """A published fact the county is fitted to."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Short name (a column of trials.parquet)")
    description: str = Field(description="What the fact is, in words")
    metric: str | list[str] | None = Field(None, description="Metric(s) of a plain quantity (with year/years/at)")
    year: int | None = None
    years: tuple[int, int] | None = None
    at: Literal["mean", "start", "end"] = "mean"
    numerator: Quantity | None = Field(None, description="A ratio's numerator (instead of metric)")
    denominator: Quantity | None = Field(None, description="A ratio's denominator")
    value: float = Field(description="The published value, in the metric's unit (a ratio for ratios)")
    tolerance: Annotated[float, Field(gt=0)] = Field(description="How far the simulated mean may be and still meet it")
    weight: Annotated[float, Field(ge=0)] = 1.0
    source: str = Field(pattern=r"^\[[a-z0-9-]+\]", description="A key of docs/sources.md, e.g. [nbs-2020-...]")
    note: str = ""

    @model_validator(mode="after")
    def _shape(self) -> Target:
        ratio = self.numerator is not None or self.denominator is not None
        if ratio and (self.numerator is None or self.denominator is None):
            raise ValueError("a ratio needs both numerator and denominator")
        if ratio == (self.metric is not None):
            raise ValueError("give either metric (with year or years) or numerator and denominator")
        if not ratio:
            Quantity(metric=self.metric, year=self.year, years=self.years, at=self.at)  # type: ignore[arg-type]
        return self

    @property
    def quantities(self) -> list[Quantity]:
        """The quantity, or the ratio's two."""
        if self.numerator is not None and self.denominator is not None:
            return [self.numerator, self.denominator]
        return [Quantity(metric=self.metric, year=self.year, years=self.years, at=self.at)]  # type: ignore[arg-type]

    def of(self, series: pd.DataFrame) -> float:
        """The simulated figure of one run."""
        values = [q.of(series) for q in self.quantities]
        if len(values) == 1:
            return values[0]
        return values[0] / values[1] if values[1] != 0 else float("nan")


class Validation(_Strict):
    """A stylised fact checked apart from the fit (never a target)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str
    kind: Literal["disaster_contrast", "counterfactual"]
    metric: str = Field(description="The metric compared")
    years: tuple[int, int] | None = Field(None, description="Window of calendar years (default: the whole run)")
    set: dict[str, Any] = Field(default_factory=dict, description="counterfactual: the keys switched")
    lag_months: Annotated[int, Field(ge=0, le=11)] = Field(
        0, description="disaster_contrast: months the flow is counted after its year (defaults follow the harvest)"
    )
    low: float = Field(description="Least acceptable value (ratio for disaster_contrast, relative effect else)")
    high: float = Field(description="Greatest acceptable value")
    source: str = Field(pattern=r"^\[[a-z0-9-]+\]")

    @field_validator("metric")
    @classmethod
    def _known(cls, value: str) -> str:
        if summary_rule(value) is None:
            raise ValueError(f"unknown metric {value!r} (see docs/metrics.md)")
        return value

    @model_validator(mode="after")
    def _shape(self) -> Validation:
        if self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        if self.kind == "counterfactual" and not self.set:
            raise ValueError("a counterfactual needs `set`: the keys switched")
        if self.kind == "disaster_contrast" and summary_rule(self.metric) != "sum":
            raise ValueError(f"disaster_contrast compares a flow per year; {self.metric} is not summed")
        return self


class TargetsFile(_Strict):
    """The whole targets file."""

    description: str = ""
    targets: list[Target] = Field(min_length=1)
    validation: list[Validation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> TargetsFile:
        names = [t.name for t in self.targets] + [v.name for v in self.validation]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"name {repeated[0]!r} used twice")
        return self

    def years_needed(self) -> tuple[int, int]:
        """First and last calendar year any target reads."""
        windows = [q.window for t in self.targets for q in t.quantities]
        return min(w[0] for w in windows), max(w[1] for w in windows)


def load_targets(path: Path) -> TargetsFile:
    """Read and validate a targets file.

    Raises:
        ScenarioError: unreadable YAML, an unknown metric, a tolerance <= 0 or any other
            schema problem (one line naming the file and the key).
    """
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ScenarioError(str(path), "", f"cannot read ({err.strerror or err})") from None
    except yaml.YAMLError as err:
        raise ScenarioError(str(path), "", f"not valid YAML ({str(err).splitlines()[0]})") from None
    try:
        return TargetsFile.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        key = _key_of(raw, first["loc"])
        raise ScenarioError(str(path), key, first["msg"].removeprefix("Value error, ")) from None


def _key_of(raw: Any, loc: tuple) -> str:
    """``targets[2].tolerance`` style key, with the target's name when it has one."""
    parts: list[str] = []
    node = raw
    for part in loc:
        if isinstance(part, int):
            name = node[part].get("name") if isinstance(node, list) and isinstance(node[part], dict) else None
            parts[-1] += f"[{name or part}]"
        else:
            parts.append(str(part))
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts)


def check_window(targets: TargetsFile, first_year: int, last_year: int, path: Path) -> None:
    """Refuse targets outside the simulated calendar years (exit 2 through ScenarioError)."""
    for target in targets.targets:
        for quantity in target.quantities:
            low, high = quantity.window
            if low < first_year or high > last_year:
                raise ScenarioError(
                    str(path),
                    f"targets[{target.name}]",
                    f"reads {low}-{high} but the runs cover {first_year}-{last_year} (use --years)",
                )


def measure_run(targets: TargetsFile, series: pd.DataFrame) -> dict[str, float]:
    """Every target's simulated figure in one run."""
    return {t.name: t.of(series) for t in targets.targets}


def loss_of(targets: TargetsFile, means: dict[str, float]) -> float:
    """Weighted sum over targets of ((simulated mean - value) / tolerance)^2 (inf if any is missing)."""
    total = 0.0
    for target in targets.targets:
        mean = means[target.name]
        if not np.isfinite(mean):
            return float("inf")
        total += target.weight * ((mean - target.value) / target.tolerance) ** 2
    return float(total)


def met(targets: TargetsFile, means: dict[str, float]) -> dict[str, bool]:
    """Whether each target's simulated mean lies within its tolerance."""
    return {
        t.name: bool(np.isfinite(means[t.name]) and abs(means[t.name] - t.value) <= t.tolerance)
        for t in targets.targets
    }
