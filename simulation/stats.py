"""Statistics of a comparison: paired differences over common random numbers.

Every policy runs on the same replicate seeds as the baseline, so replicate ``r`` of the
policy and replicate ``r`` of the baseline share their weather, health and price luck.
The difference ``policy - baseline`` per replicate removes that shared noise; its mean
with a Student t interval is the effect. The unpaired (Welch) interval, which ignores the
pairing, is reported beside it to show how much the pairing buys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95
POVERTY_YEARS_AVERTED = "poverty_person_years_averted"
COST_PER_POVERTY_YEAR_AVERTED = "fiscal_cost_per_poverty_year_averted"
RELAPSES_AVERTED = "relapses_averted"
COST_PER_RELAPSE_AVERTED = "fiscal_cost_per_relapse_averted"


@dataclass(frozen=True)
class Averted:
    """An outcome a policy can avert, and the two comparison rows it adds: how much, and at what cost.

    Attributes:
        outcome: the summary column counted (a whole-run total).
        averted: the row ``baseline - policy`` of ``outcome``, paired by replicate.
        cost_per: the row extra fiscal cost / ``averted`` (ratio of means).
        what: the outcome in words, plural, for the notes ("relapses").
        unit: one unit of it, for "cost per ... averted" ("relapse").
    """

    outcome: str
    averted: str
    cost_per: str
    what: str
    unit: str


# in the order the tables show them: persons' years in poverty first, then relapses
AVERTED = (
    Averted(
        "poverty_person_years",
        POVERTY_YEARS_AVERTED,
        COST_PER_POVERTY_YEAR_AVERTED,
        "poverty person-years",
        "poverty-year",
    ),
    Averted("relapse_count", RELAPSES_AVERTED, COST_PER_RELAPSE_AVERTED, "relapses", "relapse"),
)
AVERTED_BY_COST = {a.cost_per: a for a in AVERTED}
AVERTED_METRICS = tuple(a.averted for a in AVERTED)
COST_PER_METRICS = tuple(a.cost_per for a in AVERTED)


@dataclass(frozen=True)
class Interval:
    """An estimate with its 95% confidence interval and two-sided p-value (against 0)."""

    estimate: float
    low: float
    high: float
    p_value: float

    @property
    def width(self) -> float:
        """High minus low."""
        return self.high - self.low


def t_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Mean of ``values`` with its Student t interval and one-sample t-test p-value against 0."""
    values = np.asarray(values, np.float64)
    n = values.size
    mean = float(values.mean()) if n else float("nan")
    if n < 2:
        return Interval(mean, float("nan"), float("nan"), float("nan"))
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / np.sqrt(n)
    if sd == 0.0:
        return Interval(mean, mean, mean, float("nan") if mean == 0.0 else 0.0)
    p_value = float(2 * stats.t.sf(abs(mean) / (sd / np.sqrt(n)), n - 1))
    return Interval(mean, mean - half, mean + half, p_value)


