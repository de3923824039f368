"""Saved experiments: experiment files, --vary value lists, resuming from the folder alone, outcomes of one's own."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from small_county import small_scenario

from simulation.app.cli.experiment_file import load_experiment
from simulation.experiments.designs import ValuesFactor, make_design, parse_vary, point_scenarios
from simulation.scenario.custom_outcomes import check_expression, evaluate
from simulation.scenario.loading import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SMALL = ("--households", "200", "--years", "1", "--workers", "1", "--no-charts")
EXPERIMENT = """\
experiment: sweep
description: monitoring on and off over two dibao take-ups
scenario: county.yaml
vary:
  transfers.dibao_takeup: [0.5, 0.9]
  monitoring.enabled: [false, true]
replications: 2
seed: 3
outcomes:
  - name: relapses_per_new_poor
    expression: relapse_count / max(new_poor_count, 1)
  - name: twice_that
    expression: 2 * relapses_per_new_poor
metrics: [relapses_per_new_poor]
"""
COUNTY = "name: county\ndescription: a small county\npopulation:\n  households: 200\nhorizon:\n  years: 1\n"


def agrifin(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "simulation.app.cli.main", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture
def experiment(tmp_path: Path) -> Path:
    (tmp_path / "county.yaml").write_text(COUNTY)
    path = tmp_path / "exp.yaml"
    path.write_text(EXPERIMENT)
    return path


# --------------------------------------------------------------------------- --vary value lists


def test_vary_takes_lists_of_booleans_numbers_and_choices():
    assert parse_vary("monitoring.enabled=false,true") == ValuesFactor("monitoring.enabled", (False, True))
    assert parse_vary("growth.poverty_line=cpi,wages,fixed").choices == ("cpi", "wages", "fixed")
    assert parse_vary("transfers.dibao_takeup=0.4,0.9").choices == (0.4, 0.9)

    base = small_scenario()
    factors = [parse_vary("monitoring.enabled=false,true"), parse_vary("growth.poverty_line=cpi,fixed")]
    design = make_design(factors, "grid", None, 1, base)
    points = point_scenarios(base, design, "--vary")
    assert [(p.monitoring.enabled, p.growth.poverty_line) for p in points] == [
        (False, "cpi"),
        (False, "fixed"),
        (True, "cpi"),
        (True, "fixed"),
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("monitoring.enabled=true", "KEY=V1,V2,..."),
        ("monitoring.enabled=true,", "at least two values"),
        ("monitoring.enabled=true,true", "given twice"),
        ("growth.poverty_line=cpi,weekly", "growth.poverty_line"),
    ],
)
def test_a_bad_value_list_is_refused_naming_the_key(text, words):
    base = small_scenario()
    with pytest.raises(ScenarioError) as caught:
        factor = parse_vary(text)
        point_scenarios(base, make_design([factor], "grid", None, 1, base), "--vary")
    assert words in str(caught.value)


def test_a_value_list_in_a_latin_hypercube_exits_2_with_one_line(tmp_path):
    (tmp_path / "county.yaml").write_text(COUNTY)
    done = agrifin(
        "sweep", "county.yaml", "--vary", "monitoring.enabled=false,true", "--design", "lhs", "--samples", "4",
        *SMALL, "-o", "out", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "agrifin: --vary: monitoring.enabled: a list of values is a grid factor; the lhs design needs a range KEY=LO:HI"
    )
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- experiment files


def test_an_experiment_file_runs_as_a_sweep_with_its_outcomes(experiment, tmp_path):
    done = agrifin("sweep", str(experiment), "--workers", "1", "--no-charts", "-o", "out", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert len(summary) == 4 * 2
    assert set(summary["monitoring.enabled"]) == {False, True}
    expected = summary["relapse_count"] / summary["new_poor_count"].clip(lower=1)
    pd.testing.assert_series_equal(summary["relapses_per_new_poor"], expected, check_names=False)
    pd.testing.assert_series_equal(summary["twice_that"], 2 * expected, check_names=False)
    assert "relapses_per_new_poor" in done.stdout.splitlines()[0]  # the table shows the file's metric
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["root_seed"] == 3


def test_options_on_the_command_line_win_over_the_file(experiment, tmp_path):
    done = agrifin("sweep", str(experiment), "-r", "1", "--seed", "5", *SMALL, "-o", "out", "-q", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(tmp_path / "out" / "summary.csv")) == 4
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["root_seed"] == 5


def test_an_experiment_file_with_slips_lists_every_problem(tmp_path):
    path = tmp_path / "slips.yaml"
    path.write_text("experiment: sweep\nscenario: baseline\nreplicatons: 3\nseed: -1\n")

    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)

    assert caught.value.lines == [
        f"{path}: seed: Input should be greater than or equal to 0",
        f"{path}: replicatons: unknown key; did you mean 'replications'?",
    ]


def test_an_experiment_run_with_the_wrong_command_exits_2_naming_the_right_one(experiment, tmp_path):
    done = agrifin("compare", str(experiment), *SMALL, cwd=tmp_path)

    assert done.returncode == 2
    assert done.stderr.strip() == f"agrifin: {experiment}: experiment: a sweep experiment; run it with agrifin sweep"


def test_the_shipped_experiment_file_is_valid():
    shipped = load_experiment(ROOT / "experiments" / "dibao_monitoring.yaml")
    assert shipped.experiment == "sweep" and shipped.outcomes


# --------------------------------------------------------------------------- --resume -o DIR alone


def test_resume_with_only_the_folder_finishes_from_its_manifest(experiment, tmp_path):
    out = tmp_path / "out"
    first = agrifin("sweep", str(experiment), *SMALL, "-o", "out", "-q", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    complete = pd.read_csv(out / "summary.csv")
    last = sorted((out / "runs").glob("*.json"))[-1]
    for part in out.joinpath("runs").glob(last.stem + ".*"):  # the last task as if it never finished
        part.unlink()
    (out / "summary.csv").unlink()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    resumed = agrifin("sweep", "--resume", "-o", str(out), cwd=elsewhere)

    assert resumed.returncode == 0, resumed.stderr
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), complete)
    command = json.loads((out / "manifest.json").read_text())["command"]
    assert command[:3] == ["agrifin", "sweep", str(experiment)]
    assert command[-3:] == ["--resume", "-o", str(out)] and command.count("-o") == 1
    again = agrifin("sweep", "--resume", "-o", str(out), cwd=elsewhere)  # a second resume reads the same command
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "manifest.json").read_text())["command"] == command


def test_resume_without_scenario_or_folder_says_what_to_give(tmp_path):
    done = agrifin("sweep", "--resume", cwd=tmp_path)

    assert done.returncode == 2
    assert "Missing argument 'SCENARIO' (or --resume -o DIR to continue one)" in done.stderr


# --------------------------------------------------------------------------- outcomes of one's own


@pytest.mark.parametrize(
    "text",
    [
        "relapse_rate.__class__",
        "__import__('os').system('true')",
        "(lambda: 1)()",
        "'text'",
        "relapse_rate[0]",
        "unknown_metric + 1",
        "max(relapse_rate, key=abs)",
    ],
)
def test_an_expression_may_only_do_arithmetic_over_metrics(text):
    with pytest.raises(ValueError):
        check_expression(text, {"relapse_rate"})


def test_an_expression_evaluates_over_the_summary_row():
    tree = check_expression(
        "relapse_count / max(new_poor_count, 1) if relapse_count > 0 else -1", {"relapse_count", "new_poor_count"}
    )
    assert evaluate(tree, {"relapse_count": 6.0, "new_poor_count": 4.0}) == 1.5
    assert evaluate(tree, {"relapse_count": 0.0, "new_poor_count": 4.0}) == -1.0
    assert evaluate(check_expression("1 / relapse_rate", {"relapse_rate"}), {"relapse_rate": 0.0}) != 0  # nan


def test_a_function_outcome_is_called_with_the_finished_model(tmp_path, monkeypatch):
    (tmp_path / "my_outcomes.py").write_text(
        textwrap.dedent(
            """
            def households_left(model):
                return float(model.households.n)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from simulation import run

    scenario = small_scenario(outcomes=[{"name": "households_left", "function": "my_outcomes:households_left"}])
    result = run(scenario, replications=1, workers=1)

    assert result.summary["households_left"].tolist() == [float(scenario.population.households)]


