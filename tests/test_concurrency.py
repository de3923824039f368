"""Two runs started together on one results folder: one runs, the other exits 2; nothing is mixed.

The runs are separate ``agrifin`` processes started at the same moment, on the local pool
and on a Dask ``LocalCluster``; without ``-o`` they get two folders even in the same second.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COUNTY = "name: county\ndescription: concurrency tests\npopulation:\n  households: 300\nhorizon:\n  years: 1\n"
RUN = ("run", "county.yaml", "-r", "2", "-q", "--no-charts")


def start_together(folder: Path, *extra: tuple[str, ...]) -> list[subprocess.CompletedProcess]:
    """Start one ``agrifin run`` per argument tuple at once (seeds 1, 2, …) and wait for all."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "simulation.app.cli.main", *RUN, "--seed", str(seed), *args],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed, args in enumerate(extra, start=1)
    ]
    done = []
    for process in processes:
        out, err = process.communicate(timeout=900)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def check_one_consistent_folder(folder: Path, seed: int) -> None:
    """The folder holds one experiment: the winner's seed, two runs, two status lines, two summary rows."""
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["root_seed"] == seed
    assert manifest["run_counts"] == {"ok": 2, "failed": 0}
    assert len((folder / "runs" / "status.jsonl").read_text().splitlines()) == 2
    assert len((folder / "summary.csv").read_text().splitlines()) == 3


def winner_and_loser(done: list[subprocess.CompletedProcess], out: str) -> int:
    """The seed of the run that wrote the folder; the other exited 2 with one line naming it."""
    codes = sorted(d.returncode for d in done)
    assert codes == [0, 2], [(d.returncode, d.stderr) for d in done]
    loser = next(d for d in done if d.returncode == 2)
    assert len(loser.stderr.strip().splitlines()) == 1 and out in loser.stderr and "Traceback" not in loser.stderr
    return 1 + next(i for i, d in enumerate(done) if d.returncode == 0)


def test_two_runs_into_one_folder_on_the_local_pool_one_exits_2(tmp_path):
    (tmp_path / "county.yaml").write_text(COUNTY)
    done = start_together(tmp_path, ("-o", "same", "--workers", "2"), ("-o", "same", "--workers", "2"))
    seed = winner_and_loser(done, "same")
    check_one_consistent_folder(tmp_path / "same", seed)


def test_two_runs_without_a_folder_in_the_same_second_get_one_folder_each(tmp_path):
    (tmp_path / "county.yaml").write_text(COUNTY)
    done = start_together(tmp_path, ("--workers", "1"), ("--workers", "1"))
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    folders = sorted((tmp_path / "results").iterdir())
    assert len(folders) == 2
    seeds = sorted(json.loads((f / "manifest.json").read_text())["root_seed"] for f in folders)
    assert seeds == [1, 2]
    for folder in folders:
        check_one_consistent_folder(folder, json.loads((folder / "manifest.json").read_text())["root_seed"])


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[str]:
    """A Dask ``LocalCluster`` (one worker process, one thread); yields its scheduler address."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_two_runs_into_one_folder_on_a_local_cluster_one_exits_2(local_cluster, tmp_path):
    (tmp_path / "county.yaml").write_text(COUNTY)
    options = ("-o", "same", "--scheduler", local_cluster)
    done = start_together(tmp_path, options, options)
    seed = winner_and_loser(done, "same")
    check_one_consistent_folder(tmp_path / "same", seed)
    manifest = json.loads((tmp_path / "same" / "manifest.json").read_text())
    assert manifest["experiment"]["executor"] == f"Dask distributed scheduler {local_cluster}"
