"""Calibration: targets read the runs as documented, trials share seeds, a killed study resumes, bad input exits 2."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.experiments.calibrate import Calibration, disaster_contrast, open_study, run_trials, trials_table
from simulation.experiments.calibration_targets import Quantity, TargetsFile, load_targets, loss_of
from simulation.experiments.designs import Factor
from simulation.experiments.runner import RunOutput
from tests.small_county import small_scenario
from tests.test_bad_input import agrifin, snapshot

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "scenarios" / "calibration" / "targets.yaml"
SMALL = ("--households", "300", "-r", "2", "--workers", "1", "-q", "--no-charts")


def series(years: int = 3, start: int = 2021, **columns: np.ndarray) -> pd.DataFrame:
    """A synthetic monthly series of ``years`` calendar years."""
    months = np.arange(1, 12 * years + 1)
    return pd.DataFrame({"month": months, "calendar_year": start + (months - 1) // 12, **columns})


def small_targets(tmp_path: Path, text: str) -> Path:
    """A targets file in ``tmp_path``."""
    path = tmp_path / "targets.yaml"
    path.write_text(text)
    return path


ESTIMABLE = """
targets:
  - name: ex_poor_income_2021
    description: ex-poor income in 2021
    metric: cohort_income_pc
    year: 2021
    at: end
    value: {income}
    tolerance: {tolerance}
    source: "[registered-poor-income-2020]"
  - name: transfer_share_2021
    description: transfers' share
    numerator: {{metric: transfer_income_pc, year: 2021}}
    denominator: {{metric: [farm_income_pc, wage_income_pc, transfer_income_pc], year: 2021}}
    value: 0.2
    tolerance: 0.15
    source: "[nbs-2020-poor-areas-income]"
validation:
  - name: microcredit_raises_income_modestly
    description: modest effect
    kind: counterfactual
    metric: cohort_income_pc
    set: {{credit.products.microcredit.enabled: false}}
    low: -0.05
    high: 0.2
    source: "[stylised-microcredit-modest]"
