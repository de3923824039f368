"""Every reported metric is declared by what computes it, and every declared metric is reported."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.engine.metrics import BUDGET_LINES, METRIC_NAMES, METRICS, summarise
from simulation.engine.model import ValueChainModel
from simulation.outputs.charts.compare import BUDGET_LINE_LABELS
from simulation.outputs.charts.text import tr
from tests.small_county import small_scenario


@pytest.fixture(scope="module")
def record() -> dict[str, float]:
    model = ValueChainModel(small_scenario(households=300, years=1), seed=1)
    return model.run_to_end().iloc[-1].to_dict()


def test_every_reported_metric_is_declared(record):
    undeclared = set(record) - {"month"} - set(METRIC_NAMES)
    assert not undeclared


def test_every_declared_metric_is_reported(record):
    unreported = set(METRIC_NAMES) - set(record)
    assert not unreported


def test_each_metric_is_declared_once_with_a_known_summary_rule():
    assert len(METRIC_NAMES) == len(set(METRIC_NAMES))
    assert {m.summary for m in METRICS} <= {"sum", "last_year", "assessments", "last", "max", "min"}


def test_an_undeclared_figure_cannot_be_summarised():
    with pytest.raises(ValueError, match="not declared"):
        summarise({"mystery_share": np.zeros(12)}, np.zeros(12, bool))


def test_each_budget_line_has_its_labels_in_both_languages():
    names = [line.name for line in BUDGET_LINES]
    assert len(names) == len(set(names))
    for line in BUDGET_LINES:
        assert BUDGET_LINE_LABELS[line.name] == line.en
        assert tr(line.en, "zh") == line.zh
        assert f"fiscal_{line.name}" in METRIC_NAMES


def test_each_outcome_a_planner_weighs_says_which_way_is_better():
    from simulation.engine.metrics import METRIC_BY_NAME

    assert {m.better for m in METRICS} == {"lower", "higher", ""}
    relapse_and_cost = ("relapse_rate", "cohort_poverty_rate", "poverty_person_years", "large_scale_relapse")
    assert all(METRIC_BY_NAME[name].better == "lower" for name in (*relapse_and_cost, "fiscal_cost", "npl_ratio"))
    assert all(METRIC_BY_NAME[f"fiscal_{line.name}"].better == "lower" for line in BUDGET_LINES)
    incomes = [m for m in METRICS if m.unit == "yuan per person per year" and m.name != "poverty_line"]
    assert incomes and all(m.better == "higher" for m in incomes if m.name != "transfer_income_pc")
    assert METRIC_BY_NAME["transfer_income_pc"].better == ""  # more transfers: more need as much as more support
