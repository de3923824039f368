"""Issue 24, remaining targets: key columns added per batch, tasks that shrink at the end, consolidation
from memory, part files checked on resume, the fork server started first thing for ``--workers N``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from small_county import small_scenario

import simulation.experiments.pool
from simulation.experiments.campaign import carry_out
from simulation.experiments.executors import LocalPool
from simulation.experiments.pool import start_early, workers_requested
from simulation.experiments.run_plan import RunSpec, output_order, plan_runs
from simulation.experiments.runner import simulate, simulate_batch
from simulation.experiments.work_queue import WorkQueue
from simulation.outputs.parts import RunParts
from simulation.outputs.results import ResultsFolder

EXPERIMENT = {"kind": "run", "fingerprint": "test"}
TABLES = ("timeseries", "by_group", "income_distribution", "relapse_causes")


@pytest.fixture(scope="module")
def county():
    return small_scenario("county", households=300, years=1)


def test_a_batch_of_sweep_points_from_two_scenarios_keys_each_record_as_the_run_alone_does():
    a = small_scenario("a", households=300, years=1)
    b = small_scenario("b", households=300, years=1, transfers__dibao_takeup=0.3)
    specs = [RunSpec(a, 1, 1, point=0), RunSpec(a, 1, 0, point=1), RunSpec(b, 1, 1, point=0)]

    batch = simulate_batch(specs)

    for spec, where in zip(specs, batch.offsets(), strict=True):
        alone = simulate(spec)
        for name in TABLES:
            start, count = where[name]
            got = batch.records[name].slice(start, count).to_pandas()
            expected = alone.timeseries if name == "timeseries" else alone.tables[name]
            assert list(got.columns[:3]) == ["scenario", "point", "replicate"]
            pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_the_work_queue_hands_out_every_run_once_in_neighbouring_tasks_that_shrink_to_single_runs(county):
    specs = plan_runs([county], 40, 1)
    work = WorkQueue(specs, workers=2)
    taken = []
    front = True
    while (task := work.take(front=front)) is not None:
        taken.append((front, task))
        front = not front

    ordered = output_order(specs)
    sizes = [len(task) for _, task in taken]
    assert sorted(s.replicate for _, task in taken for s in task) == list(range(40))
    for _, task in taken:  # neighbours in the results' order
        first = ordered.index(task[0])
        assert task == ordered[first : first + len(task)]
    assert sizes[0] > 1 and sizes[-1] == 1 and sizes[-2] == 1
    assert sizes == sorted(sizes, reverse=True)


def test_a_task_never_holds_more_than_about_a_second_of_model_work():
    large = small_scenario("large", households=50_000, years=10)

    work = WorkQueue(plan_runs([large], 8, 1), workers=2)

    assert {len(work.take()) for _ in range(8)} == {1}


def test_consolidating_from_memory_writes_what_reading_the_parts_back_writes(tmp_path: Path, county):
    specs = plan_runs([county], 3, 1)
    kept = ResultsFolder(tmp_path / "kept", [county], 1, ["agrifin", "test"], dict(EXPERIMENT))
    read = ResultsFolder(tmp_path / "read", [county], 1, ["agrifin", "test"], dict(EXPERIMENT))
    read.parts = RunParts(read.path / "runs", kept_bytes=0)

    carry_out(kept, specs, LocalPool(1))
    carry_out(read, specs, LocalPool(1))

    assert kept.parts.kept and not read.parts.kept
    for name in (*TABLES, "summary"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(kept.path / f"{name}.parquet"), pd.read_parquet(read.path / f"{name}.parquet")
        )


def test_a_batch_whose_record_file_was_torn_by_a_power_cut_is_run_again_on_resume(tmp_path: Path, county):
    specs = plan_runs([county], 2, 1)
    folder = ResultsFolder(tmp_path / "out", [county], 1, ["agrifin", "test"], dict(EXPERIMENT))
    folder.begin(len(specs), "test")
    folder.record_batch(simulate_batch(specs[:1]), specs[:1])
    folder.record_batch(simulate_batch(specs[1:]), specs[1:])
    torn = tmp_path / "out" / "runs" / "by_group" / "part-batch-s001-000002.parquet"
    torn.write_bytes(torn.read_bytes()[: torn.stat().st_size // 2])

    again = ResultsFolder.resume(tmp_path / "out", [county], 1, ["agrifin", "test"], dict(EXPERIMENT))

    assert [again.is_finished(s) for s in specs] == [True, False]


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "county.yaml", "--workers", "2"],
        ["run", "county.yaml"],
        ["run", "county.yaml", "--workers", "1"],
        ["sweep", "county.yaml", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"],
        ["run", "county.yaml", "--workers", "2", "--profile"],
        ["run", "--help", "--workers", "2"],
    ],
)
def test_the_fork_server_is_started_first_thing_only_for_an_explicit_pool(monkeypatch, args):
    started = []
    monkeypatch.setattr(simulation.experiments.pool, "start_fork_server", lambda: started.append(True))
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)

    assert start_early(args) is False
    assert started == []
    assert start_early(["-v", "sweep", "county.yaml", "--workers=2"]) is True
    assert started == [True]


def test_workers_are_read_from_either_spelling_and_a_word_is_no_number():
    assert workers_requested(["run", "x", "--workers", "3"]) == 3
    assert workers_requested(["run", "x", "--workers=4"]) == 4
    assert workers_requested(["run", "x", "--workers", "many"]) is None
    assert workers_requested(["run", "x"]) is None


def test_runs_unpacked_from_a_batch_pack_again_into_the_same_records(county):
    from simulation.experiments.runner import RunBatch

    batch = simulate_batch(plan_runs([county], 2, 1))
    records = dict(batch.records)

    again = RunBatch.of(batch.unpacked())

    for name, table in records.items():
        assert again.records[name].equals(table)