"""


def test_a_window_is_read_by_the_metrics_summary_rule():
    months = np.arange(1, 37)
    data = series(
        loan_defaults=np.ones(36),  # a flow: summed per year, averaged over years
        relapse_rate=np.where(months % 12 == 0, months / 1200, 0.0),  # assessments: the Decembers only
        cohort_income_pc=months * 100.0,  # a level: mean, or the first / last month
    )
    assert Quantity(metric="loan_defaults", years=(2021, 2022)).of(data) == 12.0
    assert Quantity(metric="relapse_rate", years=(2021, 2023)).of(data) == pytest.approx((0.01 + 0.02 + 0.03) / 3)
    assert Quantity(metric="cohort_income_pc", year=2022).of(data) == pytest.approx(100 * np.mean(range(13, 25)))
    assert Quantity(metric="cohort_income_pc", year=2022, at="end").of(data) == 2400.0
    assert Quantity(metric="cohort_income_pc", year=2021, at="start").of(data) == 100.0
    assert np.isnan(Quantity(metric="cohort_income_pc", year=2024).of(data))  # not simulated


def test_loss_is_the_weighted_sum_of_squared_misses_in_tolerances():
    targets = TargetsFile.model_validate(
        {
            "targets": [
                {"name": "a", "description": "", "metric": "gini", "year": 2021, "value": 0.4, "tolerance": 0.1,
                 "source": "[x]"},
                {"name": "b", "description": "", "metric": "gini", "year": 2021, "value": 1.0, "tolerance": 0.5,
                 "weight": 2.0, "source": "[x]"},
            ]
        }
    )  # fmt: skip
    assert loss_of(targets, {"a": 0.6, "b": 0.0}) == pytest.approx(2.0**2 + 2.0 * 2.0**2)
    assert loss_of(targets, {"a": float("nan"), "b": 1.0}) == float("inf")


def test_disaster_contrast_compares_lagged_yearly_flows():
    defaults = np.zeros(36)
    defaults[12 + 8] = 4  # September 2022: counted for 2022, the disaster year
    defaults[8] = 1  # September 2021: counted for 2021
    defaults[12 + 3] = 100  # April 2022: counted for 2021 with a 6-month lag (before the 2022 harvest)
    data = series(loan_defaults=defaults, disaster_regions=np.repeat([0, 1, 0], 12))
    assert disaster_contrast("loan_defaults", [data], None, lag=6) == pytest.approx(4.0 / 101.0)
    assert disaster_contrast("loan_defaults", [data], None, lag=0) == pytest.approx(104.0 / 0.5)
    assert np.isnan(disaster_contrast("loan_defaults", [data.assign(disaster_regions=0)], None))


def test_shipped_targets_cite_keys_of_docs_sources():
    targets = load_targets(TARGETS)
    sources = (ROOT / "docs" / "sources.md").read_text()
    keys = set(re.findall(r"\[([a-z0-9-]+)\]", sources))
    cited = [t.source for t in targets.targets] + [v.source for v in targets.validation]
    assert {c.strip("[]") for c in cited} <= keys
    assert len(targets.validation) >= 2


class RecordingExecutor:
    """Runs nothing: records each spec and returns a series whose income depends on the parameters only."""

    def __init__(self) -> None:
        self.specs = []

    def run_all(self, specs):
        for spec in specs:
            self.specs.append(spec)
            income = spec.scenario.transfers.basic_per_capita * 50.0 + spec.replicate
            data = series(1, cohort_income_pc=np.full(12, income))
            yield RunOutput(spec.scenario.name, spec.replicate, spec.seed, "ok", 0.0, 0.0, data, {}, point=spec.point)


def fake_calibration(tmp_path: Path, trials: int) -> Calibration:
    targets = TargetsFile.model_validate(
        {"targets": [{"name": "income", "description": "", "metric": "cohort_income_pc", "year": 2021, "at": "end",
                      "value": 10000.0, "tolerance": 500.0, "source": "[x]"}]}
    )  # fmt: skip
    factor = Factor("transfers.basic_per_capita", 100.0, 300.0)
    return Calibration(small_scenario(), [factor], targets, 3, 7, trials, tmp_path, {})


def test_every_trial_runs_on_the_same_replicate_seeds(tmp_path):
    calibration = fake_calibration(tmp_path, 6)
    executor = RecordingExecutor()
    run_trials(calibration, open_study(calibration, False), executor, 2, lambda text: None)
    seeds = {}
    for spec in executor.specs:
        seeds.setdefault(spec.point, set()).add((spec.seed, spec.replicate))
    assert len(seeds) == 6
    assert all(s == {(7, 0), (7, 1), (7, 2)} for s in seeds.values())


def test_a_stopped_study_resumed_runs_only_the_trials_left(tmp_path):
    calibration = fake_calibration(tmp_path, 4)
    run_trials(calibration, open_study(calibration, False), RecordingExecutor(), 2, lambda text: None)
    before = trials_table(calibration, open_study(calibration, True))
    calibration.trials = 10
    executor = RecordingExecutor()
    study = open_study(calibration, True)
    run_trials(calibration, study, executor, 2, lambda text: None)
    after = trials_table(calibration, study)
    assert len(after) == 10 and len(executor.specs) == 6 * 3  # six new trials, three replicates each
    assert {s.point for s in executor.specs}.isdisjoint(before["trial"])
    pd.testing.assert_frame_equal(after[after["trial"].isin(before["trial"])].reset_index(drop=True), before)


def test_killed_calibration_resumes_without_repeating_finished_trials(tmp_path):
    folder = tmp_path / "calib"
    command = [
        sys.executable, "-m", "simulation.app.cli.main", "calibrate", str(TARGETS), "--base", "baseline",
        "--households", "300", "--years", "4", "-r", "2", "--workers", "1", "--trials", "30", "--no-charts",
        "--vary", "transfers.basic_per_capita=150:300", "-o", str(folder),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if (folder / "trials.parquet").exists() and len(pd.read_parquet(folder / "trials.parquet")) >= 2:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the calibration ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = pd.read_parquet(folder / "trials.parquet")
    assert 2 <= len(finished) < 30
    resumed = subprocess.run([*command, "--resume"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed: {len(finished)} finished trials kept" in resumed.stderr
    trials = pd.read_parquet(folder / "trials.parquet")
    assert len(trials) == 30
    kept = trials.set_index("trial").loc[finished["trial"]].reset_index()
    pd.testing.assert_frame_equal(kept[finished.columns], finished)  # the same trials, not re-run with new values
    for name in ("fit.csv", "posterior.parquet", "calibrated.yaml"):
        assert (folder / name).exists()


def test_calibration_writes_a_scenario_extending_the_base_with_the_fitted_keys(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = agrifin(
        "calibrate", str(TARGETS), "--base", str(ROOT / "scenarios" / "baseline.yaml"), *SMALL, "--trials", "3",
        "--vary", "transfers.basic_per_capita=150:300", "--vary", "population.ex_poor_share=0.1:0.2", "-o", "out",
        capsys=capsys, monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0, err
    text = (tmp_path / "out" / "calibrated.yaml").read_text()
    assert "extends: " in text and "basic_per_capita:" in text and "# fitted: trial" in text
    from simulation.scenario.loading import load_scenario

    fitted = load_scenario(tmp_path / "out" / "calibrated.yaml")
    best = pd.read_parquet(tmp_path / "out" / "trials.parquet").nsmallest(1, "loss").iloc[0]
    assert fitted.transfers.basic_per_capita == best["transfers.basic_per_capita"]
    fit = pd.read_csv(tmp_path / "out" / "fit.csv")
    assert set(fit["section"]) == {"target", "validation"}
    meta = json.loads(__import__("pyarrow.parquet").parquet.read_schema(tmp_path / "out" / "posterior.parquet")
                      .metadata[b"agrifin"])  # fmt: skip
    assert meta["selection"] == "best_20_by_loss" and meta["approximate"]  # 3 trials: best-k, flagged


def test_check_on_estimable_targets_exits_0_when_met_and_1_naming_a_miss(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = ("--base", "baseline", "--households", "1500", "-r", "2", "--workers", "1")
    met = small_targets(tmp_path, ESTIMABLE.format(income=11000, tolerance=6000))
    code, out, err = agrifin("calibrate", "--check", str(met), *base, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0, err
    assert "ex_poor_income_2021" in out and "microcredit_raises_income_modestly" in out
    missed = small_targets(tmp_path, ESTIMABLE.format(income=60000, tolerance=1000))
    code, out, err = agrifin(
        "calibrate", "--check", str(missed), *base, "-o", "fit", capsys=capsys, monkeypatch=monkeypatch
    )
    assert code == 1
    assert err.strip() == "agrifin: missed ex_poor_income_2021"
    fit = pd.read_csv(tmp_path / "fit" / "fit.csv")
    assert not fit.set_index("name").loc["ex_poor_income_2021", "met"]


@pytest.mark.parametrize(
    ("change", "extra", "expected"),
    [
        (("metric: cohort_income_pc", "metric: cohort_wealth"), (), "unknown metric 'cohort_wealth'"),
        (("tolerance: 1000", "tolerance: 0"), (), "greater than 0"),
        (None, ("--vary", "transfers.no_such_key=1:2"), "no_such_key"),
        (None, ("--vary", "transfers.dibao_takeup=0.5:1.5"), "transfers.dibao_takeup"),
    ],
)
def test_bad_targets_or_vary_exit_2_with_one_line_and_nothing_written(tmp_path, capsys, monkeypatch, change, extra,
                                                                        expected):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    text = ESTIMABLE.format(income=6000, tolerance=1000)
    path = small_targets(tmp_path, text.replace(*change) if change else text)
    before = snapshot(tmp_path)
    vary = extra or ("--vary", "transfers.basic_per_capita=150:300")
    code, _, err = agrifin(
        "calibrate", str(path), "--base", "baseline", *SMALL, *vary, "-o", "out", capsys=capsys, monkeypatch=monkeypatch
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and expected in err and "Traceback" not in err
    assert snapshot(tmp_path) == before


def test_posterior_with_a_column_that_is_no_scenario_key_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pd.DataFrame({"trial": [0, 1], "loss": [1.0, 2.0], "transfers.not_a_key": [0.1, 0.2]}).to_parquet("post.parquet")
    before = snapshot(tmp_path)
    code, _, err = agrifin(
        "compare", "baseline", "integrated_system", "--parameter-sets", "post.parquet", "--sets", "2",
        "--households", "200", "--years", "1", "-r", "2", "-o", "cmp", capsys=capsys, monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 2
    assert "post.parquet" in err and "transfers.not_a_key" in err and len(err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_compare_over_parameter_sets_reports_both_intervals_and_rank_stability(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pd.DataFrame(
        {"trial": [0, 1, 2], "loss": [1.0, 2.0, 3.0], "health.event_probability": [0.003, 0.006, 0.009]}
    ).to_parquet("post.parquet")
    code, out, err = agrifin(
        "compare", "baseline", "integrated_system", "--parameter-sets", "post.parquet", "--sets", "3",
        "--households", "400", "--years", "2", "-r", "3", "--workers", "1", "--no-charts", "-o", "cmp",
        capsys=capsys, monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(tmp_path / "cmp" / "parameter_uncertainty.csv").set_index("metric")
    row = table.loc["relapse_rate"]
    assert row["sets"] == 3 and row["replicates"] == 3
    assert row["ci_low_parameters"] <= row["difference"] <= row["ci_high_parameters"]
    width_parameters = row["ci_high_parameters"] - row["ci_low_parameters"]
    assert width_parameters >= 0 and 0.0 <= row["share_sets_lower"] <= 1.0
    design = pd.read_csv(tmp_path / "cmp" / "design.csv")
    assert sorted(design["health.event_probability"]) == [0.003, 0.006, 0.009]
    summary = pd.read_parquet(tmp_path / "cmp" / "summary.parquet")
    assert len(summary) == 2 * 3 * 3  # scenarios x sets x replicates
    assert "95% CI, with parameters" in out


def test_parameter_interval_widens_when_the_effect_differs_between_sets():
    from simulation.experiments.parameter_sets import uncertainty_table

    rows = []
    for point, effect in enumerate((-0.03, -0.01, 0.01)):
        for replicate in range(4):
            noise = 0.001 * replicate
            rows.append({"scenario": "base", "point": point, "replicate": replicate, "relapse_rate": 0.05 + noise})
            rows.append(
                {"scenario": "policy", "point": point, "replicate": replicate, "relapse_rate": 0.05 + noise + effect}
            )
    table = uncertainty_table(pd.DataFrame(rows), "base", ("relapse_rate",)).iloc[0]
    assert table["difference"] == pytest.approx(-0.01)
    assert table["ci_high_replicates"] - table["ci_low_replicates"] < 1e-9  # the same noise on both sides
    assert table["ci_low_parameters"] < -0.03 and table["ci_high_parameters"] > 0.01
    assert table["share_sets_lower"] == pytest.approx(2 / 3) and table["share_sets_first"] == pytest.approx(2 / 3)


def test_report_renders_a_calibration_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = agrifin(
        "calibrate", str(TARGETS), "--base", "baseline", "--households", "300", "-r", "2", "--workers", "1", "-q",
        "--trials", "2", "--vary", "transfers.basic_per_capita=150:300", "-o", "out",
        capsys=capsys, monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "out" / "figures" / "calibration_fit.png").exists()
    code, _, err = agrifin("report", "out", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0, err
    html = (tmp_path / "out" / "report.html").read_text()
    assert "How the county was calibrated" in html and "ex_poor_income_2022" in html
    assert os.path.getsize(tmp_path / "out" / "report.html") > 10_000


def test_a_target_year_beyond_the_runs_exits_2_naming_the_target(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = small_targets(
        tmp_path, ESTIMABLE.format(income=6000, tolerance=1000).replace("year: 2021\n    at", "year: 2025\n    at")
    )
    code, _, err = agrifin(
        "calibrate", "--check", str(path), "--base", "baseline", *SMALL, "--years", "2",
        capsys=capsys, monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 2
    assert "targets[ex_poor_income_2021]" in err and "2021-2022" in err and len(err.strip().splitlines()) == 1
