"""Runs written in batches: what a crash leaves is found again, any per-run table is consolidated."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from small_county import small_scenario

import simulation.experiments.runner
from simulation.engine.model import ValueChainModel
from simulation.experiments.campaign import carry_out
from simulation.experiments.executors import LocalPool
from simulation.experiments.run_plan import plan_runs
from simulation.experiments.runner import RunBatch, simulate, simulate_batch
from simulation.outputs.results import ResultsFolder, parquet_bytes, write_atomic

EXPERIMENT = {"kind": "run", "fingerprint": "test"}


def folder_for(path: Path, scenario) -> ResultsFolder:
    return ResultsFolder(path, [scenario], 1, ["agrifin", "test"], dict(EXPERIMENT))


@pytest.fixture(scope="module")
def county():
    return small_scenario("county", households=300, years=1)


def test_a_batch_holds_each_runs_rows_where_its_offsets_say(county):
    specs = plan_runs([county], 3, 1)

    batch = simulate_batch(specs)

    for spec, where in zip(specs, batch.offsets(), strict=True):
        alone = simulate(spec)
        start, count = where["timeseries"]
        got = batch.records["timeseries"].slice(start, count).to_pandas()
        pd.testing.assert_frame_equal(got, alone.timeseries, check_exact=True)


def test_a_batch_whose_json_was_not_written_is_run_again_on_resume(tmp_path: Path, county):
    specs = plan_runs([county], 2, 1)
    folder = folder_for(tmp_path / "out", county)
    folder.begin(len(specs), "test")
    folder.record_batch(simulate_batch(specs[:1]), specs[:1])
    # a crash after the second batch's tables but before its JSON
    torn = simulate_batch(specs[1:])
    torn_file = tmp_path / "out" / "runs" / "timeseries" / "part-batch-s001-000002.parquet"
    write_atomic(torn_file, parquet_bytes(torn.records["timeseries"]))

    again = ResultsFolder.resume(tmp_path / "out", [county], 1, ["agrifin", "test"], dict(EXPERIMENT))

    assert [again.is_finished(s) for s in specs] == [True, False]


def test_a_resumed_folder_consolidates_every_run_once_in_order(tmp_path: Path, county):
    specs = plan_runs([county], 4, 1)
    first = folder_for(tmp_path / "out", county)
    carry_out(first, specs[:3], LocalPool(1))
    again = ResultsFolder.resume(tmp_path / "out", [county], 1, ["agrifin", "test"], dict(EXPERIMENT))

    outcome = carry_out(again, specs, LocalPool(1))

    assert outcome.ran == 1 and outcome.skipped == 3
    timeseries = pd.read_parquet(tmp_path / "out" / "timeseries.parquet")
    whole = pd.concat([simulate(s).timeseries for s in specs], ignore_index=True)
    pd.testing.assert_frame_equal(timeseries, whole, check_exact=True)
    assert outcome.summary["replicate"].tolist() == [0, 1, 2, 3]


def test_runs_written_one_file_each_by_older_versions_are_kept_on_resume(tmp_path: Path, county):
    specs = plan_runs([county], 2, 1)
    folder = folder_for(tmp_path / "out", county)
    folder.begin(len(specs), "test")
    old = simulate(specs[0])
    stem = folder.part_name("county", 0)
    runs = tmp_path / "out" / "runs"
    for name, table in old.tables.items():
        write_atomic(runs / f"{stem}.{name}.parquet", parquet_bytes(table))
    write_atomic(runs / f"{stem}.parquet", parquet_bytes(old.timeseries))
    write_atomic(runs / f"{stem}.json", json.dumps(old.summary))

    again = ResultsFolder.resume(tmp_path / "out", [county], 1, ["agrifin", "test"], dict(EXPERIMENT))
    outcome = carry_out(again, specs, LocalPool(1))

    assert outcome.ran == 1
    by_group = pd.read_parquet(tmp_path / "out" / "by_group.parquet")
    expected = pd.concat([old.tables["by_group"], simulate(specs[1]).tables["by_group"]], ignore_index=True)
    pd.testing.assert_frame_equal(by_group, expected, check_exact=True)


def test_any_per_run_table_the_model_offers_is_written_and_consolidated(tmp_path: Path, monkeypatch, county):
    class WithLedgerTable(ValueChainModel):
        def ledger_table(self) -> pd.DataFrame:
            return pd.DataFrame({"kind": ["dibao", "wages"], "yuan": [3.0, float(self.streams.replicate)]})

    monkeypatch.setattr(simulation.experiments.runner, "ValueChainModel", WithLedgerTable)
    monkeypatch.setattr(
        simulation.experiments.runner, "RUN_TABLES", (*simulation.experiments.runner.RUN_TABLES, "ledger_table")
    )
    specs = plan_runs([county], 3, 1)

    carry_out(folder_for(tmp_path / "out", county), specs, LocalPool(1))

    table = pd.read_parquet(tmp_path / "out" / "ledger_table.parquet")
    assert table.columns.tolist() == ["scenario", "replicate", "kind", "yuan"]
    assert table["replicate"].tolist() == [0, 0, 1, 1, 2, 2]
    assert table["yuan"].tolist() == [3.0, 0.0, 3.0, 1.0, 3.0, 2.0]
    assert (tmp_path / "out" / "relapse_causes.parquet").exists()  # the model's own tables are there too


def test_a_failed_run_in_a_batch_leaves_the_others_rows_in_place(monkeypatch, county):
    class FailsOnReplicateOne(ValueChainModel):
        def run_to_end(self) -> pd.DataFrame:
            if self.streams.replicate == 1:
                raise RuntimeError("simulated breakdown")
            return super().run_to_end()

    monkeypatch.setattr(simulation.experiments.runner, "ValueChainModel", FailsOnReplicateOne)
    specs = plan_runs([county], 3, 1)

    outputs = RunBatch.unpacked(simulate_batch(specs))

    assert [o.status for o in outputs] == ["ok", "failed", "ok"]
    assert outputs[2].timeseries["replicate"].unique().tolist() == [2]
