"""``agrifin calibrate``: fit a scenario to published targets, or check a scenario against them (``--check``)."""

from __future__ import annotations

import hashlib
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import click
import pandas as pd

from simulation.app.cli.runs import BadInput, RunOptions, check_address, connect, overrides_from, writing_results
from simulation.scenario.loading import load_scenario

DEFAULT_TRIALS = 100
DEFAULT_REPLICATIONS = 3


def parse_factors(varies: tuple[str, ...], base) -> list:
    """Each ``--vary KEY=LO:HI``, checked against the schema at both ends of its range (exit 2 else)."""
    from simulation.experiments.designs import Factor, check_factors, parse_vary, point_scenarios

    factors = [parse_vary(text) for text in varies]
    check_factors(factors)
    for factor in factors:
        if not isinstance(factor, Factor):
            raise BadInput(f"--vary {factor.key}: calibrate varies numbers; a list of splits is not one")
        ends = pd.DataFrame({factor.key: [factor.low, factor.high]}, index=pd.Index([0, 1], name="point"))
        point_scenarios(base, ends, "--vary")  # an unknown key or an end out of the schema's range: ScenarioError
    return factors


def horizon_for(targets, base, years: int | None) -> int:
    """``--years``, or just enough years to reach the last target year."""
    if years is not None:
        return years
    return max(1, targets.years_needed()[1] - base.growth.start_year + 1)


def command_line() -> str:
    """The command as typed, for provenance comments."""
    return shlex.join(["agrifin", *sys.argv[1:]])


def settings_of(base, factors, targets_path: Path, replications: int, seed: int) -> dict[str, Any]:
    """What must not change between a calibration and its resumption."""
    from dataclasses import asdict

    digest = hashlib.sha256(Path(targets_path).read_bytes()).hexdigest()[:16]
    return {
        "base": base.name,
        "base_hash": base.content_hash(),
        "targets_hash": digest,
        "factors": [asdict(f) for f in factors],
        "replications": replications,
        "seed": seed,
    }


def claim(folder: Path, resume: bool, settings: dict[str, Any]):
    """Claim a new empty folder, or reopen one holding the same calibration (exit 2 else)."""
    from simulation.app.cli.folder_claim import _lock, claim_new
    from simulation.experiments.calibrate import SETTINGS

    if not resume:
        if (folder / SETTINGS).exists():
            raise BadInput(f"-o {folder}: holds a calibration already; continue it with --resume")
        return claim_new(folder)
    if not (folder / SETTINGS).exists():
        raise BadInput(f"--resume -o {folder}: no calibration there ({SETTINGS} missing)")
    before = json.loads((folder / SETTINGS).read_text())
    differ = [k for k in settings if before.get(k) != settings[k]]
    if differ:
        raise BadInput(f"--resume -o {folder}: the calibration there differs in {', '.join(differ)}")
    return _lock(folder, [])


