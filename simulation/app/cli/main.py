"""The ``agrifin`` command line (click).

Exit status: 0 success; 2 bad input (one line naming the file, the key and the problem,
no traceback, no results folder left behind); 1 a failure while running.

A command imports only what it needs: the experiment, report and dashboard commands are
loaded when they are called (:class:`LazyGroup`), and the model, charts, Dask and SALib
are imported inside the functions that use them, so ``validate`` or ``describe`` start
in a fraction of a second.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import click

from simulation.app.cli.experiment_file import accepts_experiment_file
from simulation.app.cli.runs import (
    Plan,
    RunOptions,
    conduct,
    encoding_option,
    finish_standard,
    overrides_from,
    report_failures,
    resolve,
    run_options,
    writing_results,
)
from simulation.scenario.loading import ScenarioError, load_scenario

LAZY_COMMANDS = {
    "compare": "simulation.app.cli.experiments:compare",
    "sweep": "simulation.app.cli.experiments:sweep",
    "sensitivity": "simulation.app.cli.experiments:sensitivity",
    "report": "simulation.app.cli.report:report",
    "plot": "simulation.app.cli.report:plot",
    "dashboard": "simulation.app.cli.dashboard:dashboard",
    "calibrate": "simulation.app.cli.calibrate:calibrate",
    "explore": "simulation.app.cli.explore:explore",
    "discover": "simulation.app.cli.explore:discover",
    "optimize": "simulation.app.cli.optimize:optimize",
}

# each lazy command's first docstring line, so that `agrifin --help` lists them without importing them
# (tests/test_startup.py checks these against the commands' own docstrings)
LAZY_HELP = {
    "compare": "Run BASELINE and each POLICY on the same replicate seeds; paired differences with 95% CIs.",
    "sweep": "Run SCENARIO (and any --stress scenario) over a grid or Latin hypercube of --vary keys, "
    "points replicated.",
    "sensitivity": "Global sensitivity (SALib Sobol or Morris) of outcomes to the --vary keys; "
    "replicates averaged per point.",
    "report": "Write a review report of RESULTS_DIR: scenarios, headline table, charts, parameters, provenance.",
    "plot": "Draw charts of RESULTS_DIR as PNG and SVG under RESULTS_DIR/figures/.",
    "calibrate": "Fit --vary keys of --base to the TARGETS file (Optuna TPE), or --check the base against it.",
    "dashboard": "Serve an interactive page to move levers and watch SCENARIO's county month by month.",
    "explore": "Run SCENARIO over sampled futures (uncertainties) x policies (levers); experiments and outcomes "
    "tables.",
    "discover": "Find the futures where OUTCOME is bad in an explore FOLDER: PRIM boxes, CART and feature scores.",
    "optimize": "Search the levers for the cheapest policies robust over fixed stress futures (NSGA-II); Pareto set.",
}


class LazyGroup(click.Group):
    """A click group whose commands in :data:`LAZY_COMMANDS` are imported when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, the lazy ones included, in the order they were added."""
        return [*super().list_commands(ctx), *(name for name in LAZY_COMMANDS if name not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing its module first if it is a lazy one."""
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, name = LAZY_COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``: lazy commands not yet imported show :data:`LAZY_HELP`."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name) or click.Command(name, help=LAZY_HELP[name])
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="agrifin")
@click.option("-v", "--verbose", count=True, help="Log what agrifin does on stderr (-v steps, -vv details).")
def cli(verbose: int) -> None:
    """agrifin: agricultural value-chain finance and relapse into poverty, one county month by month."""
    from simulation.logs import configure_logging

    configure_logging(verbose)


@cli.command()
@click.argument("scenario", required=False, type=click.Path(path_type=Path))
@run_options
@accepts_experiment_file("run", "scenario")
def run(scenario: Path, extra_outcomes: tuple[dict[str, Any], ...], **options: Any) -> None:
    """Run SCENARIO for N replications and write a results folder."""
    from simulation.experiments.run_plan import plan_runs

    opts = RunOptions(**options)
    scenarios = resolve((scenario,), opts)
    plan = Plan("run", scenarios[0].name, scenarios, plan_runs(scenarios, opts.replications, opts.seed))
    path, folder, outcome = conduct(plan, opts)
    with writing_results(path):
        finish_standard(path, folder, outcome, scenarios, opts)
    report_failures(outcome, path)


@cli.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@encoding_option
def validate(scenarios: tuple[Path, ...], encoding: str | None) -> None:
    """Check scenario files: one line per good file, one line per problem of a bad one."""
    from simulation.app.cli.experiment_file import is_experiment_file
    from simulation.experiments.levers import check_space_file, space_kind

    bad = 0
    for path in scenarios:
        try:
            if space_kind(path):  # scenarios/uncertainties.yaml, levers.yaml: checked on the baseline
                click.echo(check_space_file(path))
                continue
            if is_experiment_file(path):  # experiments/*.yaml: the file, its scenarios, overrides and ranges
                click.echo(check_experiment_file(path, encoding))
                continue
            sc = load_scenario(path, encoding=encoding)
            click.echo(f"ok: {path} ({sc.name})")
        except ScenarioError as err:
            for line in err.lines:
                click.echo(f"agrifin: {line}", err=True)
            bad += 1
    if bad:
        raise SystemExit(2)


