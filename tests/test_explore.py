"""agrifin explore and discover: the uncertainties/levers files, PRIM on planted data, the commands end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from simulation.app.cli.main import cli
from simulation.experiments.discover import discover
from simulation.experiments.levers import load_space, parse_space
from simulation.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
COUNTY = "name: county\ndescription: explore tests\npopulation:\n  households: 300\nhorizon:\n  years: 2\n"
SMALL_UNCERTAINTIES = """uncertainties:
  illness_incidence:
    key: health.event_probability
    range: [0.002, 0.03]
    unit: per household per month
    description: Chance of a serious illness.
  drought_frequency:
    keys: [weather.disaster_probability.plain, weather.disaster_probability.hill, weather.disaster_probability.mountain]
    scale: true
    range: [0.5, 3.0]
    unit: x base
    description: How often disasters strike.
  price_fall:
    choices:
      none: {}
      severe: {farming.price_shocks: [{month: 13, crops: [cash_crop, livestock], log_change: -0.6}]}
    description: A price collapse in year 2, or none.
"""


@pytest.fixture
def county(tmp_path: Path) -> Path:
    path = tmp_path / "county.yaml"
    path.write_text(COUNTY)
    (tmp_path / "uncertainties.yaml").write_text(SMALL_UNCERTAINTIES)
    return path


def agrifin(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulation", *args], capture_output=True, text=True, cwd=cwd)


def invoke(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_the_shipped_uncertainties_and_levers_fit_the_baseline():
    base = load_scenario("baseline")
    uncertainties = load_space(ROOT / "scenarios" / "uncertainties.yaml", "uncertainties", base)
    levers = load_space(ROOT / "scenarios" / "levers.yaml", "levers", base)
    assert {"drought_frequency", "price_fall", "illness_incidence", "job_loss_rate"} <= set(uncertainties.names)
    assert {"interest_subsidy", "guarantee", "anti_poverty_insurance", "mountain_terms"} <= set(levers.names)
    sample = levers.sample("lhs", 16, 3)
    assert sample["interest_subsidy"].between(0, 1).all()
    assert set(sample["guarantee"]) <= {"none", "split_4321", "split_3322", "split_5311"}


def test_a_scaled_entry_multiplies_the_base_values_and_with_keys_come_along():
    base = load_scenario("baseline").model_dump(mode="json")
    space = parse_space(
        {"levers": {"cover": {"key": "insurance.anti_poverty.coverage_share", "range": [0, 0.3],
                              "with": {"insurance.anti_poverty.enabled": True}, "description": "d"},
                    "drought": {"keys": ["weather.disaster_probability.hill"], "scale": True, "range": [1, 2],
                                "description": "d"}}},
        "levers.yaml",
        "levers",
    )  # fmt: skip
    found = space.overrides({"cover": 0.2, "drought": 1.5}, base)
    assert found["insurance.anti_poverty.enabled"] is True and found["insurance.anti_poverty.coverage_share"] == 0.2
    assert found["weather.disaster_probability.hill"] == pytest.approx(
        1.5 * base["weather"]["disaster_probability"]["hill"]
    )


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("  x:\n    key: health.event_probabilty\n    range: [0.1, 0.2]\n    description: d\n", "unknown key"),
        ("  x:\n    key: health.event_probability\n    range: [0.1, 1.5]\n    description: d\n", "at 1.5"),
        ("  x:\n    key: health.event_probability\n    range: [0.3, 0.2]\n    description: d\n", "below high"),
        ("  x:\n    key: health.event_probability\n    range: [0.1, 0.2]\n", "needs a description"),
        ("  x:\n    key: transfers.dibao_takeup\n    choices: [0.5]\n    description: d\n", "two different"),
        ("  relapse_rate:\n    key: health.event_probability\n    range: [0, 0.1]\n    description: d\n", "outcome"),
    ],
)
def test_a_bad_entry_exits_2_naming_the_file_and_the_entry(county: Path, tmp_path: Path, entry: str, problem: str):
    bad = tmp_path / "bad.yaml"
    bad.write_text("uncertainties:\n" + entry)
    out = tmp_path / "never"
    done = agrifin("explore", str(county), "--uncertainties", str(bad), "--scenarios", "4", "-r", "1", "-o", str(out))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"agrifin: {bad}: uncertainties.") and problem in lines[0]
    assert "Traceback" not in done.stderr and not out.exists()


def test_validate_checks_an_uncertainties_file_like_a_scenario(tmp_path: Path):
    done = agrifin("validate", str(ROOT / "scenarios" / "levers.yaml"))
    assert done.returncode == 0 and "12 levers" not in done.stderr and "levers, checked on the baseline" in done.stdout
    bad = tmp_path / "uncertainties.yaml"
    bad.write_text("uncertainties:\n  x:\n    key: nowhere.at_all\n    range: [0, 1]\n    description: d\n")
    done = agrifin("validate", str(bad))
    assert done.returncode == 2 and "uncertainties.x" in done.stderr


def test_prim_finds_a_box_planted_in_synthetic_data():
    rng = np.random.default_rng(7)
    n = 600
    experiments = pd.DataFrame(
        {"point": range(n), "future": range(n), "policy": 0, "drought": rng.uniform(0, 1, n),
         "illness": rng.uniform(0.002, 0.012, n), "noise": rng.uniform(0, 1, n),
         "price_fall": rng.choice(["none", "moderate", "severe"], n)}
    )  # fmt: skip
    planted = (experiments["drought"] > 0.6) & (experiments["illness"] > 0.008)
    outcomes = pd.DataFrame({"point": range(n), "replicate": 0, "relapse_rate": np.where(planted, 0.2, 0.01)})
    found = discover(experiments, outcomes, "relapse_rate", 0.1, {"drought": "share"}, min_density=0.9)
    box = found.boxes[0]
    limits = {limit["input"]: limit for limit in box.limits}
    assert set(limits) == {"drought", "illness"}
    assert limits["drought"]["low"] == pytest.approx(0.6, abs=0.03)
    assert limits["illness"]["low"] == pytest.approx(0.008, abs=0.0004)
    assert box.coverage > 0.9 and box.density >= 0.9
    assert found.cases == int(planted.sum())
    assert set(found.scores["input"].head(2)) == {"drought", "illness"}  # the cross-check names the same inputs
    assert f"drought ≥ {limits['drought']['low']:.3g} (share) and illness ≥" in box.sentence
    assert found.cart.iloc[0]["density"] == pytest.approx(1.0)


def test_explore_then_discover_writes_the_tables_boxes_and_charts(county: Path, tmp_path: Path):
    out = tmp_path / "explore"
    uncertainties = str(tmp_path / "uncertainties.yaml")
    invoke(
        "explore", str(county), "--uncertainties", uncertainties, "--scenarios", "12", "-r", "2", "-o", str(out), "-q"
    )
    experiments = pd.read_parquet(out / "experiments.parquet")
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert len(experiments) == 12 and list(experiments.columns[:3]) == ["point", "future", "policy"]
    assert {"illness_incidence", "drought_frequency", "price_fall"} <= set(experiments.columns)
    assert len(outcomes) == 24 and {"point", "replicate", "relapse_rate", "fiscal_cost"} <= set(outcomes.columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment"]["kind"] == "explore" and manifest["run_counts"]["ok"] == 24
    threshold = float(outcomes.groupby("point")["cohort_poverty_rate"].mean().median())
    invoke("discover", str(out), "--outcome", "cohort_poverty_rate", "--threshold", str(threshold), "-q")
    found = out / "discover-cohort_poverty_rate"
    boxes = pd.read_csv(found / "boxes.csv")
    assert {"box", "coverage", "density", "mass", "input", "low", "high", "choices"} <= set(boxes.columns)
    assert (found / "figures" / "prim_tradeoff_1.png").is_file() and (found / "figures" / "prim_box_1.svg").is_file()
    record = json.loads((found / "discover.json").read_text())
    assert record["boxes"][0]["sentence"].startswith("Box 1: cohort_poverty_rate exceeds")
    for lang in ("en", "zh"):
        invoke("report", str(out), "--lang", lang, "-q")
    html = (out / "report_zh.html").read_text()
    assert "情景发现" in html and "不确定性" in html


def test_discover_refuses_an_outcome_that_is_never_bad(county: Path, tmp_path: Path):
    out = tmp_path / "explore"
    uncertainties = str(tmp_path / "uncertainties.yaml")
    invoke(
        "explore", str(county), "--uncertainties", uncertainties, "--scenarios", "4", "-r", "1", "-o", str(out), "-q"
    )
    done = agrifin("discover", str(out), "--outcome", "relapse_rate", "--threshold", "5")
    assert done.returncode == 2 and "exceeds 5 in no experiment" in done.stderr
    assert not (out / "discover-relapse_rate").exists()
    done = agrifin("discover", str(tmp_path), "--outcome", "relapse_rate", "--threshold", "0.1")
    assert done.returncode == 2 and "not an explore results folder" in done.stderr
    done = agrifin("discover", str(out), "--outcome", "cohort_income_pc", "--threshold", "1000")
    assert done.returncode == 2 and "for cohort_income_pc higher is better" in done.stderr
    assert not (out / "discover-cohort_income_pc").exists()


def test_an_explore_killed_part_way_and_resumed_gives_the_uninterrupted_tables(county: Path, tmp_path: Path):
    import os
    import signal
    import time

    uncertainties = str(tmp_path / "uncertainties.yaml")
    common = ["explore", str(county), "--uncertainties", uncertainties, "--scenarios", "8", "-r", "2", "-q",
              "--no-charts", "--workers", "1"]  # fmt: skip
    invoke(*common, "-o", str(tmp_path / "whole"))
    out = tmp_path / "killed"
    words = [sys.executable, "-m", "simulation", *common, "-o", str(out)]
    process = subprocess.Popen(words, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600
    while len(list((out / "runs").glob("*.json")) if (out / "runs").is_dir() else []) < 2 and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / "outcomes.parquet").exists()
    invoke(*common, "-o", str(out), "--resume")
    for table in ("experiments.parquet", "outcomes.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / table), pd.read_parquet(tmp_path / "whole" / table))
