"""Outcome measures: the formulas, and the central tables of every reported metric and budget line.

Each metric is declared (name, unit, meaning, summary rule) next to what computes it: the
cohorts' in ``outcomes.py``, the credit market's in ``credit.py``, and so on; the county
totals the model computes are declared here. The central tables are built from them.

Poverty measures are over persons (each household weighted by its size) on rolling
12-month per-capita net income. Each metric declares how a run is summarised
(``sum`` over the horizon, mean over the ``last_year``, mean over the annual
``assessments``, the ``last`` month's value, ``max`` or ``min``). Relapse and new poverty are counted
on the cohorts fixed at month 0 (``simulation/engine/outcomes.py``).
"""

from __future__ import annotations

import numpy as np

from agents.government import GOVERNMENT_LINES
from agents.insurer import INSURER_LINES
from simulation.engine.outcomes import COHORT_METRICS
from simulation.engine.registry import INSURANCE_PRODUCTS, LOAN_PRODUCTS, RESPONSES, BudgetLine
from simulation.engine.registry import Metric as Metric  # re-exported: the declaration of a metric
from simulation.instruments.credit.market import CREDIT_LINES
from simulation.instruments.credit.outcomes import CREDIT_METRICS
from simulation.instruments.family_farms import FAMILY_FARM_METRICS
from simulation.instruments.insurance.market import INSURANCE_METRICS
from simulation.instruments.monitoring import MONITORING_LINES, MONITORING_METRICS
from simulation.instruments.risk_sharing import RISK_SHARING_LINES, RISK_SHARING_METRICS
from simulation.instruments.value_chain import VALUE_CHAIN_METRICS

# what the model itself reports each month: poverty over persons, income, the county's totals
COUNTY_METRICS: tuple[Metric, ...] = (
    Metric(
        "dibao_share",
        "share of persons",
        "Persons in households enrolled in the minimum living guarantee (dibao)",
        "last_year",
    ),
    Metric(
        "poverty_headcount", "share of persons", "FGT(0): persons below the poverty line", "last_year", better="lower"
    ),
    Metric(
        "poverty_gap",
        "share of line",
        "FGT(1): mean shortfall below the line, over all persons",
        "last_year",
        better="lower",
    ),
    Metric(
        "poverty_severity",
        "share of line squared",
        "FGT(2): squared shortfall, over all persons",
        "last_year",
        better="lower",
    ),
    Metric(
        "poverty_headcount_net_of_medical",
        "share of persons",
        "Expenditure-adjusted: persons whose income less 12 months of out-of-pocket medical bills is under the line",
        "last_year",
        better="lower",
    ),
    Metric(
        "at_risk_share",
        "share of persons",
        "Persons below the monitoring line (including the poor)",
        "last_year",
        better="lower",
    ),
    Metric("calendar_year", "year", "Calendar year of the month (2021 for months 1-12 by default)", "max"),
    Metric(
        "poverty_line", "yuan per person per year", "Poverty line of the year (uprated by growth rules)", "last_year"
    ),
    Metric(
        "mean_income_pc",
        "yuan per person per year",
        "Mean rolling 12-month per-capita net income",
        "last_year",
        better="higher",
    ),
    Metric(
        "farm_income_pc",
        "yuan per person per year",
        "Farm and asset net income this month, annualised",
        "last_year",
        better="higher",
    ),
    Metric(
        "wage_income_pc", "yuan per person per year", "Wage income this month, annualised", "last_year", better="higher"
    ),
    Metric(
        "transfer_income_pc", "yuan per person per year", "Government transfers this month, annualised", "last_year"
    ),
    Metric(
        "gini",
        "index 0-1",
        "Gini of per-capita income over persons (incomes floored at 0)",
        "last_year",
        better="lower",
    ),
    Metric("distress_sales", "yuan", "Productive assets sold in distress (book value)", "sum", better="lower"),
    Metric(
        "unmet_need_share",
        "share of households",
        "Households that could not pay subsistence and medical bills",
        "last_year",
        better="lower",
    ),
    Metric("disaster_regions", "regions", "Regions hit by a disaster season this year", "last_year"),
    Metric(
        "property_income_pc",
        "yuan per person per year",
        "Land rent received this month, annualised",
        "last_year",
        better="higher",
    ),
    Metric("fiscal_cost", "yuan", "Government outlays this month, all budget lines", "sum", better="lower"),
    Metric(
        "large_scale_relapse",
        "0/1",
        "1 when, at an assessment, the ex-poor cohort's relapse rate in the county or any region passes the threshold",
        "max",
        better="lower",
    ),
    Metric(
        "ledger_imbalance", "yuan", "Largest unexplained cash change of any sector this month", "max", better="lower"
    ),
)