@click.command()
@click.argument("targets_path", metavar="TARGETS", type=click.Path(path_type=Path))
@click.option("--base", "base_path", required=True, type=click.Path(path_type=Path), help="The scenario fitted.")
@click.option("--vary", "varies", multiple=True, metavar="KEY=LO:HI", help="A parameter to fit (repeatable).")
@click.option("--trials", default=DEFAULT_TRIALS, show_default=True, type=click.IntRange(min=1))
@click.option("-r", "--replications", default=DEFAULT_REPLICATIONS, show_default=True, type=click.IntRange(min=2))
@click.option("--seed", default=1, show_default=True, type=click.IntRange(min=0), help="Root seed (and TPE's seed).")
@click.option("--households", type=click.IntRange(min=1), help="Override population.households.")
@click.option("--years", type=click.IntRange(min=1, max=100), help="Horizon (default: to the last target year).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a parameter (repeatable).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Calibration folder (required to fit).")
@click.option("--workers", type=click.IntRange(min=1), help="Local worker processes (default: the usable cores).")
@click.option("--scheduler", metavar="ADDRESS", envvar="DASK_SCHEDULER_ADDRESS", help="Dask scheduler address.")
@click.option("--resume", is_flag=True, help="Continue the calibration in -o DIR (finished trials are kept).")
@click.option("--check", is_flag=True, help="Run the base only and compare it with the targets; exit 1 if any missed.")
@click.option("--no-charts", is_flag=True, help="Do not draw figures.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def calibrate(targets_path: Path, base_path: Path, varies: tuple[str, ...], **options: Any) -> None:
    """Fit --vary keys of --base to the TARGETS file (Optuna TPE), or --check the base against it."""
    from simulation.experiments.calibration_targets import check_window, load_targets

    targets = load_targets(targets_path)
    overrides = overrides_from(options["sets"], options["households"])
    base = load_scenario(base_path, overrides)
    years = horizon_for(targets, base, options["years"])
    base = load_scenario(base_path, {**overrides, "horizon.years": years})
    first = base.growth.start_year
    check_window(targets, first, first + years - 1, targets_path)
    opts = RunOptions(
        options["replications"], options["seed"], options["households"], years, options["sets"], options["output"],
        options["workers"], options["scheduler"], options["resume"], options["no_charts"], options["quiet"],
    )  # fmt: skip
    if options["check"]:
        if varies:
            raise BadInput("--check runs the base as it is; drop --vary")
        check(targets, base, opts)
        return
    if not varies:
        raise BadInput("give at least one --vary KEY=LO:HI (or --check)")
    if opts.output is None:
        raise BadInput("-o DIR: name the calibration folder (the study is kept there to resume)")
    factors = parse_factors(varies, base)
    fit(targets_path, targets, base, base_path, factors, opts, options["trials"])


def check(targets, base, opts: RunOptions) -> None:
    """Run the base against the targets and validation facts; print the fit; exit 1 naming any missed."""
    from simulation.experiments.calibrate import check_fit, fit_text

    check_address(opts)
    if opts.output is not None and opts.output.exists() and any(opts.output.iterdir()):
        raise BadInput(f"-o {opts.output}: folder exists and is not empty")
    executor = connect(opts, opts.workers)
    try:
        fit_table = check_fit(targets, base, executor, opts.replications, opts.seed)
    finally:
        executor.close()
    if opts.output is not None:
        from simulation.outputs.results import write_atomic

        with writing_results(opts.output):
            write_atomic(opts.output / "fit.csv", fit_table.to_csv(index=False))
    click.echo(fit_text(fit_table))
    missed = fit_table[~fit_table["met"] & ~fit_table["note"].str.startswith("not estimable")]
    if not missed.empty:
        click.echo(f"agrifin: missed {', '.join(missed['name'])}", err=True)
        raise SystemExit(1)


def fit(targets_path, targets, base, base_path, factors, opts: RunOptions, trials: int) -> None:
    """Run (or resume) the study, then write the calibration folder."""
    from simulation.experiments.calibrate import SETTINGS, Calibration, finished, open_study, run_trials
    from simulation.experiments.pool import usable_cores
    from simulation.outputs.results import write_atomic

    check_address(opts)
    settings = settings_of(base, factors, targets_path, opts.replications, opts.seed)
    held = claim(opts.output, opts.resume, settings)
    folder = opts.output
    try:
        write_atomic(folder / SETTINGS, json.dumps(settings, indent=2) + "\n")
        calibration = Calibration(base, factors, targets, opts.replications, opts.seed, trials, folder, settings)
        study = open_study(calibration, opts.resume)
        kept = len(finished(study))
        if opts.resume and not opts.quiet:
            click.echo(f"resumed: {kept} finished trials kept, {max(trials - kept, 0)} to run", err=True)
        executor = connect(opts, opts.workers)
    except BaseException:
        if not opts.resume:
            held.abandon()
        raise
    batch = opts.workers or usable_cores()
    say = (lambda text: None) if opts.quiet else (lambda text: click.echo(text, err=True))
    try:
        with writing_results(folder):
            run_trials(calibration, study, executor, batch, say, lambda: write_trials(calibration, study))
            finish(calibration, study, executor, opts, base_path)
    except KeyboardInterrupt:
        click.echo(f"\nagrifin: interrupted; finished trials are kept. Continue with --resume -o {folder}", err=True)
        raise SystemExit(130) from None
    finally:
        executor.close()
        held.release()


def write_trials(calibration, study) -> pd.DataFrame:
    """``trials.parquet`` after every batch (a killed calibration keeps it up to date)."""
    from simulation.experiments.calibrate import trials_table, write_parquet

    table = trials_table(calibration, study)
    write_parquet(calibration.folder / "trials.parquet", table)
    return table


def finish(calibration, study, executor, opts: RunOptions, base_path: Path) -> None:
    """posterior.parquet, calibrated.yaml, fit.csv of the best trial (with validation) and the charts."""
    from simulation.experiments.calibrate import (
        MIN_ACCEPTED,
        calibrated_yaml,
        check_fit,
        fit_text,
        posterior,
        relative_to,
        write_parquet,
    )
    from simulation.outputs.results import write_atomic

    folder = calibration.folder
    table = write_trials(calibration, study)
    accepted, selection = posterior(calibration, table)
    write_parquet(
        folder / "posterior.parquet",
        accepted,
        {
            "selection": selection,
            "min_accepted": MIN_ACCEPTED,
            "approximate": selection != "within_tolerance",
            "base": calibration.base.name,
            "trials": len(table),
            "replications": calibration.replications,
            "households": calibration.base.population.households,
            "years": calibration.base.horizon.years,
            "keys": [f.key for f in calibration.factors],
        },
    )
    best = table.loc[table["loss"].idxmin()]
    write_atomic(
        folder / "calibrated.yaml", calibrated_yaml(calibration, best, command_line(), relative_to(base_path, folder))
    )
    best_scenario = calibration.trial_scenario({f.key: best[f.key] for f in calibration.factors}, int(best["trial"]))
    fit_table = check_fit(calibration.targets, best_scenario, executor, calibration.replications, calibration.seed)
    note = (
        f"best trial {int(best['trial'])}, loss {best['loss']:.4g}; posterior: {len(accepted)} sets, "
        + ("every trial within all tolerances" if selection == "within_tolerance" else
           f"fewer than {MIN_ACCEPTED} trials met every tolerance, so the best {MIN_ACCEPTED} by loss (approximate)")
    )  # fmt: skip
    targets = fit_table["section"] == "target"
    fit_table.loc[targets, "note"] = [f"{n}; {note}" if n else note for n in fit_table.loc[targets, "note"]]
    write_atomic(folder / "fit.csv", fit_table.to_csv(index=False))
    if not opts.no_charts:
        from simulation.outputs.charts.calibration import draw_calibration_charts

        draw_calibration_charts(folder)
    if not opts.quiet:
        click.echo(fit_text(fit_table))
        click.echo(f"\n{note}\nCalibration: {folder}")
