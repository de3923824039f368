"""Run an agrifin sweep on a SLURM cluster: dask-jobqueue starts Dask workers as SLURM jobs.

Run it on the login node, in the venv that has ``pip install 'agrifin[cluster]'`` (the same
venv, on a shared file system, must be visible from the compute nodes)::

    python slurm_sweep.py

Edit :data:`SWEEP` (the command's arguments) and the job size in :func:`slurm_cluster` for
your site. The runs go to the cluster with ``--scheduler``; the numbers are those of a local
run with the same seed. If the allocation ends early, run the same command again with
``--resume`` added to :data:`SWEEP`: finished runs are kept, the rest are run.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

from dask_jobqueue import SLURMCluster
from distributed import Client

AGRIFIN = [sys.executable, "-m", "simulation"]  # the agrifin of this venv
SWEEP = [
    "sweep", "baseline",
    "--vary", "credit.products.microcredit.rate=0.02:0.06:5",
    "--vary", "credit.products.microcredit.interest_subsidy_share=0:1:3",
    "-r", "20", "--no-charts", "-o", "results/rate_subsidy_sweep",
]  # fmt: skip
JOBS = 4  # SLURM jobs, each a node's worth of workers


def slurm_cluster() -> SLURMCluster:
    """Dask workers as SLURM jobs: one worker process per core, one run at a time each."""
    return SLURMCluster(
        cores=8,  # cores per job
        processes=8,  # worker processes per job (agrifin runs are single-threaded)
        memory="16GB",  # per job: about 2 GB per worker for a 20,000-household county
        walltime="02:00:00",
        queue="normal",  # your partition
        job_extra_directives=["--account=myproject"],  # your account, if your site needs one
    )


def main(sweep: Sequence[str] = SWEEP, jobs: int = JOBS) -> None:
    """Start the workers, run the sweep on them, release the jobs."""
    with slurm_cluster() as cluster, Client(cluster) as client:
        cluster.scale(jobs=jobs)
        client.wait_for_workers(1)  # the others join as SLURM starts their jobs
        subprocess.run([*AGRIFIN, *sweep, "--scheduler", cluster.scheduler_address], check=True)


if __name__ == "__main__":
    main()
