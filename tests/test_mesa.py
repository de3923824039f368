"""ValueChainModel behaves as Mesa's tools expect: DataCollector, batch_run, steps, scenario, households as a table."""

import mesa
import numpy as np
import pandas as pd

from agents.household_table import COLUMNS
from simulation.engine.metrics import METRIC_NAMES
from simulation.engine.model import ValueChainModel

SMALL = {"population.households": 300, "horizon.years": 1}


def small_model(**more) -> ValueChainModel:
    return ValueChainModel("baseline", seed=1, **SMALL, **more)


def test_model_steps_and_time_start_at_zero_after_the_spin_up_and_count_recorded_months():
    model = small_model()
    assert (model.steps, model.time, model.month, model.spinning_up) == (0, 0, 0, False)
    model.step()
    model.step()
    assert (model.steps, model.month) == (2, 2)


def test_stepping_by_hand_until_not_running_keeps_the_end_snapshot():
    model = small_model()
    while model.running:
        model.step()
    assert model.steps == model.params.months == 12
    assert set(model.income_distribution()["when"]) == {"start", "end"}


def test_the_datacollector_reads_the_monthly_record():
    model = small_model()
    model.run_to_end()
    collected = model.datacollector.get_model_vars_dataframe()
    series = model.timeseries()
    assert len(collected) == len(series) == 12
    for name in ("month", *METRIC_NAMES):
        np.testing.assert_array_equal(collected[name].to_numpy(), series[name].to_numpy())


def test_batch_run_runs_two_parameter_values_with_the_same_numbers_as_a_direct_run():
    rates = [0.02, 0.08]
    rows = mesa.batch_run(
        ValueChainModel,
        parameters={"scenario": "baseline", **SMALL, "credit.products.microcredit.rate": rates},
        rng=[1],
        number_processes=1,
        display_progress=False,
    )
    frame = pd.DataFrame(rows)
    assert sorted(frame["credit.products.microcredit.rate"]) == rates
    assert (frame["Step"] == 12).all()
    direct = small_model(**{"credit.products.microcredit.rate": 0.02})
    last = direct.run_to_end().iloc[-1]
    row = frame[frame["credit.products.microcredit.rate"] == 0.02].iloc[0]
    for name in METRIC_NAMES:
        assert row[name] == last[name], name
    cheap, dear = (frame[frame["credit.products.microcredit.rate"] == r].iloc[0] for r in rates)
    assert cheap["loans_outstanding"] != dear["loans_outstanding"]


def test_model_scenario_is_mesas_record_carrying_the_parameters():
    model = small_model()
    assert model.scenario.parameters is model.params
    assert (model.scenario.name, model.scenario.seed, model.scenario.replicate) == ("baseline", 1, 0)


def test_a_seed_of_none_draws_a_fresh_seed_and_keeps_it():
    first, second = ValueChainModel("baseline", seed=None, **SMALL), ValueChainModel("baseline", seed=None, **SMALL)
    assert first.seed != second.seed
    again = ValueChainModel("baseline", seed=first.seed, **SMALL)
    assert again.households.cash.sum() == first.households.cash.sum()


def test_households_to_frame_has_one_row_per_household_and_the_documented_columns():
    model = small_model()
    model.step()
    frame = model.households.to_frame()
    assert len(frame) == model.households.n and list(frame.columns) == list(COLUMNS)
    np.testing.assert_array_equal(frame["income_pc"], model.households.income_pc)
    assert set(frame["region"].cat.categories) == {"plain", "hill", "mountain"}
    frame.loc[0, "cash"] = -1.0  # a copy: the model's state is untouched
    assert model.households.cash[0] != -1.0
