"""Files any tool can read: a folder per table in runs/, key columns first, units in the schema, readable by all."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

TABLES = ("timeseries", "by_group", "income_distribution", "relapse_causes")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A small two-scenario comparison written by the CLI under the usual umask (022), in runs of two tasks."""
    folder = tmp_path_factory.mktemp("files")
    county = folder / "county.yaml"
    county.write_text("extends: baseline\nname: county\ndescription: small\npopulation:\n  households: 300\n")
    policy = folder / "policy.yaml"
    policy.write_text("extends: county.yaml\nname: policy\ndescription: cheaper credit\n"
                      "credit:\n  products:\n    microcredit:\n      rate: 0.01\n")  # fmt: skip
    command = [sys.executable, "-m", "simulation", "compare", str(county), str(policy), "-r", "2", "--years", "1"]
    subprocess.run(
        [*command, "--workers", "1", "--no-charts", "-q", "-o", str(folder / "out")],
        check=True, capture_output=True, preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip
    return folder / "out"


def test_duckdb_reads_every_table_and_every_runs_folder_as_one_table(results):
    con = duckdb.connect()
    for path in sorted(results.glob("*.parquet")):
        assert con.execute(f"SELECT count(*) FROM '{path}'").fetchall()[0][0] > 0, path.name
    for table in TABLES:
        merged = con.execute(f"SELECT * FROM '{results / table}.parquet' ORDER BY ALL").fetchall()
        parts = con.execute(f"SELECT * FROM '{results / 'runs' / table}/*.parquet' ORDER BY ALL").fetchall()
        assert parts == merged, table
    assert not list((results / "runs").glob("*.parquet"))  # nothing a glob over runs/ would mix up


@pytest.mark.parametrize("table", ["timeseries", "by_group"])
def test_key_columns_come_first_in_the_monthly_tables(results, table):
    names = pq.read_schema(results / f"{table}.parquet").names
    assert names[:3] == ["scenario", "replicate", "month"]


def test_units_and_descriptions_are_in_the_parquet_schema(results):
    schema = pq.read_schema(results / "timeseries.parquet")
    relapse = schema.field("relapse_rate").metadata
    assert relapse[b"unit"] == b"share per year" and b"relapse" in relapse[b"description"]
    assert schema.field("month").metadata[b"unit"] == b"month of the run"
    summary = pq.read_schema(results / "summary.parquet").field("relapse_count").metadata
    assert b"summed over the horizon" in summary[b"description"]
    for table in TABLES:
        undocumented = [f.name for f in pq.read_schema(results / f"{table}.parquet") if not f.metadata]
        assert undocumented == [], table


def test_merged_files_are_readable_by_everyone_under_the_usual_umask(results):
    for path in [*results.glob("*.parquet"), *results.glob("*.csv"), results / "manifest.json"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name