def test_a_function_outcome_that_cannot_be_imported_is_a_scenario_error(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\ndescription: d\noutcomes:\n  - name: x\n    function: no_such_module_here:f\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "cannot import 'no_such_module_here'" in str(caught.value)


def test_custom_outcomes_are_compared_like_built_in_ones(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("extends: county.yaml\nname: policy\ndescription: more dibao\ntransfers:\n  dibao_takeup: 0.95\n")
    outcome = "outcomes:\n  - name: poor_years_k\n    expression: poverty_person_years / 1000\n"
    (tmp_path / "county.yaml").write_text(COUNTY + outcome)
    done = agrifin("compare", "county.yaml", "policy.yaml", "-r", "2", *SMALL, "-o", "out", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    comparison = pd.read_csv(tmp_path / "out" / "comparison.csv").set_index("metric")
    summary = pd.read_csv(tmp_path / "out" / "summary.csv").groupby("scenario")["poor_years_k"].mean()
    assert comparison.loc["poor_years_k", "difference"] == pytest.approx(summary["policy"] - summary["county"])
    assert "poor_years_k" in done.stdout
    plotted = agrifin("plot", "out", "--chart", "comparison", "--metric", "poor_years_k", cwd=tmp_path)
    assert plotted.returncode == 0, plotted.stderr
    assert list((tmp_path / "out" / "figures").glob("comparison*.png"))
