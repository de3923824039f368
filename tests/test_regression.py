"""Regression: the summary of a small fixed run matches the stored baseline figures."""

from __future__ import annotations

import math

import pytest
from regression_run import (
    BASELINE_PATH,
    REGENERATE_COMMAND,
    RUN,
    differences,
    load_baseline,
    summary_means,
)

HOW_TO_REGENERATE = (
    f"If, and only if, the change in the model's numbers is intended, regenerate the baseline with "
    f"`{REGENERATE_COMMAND}` and commit it with the change that caused it. Never regenerate just to make "
    f"this test pass: first understand why the figures moved."
)


def test_summary_of_the_fixed_run_matches_the_regression_baseline():
    if not BASELINE_PATH.exists():
        pytest.fail(f"{BASELINE_PATH} is missing. {HOW_TO_REGENERATE}", pytrace=False)

    changes = differences(load_baseline(), summary_means())

    if changes:
        listed = "\n  ".join(changes)
        pytest.fail(
            f"The regression run {RUN} differs from {BASELINE_PATH.name}:\n  {listed}\n{HOW_TO_REGENERATE}",
            pytrace=False,
        )


def test_regression_comparison_flags_a_moved_figure_and_tolerates_rounding():
    baseline = {"run": RUN, "metrics": {"relapse_rate": 0.01, "gini": 0.35, "ledger_imbalance": 1e-8}}

    assert differences(baseline, {"relapse_rate": 0.01 * (1 + 1e-9), "gini": 0.35, "ledger_imbalance": 3e-8}) == []
    moved = differences(baseline, {"relapse_rate": 0.0101, "gini": 0.35, "ledger_imbalance": 0.5})
    assert [line.split(":")[0] for line in moved] == ["ledger_imbalance", "relapse_rate"]


def test_regression_comparison_flags_added_and_removed_metrics_and_a_changed_run():
    baseline = {"run": {**RUN, "seed": 8}, "metrics": {"old_metric": 1.0, "gini": math.nan}}

    lines = differences(baseline, {"new_metric": 2.0, "gini": math.nan})

    assert len(lines) == 3
    assert lines[0].startswith("run definition")
    assert "old_metric: in the baseline, no longer reported" in lines
    assert "new_metric: new metric, 2" in lines
