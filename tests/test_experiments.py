"""sweep and sensitivity: designs, tidy results, charts, bad input and failed runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import simulation.experiments.runner
from simulation.app.cli.main import cli
from simulation.experiments.designs import (
    Factor,
    grid_design,
    lhs_design,
    morris_design,
    parse_vary,
    sobol_design,
)
from simulation.scenario.loading import ScenarioError

COUNTY = (
    "name: county\ndescription: a small county for sweep tests\npopulation:\n  households: 800\nhorizon:\n  years: 2\n"
)
DIBAO = "transfers.dibao_takeup"
HEALTH = "health.reimbursement_share"


@pytest.fixture
def county(tmp_path: Path) -> Path:
    path = tmp_path / "county.yaml"
    path.write_text(COUNTY)
    return path


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "-q"])
    return result.exit_code, result.output


def agrifin(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulation.app.cli.main", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_vary_reads_low_high_and_levels():
    factor = parse_vary("transfers.dibao_takeup=0.2:0.8:4")
    assert factor == Factor(DIBAO, 0.2, 0.8, 4, integer=False)
    assert np.allclose(factor.values(), [0.2, 0.4, 0.6, 0.8])
    assert parse_vary("population.households=1000:3000").integer


@pytest.mark.parametrize("text", ["transfers.dibao_takeup", "x=1:2:3:4", "transfers.dibao_takeup=0.9:0.2", "k=1:2:1"])
def test_malformed_vary_is_refused(text: str):
    with pytest.raises(ScenarioError):
        parse_vary(text)


def test_grid_has_every_combination_and_lhs_one_point_per_stratum():
    dibao, health = Factor(DIBAO, 0.2, 0.8, 4), Factor(HEALTH, 0.3, 0.9, 3)
    grid = grid_design([dibao, health])
    assert len(grid) == 12 and grid.index.name == "point"
    assert len(grid.drop_duplicates()) == 12
    lhs = lhs_design([dibao, health], samples=10, seed=1)
    strata = np.floor((lhs[DIBAO] - 0.2) / 0.6 * 10).clip(0, 9)
    assert sorted(strata.astype(int)) == list(range(10))
    assert lhs.equals(lhs_design([dibao, health], samples=10, seed=1))


def test_sobol_and_morris_designs_have_salib_sizes():
    factors = [Factor(DIBAO, 0.2, 0.8), Factor(HEALTH, 0.3, 0.9), Factor("health.event_probability", 0.002, 0.01)]
    assert len(sobol_design(factors, 8, seed=1)) == 8 * (3 + 2)
    assert len(morris_design(factors, 4, seed=1)) == 4 * (3 + 1)


@pytest.mark.parametrize(
    ("vary", "says"),
    [
        ("transfers.dibao_takeup=0.9:0.1", "LO must be below HI"),
        ("transfers.no_such_key=0.1:0.2", "unknown key"),
        ("transfers.dibao_takeup=0.5:1.5:3", "less than or equal to 1"),
        ("transfers.dibao_takeup:0.1-0.5", "expected KEY=LO:HI"),
    ],
)
def test_bad_vary_exits_2_with_one_line_and_no_folder(county: Path, tmp_path: Path, vary: str, says: str):
    out = tmp_path / "never"
    done = agrifin("sweep", str(county), "--vary", vary, "-o", str(out), cwd=tmp_path)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_sweep_writes_one_row_per_point_and_replicate_with_the_varied_keys(county: Path, tmp_path: Path):
    out = tmp_path / "sweep"
    code, output = invoke(
        "sweep", str(county), "--vary", f"{DIBAO}=0.2:0.8:3", "--vary", f"{HEALTH}=0.3:0.9:2", "-r", "2", "-o", str(out)
    )
    assert code == 0, output
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 3 * 2 * 2
    assert not summary.duplicated(["point", "replicate"]).any()
    assert {"point", "replicate", DIBAO, HEALTH, "relapse_rate"} <= set(summary.columns)
    assert sorted(summary[DIBAO].unique()) == pytest.approx([0.2, 0.5, 0.8])
    assert (out / "figures" / "sweep_relapse_rate.png").stat().st_size > 10_000
    assert len(pd.read_csv(out / "design.csv")) == 6
    timeseries = pd.read_parquet(out / "timeseries.parquet")
    assert len(timeseries) == 12 * 24 and "point" in timeseries.columns


def test_every_sweep_point_runs_on_the_same_replicate_luck(county: Path, tmp_path: Path):
    # the alarm threshold changes no household's life: every point must give the same relapses
    out = tmp_path / "crn"
    code, output = invoke(
        "sweep", str(county), "--vary", "poverty.large_scale_relapse_threshold=0.01:0.2:3", "-r", "2", "-o", str(out)
    )
    assert code == 0, output
    summary = pd.read_csv(out / "summary.csv")
    per_replicate = summary.groupby("replicate")["relapse_count"].nunique()
    assert (per_replicate == 1).all()


def test_lhs_sweep_runs_the_requested_samples(county: Path, tmp_path: Path):
    out = tmp_path / "lhs"
    code, output = invoke(
        "sweep", str(county), "--vary", f"{DIBAO}=0.2:0.8", "--vary", f"{HEALTH}=0.3:0.9", "--design", "lhs",
        "--samples", "5", "-r", "1", "-o", str(out), "--workers", "2",
    )  # fmt: skip
    assert code == 0, output
    assert len(pd.read_csv(out / "summary.csv")) == 5
    assert (out / "figures" / "sweep_relapse_rate.png").exists()


def test_sobol_sensitivity_writes_indices_with_intervals_and_a_bar_chart(county: Path, tmp_path: Path):
    out = tmp_path / "sobol"
    code, output = invoke(
        "sensitivity", str(county), "--vary", f"{DIBAO}=0.2:0.9", "--vary", f"{HEALTH}=0.3:0.9",
        "--samples", "8", "-r", "1", "-o", str(out), "--workers", "2",
        "--outcome", "relapse_rate", "--outcome", "poverty_headcount",
    )  # fmt: skip
    assert code == 0, output
    indices = pd.read_csv(out / "sensitivity.csv")
    assert set(indices["outcome"]) == {"relapse_rate", "poverty_headcount"}
    assert set(indices["index"]) == {"S1", "ST"}
    assert set(indices["parameter"]) == {DIBAO, HEALTH}
    assert indices["conf"].notna().all() and (indices["ci_low"] <= indices["ci_high"]).all()
    assert (out / "figures" / "sensitivity_relapse_rate.png").exists()
    assert len(pd.read_csv(out / "summary.csv")) == 8 * (2 + 2)


def test_morris_sensitivity_reports_mu_star(county: Path, tmp_path: Path):
    out = tmp_path / "morris"
    code, output = invoke(
        "sensitivity", str(county), "--vary", f"{DIBAO}=0.2:0.9", "--vary", f"{HEALTH}=0.3:0.9",
        "--method", "morris", "--samples", "3", "-r", "1", "-o", str(out),
    )  # fmt: skip
    assert code == 0, output
    indices = pd.read_csv(out / "sensitivity.csv")
    assert {"mu_star", "sigma"} <= set(indices["index"])


class FailsAtHalfTakeup(simulation.experiments.runner.ValueChainModel):
    """A model that raises for one sweep point (dibao take-up 0.5)."""

    def __init__(self, scenario, seed=0, replicate=0):
        if scenario.transfers.dibao_takeup == 0.5:
            raise RuntimeError("broken on purpose")
        super().__init__(scenario, seed=seed, replicate=replicate)


def test_a_failing_run_is_recorded_and_the_sweep_continues(county: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "failing"
    args = ("sweep", str(county), "--vary", f"{DIBAO}=0.2:0.8:3", "-r", "2", "-o", str(out), "--workers", "1")
    monkeypatch.setattr(simulation.experiments.runner, "ValueChainModel", FailsAtHalfTakeup)
    code, _ = invoke(*args)
    assert code == 1
    manifest = json.loads((out / "manifest.json").read_text())
    failed = [r for r in manifest["runs"] if r["status"] == "failed"]
    assert len(failed) == 2 and all("broken on purpose" in r["error"] for r in failed)
    assert {r["point"] for r in failed} == {1}
    assert manifest["run_counts"] == {"ok": 4, "failed": 2}
    log = [json.loads(line) for line in (out / "runs" / "status.jsonl").read_text().splitlines()]
    assert sum(e["status"] == "failed" for e in log) == 2
    assert len(pd.read_csv(out / "summary.csv")) == 4  # the others finished

    monkeypatch.undo()  # fixed: --resume runs only the two failed runs
    code, output = invoke(*args, "--resume")
    assert code == 0, output
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 6 and not summary.duplicated(["point", "replicate"]).any()
    assert json.loads((out / "manifest.json").read_text())["run_counts"] == {"ok": 6, "failed": 0}
