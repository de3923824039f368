"""What every command that runs the model shares: options, checks, the folder, progress.

The order is always the same: read and validate everything (scenarios, overrides, every
design point, the cluster address), and only then create or reopen the results folder,
so bad input leaves nothing behind.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from simulation.app.cli.progress import RunLines
from simulation.scenario.loading import Scenario, load_scenario, parse_override

if TYPE_CHECKING:
    import pandas as pd

    from simulation.app.cli.folder_claim import FolderClaim
    from simulation.experiments.campaign import CampaignOutcome
    from simulation.experiments.executors import Executor
    from simulation.experiments.pool import WorkerChoice
    from simulation.experiments.profiling import PhaseProfile
    from simulation.experiments.runner import RunSpec
    from simulation.outputs.results import ResultsFolder

log = logging.getLogger(__name__)

# the headline outcomes first (docs/metrics.md), then the others; rows absent from a summary are skipped
MAIN_TABLE = (
    ("poverty_person_years", "Poverty person-years (whole run)", "{:,.0f}"),
    ("cohort_poverty_rate", "Ex-poor cohort below the line (last year)", "{:.2%}"),
    ("relapse_rate", "Relapse rate, ex-poor cohort (mean per year)", "{:.2%}"),
    ("ever_relapsed_share", "Ex-poor cohort ever relapsed (end of run)", "{:.2%}"),
    ("new_poor_rate", "New poor rate, never registered (mean per year)", "{:.2%}"),
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
    """Options shared by every command that runs the model."""

    replications: int
    seed: int
    households: int | None
    years: int | None
    sets: tuple[str, ...]
    output: Path | None
    workers: int | None
    scheduler: str | None
    resume: bool
    no_charts: bool
    quiet: bool
    profile: bool = False
    encoding: str | None = None
    extra_outcomes: tuple[dict[str, Any], ...] = ()  # an experiment file's outcomes, added to every scenario
    profiles: dict[str, PhaseProfile] | None = field(default=None, init=False)  # filled by conduct with --profile


def _known_encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from simulation.scenario.file import ScenarioFileError, check_encoding

    if value is None:
        return None
    try:
        return check_encoding(value)
    except ScenarioFileError as err:
        raise BadInput(f"--encoding {value}: {err.problem}") from None


encoding_option = click.option(
    "--encoding",
    callback=_known_encoding,
    metavar="NAME",
    help="Text encoding of the scenario files (default: UTF-8, or Chinese GB18030/GBK when detected).",
)


def run_options(func):
    """Attach the options shared by every command that runs the model."""
    options = [
        click.option(
            "-r",
            "--replications",
            default=10,
            show_default=True,
            type=click.IntRange(min=1),
            help="Replications per scenario (per design point in a sweep).",
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
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            help="Local worker processes (default: chosen from the work, one for small experiments; "
            "the choice is in manifest.json).",
        ),
        click.option(
            "--scheduler",
            metavar="ADDRESS",
            envvar="DASK_SCHEDULER_ADDRESS",
            help="Dask distributed scheduler, e.g. tcp://host:8786 (or DASK_SCHEDULER_ADDRESS); default local pool.",
        ),
        click.option(
            "--resume",
            is_flag=True,
            help="Continue the interrupted experiment in -o DIR: run only missing or failed runs.",
        ),
        encoding_option,
        click.option("--no-charts", is_flag=True, help="Do not draw figures."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar or table."),
        click.option(
            "--profile",
            is_flag=True,
            help="Time each phase of the month and print the split after the summary (runs in this process).",
        ),
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
    """Load and validate every scenario, and check the experiment's size, before anything is written."""
    check_runs(len(paths), opts.replications, "-r")
    overrides = overrides_from(opts.sets, opts.households, opts.years)
    scenarios = [overridden_name(load_scenario(path, overrides, opts.encoding), opts.sets) for path in paths]
    if opts.extra_outcomes:
        scenarios = [with_outcomes(sc, opts.extra_outcomes, path) for sc, path in zip(scenarios, paths, strict=True)]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise BadInput(f"scenario names must differ within one experiment, got {', '.join(names)}")
    check_memory(scenarios, opts)
    return scenarios


