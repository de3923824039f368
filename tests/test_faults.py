"""Faults while running: NaN or infinity in the books or the records, a disk that fills, foreign web pages.

Each fails the way the README promises: a run with a non-finite number is marked failed
naming the metric (exit 1); a results folder that cannot be written is one line naming
the path and the ``--resume`` command, and resuming finishes the experiment.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from flask import Flask

from simulation.app.cli.main import main
from simulation.app.dashboard.guard import guard_local_requests
from simulation.engine.ledger import Ledger, LedgerImbalanceError
from simulation.experiments.runner import NonFiniteRecordError, RunSpec, check_finite, simulate
from simulation.experiments.scheduler_check import SchedulerError, looks_like_dask, parse_address

COUNTY = "name: county\ndescription: fault tests\npopulation:\n  households: 200\nhorizon:\n  years: 1\n"
SMALL = ("-r", "2", "-q", "--no-charts", "--workers", "1")


class Institution:
    """A scalar sector."""

    def __init__(self, cash: float = 0.0) -> None:
        self.cash = cash


def agrifin(*args: str, capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["agrifin", *args])
    with pytest.raises(SystemExit) as leaving:
        main()
    captured = capsys.readouterr()
    return leaving.value.code or 0, captured.out, captured.err


def test_a_nan_payment_fails_the_month_naming_the_flow():
    ledger = Ledger()
    ledger.open_array_sector("households", np.full(3, 100.0))
    ledger.open_scalar_sector("government", Institution(1000.0))
    ledger.pay("dibao", "government", "households", np.array([1.0, np.nan, 2.0]))
    with pytest.raises(LedgerImbalanceError, match="dibao flow from government to households is nan"):
        ledger.close_month()


def test_infinite_cash_fails_the_month_naming_the_sector():
    ledger = Ledger()
    bank = Institution(10.0)
    ledger.open_scalar_sector("bank", bank)
    bank.cash = np.inf
    with pytest.raises(LedgerImbalanceError, match="cash of bank is inf"):
        ledger.close_month()


def test_records_with_infinity_name_the_metric_and_the_month():
    table = pd.DataFrame({"month": [1, 2, 3], "bank_equity": [1.0, 2.0, np.inf], "gini": [0.3, np.nan, 0.3]})
    with pytest.raises(NonFiniteRecordError, match="metric gini is nan in month 2"):
        check_finite(table, "monthly records")
    check_finite(table.assign(bank_equity=0.0, gini=0.3), "monthly records")  # finite: no error


@pytest.fixture
def nan_income(monkeypatch):
    """The model's monthly records report NaN mean income from month 1 (as .inf once did)."""
    from simulation.engine.model import ValueChainModel

    original = ValueChainModel.run_to_end

    def poisoned(self):
        series = original(self)
        series["mean_income_pc"] = np.nan
        return series

    monkeypatch.setattr(ValueChainModel, "run_to_end", poisoned)


def test_a_run_whose_records_hold_nan_is_marked_failed_naming_the_metric(nan_income, tmp_path, monkeypatch, capsys):
    (tmp_path / "county.yaml").write_text(COUNTY)
    monkeypatch.chdir(tmp_path)
    code, _, err = agrifin("run", "county.yaml", *SMALL, "-o", "out", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 1
    assert "metric mean_income_pc is nan in month 1" in err and "Traceback" not in err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["run_counts"] == {"ok": 0, "failed": 2}
    assert all("mean_income_pc" in run["error"] for run in manifest["runs"])


def test_simulate_never_returns_non_finite_records(nan_income):
    from small_county import small_scenario

    output = simulate(RunSpec(small_scenario(years=1), seed=1, replicate=0))
    assert output.status == "failed" and "NonFiniteRecordError" in output.error


def test_a_full_disk_is_one_line_with_the_resume_command_and_resuming_finishes(tmp_path, monkeypatch, capsys):
    import simulation.outputs.results as results

    (tmp_path / "county.yaml").write_text(COUNTY)
    monkeypatch.chdir(tmp_path)
    real_write = results.write_atomic

    def full_disk(path: Path, data, **options) -> None:
        if path.name.startswith("batch-"):  # the runs' records: runs are written a batch at a time
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real_write(path, data, **options)

    monkeypatch.setattr(results, "write_atomic", full_disk)
    code, _, err = agrifin("run", "county.yaml", *SMALL, "-o", "out", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "No space left on device" in err and "batch-" in err and "--resume -o out" in err
    assert (tmp_path / "out" / "manifest.json").exists()  # the folder is kept for --resume

    monkeypatch.setattr(results, "write_atomic", real_write)
    again = ("run", "county.yaml", *SMALL, "-o", "out", "--resume")
    code, _, err = agrifin(*again, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0, err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["run_counts"] == {"ok": 2, "failed": 0}
    assert len(pd.read_csv(tmp_path / "out" / "summary.csv")) == 2


def test_every_file_of_a_results_folder_is_as_readable_as_the_umask_allows(tmp_path, monkeypatch, capsys):
    (tmp_path / "county.yaml").write_text(COUNTY)
    monkeypatch.chdir(tmp_path)
    code, _, err = agrifin("run", "county.yaml", *SMALL, "-o", "out", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0, err
    mask = os.umask(0)
    os.umask(mask)
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "out").rglob("*.parquet")}
    assert modes and set(modes.values()) == {0o666 & ~mask}, modes


@pytest.mark.parametrize(
    ("address", "expected"),
    [("tcp://10.0.0.5:8786", ("tcp", "10.0.0.5", 8786)), ("head-node:9000", ("tcp", "head-node", 9000)),
     ("tls://h", ("tls", "h", 8786)), ("tcp://[::1]:8786", ("tcp", "::1", 8786))],
)  # fmt: skip
def test_scheduler_addresses_are_read_with_the_default_port(address, expected):
    assert parse_address(address) == expected


@pytest.mark.parametrize(
    "address", ["", "not a url", "http://h:8786", "tcp://h:0", "tcp://h:70000", "tcp://h:x", "tcp://"]
)
def test_malformed_scheduler_addresses_are_refused(address):
    with pytest.raises(SchedulerError):
        parse_address(address)


def test_only_a_length_prefixed_frame_looks_like_a_dask_handshake():
    import struct

    assert looks_like_dask(struct.pack("<QQQ", 120, 1, 104) + b"\x83")
    assert not looks_like_dask(b"HTTP/1.0 400 Bad Request\r\n")
    assert not looks_like_dask(b"")


@pytest.fixture
def guarded() -> Flask:
    app = Flask("guarded")
    app.add_url_rule("/_dash-update-component", "update", lambda: "saved", methods=["POST"])
    guard_local_requests(app, 8050)
    return app


@pytest.mark.parametrize("host", ["127.0.0.1:8050", "localhost:8050"])
def test_the_dashboard_answers_its_own_address(guarded, host):
    response = guarded.test_client().post("/_dash-update-component", headers={"Host": host, "Origin": f"http://{host}"})
    assert response.status_code == 200 and response.text == "saved"


@pytest.mark.parametrize(
    "headers",
    [{"Host": "attacker.example:8050"}, {"Host": "127.0.0.1:9999"}, {"Host": "127.0.0.1.nip.io:8050"},
     {"Host": "127.0.0.1:8050", "Origin": "http://attacker.example"},
     {"Host": "localhost:8050", "Origin": "null"}],
)  # fmt: skip
def test_the_dashboard_refuses_other_hosts_and_origins(guarded, headers):
    response = guarded.test_client().post("/_dash-update-component", headers=headers)
    assert response.status_code == 403
