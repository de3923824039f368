"""Statistics of a comparison: paired differences over common random numbers.

Every policy runs on the same replicate seeds as the baseline, so replicate ``r`` of the
policy and replicate ``r`` of the baseline share their weather, health and price luck.
The difference ``policy - baseline`` per replicate removes that shared noise; its mean
with a Student t interval is the effect. The unpaired (Welch) interval, which ignores the
pairing, is reported beside it to show how much the pairing buys. Both are scipy's
(``ttest_rel``, ``ttest_ind(equal_var=False)``). A cost per unit averted has a delta-method
interval and, beside it, a paired BCa bootstrap (``scipy.stats.bootstrap``), with a note
when the two disagree (as they do when the amount averted is near zero).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 9_999
BOOTSTRAP_MIN_PAIRS = 10  # fewer pairs give too few distinct resamples: no bootstrap interval
DISAGREEMENT = 0.25  # intervals disagree when an end moves by more than this share of the delta interval's width
POVERTY_YEARS_AVERTED = "poverty_person_years_averted"
COST_PER_POVERTY_YEAR_AVERTED = "fiscal_cost_per_poverty_year_averted"
RELAPSES_AVERTED = "relapses_averted"
COST_PER_RELAPSE_AVERTED = "fiscal_cost_per_relapse_averted"


def scipy_stats() -> Any:
    """``scipy.stats``, imported on first use (most of a second: a sweep's runs start before any interval)."""
    from scipy import stats

    return stats


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


def _interval(estimate: float, test: Any, confidence: float) -> Interval:
    ci = test.confidence_interval(confidence)
    return Interval(estimate, float(ci.low), float(ci.high), float(test.pvalue))


def _quietly(test: Any, *samples: np.ndarray, **options: Any) -> Any:
    """A scipy t-test without its precision-loss warning for nearly equal replicates (the formula's answer stands)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Precision loss occurred", category=RuntimeWarning)
        return test(*samples, **options)


def t_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Mean of ``values`` with its Student t interval and one-sample t-test p-value against 0 (``ttest_1samp``).

    Fewer than two values: no interval. No spread: the interval is the mean itself.
    """
    values = np.asarray(values, np.float64)
    mean = float(values.mean()) if values.size else float("nan")
    if values.size < 2:
        return Interval(mean, float("nan"), float("nan"), float("nan"))
    if values.std(ddof=1) == 0.0:
        return Interval(mean, mean, mean, float("nan") if mean == 0.0 else 0.0)
    return _interval(mean, _quietly(scipy_stats().ttest_1samp, values, 0.0), confidence)


def paired_difference(policy: np.ndarray, baseline: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Mean of ``policy - baseline`` over paired replicates, with the paired t interval (``ttest_rel``)."""
    a, b = np.asarray(policy, np.float64), np.asarray(baseline, np.float64)
    differences = a - b
    mean = float(differences.mean()) if differences.size else float("nan")
    if differences.size < 2 or differences.std(ddof=1) == 0.0:
        return t_interval(differences, confidence)
    return _interval(mean, _quietly(scipy_stats().ttest_rel, a, b), confidence)


def welch_difference(policy: np.ndarray, baseline: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Difference of means as if the runs were independent: Welch's interval (``ttest_ind(equal_var=False)``)."""
    a, b = np.asarray(policy, np.float64), np.asarray(baseline, np.float64)
    diff = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2:
        return Interval(diff, float("nan"), float("nan"), float("nan"))
    if a.var(ddof=1) + b.var(ddof=1) == 0.0:
        return Interval(diff, diff, diff, float("nan") if diff == 0.0 else 0.0)
    return _interval(diff, _quietly(scipy_stats().ttest_ind, a, b, equal_var=False), confidence)


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
    half = float(scipy_stats().t.ppf(0.5 + confidence / 2, n - 1)) * float(np.sqrt(max(var, 0.0)))
    return Interval(ratio, ratio - half, ratio + half, float("nan"))


def _ratio_of_means(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis) / np.mean(y, axis=axis)


def bootstrap_cost_per_averted(
    extra_cost: np.ndarray, averted: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Paired BCa bootstrap interval of extra cost over the amount averted (replicates resampled as pairs).

    Its resamples come from the named ``bootstrap`` stream (root seed 0), so the same runs
    give the same interval. NaN when there are fewer than ``BOOTSTRAP_MIN_PAIRS`` (10) pairs, when the mean amount
    averted is not positive, or when the bootstrap distribution is degenerate.
    """
    from simulation.engine.rng import RandomStreams

    x, y = np.asarray(extra_cost, np.float64), np.asarray(averted, np.float64)
    if x.size < BOOTSTRAP_MIN_PAIRS or y.mean() <= 0:
        return float("nan"), float("nan")
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")  # a degenerate resample gives NaN ends, reported as such
        result = scipy_stats().bootstrap(
            (x, y),
            _ratio_of_means,
            paired=True,
            vectorized=True,
            confidence_level=confidence,
            n_resamples=BOOTSTRAP_RESAMPLES,
            method="BCa",
            rng=RandomStreams(0).stream("bootstrap"),
        )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def intervals_disagree(delta: Interval, low: float, high: float) -> bool:
    """Whether the bootstrap interval ``(low, high)`` tells a different story from the delta-method one.

    They disagree when either end moves by more than :data:`DISAGREEMENT` of the delta
    interval's width, or when only one of them could be computed.
    """
    ends = np.array([delta.low, delta.high, low, high])
    if not np.isfinite(ends).any():
        return False
    if not np.isfinite(ends).all():
        return True
    tolerance = DISAGREEMENT * max(delta.width, 1e-12)
    return abs(low - delta.low) > tolerance or abs(high - delta.high) > tolerance


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
    bootstrap_ci_low: float = float("nan")  # cost per unit averted: paired BCa bootstrap beside the delta method
    bootstrap_ci_high: float = float("nan")


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
    low, high = bootstrap_cost_per_averted(extra, base_counts - pol_counts)
    note = (
        f"n/a: the policy averts no {outcome.what} on average ({outcome.what} averted <= 0)"
        if not np.isfinite(ratio.estimate)
        else f"negative: the policy saves fiscal cost while averting {outcome.what}"
        if ratio.estimate < 0
        else ""
    )
    if np.isfinite(ratio.estimate) and base_counts.size >= BOOTSTRAP_MIN_PAIRS and intervals_disagree(ratio, low, high):
        disagreement = (
            f"the BCa bootstrap interval ({low:,.0f} to {high:,.0f}) differs from the delta-method one "
            f"({ratio.low:,.0f} to {ratio.high:,.0f}): few {outcome.what} averted make the ratio fragile"
        )
        note = f"{note}; {disagreement}" if note else disagreement
    nan = float("nan")
    cost_row = ComparisonRow(
        policy, baseline, outcome.cost_per, int(base_counts.size), nan, nan,
        ratio.estimate, ratio.low, ratio.high, nan, nan, nan, nan, note, low, high,
    )  # fmt: skip
    return [averted_row, cost_row]