def budget_metric(line: BudgetLine) -> Metric:
    """The monthly spending on a budget line, as a reported metric (``fiscal_<name>``)."""
    return Metric(
        f"fiscal_{line.name}",
        "yuan",
        f"Government spending on the budget line {line.name} this month",
        "sum",
        better="lower",
    )


# The budget lines, each declared by what pays under it (government, instruments, responses), with its labels
BUDGET_LINES: tuple[BudgetLine, ...] = (
    *GOVERNMENT_LINES,
    *CREDIT_LINES,
    *(line for product in LOAN_PRODUCTS for line in product.budget_lines),
    *RISK_SHARING_LINES,
    *(line for product in INSURANCE_PRODUCTS for line in product.budget_lines),
    *INSURER_LINES,
    *(line for response in RESPONSES for line in response.budget_lines),
    *MONITORING_LINES,
)
BUDGET_LINE_NAMES = tuple(line.name for line in BUDGET_LINES)
# Every reported metric, as its owner declares it: the central table is built, never written out
METRICS: tuple[Metric, ...] = (
    *COHORT_METRICS,
    *COUNTY_METRICS,
    *CREDIT_METRICS,
    *RISK_SHARING_METRICS,
    *INSURANCE_METRICS,
    *(metric for product in (*LOAN_PRODUCTS, *INSURANCE_PRODUCTS) for metric in product.metrics),
    *MONITORING_METRICS,
    *VALUE_CHAIN_METRICS,
    *FAMILY_FARM_METRICS,
    *(budget_metric(line) for line in BUDGET_LINES),
)
METRIC_NAMES = tuple(m.name for m in METRICS)
MAIN_METRICS = (
    "poverty_person_years",
    "cohort_poverty_rate",
    "relapse_rate",
    "ever_relapsed_share",
    "new_poor_rate",
    "relapse_count",
    "poverty_headcount",
    "at_risk_share",
    "mean_income_pc",
    "gini",
    "fiscal_cost",
)


def fgt(income_pc: np.ndarray, weights: np.ndarray, line: float, alpha: int) -> float:
    """Foster-Greer-Thorbecke index: weighted mean of ((line - y) / line)^alpha over the poor, incomes floored at 0."""
    poor = np.flatnonzero(income_pc < line)  # the poor are few: only their gaps are computed
    gap = (line - np.maximum(income_pc[poor], 0.0)) / line
    return float(np.sum(weights[poor] * gap**alpha) / np.sum(weights))


PACKED_WEIGHTS = 8  # integer weights 1..8 (household sizes) ride in the 3 lowest bits of the sort key