def check_experiment_file(path: Path, encoding: str | None) -> str:
    """Check a saved experiment as its command would read it; the ``ok`` line.

    The file's keys; each scenario it names, with its ``set`` overrides, households and
    years; each varied key at the ends of its range (or at each listed value) on the base.

    Raises:
        ScenarioError: the first problem found, naming the experiment file and its key.
    """
    from simulation.app.cli.experiment_file import Range, load_experiment, scenario_path

    experiment = load_experiment(path)
    sizes = {"population.households": experiment.households, "horizon.years": experiment.years}
    overrides = {**{k: v for k, v in sizes.items() if v is not None}, **experiment.set}
    named = [("scenario", experiment.scenario)]
    named += [(f"policies.{i}", p) for i, p in enumerate(experiment.policies)]
    named += [(f"stress.{i}", p) for i, p in enumerate(experiment.stress)]
    base = scenario_path(experiment.scenario, path)
    changes = [("set", key, value) for key, value in experiment.set.items()]
    for key, spec in experiment.vary.items():
        changes += [("vary", key, value) for value in ((spec.low, spec.high) if isinstance(spec, Range) else spec)]
    for key, name in named[:1]:  # the base as written
        check_loads(path, key, scenario_path(name, path), {}, encoding)
    for section, key, value in changes:  # each override alone on the base: a problem is named by its own key
        check_loads(path, f"{section}.{key}", base, {key: value}, encoding, shown=value)
    for key, name in named:  # every scenario as the experiment runs it
        check_loads(path, key, scenario_path(name, path), overrides, encoding)
    scenarios = f"{len(named)} scenario{'s' if len(named) > 1 else ''}"
    return f"ok: {path} ({experiment.experiment} experiment, {scenarios}, {len(experiment.vary)} varied keys)"


def check_loads(
    experiment: Path, key: str, scenario: Path, overrides: dict[str, Any], encoding: str | None, shown: Any = None
) -> None:
    """Load ``scenario`` with ``overrides``; a problem is raised against ``experiment`` and its ``key``."""
    try:
        load_scenario(scenario, overrides, encoding)
    except ScenarioError as err:
        problem = err.lines[0] if shown is None else f"{shown!r}: {err.problem}"
        raise ScenarioError(str(experiment), key, problem) from None


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a parameter (repeatable).")
@encoding_option
def describe(scenario: Path, sets: tuple[str, ...], encoding: str | None) -> None:
    """Print the resolved parameters of SCENARIO (after extends and --set)."""
    sc = load_scenario(scenario, overrides_from(sets), encoding)
    click.echo(f"# {scenario} resolved (content hash {sc.content_hash()})")
    click.echo(sc.to_yaml(), nl=False)


def scenario_folders() -> list[Path]:
    """Where scenario files are looked for: ./scenarios, then agrifin's own."""
    from simulation.scenario.shipped import shipped_dir

    own = shipped_dir()
    here = Path("scenarios").resolve()
    if own is None or here == own.resolve():
        return [here] if here.is_dir() else []
    return [p for p in (here, own) if p.is_dir()]


@cli.command(name="scenarios")
def list_scenarios() -> None:
    """List the scenario files shipped in scenarios/ with their descriptions."""
    import shutil
    import textwrap

    indent = " " * 58  # the file (32) and name (24) columns, and their spaces
    width = max(len(indent) + 30, min(shutil.get_terminal_size((120, 24)).columns, 140))
    for folder in scenario_folders():
        for path in sorted(folder.glob("*.yaml")):
            if path.stem in ("uncertainties", "levers"):  # not scenarios: the spaces of agrifin explore/optimize
                continue
            try:
                sc = load_scenario(path)
                head = f"{path.name:<32} {sc.name:<24} "
                click.echo(
                    textwrap.fill(
                        " ".join(sc.description.split()),
                        width,
                        initial_indent=head,
                        subsequent_indent=indent,
                        break_on_hyphens=False,
                    )
                )
            except ScenarioError as err:
                click.echo(f"{path.name:<32} invalid: {err.lines[0]}")


@cli.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to a file instead of stdout.")
def schema(output: Path | None) -> None:
    """Write the JSON schema of scenario files (for editors)."""
    from simulation.scenario.export import scenario_json_schema

    text = json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False)
    if output is None:
        click.echo(text)
    else:
        from simulation.outputs.results import write_atomic

        write_atomic(output, text + "\n")
        click.echo(f"wrote {output}")


def main() -> None:
    """Entry point: turn user errors into one line and exit status 2."""
    # At exit, after the exit handlers the command registers, gc.freeze() spares the interpreter's
    # last collections a walk over every object the imports and results left behind (0.2 s).
    atexit.register(gc.freeze)
    from simulation.experiments.pool import start_early

    start_early(sys.argv[1:])  # --workers N: the pool's fork server imports the model meanwhile
    try:
        status = cli.main(standalone_mode=False)
    except ScenarioError as err:
        for line in err.lines:
            click.echo(f"agrifin: {line}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("agrifin: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as err:
        click.echo(f"agrifin: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    except OSError as err:  # an output path that cannot be written: exists, read-only, disk full
        where = f"{err.filename}: " if err.filename else ""
        click.echo(f"agrifin: {where}cannot write ({err.strerror or err})", err=True)
        sys.exit(2)
    sys.exit(status or 0)


if __name__ == "__main__":
    main()
