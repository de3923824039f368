"""The SLURM recipe (docs/recipes/slurm_sweep.py): its job script, and its sweep run on a LocalCluster here."""

import importlib.util
from pathlib import Path

import pandas as pd
import pytest
from distributed import LocalCluster

RECIPE = Path(__file__).resolve().parents[1] / "docs" / "recipes" / "slurm_sweep.py"


@pytest.fixture
def recipe():
    spec = importlib.util.spec_from_file_location("slurm_sweep", RECIPE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_recipes_slurm_job_asks_for_the_cores_memory_and_time_it_states(recipe):
    with recipe.slurm_cluster() as cluster:
        script = cluster.job_script()
    assert "#SBATCH" in script and "--cpus-per-task=8" in script and "-t 02:00:00" in script
    assert "--account=myproject" in script and "--nworkers 8" in script


class OneWorker(LocalCluster):
    """Stands in for SLURMCluster: ``scale(jobs=...)`` gives one local worker process."""

    def __init__(self, **_slurm_options) -> None:
        super().__init__(n_workers=0, threads_per_worker=1, processes=True, dashboard_address=None)

    def scale(self, jobs: int = 0, **_):
        return super().scale(1 if jobs else 0)


def test_the_recipes_sweep_runs_on_a_local_cluster(recipe, monkeypatch, tmp_path):
    monkeypatch.setattr(recipe, "slurm_cluster", OneWorker)
    (tmp_path / "county.yaml").write_text(
        "extends: baseline\nname: county\ndescription: small\npopulation:\n  households: 300\nhorizon:\n  years: 1\n"
    )
    out = tmp_path / "sweep"
    sweep = ["sweep", str(tmp_path / "county.yaml"), "--vary", "credit.products.microcredit.rate=0.02:0.06:2",
             "-r", "2", "--no-charts", "-q", "-o", str(out)]  # fmt: skip
    recipe.main(sweep, jobs=1)
    summary = pd.read_parquet(out / "summary.parquet")
    assert len(summary) == 4 and summary["point"].nunique() == 2
