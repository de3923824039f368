"""The ``agrifin`` command line (click).

Exit status: 0 success; 2 bad input (one line naming the file, the key and the problem,
no traceback, no results folder left behind); 1 a failure while running.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from simulation.scenario import Scenario, ScenarioError, load_scenario, parse_override

MAIN_TABLE = (
    ("relapse_rate", "Relapse rate (mean of annual rates)", "{:.2%}"),
    ("relapse_count", "Relapses (households, whole run)", "{:,.0f}"),
    ("new_poor_count", "Newly poor (households, whole run)", "{:,.0f}"),
    ("poverty_headcount", "Poverty headcount (last year)", "{:.2%}"),
    ("at_risk_share", "Below monitoring line (last year)", "{:.2%}"),
    ("mean_income_pc", "Mean income per capita (yuan/yr)", "{:,.0f}"),
    ("gini", "Gini (last year)", "{:.3f}"),
    ("large_scale_relapse", "Large-scale relapse alarm (any month)", "{:.0%}"),
    ("fiscal_cost", "Fiscal cost (million yuan, whole run)", "{:,.1f}", 1e-6),
)


class BadInput(click.ClickException):
    """Bad input from the user: exit status 2."""

    exit_code = 2


@dataclass
class RunOptions:
    """Options shared by ``run`` and ``compare``."""

    replications: int
    seed: int
    households: int | None
    years: int | None
    sets: tuple[str, ...]
    output: Path | None
    workers: int | None
    no_charts: bool
    quiet: bool


def run_options(func):
    """Attach the options shared by every command that runs the model."""
    options = [
        click.option(
            "-r",
            "--replications",
            default=10,
            show_default=True,
            type=click.IntRange(min=1),
            help="Replications per scenario.",
        ),
        click.option("--seed", default=1, show_default=True, type=click.IntRange(min=0), help="Root seed."),
        click.option("--households", type=click.IntRange(min=1), help="Override population.households."),
        click.option("--years", type=click.IntRange(min=1, max=100), help="Override horizon.years."),
        click.option(
            "--set",
            "sets",
            multiple=True,
            metavar="KEY=VALUE",
            help="Override any parameter, e.g. --set transfers.dibao_takeup=0.8 (repeatable).",
        ),
        click.option(
            "-o",
            "--output",
            type=click.Path(path_type=Path),
            help="Results folder (default results/<scenario>-<UTC time>).",
        ),
        click.option("--workers", type=click.IntRange(min=1), help="Local worker processes (default: all cores)."),
        click.option("--no-charts", is_flag=True, help="Do not draw figures."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar or table."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def overrides_from(sets: tuple[str, ...], households: int | None = None, years: int | None = None) -> dict[str, Any]:
    """``--set`` pairs and the shortcut options as dotted-key overrides."""
    overrides = dict(parse_override(text) for text in sets)
    if households is not None:
        overrides["population.households"] = households
    if years is not None:
        overrides["horizon.years"] = years
    return overrides


def resolve(paths: tuple[Path, ...], opts: RunOptions) -> list[Scenario]:
    """Load and validate every scenario before anything is written."""
    overrides = overrides_from(opts.sets, opts.households, opts.years)
    scenarios = [load_scenario(path, overrides) for path in paths]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise BadInput(f"scenario names must differ within one experiment, got {', '.join(names)}")
    return scenarios


def results_path(opts: RunOptions, label: str) -> Path:
    """The folder to write, refusing to mix into a non-empty existing one."""
    from simulation.results import default_folder

    if opts.output is None:
        return default_folder(Path("results"), label)
    if opts.output.exists() and any(opts.output.iterdir()):
        raise BadInput(f"{opts.output}: results folder exists and is not empty; choose another -o")
    return opts.output


def run_experiment(scenarios: list[Scenario], opts: RunOptions, label: str) -> None:
    """Run all replicates of the scenarios, write the results folder, print the summary."""
    from simulation.charts import draw_standard_charts
    from simulation.results import ResultsFolder
    from simulation.runner import collect, execute, plan_runs

    folder_path = results_path(opts, label)
    specs = plan_runs(scenarios, opts.replications, opts.seed)
    by_label = {spec.label: spec for spec in specs}
    folder = ResultsFolder(folder_path, scenarios, opts.seed, ["agrifin", *sys.argv[1:]])
    outputs = []
    show_bar = not opts.quiet and sys.stderr.isatty()
    with click.progressbar(
        length=len(specs), label="runs", file=sys.stderr, show_pos=True, show_eta=True, hidden=not show_bar
    ) as bar:
        for output in execute(specs, opts.workers):
            folder.record(output, by_label[f"{output.scenario}#{output.replicate}"])
            outputs.append(output)
            bar.update(1)
    result = collect(outputs)
    folder.finish(result)
    if not opts.no_charts and not result.timeseries.empty:
        draw_standard_charts(folder_path, result.timeseries, folder.manifest(finished=True))
    if not opts.quiet:
        click.echo(summary_table(result.summary, [s.name for s in scenarios]))
        click.echo(f"\nResults: {folder_path}")
    for failed in result.failed:
        click.echo(
            f"agrifin: run {failed.scenario}#{failed.replicate} failed: {failed.error.splitlines()[0]}", err=True
        )
    if result.failed:
        raise SystemExit(1)


def summary_table(summary, names: list[str]) -> str:
    """Mean over replications of the main figures, one column per scenario."""
    means = summary.groupby("scenario", sort=False).mean(numeric_only=True)
    reps = summary.groupby("scenario", sort=False)["replicate"].nunique()
    width = max(len(label) for _, label, *_ in MAIN_TABLE) + 2
    col = max(14, *(len(n) + 2 for n in names))
    lines = [" " * width + "".join(f"{n:>{col}}" for n in names)]
    lines.append(" " * width + "".join(f"{f'({reps.get(n, 0)} runs)':>{col}}" for n in names))
    for metric, label, fmt, *scale in MAIN_TABLE:
        factor = scale[0] if scale else 1.0
        cells = "".join(
            f"{fmt.format(means.loc[n, metric] * factor) if n in means.index else '-':>{col}}" for n in names
        )
        lines.append(f"{label:<{width}}{cells}")
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="agrifin")
def cli() -> None:
    """agrifin: agricultural value-chain finance and relapse into poverty, one county month by month."""


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@run_options
def run(scenario: Path, **options: Any) -> None:
    """Run SCENARIO for N replications and write a results folder."""
    opts = RunOptions(**options)
    scenarios = resolve((scenario,), opts)
    run_experiment(scenarios, opts, scenarios[0].name)


@cli.command()
@click.argument("baseline", type=click.Path(path_type=Path))
@click.argument("policies", nargs=-1, required=True, type=click.Path(path_type=Path))
@run_options
def compare(baseline: Path, policies: tuple[Path, ...], **options: Any) -> None:
    """Run BASELINE and each POLICY on the same replicate seeds into one results folder."""
    opts = RunOptions(**options)
    scenarios = resolve((baseline, *policies), opts)
    run_experiment(scenarios, opts, f"{scenarios[0].name}-compare")


@cli.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(scenarios: tuple[Path, ...]) -> None:
    """Check scenario files; print one line per file."""
    bad = 0
    for path in scenarios:
        try:
            sc = load_scenario(path)
            click.echo(f"ok: {path} ({sc.name})")
        except ScenarioError as err:
            click.echo(f"agrifin: {err}", err=True)
            bad += 1
    if bad:
        raise SystemExit(2)


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a parameter (repeatable).")
def describe(scenario: Path, sets: tuple[str, ...]) -> None:
    """Print the resolved parameters of SCENARIO (after extends and --set)."""
    sc = load_scenario(scenario, overrides_from(sets))
    click.echo(f"# {scenario} resolved (content hash {sc.content_hash()})")
    click.echo(sc.to_yaml(), nl=False)


def scenario_folders() -> list[Path]:
    """Where scenario files are looked for: ./scenarios, then agrifin's own."""
    own = Path(__file__).resolve().parents[1] / "scenarios"
    here = Path("scenarios").resolve()
    return [here] if here == own else [p for p in (here, own) if p.is_dir()]


@cli.command(name="scenarios")
def list_scenarios() -> None:
    """List the scenario files shipped in scenarios/ with their descriptions."""
    for folder in scenario_folders():
        for path in sorted(folder.glob("*.yaml")):
            try:
                sc = load_scenario(path)
                text = " ".join(sc.description.split())
                click.echo(f"{path.name:<32} {sc.name:<24} {text[:90]}")
            except ScenarioError as err:
                click.echo(f"{path.name:<32} invalid: {err}")


@cli.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to a file instead of stdout.")
def schema(output: Path | None) -> None:
    """Write the JSON schema of scenario files (for editors)."""
    text = json.dumps(Scenario.model_json_schema(), indent=2)
    if output is None:
        click.echo(text)
    else:
        from simulation.results import write_atomic

        write_atomic(output, text + "\n")
        click.echo(f"wrote {output}")


def main() -> None:
    """Entry point: turn user errors into one line and exit status 2."""
    try:
        status = cli.main(standalone_mode=False)
    except ScenarioError as err:
        click.echo(f"agrifin: {err}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("agrifin: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as err:
        click.echo(f"agrifin: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    sys.exit(status or 0)


if __name__ == "__main__":
    main()