def overridden_name(scenario: Scenario, sets: tuple[str, ...]) -> Scenario:
    """The scenario renamed ``<name>+<n>-overrides`` when ``--set`` changed n keys (never passed off as the file)."""
    if not sets:
        return scenario
    count = len(dict(parse_override(text) for text in sets))
    return scenario.model_copy(update={"name": f"{scenario.name}+{count}-overrides"})


def with_outcomes(scenario: Scenario, outcomes: tuple[dict[str, Any], ...], path: Path) -> Scenario:
    """The scenario with an experiment file's outcomes after its own (validated together)."""
    from simulation.scenario.loading import validate_scenario

    data = scenario.model_dump(mode="json")
    data["outcomes"] = [*data["outcomes"], *outcomes]
    return validate_scenario(data, str(path))


def custom_outcome_names(scenarios: list[Scenario]) -> list[str]:
    """The names of the scenarios' own outcomes (first scenario first), each once."""
    return list(dict.fromkeys(o.name for sc in scenarios for o in sc.outcomes))


def check_runs(points: int, replications: int, option: str, what: str = "scenario") -> None:
    """Refuse an experiment of more than :data:`~simulation.experiments.limits.MAX_RUNS` runs (exit 2)."""
    from simulation.experiments.limits import MAX_RUNS

    runs = points * replications
    if runs > MAX_RUNS:
        raise BadInput(
            f"{option}: {runs:,} runs ({points:,} {what}{'s' if points > 1 else ''} x {replications:,} replicates); "
            f"the limit is {MAX_RUNS:,} runs per experiment (split it into several)"
        )


