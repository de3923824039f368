"""The first commands a user types: a quick --help, wrapped scenario descriptions,
runs with --set named after their overrides, and progress lines without a terminal."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import click

from simulation.app.cli.main import LAZY_COMMANDS, LAZY_HELP, cli

ROOT = Path(__file__).resolve().parents[1]


def agrifin(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "simulation.app.cli.main", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def test_help_lists_every_command_without_importing_the_heavy_ones():
    code = textwrap.dedent(
        """
        import sys
        from simulation.app.cli.main import cli
        try:
            cli.main(["--help"], standalone_mode=False)
        except SystemExit:
            pass
        cli_modules = ["simulation.app.cli.experiments", "simulation.app.cli.report", "simulation.app.cli.dashboard"]
        heavy = [*cli_modules, "pandas", "mesa"]
        print(sorted(name for name in heavy if name in sys.modules))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    for name in LAZY_COMMANDS:
        assert f"  {name} " in done.stdout


def test_lazy_help_is_each_commands_own_first_line():
    context = click.Context(cli)
    for name in LAZY_COMMANDS:
        assert cli.get_command(context, name).get_short_help_str(limit=500) == LAZY_HELP[name]


def test_scenarios_wraps_descriptions_at_word_boundaries(tmp_path):
    env = {**__import__("os").environ, "COLUMNS": "90"}
    done = agrifin("scenarios", cwd=tmp_path, env=env)  # outside the repository: the shipped scenarios

    lines = done.stdout.splitlines()
    assert done.returncode == 0
    assert max(len(line) for line in lines) <= 90
    words = " ".join(line[58:].strip() for line in lines).split()
    assert "monitoring, value chain) are off." in " ".join(words)  # the baseline's last words, not cut


def test_a_run_with_set_is_named_after_its_overrides_which_the_manifest_lists(tmp_path):
    args = ("--households", "200", "--years", "1", "-r", "2", "--no-charts", "--workers", "1")
    sets = ("--set", "transfers.dibao_takeup=0.8", "--set", "health.reimbursement_share=0.6")
    done = agrifin("run", "baseline", *args, *sets, "-o", str(tmp_path / "out"))

    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert done.returncode == 0, done.stderr
    assert [s["name"] for s in manifest["scenarios"]] == ["baseline+2-overrides"]
    assert manifest["experiment"]["overrides"] == {"transfers.dibao_takeup": 0.8, "health.reimbursement_share": 0.6}
    assert "baseline+2-overrides" in done.stdout


def test_without_a_terminal_each_finished_run_prints_one_line_on_stderr(tmp_path):
    args = ("--households", "200", "--years", "1", "-r", "3", "--no-charts", "--workers", "1")
    done = agrifin("run", "baseline", *args, "-o", str(tmp_path / "out"))

    progress = [line for line in done.stderr.splitlines() if line.startswith("agrifin: run ")]
    assert done.returncode == 0, done.stderr
    assert [line.split(" finished")[0] for line in progress] == [f"agrifin: run {i} of 3" for i in (1, 2, 3)]
    quiet = agrifin("run", "baseline", *args, "-q", "-o", str(tmp_path / "quiet"))
    assert quiet.stderr == ""


def test_agrifin_starts_a_pools_fork_server_before_importing_its_command_line():
    code = textwrap.dedent(
        """
        import sys
        import simulation.experiments.pool as pool

        seen = []
        heavy = ("click", "pydantic", "pandas", "mesa")
        pool.start_fork_server = lambda: seen.append([m for m in heavy if m in sys.modules])
        sys.argv = ["agrifin", "run", "no-such-scenario.yaml", "--workers", "2", "--households", "100"]
        from simulation.app.cli.launch import main
        try:
            main()
        except SystemExit as end:
            print(seen[0], end.code)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)

    assert done.stdout.split() == ["[]", "2"], done.stderr


def test_the_fork_server_ends_without_tearing_down_the_model_it_imported():
    code = textwrap.dedent(
        """
        import atexit, gc
        atexit.register(print, "teardown ran")
        import simulation.experiments.fork_server
        print("model imported", "simulation.engine.model" in __import__("sys").modules, gc.get_freeze_count() > 0)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["model imported True True"]


def test_a_scenario_checked_for_being_an_experiment_file_is_parsed_once(monkeypatch):
    from simulation.app.cli.experiment_file import is_experiment_file
    from simulation.scenario import file
    from simulation.scenario.loading import load_scenario

    parses, parse = [], file.parse_yaml
    monkeypatch.setattr(file, "parse_yaml", lambda text: parses.append(text) or parse(text))
    file.parsed_yaml.cache_clear()

    path = ROOT / "scenarios" / "baseline.yaml"
    assert not is_experiment_file(path)
    assert load_scenario(path).name == "baseline"
    assert len(parses) == 1
    file.parsed_yaml.cache_clear()