def gini(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Gini index of ``values`` (floored at 0), each counted ``weights`` times.

    The Lorenz curve needs the values in order with their weights. With no weights, or
    integer weights from 1 to 8 (household sizes), the weight rides in the three lowest
    bits of the value's bit pattern and one plain sort orders both (several times faster
    than an argsort and two gathers); the value then carries an error below 8 units in
    the last place (relative 2e-15), far below any reported digit. Other weights take
    the argsort.
    """
    y = np.maximum(np.asarray(values, np.float64), 0.0)
    y += 0.0  # -0.0 becomes +0.0, whose bit pattern sorts first
    sorted_values = _sorted_with_small_weights(y, weights)
    if sorted_values is None:
        w = np.asarray(weights, np.float64)
        order = np.argsort(y)  # ties may fall in any order: the index does not depend on it
        y, w = y[order], w[order]
    else:
        y, w = sorted_values
    if y.size == 0:
        return 0.0
    wy = y * w
    np.cumsum(wy, out=wy)
    total_w, total_wy = float(np.sum(w, dtype=np.float64)), wy[-1]
    if total_wy <= 0:
        return 0.0
    # area under the Lorenz curve by trapezoids, one per person-group: previous + this cumulative share
    trapezoids = wy.copy()
    trapezoids[1:] += wy[:-1]
    trapezoids *= w
    lorenz_area = np.sum(trapezoids) / (2.0 * total_w * total_wy)
    return float(1.0 - 2.0 * lorenz_area)


def _sorted_with_small_weights(y: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray] | None:
    """``y`` (non-negative, modified) sorted with its weights by one sort of packed keys; None if they do not fit.

    The weights come back as small integers (uint8), which numpy widens exactly when they multiply.
    """
    if weights is None:
        y.sort()
        return y, np.ones(y.size, np.uint8)
    weights = np.asarray(weights)
    if weights.size == 0 or not (weights.min() >= 1 and weights.max() <= PACKED_WEIGHTS):  # NaN fails too
        return None
    codes = weights.astype(np.uint8)
    if not np.array_equal(codes, weights):
        return None
    low_bits = np.uint64(PACKED_WEIGHTS - 1)
    keys = y.view(np.uint64)  # non-negative floats sort as their bit patterns do
    keys &= ~low_bits
    keys |= codes - np.uint8(1)
    keys.sort()
    codes = (keys & low_bits).astype(np.uint8)
    codes += np.uint8(1)
    keys &= ~low_bits
    return keys.view(np.float64), codes


def share_below(mask_of: np.ndarray, among: np.ndarray) -> float:
    """Share of ``among`` for which ``mask_of`` holds (0 when ``among`` is empty)."""
    n = int(among.sum())
    return float((mask_of & among).sum() / n) if n else 0.0


def rate_by_category(hit: np.ndarray, among: np.ndarray, category: np.ndarray, k: int) -> np.ndarray:
    """Per-category share of ``among`` for which ``hit`` holds (np.bincount, no loop)."""
    denominators = np.bincount(category, weights=among, minlength=k)
    numerators = np.bincount(category, weights=hit & among, minlength=k)
    return np.divide(numerators, denominators, out=np.zeros(k), where=denominators > 0)


def summarise(series: dict[str, np.ndarray], assessment: np.ndarray) -> dict[str, float]:
    """Collapse one run's monthly series into its summary row (see each metric's ``summary``)."""
    row: dict[str, float] = {}
    for name, values in series.items():
        metric = METRIC_BY_NAME.get(name)
        if metric is None:  # every reported figure is declared with its summary rule by what computes it
            raise ValueError(f"metric {name!r} is reported but not declared (see simulation/engine/metrics.py)")
        how = metric.summary
        if how == "sum":
            row[name] = float(np.sum(values))
        elif how == "max":
            row[name] = float(np.max(values))
        elif how == "min":
            row[name] = float(np.min(values))
        elif how == "last":
            row[name] = float(values[-1])
        elif how == "assessments":
            row[name] = float(np.mean(values[assessment])) if assessment.any() else float("nan")
        else:
            row[name] = float(np.mean(values[-12:]))
    if "guaranteed_loans" in series:
        loans = float(np.sum(series["guaranteed_loans"]))
        row["guaranteed_default_rate"] = float(np.sum(series["guaranteed_defaults"])) / loans if loans else 0.0
    if "insurance_premiums" in series:
        premiums = float(np.sum(series["insurance_premiums"]))
        row["insurance_loss_ratio"] = float(np.sum(series["insurance_claims"])) / premiums if premiums else 0.0
    return row


METRIC_BY_NAME = {m.name: m for m in METRICS}
