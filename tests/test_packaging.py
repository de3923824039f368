"""agrifin installs like a library: a built wheel carries the scenarios, extras say what they add."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulation.app.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["agrifin", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    return stop.value.code, capsys.readouterr().err


def test_dashboard_without_its_extra_exits_2_with_the_pip_hint_in_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dash", None)  # as if dash were not installed
    code, err = run_main(monkeypatch, capsys, "dashboard", "baseline")
    assert code == 2
    assert err.count("\n") == 1 and "pip install 'agrifin[dashboard]'" in err


def test_a_scheduler_without_the_cluster_extra_exits_2_and_leaves_no_folder(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)
    out = tmp_path / "out"
    code, err = run_main(monkeypatch, capsys, "run", "baseline", "--scheduler", "tcp://127.0.0.1:1", "-o", str(out))
    assert code == 2 and "pip install 'agrifin[cluster]'" in err and err.count("\n") == 1
    assert not out.exists()


def test_python_dash_m_simulation_is_the_command_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "simulation", "scenarios"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert "baseline.yaml" in done.stdout


def test_the_package_declares_types_license_and_citation():
    assert (ROOT / "simulation" / "py.typed").is_file()
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "cff-version" in (ROOT / "CITATION.cff").read_text()


@pytest.mark.wheel
def test_a_wheel_installed_in_a_fresh_venv_outside_the_repository_runs_the_baseline(tmp_path):
    """python -m build, a fresh venv elsewhere, then the baseline and the scenario list from another folder."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], check=True, capture_output=True)
    wheel = next(dist.glob("agrifin-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([venv / "bin" / "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    agrifin = str(venv / "bin" / "agrifin")

    listed = subprocess.run([agrifin, "scenarios"], cwd=work, env=env, capture_output=True, text=True, check=True)
    spaces = ("uncertainties.yaml", "levers.yaml")  # not scenarios: `agrifin scenarios` leaves them out
    shipped = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml") if p.name not in spaces)
    names = [line.split()[0] for line in listed.stdout.splitlines() if line[:1].strip()]  # wrapped lines are indented
    assert names == shipped

    command = [agrifin, "run", "baseline", "-r", "2", "--households", "2000", "--years", "2", "-o", "out", "-q"]
    subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=True)
    assert (work / "out" / "summary.csv").is_file() and (work / "out" / "timeseries.parquet").is_file()

    python = str(venv / "bin" / "python")
    inside = subprocess.run(
        [python, "-c", "import simulation.scenario.shipped as s; print(s.shipped_dir())"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert str(venv) in inside.stdout  # the wheel's own copy, not this checkout
    assert (Path(inside.stdout.strip()) / "scenario.schema.json").is_file()
    as_module = subprocess.run([python, "-m", "simulation", "--version"], cwd=work, env=env, capture_output=True)
    assert as_module.returncode == 0
    no_dash = subprocess.run([agrifin, "dashboard"], cwd=work, env=env, capture_output=True, text=True)
    assert no_dash.returncode == 2 and "pip install 'agrifin[dashboard]'" in no_dash.stderr
