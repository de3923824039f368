"""Comparison statistics on scipy give today's numbers; the BCa bootstrap stands beside the delta method."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation.experiments.stats import (
    Interval,
    bootstrap_cost_per_averted,
    compare_policies,
    cost_per_averted,
    paired_difference,
    t_interval,
    welch_difference,
)


def hand_t_interval(values, confidence=0.95):
    """The formulas agrifin used before scipy (kept here as the reference)."""
    n, mean, sd = values.size, values.mean(), values.std(ddof=1)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n)
    return Interval(mean, mean - half, mean + half, 2 * stats.t.sf(abs(mean) / (sd / np.sqrt(n)), n - 1))


def hand_welch(a, b, confidence=0.95):
    diff = a.mean() - b.mean()
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se2 = va + vb
    dof = se2**2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = stats.t.ppf(0.5 + confidence / 2, dof) * np.sqrt(se2)
    return Interval(diff, diff - half, diff + half, 2 * stats.t.sf(abs(diff) / np.sqrt(se2), dof))


def close(got: Interval, expected: Interval) -> None:
    np.testing.assert_allclose(
        [got.estimate, got.low, got.high, got.p_value],
        [expected.estimate, expected.low, expected.high, expected.p_value],
        rtol=1e-10,
        atol=1e-12,
    )


@pytest.mark.parametrize("n", [2, 3, 10, 40])
def test_scipy_intervals_equal_the_hand_written_ones(n):
    rng = np.random.default_rng(n)
    policy, baseline = rng.normal(100, 15, n), rng.normal(104, 9, n)
    close(t_interval(policy - baseline), hand_t_interval(policy - baseline))
    close(paired_difference(policy, baseline), hand_t_interval(policy - baseline))
    close(welch_difference(policy, baseline), hand_welch(policy, baseline))


def test_degenerate_samples_keep_their_old_answers():
    same = np.array([3.0, 3.0, 3.0])
    assert t_interval(same) == Interval(3.0, 3.0, 3.0, 0.0)
    assert np.isnan(t_interval(np.array([1.0])).low)
    assert welch_difference(same, same).p_value != welch_difference(same, same).p_value  # NaN: no difference


def test_the_bootstrap_interval_is_reproducible_and_near_the_delta_method_when_much_is_averted():
    rng = np.random.default_rng(5)
    averted = rng.normal(50, 5, 20)
    cost = 1_000 * averted + rng.normal(0, 2_000, 20)
    first, again = bootstrap_cost_per_averted(cost, averted), bootstrap_cost_per_averted(cost, averted)
    assert first == again
    delta = cost_per_averted(cost, averted)
    assert first[0] < delta.estimate < first[1]
    assert abs(first[0] - delta.low) < 0.25 * delta.width and abs(first[1] - delta.high) < 0.25 * delta.width


def summary_of(base_relapses, pol_relapses, base_cost, pol_cost) -> pd.DataFrame:
    n = len(base_relapses)
    return pd.DataFrame({
        "scenario": ["base"] * n + ["policy"] * n,
        "replicate": [*range(n), *range(n)],
        "relapse_count": [*base_relapses, *pol_relapses],
        "fiscal_cost": [*base_cost, *pol_cost],
    })  # fmt: skip


def test_comparison_notes_when_the_bootstrap_and_delta_intervals_disagree_near_zero_averted():
    rng = np.random.default_rng(3)
    base = rng.poisson(20, 10).astype(float)
    fragile = base - np.array([3, -2, 4, -3, 1, -1, 2, -2, 0, 1.0])  # averts 0.3 relapses on average
    table = compare_policies(summary_of(base, fragile, np.full(10, 1e6), np.full(10, 1.2e6)), "base", ())
    row = table[table["metric"] == "fiscal_cost_per_relapse_averted"].iloc[0]
    assert "BCa bootstrap interval" in row["note"]

    robust = base - 10 + rng.normal(0, 0.5, 10)
    table = compare_policies(summary_of(base, robust, np.full(10, 1e6), 1.2e6 + rng.normal(0, 1e3, 10)), "base", ())
    row = table[table["metric"] == "fiscal_cost_per_relapse_averted"].iloc[0]
    assert row["bootstrap_ci_low"] < row["difference"] < row["bootstrap_ci_high"]
    assert row["note"] == ""
