"""Issue 24: workers chosen by the work, runs grouped into tasks, workers that end with their parent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from small_county import small_scenario

from simulation.experiments.pool import POOL_START_SECONDS, choose_workers, estimated_run_seconds, runs_per_task
from simulation.experiments.run_plan import plan_runs
from simulation.experiments.runner import tasks


def specs_of(households: int, years: int, replications: int):
    return plan_runs([small_scenario("county", households=households, years=years)], replications, 1)


def test_a_small_experiment_runs_in_one_process_by_default():
    choice = choose_workers(specs_of(2_000, 1, 4), cores=2)

    assert choice.workers == 1
    assert choice.reason.startswith("default:") and "start-up" in choice.reason


def test_an_experiment_worth_a_pool_uses_every_core_by_default():
    specs = specs_of(50_000, 10, 8)
    saved = sum(estimated_run_seconds(s.scenario) for s in specs) / 2

    choice = choose_workers(specs, cores=2)

    assert saved > 2 * POOL_START_SECONDS
    assert choice.workers == 2 and choice.reason.startswith("default:")


def test_one_run_never_starts_a_pool():
    assert choose_workers(specs_of(50_000, 10, 1), cores=8).workers == 1


def test_requested_workers_are_used_as_given_but_never_more_than_runs():
    assert choose_workers(specs_of(500, 1, 8), requested=3, cores=2).workers == 3
    assert choose_workers(specs_of(500, 1, 2), requested=3, cores=2).workers == 2
    assert choose_workers(specs_of(500, 1, 2), requested=3).reason == "--workers 3"


def test_tiny_runs_are_grouped_into_tasks_and_large_ones_go_alone():
    tiny = specs_of(500, 1, 40)
    large = specs_of(50_000, 10, 8)

    assert runs_per_task(tiny, 2) > 1
    assert runs_per_task(large, 2) == 1
    # enough tasks for every worker to get several, so the last ones balance out
    assert len(tasks(tiny, 2)) >= 2 * 4


def test_tasks_hold_every_run_once_in_the_order_of_the_results():
    a, b = small_scenario("a", households=300, years=1), small_scenario("b", households=300, years=1)
    specs = plan_runs([a, b], 5, 1)

    grouped = tasks(specs, 2)

    flat = [(s.scenario.name, s.replicate) for task in grouped for s in task]
    assert flat == [("a", r) for r in range(5)] + [("b", r) for r in range(5)]


def test_the_manifest_says_how_many_workers_and_why(tmp_path: Path):
    from click.testing import CliRunner

    from simulation.app.cli.main import cli

    county = tmp_path / "county.yaml"
    county.write_text("name: county\ndescription: workers test\npopulation:\n  households: 300\nhorizon:\n  years: 1\n")
    out = tmp_path / "out"

    result = CliRunner().invoke(cli, ["run", str(county), "-r", "2", "-o", str(out), "--no-charts", "-q"])

    assert result.exit_code == 0, result.output
    experiment = json.loads((out / "manifest.json").read_text())["experiment"]
    assert experiment["workers"]["workers"] == 1
    assert experiment["workers"]["reason"].startswith("default:")
    assert experiment["executor"] == "local process pool, 1 worker"


def test_checking_a_scenario_imports_neither_the_model_nor_pandas_nor_charts():
    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    code = textwrap.dedent(
        f"""
        import sys
        from simulation.app.cli.main import cli
        cli.main(["validate", {str(scenario)!r}], standalone_mode=False)
        cli.main(["describe", {str(scenario)!r}], standalone_mode=False)
        heavy = [
            "simulation.engine.model", "mesa", "pandas", "matplotlib", "scipy.stats", "distributed", "SALib", "dash"
        ]  # fmt: skip
        print(sorted(name for name in heavy if name in sys.modules))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


PARENT = """
import sys, time
from simulation.experiments.executors import LocalPool
from simulation.experiments.run_plan import plan_runs
from simulation.scenario.loading import scenario_from_dict

county = scenario_from_dict({"name": "county", "description": "orphan test",
                             "population": {"households": 2000}, "horizon": {"years": 2}})
for batch in LocalPool(3).run_batches(plan_runs([county], 5000, 1)):  # far more work than the test waits for
    pass
"""


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def pool_workers(pid: int) -> list[psutil.Process]:
    """The pool's worker processes: grandchildren of ``pid`` (children of its fork server)."""
    children = {child.pid for child in psutil.Process(pid).children()}
    return [p for p in descendants(pid) if p.pid not in children]


def test_pool_workers_end_when_their_parent_is_killed(tmp_path):
    errors = (tmp_path / "parent.err").open("w+")
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.DEVNULL, stderr=errors)
    try:
        # three workers: this process and two pool processes forked from the fork server
        deadline = time.monotonic() + 600
        while len(pool_workers(parent.pid)) < 2 and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.1)
        errors.seek(0)
        why = f"exit status {parent.poll()}, stderr: {errors.read()[-2000:]}"
        assert len(pool_workers(parent.pid)) == 2, f"the pool did not start ({why})"
        left = descendants(parent.pid)  # the fork server, the resource tracker and the pool's workers
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()

    gone, alive = psutil.wait_procs(left, timeout=300)

    assert alive == [], f"still running after their parent was killed: {[p.cmdline()[-1][:60] for p in alive]}"
    assert len(gone) == len(left) >= 4


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_gives_the_same_numbers_alone_or_grouped_with_others(workers: int):
    from simulation.experiments.executors import LocalPool
    from simulation.experiments.runner import simulate

    specs = specs_of(300, 1, 4)
    grouped = {o.replicate: o for o in LocalPool(workers).run_all(specs)}

    for spec in specs:
        alone = simulate(spec)
        assert grouped[spec.replicate].summary == alone.summary
        assert grouped[spec.replicate].timeseries.equals(alone.timeseries)
        for name, table in alone.tables.items():
            assert grouped[spec.replicate].tables[name].equals(table)
