"""Monitoring: flags from what the system observes, measured against the truth; responses, by-group tables."""

import numpy as np
import pytest
from small_county import PRE_CALIBRATION, nested

from simulation.engine.model import ValueChainModel
from simulation.engine.month import PHASES
from simulation.experiments.runner import run
from simulation.scenario.loading import ScenarioError, scenario_from_dict


def monitored_county(households=1500, years=2, **sections):
    data = {
        "name": "mon",
        "description": "monitoring test",
        # a county where households fall below the lines (the calibrated one rarely does)
        **nested({**PRE_CALIBRATION, "population.households": households, "horizon.years": years}),
        "monitoring": {"enabled": True},
    }
    for key, value in sections.items():
        data.setdefault(key, {}).update(value)
    return scenario_from_dict(data)


def step_to_monitoring(model: ValueChainModel) -> None:
    """Run the next month up to (not including) its monitoring phase."""
    model.month += 1
    model.households.reset_month()
    month = model.open_month()
    for phase in PHASES[: PHASES.index("monitor")]:
        getattr(model, phase)(month)


def test_with_no_reviews_and_no_shared_data_nobody_is_flagged():
    sc = monitored_county(monitoring={"enabled": True, "review_rate": 0.0})
    series = ValueChainModel(sc, seed=1).run_to_end()
    assert (series["flagged_households"] == 0).all()
    assert (series["assistance_paid"] == 0).all()


def test_with_exact_reports_and_every_household_reviewed_precision_and_recall_are_one():
    sc = monitored_county(
        monitoring={"enabled": True, "review_rate": 1.0, "income_report_error_sd": 0.0, "detection_lag_months": 0}
    )
    series = ValueChainModel(sc, seed=2).run_to_end()
    assert np.allclose(series["monitoring_precision"], 1.0)
    assert np.allclose(series["monitoring_recall"], 1.0)


def test_reporting_error_makes_false_alarms_and_misses_emerge():
    sc = monitored_county(
        monitoring={"enabled": True, "review_rate": 1.0, "income_report_error_sd": 0.6, "detection_lag_months": 0}
    )
    series = ValueChainModel(sc, seed=2).run_to_end()
    assert series["monitoring_precision"].mean() < 0.95
    assert series["monitoring_recall"].mean() < 0.95


def test_a_household_is_flagged_on_its_reported_income_not_its_true_income():
    sc = monitored_county(
        monitoring={"enabled": True, "review_rate": 1.0, "income_report_error_sd": 0.5, "detection_lag_months": 0}
    )
    model = ValueChainModel(sc, seed=3)
    step_to_monitoring(model)
    hh, system, n = model.households, model.monitoring, model.households.n
    line = system.monitoring_line
    well_off = int(np.flatnonzero(hh.income_pc > 2 * line)[0])
    poor = int(np.flatnonzero(hh.income_pc < 0.5 * line)[0])
    error = np.zeros(n)
    error[well_off], error[poor] = -10.0, 10.0  # the rich one under-reports, the poor one over-reports
    system.review(model.month, model.weather.loss, np.zeros(n), np.ones(n), error)
    assert system.monitored[well_off] and not system.at_risk[well_off]
    assert not system.monitored[poor] and system.at_risk[poor]


def test_shared_medical_data_flag_a_household_whose_bills_are_rigid_expenditure():
    sc = monitored_county(
        monitoring={
            "enabled": True,
            "review_rate": 0.0,
            "income_report_error_sd": 0.0,
            "detection_lag_months": 0,
            "data_sharing": {"health": True},
        }
    )
    model = ValueChainModel(sc, seed=3)
    step_to_monitoring(model)
    hh, system, n = model.households, model.monitoring, model.households.n
    rich = int(np.flatnonzero(hh.income_pc > 3 * system.monitoring_line)[0])
    hh.billed = np.array([rich])  # the only household billed this month: the medical data bring it under review
    hh.medical_due[rich] = 1.0
    hh.medical_12m[rich] = hh.income_12m[rich]  # bills as large as its income
    system.monitored[:] = False  # forget earlier months' flags
    system.review(model.month, model.weather.loss, np.ones(n), np.ones(n), np.zeros(n))
    assert system.monitored[rich]
    others = np.setdiff1d(np.arange(n), hh.billed)
    assert not system.monitored[others].any()  # no routine reviews: nobody else is seen


