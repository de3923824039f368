"""`validate` and `run` name every problem of a scenario, one line each, with "did you mean" for a misspelt key."""

from __future__ import annotations

import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from simulation.app.cli.main import main
from simulation.scenario.file import ScenarioFileError
from simulation.scenario.loading import ScenarioError, load_scenario

TWO_SLIPS = """\
extends: baseline
name: slips
description: a misspelt key, a value out of range and a misspelt section key
transfers:
  dibao_takup: 0.8
  dibao_takeup: 1.5
population:
  housholds: 100
"""


def agrifin(*args: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["agrifin", *args])
    with pytest.raises(SystemExit) as leaving:
        main()
    captured = capsys.readouterr()
    return leaving.value.code or 0, captured.out, captured.err


@pytest.fixture
def slips(tmp_path: Path) -> Path:
    path = tmp_path / "slips.yaml"
    path.write_text(TWO_SLIPS)
    return path


@pytest.mark.parametrize("command", ["validate", "run"])
def test_every_problem_is_one_line_naming_file_and_key(command, slips, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status, _, err = agrifin(command, str(slips), capsys=capsys, monkeypatch=monkeypatch)

    lines = err.strip().splitlines()
    assert status == 2
    assert lines == [
        f"agrifin: {slips}: population.housholds: unknown key; did you mean 'households'?",
        f"agrifin: {slips}: transfers.dibao_takeup: Input should be less than or equal to 1",
        f"agrifin: {slips}: transfers.dibao_takup: unknown key; did you mean 'dibao_takeup'?",
    ]
    assert not (tmp_path / "results").exists()


def test_an_unknown_top_level_section_is_matched_too(tmp_path):
    path = tmp_path / "section.yaml"
    path.write_text("name: s\ndescription: d\ntransfer:\n  dibao_takeup: 0.5\n")

    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)

    assert caught.value.problems == [("transfer", "unknown key; did you mean 'transfers'?")]


def test_a_key_like_nothing_in_the_schema_gets_no_suggestion(tmp_path):
    path = tmp_path / "far.yaml"
    path.write_text("name: s\ndescription: d\ntransfers:\n  zzzz: 1\n")

    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)

    assert caught.value.lines == [f"{path}: transfers.zzzz: unknown key"]


def test_a_scenario_error_raised_in_another_process_arrives_whole():
    error = ScenarioError("county.yaml", "credit.rate", "must be >= 0", (("horizon.years", "must be <= 100"),))
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.lines) == (ScenarioError, error.lines)
    assert str(pickle.loads(pickle.dumps(ScenarioFileError("line 3", "duplicate key")))) == "line 3: duplicate key"
    with ProcessPoolExecutor(1) as pool:
        future = pool.submit(load_scenario, "no-such-county.yaml")
        raised = future.exception()
    assert isinstance(raised, ScenarioError) and "no-such-county.yaml" in str(raised)


ROOT = Path(__file__).resolve().parents[1]
BAD_EXPERIMENTS = {
    "misspelt vary key": (
        "experiment: sweep\nscenario: baseline\nvary:\n  transfers.dibao_takup: {low: 0.4, high: 0.9}\n",
        "vary.transfers.dibao_takup: 0.4: unknown key; did you mean 'dibao_takeup'?",
    ),
    "value out of range": (
        "experiment: sweep\nscenario: baseline\nvary:\n  transfers.dibao_takeup: [0.5, 1.7]\n",
        "vary.transfers.dibao_takeup: 1.7: Input should be less than or equal to 1",
    ),
    "missing policy": (
        "experiment: compare\nscenario: baseline\npolicies: [no_such_policy]\n",
        "policies.0: ",  # then the path it was looked for at, next to the experiment file
    ),
    "bad override": (
        "experiment: compare\nscenario: baseline\nset:\n  credit.repayment_reserve_month: 2\n",
        "set.credit.repayment_reserve_month: 2: unknown key",
    ),
}


def test_validate_checks_a_saved_experiment_and_its_scenarios(tmp_path, capsys, monkeypatch):
    shipped = ROOT / "experiments" / "dibao_monitoring.yaml"
    status, out, err = agrifin("validate", str(shipped), capsys=capsys, monkeypatch=monkeypatch)
    assert (status, err) == (0, "")
    assert out == f"ok: {shipped} (sweep experiment, 1 scenario, 2 varied keys)\n"

    for name, (text, problem) in BAD_EXPERIMENTS.items():
        path = tmp_path / f"{name.replace(' ', '_')}.yaml"
        path.write_text(text)
        status, out, err = agrifin("validate", str(path), capsys=capsys, monkeypatch=monkeypatch)
        assert status == 2 and out == "", name
        assert err.startswith(f"agrifin: {path}: {problem}") and len(err.splitlines()) == 1, (name, err)
    status, _, err = agrifin("validate", str(tmp_path / "missing_policy.yaml"), capsys=capsys, monkeypatch=monkeypatch)
    assert err.rstrip().endswith("/no_such_policy: file not found")
