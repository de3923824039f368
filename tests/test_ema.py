"""The EMA Workbench adapter: experiments over uncertainties, replications on agrifin's replicate seeds, PRIM."""

import sys

import numpy as np
import pytest
from ema_workbench import RealParameter, SequentialEvaluator, perform_experiments
from ema_workbench.analysis import prim
from small_county import pre_calibration_scenario

from simulation.experiments import ema
from simulation.experiments.runner import run
from simulation.extras import MissingExtraError
from simulation.scenario.loading import load_scenario

TINY = {"households": 300, "years": 1}


def tiny_model(base="baseline", **more):
    uncertainties = [
        RealParameter("illness", 0.002, 0.02, variable_name="health.event_probability"),
        RealParameter("alarm_threshold", 0.0, 0.03, variable_name="poverty.large_scale_relapse_threshold"),
    ]
    return ema.model(base, uncertainties=uncertainties, replications=2, **TINY, **more)


def test_a_replication_is_an_agrifin_replicate_with_its_common_random_numbers():
    m = tiny_model(outcomes=["relapse_count", "fiscal_cost"])
    base = load_scenario("baseline", {"population.households": 300, "horizon.years": 1})
    runs = run(base, replications=2, seed=1, workers=1).summary
    for replicate in (0, 1):
        got = m.function(replicate=replicate, **{"health.event_probability": base.health.event_probability})
        assert got["relapse_count"] == runs.loc[replicate, "relapse_count"]
        assert got["fiscal_cost"] == runs.loc[replicate, "fiscal_cost"]


def test_perform_experiments_and_prim_run_on_large_scale_relapse():
    # the pre-calibration county: the calibrated one relapses too rarely for 300 households to raise an alarm
    county = pre_calibration_scenario(households=300, years=1)
    m = tiny_model(county, outcomes=["relapse_count", "large_scale_relapse"], series=["relapse_rate"])
    with SequentialEvaluator(m) as evaluator:
        experiments, outcomes = perform_experiments(
            m, scenarios=8, evaluator=evaluator, uncertainty_sampling_kwargs={"rng": 7}
        )
    assert len(experiments) == 8 and outcomes["relapse_count"].shape == (8,)
    assert outcomes["relapse_rate"].shape == (8, 12)
    alarm = outcomes["large_scale_relapse"] > 0
    assert 0 < alarm.sum() < 8  # the threshold uncertainty splits the experiments
    box = prim.Prim(experiments[["illness", "alarm_threshold"]], alarm).find_box()
    limits = box.box_lims[-1]
    assert limits.loc[1, "alarm_threshold"] < 0.03  # the alarm lives at low thresholds


def test_without_the_ema_extra_the_adapter_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'agrifin\[ema\]'"):
        ema.model("baseline")


def test_double_underscore_names_are_dotted_keys():
    assert ema.dotted("credit__products__microcredit__rate") == "credit.products.microcredit.rate"
    assert ema.mean_over_replications([1.0, 3.0]) == 2.0
    np.testing.assert_array_equal(ema.mean_over_replications([np.ones(3), np.zeros(3)]), np.full(3, 0.5))