def test_region_override_changes_that_region_only():
    sc = monitored_county(
        monitoring={"enabled": True, "review_rate": 0.0},
        regions={"mountain": {"monitoring": {"review_rate": 1.0}}},
    )
    model = ValueChainModel(sc, seed=3)
    model.run_for(12)
    flagged_regions = set(np.unique(model.households.region[model.monitoring.monitored]))
    assert flagged_regions == {2}  # mountain
    rate = model.differentiation.values("monitoring.review_rate")
    assert (rate[model.households.region == 2] == 1.0).all()
    assert (rate[model.households.region != 2] == 0.0).all()


def test_group_override_wins_over_region_override():
    sc = monitored_county(
        regions={"mountain": {"monitoring": {"review_rate": 0.9}}},
        groups={"ex_poor": {"monitoring": {"review_rate": 0.2}}},
    )
    model = ValueChainModel(sc, seed=3)
    rate = model.differentiation.values("monitoring.review_rate")
    hh = model.households
    assert (rate[(hh.region == 2) & (hh.group == 0)] == 0.2).all()
    assert (rate[(hh.region == 2) & (hh.group != 0)] == 0.9).all()
    assert (rate[(hh.region != 2) & (hh.group != 0)] == sc.monitoring.review_rate).all()


def test_assistance_is_paid_by_government_through_the_ledger():
    model = ValueChainModel(monitored_county(horizon={"years": 2, "spin_up_years": 0}), seed=4)
    series = model.run_to_end()
    assert series["assistance_paid"].sum() > 0
    assert series["assistance_paid"].sum() == pytest.approx(series["fiscal_assistance"].sum())
    flows = model.ledger.totals
    assert flows[("assistance", "government", "households")] == pytest.approx(series["fiscal_assistance"].sum())
    assert series["ledger_imbalance"].abs().max() < 1e-3


def test_monitoring_lowers_relapse_against_the_same_luck():
    on = ValueChainModel(monitored_county(households=2000, years=3), seed=5).run_to_end()
    off_scenario = monitored_county(households=2000, years=3, monitoring={"enabled": False})
    off = ValueChainModel(off_scenario, seed=5).run_to_end()
    assert on["relapse_count"].sum() < off["relapse_count"].sum()


def test_caught_diversion_is_counselled_into_investment():
    base = {"credit": {"demand": {"opportunity_rate": 0.2, "diversion_probability": 1.0}}}
    watched = monitored_county(
        **base, monitoring={"enabled": True, "loan_use": {"monitored": True, "detection_rate": 1.0}}
    )
    series = ValueChainModel(watched, seed=6).run_to_end()
    assert series["loans_diverted"].sum() > 0
    assert series["diversions_caught"].sum() == series["loans_diverted"].sum()


@pytest.mark.parametrize(
    ("sections", "named"),
    [
        ({"regions": {"moon": {}}}, "regions"),
        ({"regions": {"hill": {"monitoring": {"review_rate": 1.5}}}}, "regions.hill.monitoring.review_rate"),
        ({"groups": {"ex_poor": {"health": {"cost_mean": 5}}}}, "groups.ex_poor.health.cost_mean"),
        ({"monitoring": {"loan_use": {"response": "shout"}}}, "monitoring.loan_use"),
    ],
)
def test_bad_differentiation_names_the_key(sections, named):
    with pytest.raises(ScenarioError) as err:
        monitored_county(**sections)
    assert named in str(err.value) and "\n" not in str(err.value)


def test_by_group_rows_sum_back_to_county_totals():
    res = run(monitored_county(households=1200, years=2), replications=1, seed=7, workers=1)
    by_group, series = res.by_group, res.timeseries
    assert set(by_group["dimension"]) == {"region", "household_group", "land"}
    for dimension, rows in by_group.groupby("dimension"):
        totals = rows.groupby("month")[["households", "relapses", "poor_persons", "persons", "loans_outstanding"]].sum()
        assert (totals["households"] == 1200).all(), dimension
        assessed = series.set_index("month")
        december = totals.index[totals.index % 12 == 0]
        np.testing.assert_allclose(totals.loc[december, "relapses"], assessed.loc[december, "relapse_count"])
        np.testing.assert_allclose(totals["poor_persons"] / totals["persons"], assessed["poverty_headcount"])
        np.testing.assert_allclose(totals["loans_outstanding"], assessed["loans_outstanding"])
