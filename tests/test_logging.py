"""agrifin logs through the standard library: quiet by default, -v for steps, -vv for details."""

import logging
import subprocess
import sys

from simulation.logs import configure_logging


def agrifin(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulation", *args], capture_output=True, text=True, cwd=cwd)


def test_commands_are_quiet_without_verbose():
    done = agrifin("validate", "baseline")
    assert done.returncode == 0 and done.stderr == ""


def test_very_verbose_logs_each_scenario_file_read():
    done = agrifin("-vv", "validate", "value_chain_finance")
    assert done.returncode == 0
    assert "reading scenario" in done.stderr and "extends" in done.stderr


def test_verbose_run_logs_the_runs_to_do_the_executor_and_consolidation(tmp_path):
    done = agrifin("-v", "run", "baseline", "-r", "1", "--households", "200", "--years", "1", "-o", "out",
                   "--no-charts", "-q", "--workers", "1", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1 of 1 runs to do" in done.stderr and "executor:" in done.stderr and "consolidated 1 runs" in done.stderr
    assert "DEBUG" not in done.stderr


def test_configure_logging_sets_the_agrifin_loggers_only():
    mesa_level = logging.getLogger("mesa").level
    configure_logging(2)
    assert logging.getLogger("simulation").level == logging.DEBUG
    assert logging.getLogger("mesa").level == mesa_level
    configure_logging(0)
    assert logging.getLogger("simulation").level == logging.WARNING
