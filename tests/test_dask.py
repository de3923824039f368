"""--scheduler: runs sent to a real Dask distributed cluster give the local pool's numbers exactly."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from simulation.app.cli.main import cli

COUNTY = "name: county\ndescription: cluster tests\npopulation:\n  households: 1200\nhorizon:\n  years: 2\n"
POLICY = "extends: county.yaml\nname: generous_health\ndescription: more paid\nhealth:\n  reimbursement_share: 0.8\n"
DASK = str(Path(sys.executable).parent / "dask")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_worker(address: str, timeout: float = 300.0) -> None:
    from distributed import Client

    with Client(address, timeout=timeout) as client:
        client.wait_for_workers(1, timeout=timeout)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A `dask scheduler` and one `dask worker` on 127.0.0.1, torn down after the tests."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], **quiet
    )
    worker = subprocess.Popen(
        [DASK, "worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
        **quiet,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                wait_for_worker(address)
                break
            except OSError:
                if time.monotonic() > deadline or scheduler.poll() is not None:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for process in (worker, scheduler):
            process.terminate()
        for process in (worker, scheduler):
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def scenarios(tmp_path: Path) -> list[str]:
    (tmp_path / "county.yaml").write_text(COUNTY)
    (tmp_path / "generous_health.yaml").write_text(POLICY)
    return [str(tmp_path / "county.yaml"), str(tmp_path / "generous_health.yaml")]


def compare(scenarios: list[str], out: Path, *executor: str) -> None:
    args = ["compare", *scenarios, "-r", "3", "--seed", "11", "-o", str(out), "--no-charts", "-q", *executor]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output


def test_a_dask_run_gives_the_same_numbers_as_the_local_run(cluster: str, scenarios: list[str], tmp_path: Path):
    compare(scenarios, tmp_path / "local", "--workers", "2")
    compare(scenarios, tmp_path / "dask", "--scheduler", cluster)
    for table in ("timeseries.parquet", "summary.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "dask" / table), pd.read_parquet(tmp_path / "local" / table), check_exact=True
        )
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "dask" / "comparison.csv"), pd.read_csv(tmp_path / "local" / "comparison.csv")
    )
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["experiment"]["executor"] == f"Dask distributed scheduler {cluster}"
    assert manifest["run_counts"] == {"ok": 6, "failed": 0}


def test_the_scheduler_can_come_from_the_environment(cluster: str, scenarios: list[str], tmp_path: Path, monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster)
    compare(scenarios, tmp_path / "env")
    manifest = json.loads((tmp_path / "env" / "manifest.json").read_text())
    assert manifest["experiment"]["executor"].startswith("Dask distributed")


def test_an_unreachable_scheduler_is_bad_input_and_leaves_no_folder(scenarios: list[str], tmp_path: Path):
    out = tmp_path / "never"
    address = f"tcp://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "simulation.app.cli.main", "compare", *scenarios, "-r", "1", "-o", str(out)]
    done = subprocess.run([*command, "--scheduler", address], capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and "cannot reach the Dask scheduler" in done.stderr
    assert not out.exists()


def test_a_calibration_on_the_cluster_gives_the_local_trials(cluster: str, scenarios: list[str], tmp_path: Path):
    targets = Path(__file__).resolve().parents[1] / "scenarios" / "calibration" / "targets.yaml"
    common = [
        "calibrate", str(targets), "--base", scenarios[0], "--households", "300", "--years", "4", "-r", "2",
        "--workers", "2", "--trials", "4", "-q", "--no-charts", "--vary", "transfers.basic_per_capita=150:300",
    ]  # fmt: skip
    local = CliRunner().invoke(cli, [*common, "-o", str(tmp_path / "local")])
    remote = CliRunner().invoke(cli, [*common, "--scheduler", cluster, "-o", str(tmp_path / "dask")])
    assert local.exit_code == 0 and remote.exit_code == 0, (local.output, remote.output)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "local" / "trials.parquet"), pd.read_parquet(tmp_path / "dask" / "trials.parquet")
    )
