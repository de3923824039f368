"""Small samples get a visible warning saying what to raise; intervals stay inside their metric's range;
no numpy, scipy or SALib warning leaks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.app.cli.experiments import point_table
from simulation.experiments.designs import Factor
from simulation.experiments.sample_checks import (
    MIN_REPLICATES,
    replicate_warning,
    sobol_warnings,
    within_range,
)
from simulation.experiments.stats import Interval, welch_difference

COUNTY = "name: county\ndescription: a small county\npopulation:\n  households: 200\nhorizon:\n  years: 1\n"
SMALL = ("--households", "200", "--years", "1", "--workers", "1", "--no-charts", "-q")


def agrifin(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command with every warning an error: a leaked library warning fails it."""
    command = [sys.executable, "-W", "error", "-m", "simulation.app.cli.main", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture
def county(tmp_path: Path) -> Path:
    (tmp_path / "county.yaml").write_text(COUNTY)
    (tmp_path / "policy.yaml").write_text("extends: county.yaml\nname: policy\ndescription: p\n")
    return tmp_path


def test_a_share_interval_is_cut_at_zero_and_one_a_count_at_zero_and_money_not_at_all():
    wide = Interval(0.06, -0.22, 1.35, 0.5)
    assert within_range("relapse_rate", wide) == (Interval(0.06, 0.0, 1.0, 0.5), True)
    assert within_range("relapse_count", wide) == (Interval(0.06, 0.0, 1.35, 0.5), True)
    assert within_range("bank_profit", wide) == (wide, False)
    assert within_range("insurance_loss_ratio", wide)[0].high == 1.35  # claims may exceed premiums


def test_the_sweep_table_marks_a_cut_interval_and_says_what_to_raise():
    summary = pd.DataFrame(
        {
            "scenario": "s",
            "point": [0, 0],
            "replicate": [0, 1],
            "transfers.dibao_takeup": 0.5,
            "relapse_rate": [0.0, 0.12],
        }
    )
    text = point_table(summary, [Factor("transfers.dibao_takeup", 0.4, 0.9)], "relapse_rate")

    row = text.splitlines()[1]
    assert row.endswith("[0.00%, 82.24%]*")
    assert "cut at its bound; raise -r" in text


def test_few_replicates_get_a_warning_naming_the_option():
    assert replicate_warning(MIN_REPLICATES, "per point") is None
    assert "raise -r to at least 5" in replicate_warning(2, "per point")
    assert replicate_warning(1, "per point").startswith("1 replicate per point: no confidence intervals")


def test_sobol_first_order_above_total_is_flagged_as_noise():
    found = sobol_warnings(8, {"a": 0.921, "b": 0.1}, {"a": 0.709, "b": 0.2}, "relapse_rate")
    assert "from 8 base samples are noisy; raise --samples to at least 64" in found[0]
    assert "above the total index for a " in found[1] and "try 32" in found[1]
    assert sobol_warnings(64, {"a": 0.2}, {"a": 0.3}, "x") == []


def test_one_replicate_welch_interval_warns_nothing():
    with np.errstate(all="raise"):
        found = welch_difference(np.array([1.0]), np.array([2.0]))
    assert found.estimate == -1.0 and np.isnan(found.low)


def test_compare_with_one_replicate_warns_once_and_leaks_no_library_warning(county):
    done = agrifin("compare", "county.yaml", "policy.yaml", "-r", "1", *SMALL, "-o", "out", cwd=county)

    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines() == [
        "agrifin: warning: 1 replicate per policy paired with the baseline: no confidence intervals; "
        "raise -r to at least 5"
    ]


def test_sensitivity_of_a_constant_outcome_says_so_instead_of_a_salib_warning(county):
    (county / "county.yaml").write_text(COUNTY + "outcomes:\n  - name: nothing\n    expression: 0 * relapse_rate\n")
    done = agrifin(
        "sensitivity", "county.yaml", "--vary", "transfers.dibao_takeup=0.4:0.9", "--vary",
        "health.reimbursement_share=0.4:0.8", "--samples", "2", "--outcome", "nothing", *SMALL, "-o", "out",
        cwd=county,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "nothing is the same at every design point" in done.stderr
    assert "Traceback" not in done.stderr and "RuntimeWarning" not in done.stderr
    indices = pd.read_csv(county / "out" / "sensitivity.csv")
    assert (indices["value"] == 0.0).all()  # SALib's own convention for an outcome that does not vary


def test_sobol_samples_not_a_power_of_two_exit_2_before_anything_runs(county):
    done = agrifin(
        "sensitivity", "county.yaml", "--vary", "transfers.dibao_takeup=0.4:0.9", "--samples", "6", *SMALL,
        "-o", "out", cwd=county,
    )  # fmt: skip

    assert done.returncode == 2
    assert done.stderr.strip() == "agrifin: --samples: 6: Sobol needs a power of 2, e.g. 4 or 8"
    assert not (county / "out").exists()
