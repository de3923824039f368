"""compare: paired differences over common random numbers, and the statistics behind them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from scipy import stats
from small_county import PRE_CALIBRATION, nested

from simulation.app.cli.main import cli
from simulation.experiments.stats import (
    compare_policies,
    cost_per_averted,
    paired_difference,
    welch_difference,
)


def county_yaml(households: int, years: int) -> str:
    """A small county for comparison tests: the pre-calibration county, where poverty is frequent enough."""
    keys = {**PRE_CALIBRATION, "population.households": households, "horizon.years": years}
    head = {"name": "county", "description": "a small county for comparison tests"}
    return yaml.safe_dump({**head, **nested(keys)}, sort_keys=False)


def write_policy(folder: Path, name: str, body: str = "") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"extends: county.yaml\nname: {name}\ndescription: policy {name}\n{body}")
    return path


@pytest.fixture
def county(tmp_path: Path) -> Path:
    path = tmp_path / "county.yaml"
    path.write_text(county_yaml(households=1500, years=3))
    return path


def run_compare(paths: list[Path], out: Path, replications: int, workers: int = 1) -> pd.DataFrame:
    args = ["compare", *map(str, paths), "-r", str(replications), "-o", str(out), "--workers", str(workers)]
    result = CliRunner().invoke(cli, [*args, "--no-charts", "-q"])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out / "comparison.csv")


def test_compare_of_a_scenario_against_itself_gives_differences_of_exactly_zero(county: Path, tmp_path: Path):
    same = write_policy(tmp_path, "same_again")  # identical parameters, another name
    comparison = run_compare([county, same], tmp_path / "out", replications=3)
    ratios = comparison["metric"].str.startswith("fiscal_cost_per_")
    simple = comparison[~ratios]
    assert (simple["difference"] == 0.0).all()
    assert (simple["ci_low"] == 0.0).all() and (simple["ci_high"] == 0.0).all()
    assert "fiscal_cost_per_relapse_averted" in set(comparison.loc[ratios, "metric"])
    for _, ratio in comparison[ratios].iterrows():
        assert np.isnan(ratio["difference"]) and "n/a" in ratio["note"]


def test_paired_interval_for_poverty_person_years_is_narrower_than_unpaired(county: Path, tmp_path: Path):
    dibao = write_policy(tmp_path, "dibao_full", "transfers:\n  dibao_takeup: 1.0\n")
    comparison = run_compare([county, dibao], tmp_path / "out", replications=8, workers=2)
    row = comparison.set_index("metric").loc["poverty_person_years"]
    paired = row["ci_high"] - row["ci_low"]
    unpaired = row["unpaired_ci_high"] - row["unpaired_ci_low"]
    assert 0 < paired < unpaired
    assert row["difference"] < 0  # enrolling every eligible household in dibao averts years in poverty


def test_comparison_csv_holds_every_main_metric_and_the_cost_per_relapse_averted(county: Path, tmp_path: Path):
    dibao = write_policy(tmp_path, "dibao_full", "transfers:\n  dibao_takeup: 1.0\n")
    health = write_policy(tmp_path, "generous_health", "health:\n  reimbursement_share: 0.85\n")
    comparison = run_compare([county, dibao, health], tmp_path / "out", replications=3, workers=2)
    for policy in ("dibao_full", "generous_health"):
        metrics = set(comparison.loc[comparison["policy"] == policy, "metric"])
        assert {"relapse_rate", "poverty_headcount", "fiscal_cost", "relapses_averted"} <= metrics
        assert "fiscal_cost_per_relapse_averted" in metrics
    assert (comparison["baseline"] == "county").all()
    assert (tmp_path / "out" / "manifest.json").exists()


def test_paired_difference_matches_the_paired_t_test():
    rng = np.random.default_rng(3)
    base = rng.normal(10, 3, 12)
    policy = base - 0.5 + rng.normal(0, 0.2, 12)
    found = paired_difference(policy, base)
    expected = stats.ttest_rel(policy, base)
    assert found.p_value == pytest.approx(expected.pvalue)
    low, high = expected.confidence_interval(0.95)
    assert (found.low, found.high) == (pytest.approx(low), pytest.approx(high))


def test_welch_difference_matches_scipy_and_is_wider_when_runs_share_luck():
    rng = np.random.default_rng(4)
    luck = rng.normal(0, 5, 10)
    base, policy = 20 + luck, 19 + luck + rng.normal(0, 0.3, 10)
    unpaired = welch_difference(policy, base)
    expected = stats.ttest_ind(policy, base, equal_var=False)
    assert unpaired.p_value == pytest.approx(expected.pvalue)
    assert paired_difference(policy, base).width < unpaired.width


def test_cost_per_relapse_averted_is_undefined_when_no_relapse_is_averted():
    assert np.isnan(cost_per_averted(np.array([5.0, 6.0]), np.array([0.0, -1.0])).estimate)
    found = cost_per_averted(np.array([100.0, 120.0, 80.0]), np.array([2.0, 2.0, 2.0]))
    assert found.estimate == pytest.approx(50.0)


def test_compare_policies_pairs_only_replicates_present_on_both_sides():
    summary = pd.DataFrame(
        {
            "scenario": ["base"] * 3 + ["policy"] * 2,
            "replicate": [0, 1, 2, 0, 2],
            "relapse_rate": [0.02, 0.03, 0.04, 0.01, 0.03],
            "relapse_count": [4.0, 6.0, 8.0, 2.0, 6.0],
            "fiscal_cost": [100.0, 100.0, 100.0, 110.0, 110.0],
        }
    )
    table = compare_policies(summary, "base", ("relapse_rate",)).set_index("metric")
    assert table.loc["relapse_rate", "n_pairs"] == 2
    assert table.loc["relapse_rate", "difference"] == pytest.approx(-0.01)
    assert table.loc["relapses_averted", "difference"] == pytest.approx(2.0)
    assert table.loc["fiscal_cost_per_relapse_averted", "difference"] == pytest.approx(5.0)