def paired_difference(policy: np.ndarray, baseline: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Mean of ``policy - baseline`` over paired replicates, with the paired t interval."""
    return t_interval(np.asarray(policy, np.float64) - np.asarray(baseline, np.float64), confidence)


def welch_difference(policy: np.ndarray, baseline: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Difference of means as if the runs were independent (Welch's unequal-variance interval)."""
    a, b = np.asarray(policy, np.float64), np.asarray(baseline, np.float64)
    diff = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2:  # no variance from one value (and no numpy warning about it)
        return Interval(diff, float("nan"), float("nan"), float("nan"))
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se2 = va + vb
    if se2 == 0.0:
        return Interval(diff, diff, diff, float("nan") if diff == 0.0 else 0.0)
    dof = se2**2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    se = float(np.sqrt(se2))
    half = float(stats.t.ppf(0.5 + confidence / 2, dof)) * se
    p_value = float(2 * stats.t.sf(abs(diff) / se, dof))
    return Interval(diff, diff - half, diff + half, p_value)


def cost_per_averted(extra_cost: np.ndarray, averted: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Extra fiscal cost over the outcome averted (ratio of means, delta-method t interval).

    The same method for relapses and for poverty person-years averted. Undefined (NaN) when
    the mean amount averted is not positive: a policy that averts nothing has no cost per
    unit averted.
    """
    x, y = np.asarray(extra_cost, np.float64), np.asarray(averted, np.float64)
    n = x.size
    if n == 0 or y.mean() <= 0:
        return Interval(float("nan"), float("nan"), float("nan"), float("nan"))
    ratio = float(x.mean() / y.mean())
    if n < 2:
        return Interval(ratio, float("nan"), float("nan"), float("nan"))
    # variance of x̄/ȳ by the delta method, with the paired covariance
    cov = np.cov(x, y, ddof=1)
    var = (cov[0, 0] - 2 * ratio * cov[0, 1] + ratio**2 * cov[1, 1]) / (n * y.mean() ** 2)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * float(np.sqrt(max(var, 0.0)))
    return Interval(ratio, ratio - half, ratio + half, float("nan"))


@dataclass(frozen=True)
class ComparisonRow:
    """One row of ``comparison.csv``: a policy's effect on one metric against the baseline."""

    policy: str
    baseline: str
    metric: str
    n_pairs: int
    baseline_mean: float
    policy_mean: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    unpaired_ci_low: float
    unpaired_ci_high: float
    unpaired_p_value: float
    note: str = ""


def _row(policy: str, baseline: str, metric: str, pol: np.ndarray, base: np.ndarray, note: str = "") -> ComparisonRow:
    paired, unpaired = paired_difference(pol, base), welch_difference(pol, base)
    return ComparisonRow(
        policy,
        baseline,
        metric,
        int(pol.size),
        float(base.mean()),
        float(pol.mean()),
        paired.estimate,
        paired.low,
        paired.high,
        paired.p_value,
        unpaired.low,
        unpaired.high,
        unpaired.p_value,
        note,
    )


def compare_policies(summary: pd.DataFrame, baseline: str, metrics: tuple[str, ...]) -> pd.DataFrame:
    """Paired effects of every policy in ``summary`` against ``baseline``, one row per (policy, metric).

    Args:
        summary: one row per (``scenario``, ``replicate``) with the metric columns.
        baseline: the baseline's scenario name.
        metrics: the metrics to compare. Each outcome of :data:`AVERTED` present in the
            summary with ``fiscal_cost`` adds two rows after them: ``poverty_person_years``
            gives ``poverty_person_years_averted`` and ``fiscal_cost_per_poverty_year_averted``,
            ``relapse_count`` gives ``relapses_averted`` and ``fiscal_cost_per_relapse_averted``.

    Returns:
        The rows of ``comparison.csv``; replicates missing on either side (failed runs) are
        left out of the pairs.
    """
    table = summary.set_index(["scenario", "replicate"]).sort_index()
    base_runs = table.loc[baseline]
    rows: list[ComparisonRow] = []
    for policy in dict.fromkeys(summary["scenario"]):
        if policy == baseline:
            continue
        pol_runs = table.loc[policy]
        pairs = base_runs.index.intersection(pol_runs.index)
        base, pol = base_runs.loc[pairs], pol_runs.loc[pairs]
        for metric in metrics:
            rows.append(_row(policy, baseline, metric, pol[metric].to_numpy(), base[metric].to_numpy()))
        for outcome in AVERTED:
            if {outcome.outcome, "fiscal_cost"} <= set(table.columns):
                rows += averted_rows(policy, baseline, base, pol, outcome)
    return pd.DataFrame([asdict(r) for r in rows], columns=list(ComparisonRow.__dataclass_fields__))


def averted_rows(
    policy: str, baseline: str, base: pd.DataFrame, pol: pd.DataFrame, outcome: Averted
) -> list[ComparisonRow]:
    """The two rows of ``outcome``: amount averted (baseline - policy) and extra fiscal cost per unit averted.

    Args:
        policy: the policy's scenario name.
        baseline: the baseline's scenario name.
        base: the baseline's summary rows, one per replicate, in the same order as ``pol``.
        pol: the policy's summary rows, paired with ``base`` by replicate.
        outcome: which outcome is averted.
    """
    base_counts, pol_counts = base[outcome.outcome].to_numpy(), pol[outcome.outcome].to_numpy()
    # averted = baseline - policy, paired by replicate
    swapped = _row(policy, baseline, outcome.averted, base_counts, pol_counts)
    averted_row = replace(swapped, baseline_mean=swapped.policy_mean, policy_mean=swapped.baseline_mean)
    extra = pol["fiscal_cost"].to_numpy() - base["fiscal_cost"].to_numpy()
    ratio = cost_per_averted(extra, base_counts - pol_counts)
    note = (
        f"n/a: the policy averts no {outcome.what} on average ({outcome.what} averted <= 0)"
        if not np.isfinite(ratio.estimate)
        else f"negative: the policy saves fiscal cost while averting {outcome.what}"
        if ratio.estimate < 0
        else ""
    )
    nan = float("nan")
    cost_row = ComparisonRow(
        policy, baseline, outcome.cost_per, int(base_counts.size), nan, nan,
        ratio.estimate, ratio.low, ratio.high, nan, nan, nan, nan, note,
    )  # fmt: skip
    return [averted_row, cost_row]