def check_memory(scenarios: list[Scenario], opts: RunOptions) -> None:
    """Refuse runs whose households would not fit in this machine's available memory (exit 2)."""
    from simulation.experiments.limits import available_memory, run_memory

    available = available_memory()
    if available is None or opts.scheduler:
        return
    largest = max(scenarios, key=lambda s: s.population.households * s.months)
    need = run_memory(largest.population.households, largest.months)
    gigabytes = 2**30
    if need > available:
        raise BadInput(
            f"--households {largest.population.households:,} ({largest.name}): one run needs about "
            f"{need / gigabytes:.1f} GB of memory and {available / gigabytes:.1f} GB is available; use fewer households"
        )
    from simulation.experiments.pool import usable_cores

    runs = len(scenarios) * opts.replications
    workers = 1 if opts.profile else min(runs, opts.workers or usable_cores())
    at_once = max(1, min(workers, available // need))
    if at_once < workers:
        raise BadInput(
            f"--workers {workers}: {workers} runs at once need about {workers * need / gigabytes:.1f} GB of memory "
            f"and {available / gigabytes:.1f} GB is available; use --workers {at_once}"
        )


def claim_folder(opts: RunOptions, label: str) -> FolderClaim:
    """Claim the results folder for this process before any work (see :mod:`simulation.app.cli.folder_claim`)."""
    from simulation.app.cli.folder_claim import claim_default, claim_new, claim_resume

    if opts.resume and opts.output is None:
        raise BadInput("--resume: name the interrupted results folder with -o DIR")
    if opts.output is None:
        return claim_default(label)
    return claim_resume(opts.output) if opts.resume else claim_new(opts.output)


@contextmanager
def writing_results(path: Path) -> Iterator[None]:
    """Turn a failure to write the results folder (disk full, read-only) into one line and exit 1."""
    try:
        yield
    except OSError as err:
        where = err.filename or path
        click.echo(
            f"agrifin: cannot write {where} ({err.strerror or err}); finished runs are kept in {path}. "
            f"Free space or fix permissions, then continue with --resume -o {path}",
            err=True,
        )
        raise SystemExit(1) from None


def check_address(opts: RunOptions) -> None:
    """A ``--scheduler`` address that is not a Dask scheduler: exit 2 within seconds, before any folder exists."""
    from simulation.experiments.scheduler_check import SchedulerError, check_scheduler
    from simulation.extras import require

    if opts.scheduler and not opts.profile:
        require("distributed", "cluster")  # not installed: the pip hint, exit 2
        try:
            check_scheduler(opts.scheduler)
        except SchedulerError as err:
            raise BadInput(f"--scheduler {opts.scheduler}: {err}") from None


def connect(opts: RunOptions, workers: int | None = None) -> Executor:
    """The executor: the Dask cluster if one is named, else the local pool (bad address: exit 2).

    With ``--profile`` the runs execute in this process, one after another.

    Args:
        opts: the command's options.
        workers: local worker processes (default ``--workers``, else chosen from the work).
    """
    from simulation.experiments.executors import LocalPool, make_executor

    if opts.profile:
        return LocalPool(1)
    from simulation.experiments.scheduler_check import SchedulerError

    try:
        return make_executor(workers or opts.workers, opts.scheduler)
    except SchedulerError as err:
        raise BadInput(f"--scheduler {opts.scheduler}: {err}") from None
    except (OSError, TimeoutError) as err:
        raise BadInput(f"--scheduler {opts.scheduler}: cannot reach the Dask scheduler ({err})") from None


def local_workers(specs: list[RunSpec], opts: RunOptions) -> WorkerChoice | None:
    """The local pool's workers for these runs (None on a Dask cluster).

    When several, the pool's fork server is started now: it imports the model in its own
    process while this one goes on importing it too.
    """
    from simulation.experiments.pool import WorkerChoice, choose_workers, start_fork_server

    if opts.profile:
        return WorkerChoice(1, "--profile runs in this process")
    if opts.scheduler:
        return None
    choice = choose_workers(specs, opts.workers)
    if choice.workers > 1:
        start_fork_server()
    return choice


@dataclass
class Plan:
    """An experiment ready to run: its scenarios, runs, fingerprint and (for sweeps) design."""

    kind: str
    label: str
    scenarios: list[Scenario]
    specs: list[RunSpec]
    design: pd.DataFrame | None = None
    details: dict[str, Any] | None = None


def conduct(plan: Plan, opts: RunOptions) -> tuple[Path, ResultsFolder, CampaignOutcome]:
    """Claim (or reclaim) the folder, run what is left with a progress bar, consolidate.

    Exits with status 130 and a hint to resume when interrupted.
    """
    check_profile(opts)
    check_address(opts)
    claim = claim_folder(opts, plan.label)  # before any work: a second process gets exit 2 here
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(claim.release)  # held until the command has written everything
    path = claim.path
    try:
        local_workers(plan.specs, opts)  # first, so that a fork server starts before the model is imported here

        from simulation.experiments.campaign import carry_out
        from simulation.experiments.designs import design_fingerprint
        from simulation.outputs.results import ResultsFolder, plan_fingerprint

        design_hash = design_fingerprint(plan.design, plan.kind) if plan.design is not None else None
        experiment = {
            "kind": plan.kind,
            "replications": opts.replications,
            "runs": len(plan.specs),
            "fingerprint": plan_fingerprint(plan.specs, plan.kind, design_hash),
            "design_hash": design_hash,
            **({"overrides": dict(parse_override(text) for text in opts.sets)} if opts.sets else {}),
            "working_directory": str(Path.cwd()),  # the command's paths are relative to it (resume -o DIR alone)
            **(plan.details or {}),
        }
        command = ["agrifin", *sys.argv[1:]]
        folder_args = (path, plan.scenarios, opts.seed, command, experiment, plan.design)
        resuming = opts.resume and (path / "manifest.json").exists()
        previous = ResultsFolder.resume(*folder_args) if resuming else None  # a mismatch exits 2 here
        to_do = [s for s in plan.specs if previous is None or not previous.is_finished(s)]
        choice = local_workers(to_do, opts)
        executor = connect(opts, choice.workers if choice else None)  # a bad address leaves nothing behind
        log.info("%s: %d of %d runs to do in %s", plan.kind, len(to_do), len(plan.specs), path)
        log.info("executor: %s", getattr(executor, "description", type(executor).__name__))
    except BaseException:
        claim.abandon()
        raise
    show_bar = not opts.quiet and sys.stderr.isatty()
    try:
        with writing_results(path):
            folder = previous or ResultsFolder(*folder_args)
            folder.experiment["executor"] = executor.description
            if choice is not None:
                folder.experiment["workers"] = choice.as_dict()
        remaining = sum(not folder.is_finished(s) for s in plan.specs)
        lines = None if opts.quiet or show_bar else RunLines(remaining, sys.stderr)  # no terminal: a line per run
        with click.progressbar(
            length=remaining,
            label="runs",
            file=sys.stderr,
            show_pos=True,
            show_eta=True,
            hidden=not show_bar,
        ) as bar:
            with timing(opts) as opts.profiles, writing_results(path):
                outcome = carry_out(folder, plan.specs, executor, lambda: lines() if lines else bar.update(1))
    except KeyboardInterrupt:
        click.echo(
            f"\nagrifin: interrupted; finished runs are kept in {path}. Continue with --resume -o {path}", err=True
        )
        raise SystemExit(130) from None
    finally:
        executor.close()
    if outcome.skipped and not opts.quiet:
        click.echo(f"resumed: {outcome.skipped} runs already finished, {outcome.ran} run now", err=True)
    return path, folder, outcome


def timing(opts: RunOptions) -> AbstractContextManager[dict[str, PhaseProfile] | None]:
    """With ``--profile``, time the phases of every run (by scenario); otherwise nothing."""
    if not opts.profile:
        return nullcontext()
    from simulation.experiments.profiling import profiled

    return profiled()


def check_profile(opts: RunOptions) -> None:
    """``--profile`` times the phases in this process: it cannot go with several workers or a cluster."""
    if not opts.profile:
        return
    if opts.scheduler:
        raise BadInput(
            "--profile times the runs in this process; it cannot run on a Dask cluster "
            "(drop --scheduler, or unset DASK_SCHEDULER_ADDRESS)"
        )
    if opts.workers is not None and opts.workers > 1:
        raise BadInput("--profile times the runs in this process, one worker; drop --workers")


def report_profile(opts: RunOptions) -> None:
    """With ``--profile``: the per-phase split of the runs, one table per scenario (stdout)."""
    if opts.profiles:
        from simulation.experiments.profiling import render_profiles

        click.echo("\n" + render_profiles(opts.profiles))


def report_failures(outcome: CampaignOutcome, path: Path) -> None:
    """Name each failed run on stderr and exit 1 if any failed."""
    for label, error in outcome.failures:
        click.echo(f"agrifin: run {label} failed: {error}", err=True)
    if outcome.failures:
        click.echo(
            f"agrifin: {len(outcome.failures)} of {outcome.planned} runs failed (see {path}/manifest.json); "
            f"the others are saved. Retry the failed ones with --resume -o {path}",
            err=True,
        )
        raise SystemExit(1)


def summary_table(summary: pd.DataFrame, names: list[str], custom: list[str] | None = None) -> str:
    """Mean over replications of the main figures and any ``custom`` outcomes, one column per scenario."""
    means = summary.groupby("scenario", sort=False).mean(numeric_only=True)
    reps = summary.groupby("scenario", sort=False)["replicate"].nunique()
    width = max(*(len(label) for _, label, *_ in MAIN_TABLE), *(len(name) for name in custom or ())) + 2
    col = max(14, *(len(n) + 2 for n in names))
    lines = [" " * width + "".join(f"{n:>{col}}" for n in names)]
    lines.append(" " * width + "".join(f"{f'({reps.get(n, 0)} runs)':>{col}}" for n in names))
    for metric, label, fmt, *scale in (*MAIN_TABLE, *((name, name, "{:,.4g}") for name in custom or ())):
        if metric not in means.columns:
            continue
        factor = scale[0] if scale else 1.0
        cells = "".join(
            f"{fmt.format(means.loc[n, metric] * factor) if n in means.index else '-':>{col}}" for n in names
        )
        lines.append(f"{label:<{width}}{cells}")
    return "\n".join(lines)


def finish_standard(
    path: Path, folder: ResultsFolder, outcome: CampaignOutcome, scenarios: list[Scenario], opts: RunOptions
) -> None:
    """The run charts (from the consolidated timeseries) and the summary table."""
    if outcome.summary.empty:
        return
    if not opts.no_charts:
        import pandas as pd

        from simulation.outputs.charts.draw import draw_standard_charts

        timeseries = pd.read_parquet(path / "timeseries.parquet")
        draw_standard_charts(path, timeseries, folder.manifest(finished=True))
    if not opts.quiet:
        click.echo(summary_table(outcome.summary, [s.name for s in scenarios], custom_outcome_names(scenarios)))
        click.echo(f"\nResults: {path}")
    report_profile(opts)
