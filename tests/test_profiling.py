"""agrifin run --profile: the per-phase split of the month, printed after the summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from small_county import small_scenario

from simulation.app.cli.main import cli
from simulation.engine.model import ValueChainModel
from simulation.experiments.profiling import PhaseProfile, phase_names

TINY = "name: tiny\ndescription: a tiny county\npopulation:\n  households: 300\nhorizon:\n  years: 1\n"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def test_the_step_runs_the_listed_phases_in_their_order():
    model = ValueChainModel(small_scenario(households=200), seed=3)
    called: list[str] = []

    def recorded(fn, name):
        def wrapper(*args):
            called.append(name)
            return fn(*args)

        return wrapper

    for name in phase_names():
        *path, method = name.split(".")
        owner = model
        for part in path:
            owner = getattr(owner, part)
        setattr(owner, method, recorded(getattr(owner, method), name))
    model.step()

    assert called == list(phase_names())
    assert called[0] == "households.reset_month" and called[1:4] == ["apply_shocks", "produce", "work"]


def test_an_attached_profile_splits_the_months_of_one_model():
    model = ValueChainModel(small_scenario(households=200), seed=3)
    profile = PhaseProfile()
    profile.attach(model)

    for _ in range(4):
        model.step()

    assert profile.months == 4 and profile.household_months == 800 and profile.runs == 1
    assert all(profile.seconds[name] > 0 for name in profile.phases)
    assert 0 < profile.seconds["account.measure"] < profile.seconds["account"]
    assert sum(profile.seconds[name] for name in profile.phases) <= profile.stepping
    labels = [label for label, _ in profile.rows()]
    assert labels[-1].startswith("other") and "  of which measure" in labels


def test_profiling_does_not_change_the_results():
    plain = ValueChainModel(small_scenario(households=200), seed=5)
    timed = ValueChainModel(small_scenario(households=200), seed=5)
    PhaseProfile().attach(timed)
    for model in (plain, timed):
        for _ in range(6):
            model.step()

    assert plain.timeseries().equals(timed.timeseries())


def test_run_profile_prints_every_phase_after_the_summary(tiny: Path, tmp_path: Path):
    out = tmp_path / "profiled"

    result = CliRunner().invoke(cli, ["run", str(tiny), "-r", "2", "--no-charts", "-o", str(out), "--profile"])

    assert result.exit_code == 0, result.output
    text = result.output
    assert text.index("Relapse rate") < text.index("Results:") < text.index("Profile of tiny: 2 runs in this process")
    table = text[text.index("Profile of tiny") :]
    for name in phase_names():
        assert f"\n{name} " in table
    assert "  of which measure" in table and "\nother (scheduling, step body)" in table
    assert "300 households, 12 recorded months per run" in table
    assert (out / "summary.csv").exists()


def test_profile_refuses_several_workers_and_leaves_no_folder(tiny: Path, tmp_path: Path):
    out = tmp_path / "refused"

    result = CliRunner().invoke(cli, ["run", str(tiny), "-r", "1", "-o", str(out), "--profile", "--workers", "2"])

    assert result.exit_code == 2
    assert "--profile" in result.output
    assert not out.exists()
