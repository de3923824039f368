"""The runner: tidy tables, paired replicate seeds across scenarios, identical results in parallel."""

from __future__ import annotations

import pandas as pd
import pytest
from small_county import small_scenario

import simulation.experiments.runner
from simulation import run
from simulation.engine.model import ValueChainModel

HOUSEHOLDS = 400


@pytest.fixture(scope="module")
def two_replicates():
    return run(small_scenario("county", households=HOUSEHOLDS, years=2), replications=2, seed=3, workers=1)


def test_timeseries_has_one_row_per_month_per_replicate(two_replicates):
    ts = two_replicates.timeseries

    assert {"scenario", "replicate", "month"} <= set(ts.columns)
    assert len(ts) == 2 * 24
    assert set(ts["scenario"]) == {"county"}
    assert ts.groupby("replicate")["month"].apply(list).to_dict() == {0: list(range(1, 25)), 1: list(range(1, 25))}
    assert not ts.duplicated(["scenario", "replicate", "month"]).any()


def test_summary_has_one_row_per_replicate(two_replicates):
    summary = two_replicates.summary

    assert summary[["scenario", "replicate"]].to_dict("records") == [
        {"scenario": "county", "replicate": 0},
        {"scenario": "county", "replicate": 1},
    ]
    assert "month" not in summary.columns
    assert two_replicates.failed == []


def test_summary_row_collapses_that_replicates_months(two_replicates):
    ts, summary = two_replicates.timeseries, two_replicates.summary.set_index("replicate")

    for replicate, months in ts.groupby("replicate"):
        assert summary.loc[replicate, "relapse_count"] == months["relapse_count"].sum()
        assert summary.loc[replicate, "fiscal_cost"] == pytest.approx(months["fiscal_cost"].sum())
        assert summary.loc[replicate, "gini"] == pytest.approx(months["gini"].tail(12).mean())


def test_replicates_of_one_run_differ(two_replicates):
    by_replicate = two_replicates.summary.set_index("replicate")

    assert by_replicate.loc[0, "mean_income_pc"] != by_replicate.loc[1, "mean_income_pc"]


def test_scenarios_in_one_run_share_replicate_seeds():
    twin_a = small_scenario("twin_a", households=HOUSEHOLDS, years=1)
    twin_b = small_scenario("twin_b", households=HOUSEHOLDS, years=1)

    result = run([twin_a, twin_b], replications=2, seed=3, workers=1)

    ts = result.timeseries
    a = ts[ts["scenario"] == "twin_a"].drop(columns="scenario").reset_index(drop=True)
    b = ts[ts["scenario"] == "twin_b"].drop(columns="scenario").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    summary = result.summary.drop(columns="scenario")
    pd.testing.assert_frame_equal(
        summary.iloc[:2].reset_index(drop=True), summary.iloc[2:].reset_index(drop=True), check_exact=True
    )


def test_results_follow_the_order_of_the_scenarios_given():
    later = small_scenario("zeta", households=HOUSEHOLDS, years=1)
    sooner = small_scenario("alpha", households=HOUSEHOLDS, years=1)

    result = run([later, sooner], replications=2, seed=3, workers=1)

    assert result.summary[["scenario", "replicate"]].values.tolist() == [
        ["zeta", 0],
        ["zeta", 1],
        ["alpha", 0],
        ["alpha", 1],
    ]


def test_a_run_equals_a_model_built_by_hand_with_the_same_seed_and_replicate(two_replicates):
    by_hand = ValueChainModel(small_scenario("county", households=HOUSEHOLDS, years=2), seed=3, replicate=1)
    expected = by_hand.run_to_end()

    ts = two_replicates.timeseries
    got = ts[ts["replicate"] == 1].drop(columns=["scenario", "replicate"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_two_workers_give_exactly_the_results_of_one(two_replicates):
    parallel = run(small_scenario("county", households=HOUSEHOLDS, years=2), replications=2, seed=3, workers=2)

    pd.testing.assert_frame_equal(parallel.timeseries, two_replicates.timeseries, check_exact=True)
    pd.testing.assert_frame_equal(parallel.summary, two_replicates.summary, check_exact=True)


def test_scenario_names_must_differ_within_one_run():
    same = small_scenario("same", households=HOUSEHOLDS)

    with pytest.raises(ValueError, match="names must differ"):
        run([same, same.model_copy()], replications=1, workers=1)


def test_each_finished_run_is_reported_as_it_finishes():
    seen = []

    run(small_scenario(households=300), replications=3, seed=1, workers=1, on_result=seen.append)

    assert sorted(output.replicate for output in seen) == [0, 1, 2]
    assert all(output.status == "ok" and output.seconds >= 0 for output in seen)


def test_a_failed_replicate_is_reported_and_the_others_are_kept(monkeypatch):
    class FailsOnReplicateOne(ValueChainModel):
        def run_to_end(self) -> pd.DataFrame:
            if self.streams.replicate == 1:
                raise RuntimeError("simulated breakdown")
            return super().run_to_end()

    monkeypatch.setattr(simulation.experiments.runner, "ValueChainModel", FailsOnReplicateOne)

    result = run(small_scenario(households=300), replications=3, seed=1, workers=1)

    assert [r.replicate for r in result.failed] == [1]
    assert "RuntimeError: simulated breakdown" in result.failed[0].error
    assert result.summary["replicate"].tolist() == [0, 2]
    assert sorted(result.timeseries["replicate"].unique()) == [0, 2]
