"""--resume: a sweep killed halfway finishes the missing runs only, with no duplicate and no loss."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

COUNTY = "name: county\ndescription: a county for resume tests\npopulation:\n  households: 2000\nhorizon:\n  years: 3\n"
SWEEP = ["--vary", "transfers.dibao_takeup=0.2:0.9:6", "--vary", "health.reimbursement_share=0.3:0.9:2", "-r", "3"]
TOTAL_RUNS = 6 * 2 * 3


@pytest.fixture
def county(tmp_path: Path) -> Path:
    path = tmp_path / "county.yaml"
    path.write_text(COUNTY)
    return path


def sweep_command(county: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "simulation.app.cli.main", "sweep", str(county), *SWEEP, "-o", str(out), "-q", *extra]


def parts(out: Path) -> dict[str, int]:
    """Each finished run, by name, with the modification time of the series file of its batch.

    Runs are written a task at a time: ``runs/timeseries/part-<batch>.parquet`` (and its other tables), then
    ``runs/<batch>.json`` naming the batch's runs; a run is finished once that JSON is on disk.
    """
    found = {}
    for path in (out / "runs").glob("*.json") if (out / "runs").exists() else ():
        try:
            runs = json.loads(path.read_text())["runs"]
        except (OSError, ValueError, KeyError):
            continue
        mtime = (path.parent / "timeseries" / f"part-{path.stem}.parquet").stat().st_mtime_ns
        found.update(dict.fromkeys((entry["run"] for entry in runs), mtime))
    return found


def kill_after(command: list[str], out: Path, finished: int) -> int:
    """Start the sweep and SIGKILL it (no clean-up at all) once ``finished`` runs are on disk."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600
    while len(parts(out)) < finished and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return len(parts(out))


def test_a_sweep_killed_halfway_and_resumed_yields_exactly_the_full_set(county: Path, tmp_path: Path):
    out = tmp_path / "killed"
    done_before = kill_after(sweep_command(county, out, "--workers", "1", "--no-charts"), out, finished=8)
    assert 0 < done_before < TOTAL_RUNS, "the sweep must be stopped partway"
    before = parts(out)
    assert not (out / "summary.csv").exists()

    resumed = subprocess.run(sweep_command(county, out, "--resume", "--workers", "2"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == TOTAL_RUNS
    assert not summary.duplicated(["point", "replicate"]).any()
    found = set(zip(summary["point"], summary["replicate"], strict=True))
    assert found == {(p, r) for p in range(12) for r in range(3)}
    # runs finished before the kill were not run again
    after = parts(out)
    assert all(after[name] == mtime for name, mtime in before.items())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["run_counts"] == {"ok": TOTAL_RUNS, "failed": 0}
    assert manifest["sessions"][-1]["runs_to_do"] == TOTAL_RUNS - len(before)
    timeseries = pd.read_parquet(out / "timeseries.parquet")
    assert len(timeseries) == TOTAL_RUNS * 36
    assert not timeseries.duplicated(["point", "replicate", "month"]).any()

    # and the numbers are those of a sweep that was never interrupted
    whole = tmp_path / "whole"
    command = sweep_command(county, whole, "--workers", "2", "--no-charts")
    clean = subprocess.run(command, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stderr
    expected = pd.read_parquet(whole / "summary.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(out / "summary.parquet"), expected)


def test_resume_refuses_a_folder_made_by_another_design(county: Path, tmp_path: Path):
    out = tmp_path / "first"
    first = subprocess.run(sweep_command(county, out, "--no-charts", "--years", "1"), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    other = [
        sys.executable,
        "-m",
        "simulation.app.cli.main",
        "sweep",
        str(county),
        "--vary",
        "transfers.dibao_takeup=0.1:0.9:3",
    ]
    refused = subprocess.run([*other, "--years", "1", "-o", str(out), "--resume", "-q"], capture_output=True, text=True)
    assert refused.returncode == 2
    assert "different experiment" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


def test_resume_needs_the_folder_named(county: Path, tmp_path: Path):
    command = [sys.executable, "-m", "simulation.app.cli.main", "sweep", str(county), *SWEEP, "--resume", "-q"]
    refused = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert refused.returncode == 2 and "-o DIR" in refused.stderr
    assert not (tmp_path / "results").exists()
