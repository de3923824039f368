"""Exploratory modelling from the command line: ``explore``, ``discover`` and ``optimize``.

See :mod:`simulation.experiments.explore`, :mod:`simulation.experiments.discover` and
:mod:`simulation.experiments.optimize`; the method is described in docs/exploratory.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from simulation.app.cli.runs import (
    BadInput,
    Plan,
    RunOptions,
    check_runs,
    conduct,
    report_failures,
    resolve,
    run_options,
    writing_results,
)

space_options = [
    click.option(
        "--uncertainties",
        "uncertainties_file",
        type=click.Path(path_type=Path),
        help="Uncertainties file (default scenarios/uncertainties.yaml, here or agrifin's own).",
    ),
    click.option(
        "--levers",
        "levers_file",
        type=click.Path(path_type=Path),
        help="Levers file (default scenarios/levers.yaml, here or agrifin's own).",
    ),
]


def with_space_options(func):
    """Attach ``--uncertainties`` and ``--levers``."""
    for option in reversed(space_options):
        func = option(func)
    return func


def load_spaces(uncertainties_file: Path | None, levers_file: Path | None, base: Any) -> tuple[Any, Any]:
    """Both files read and checked on the base scenario (bad entries exit 2 naming the file and entry)."""
    from simulation.experiments.levers import load_space, shipped_space

    uncertainties = load_space(uncertainties_file or shipped_space("uncertainties"), "uncertainties", base)
    levers = load_space(levers_file or shipped_space("levers"), "levers", base)
    return uncertainties, levers


@click.command()
@click.argument("scenario", required=False, default="baseline", type=click.Path(path_type=Path))
@with_space_options
@click.option(
    "--scenarios",
    "futures",
    type=click.IntRange(min=2),
    default=64,
    show_default=True,
    help="Futures sampled from the uncertainties.",
)
@click.option(
    "--design",
    "method",
    type=click.Choice(["lhs", "sobol"]),
    default="lhs",
    show_default=True,
    help="Sample of the futures: Latin hypercube or scrambled Sobol' (a power of 2).",
)
@click.option(
    "--policies",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Policies sampled from the levers (Latin hypercube), each run in every future; 0: the base's levers.",
)
@run_options
def explore(
    scenario: Path,
    uncertainties_file: Path | None,
    levers_file: Path | None,
    futures: int,
    method: str,
    policies: int,
    **options: Any,
) -> None:
    """Run SCENARIO over sampled futures (uncertainties) x policies (levers); experiments and outcomes tables."""
    from simulation.experiments.explore import explore_design, explore_specs, space_record, write_tables

    opts = RunOptions(**options)
    base = resolve((scenario,), opts)[0]
    uncertainties, levers = load_spaces(uncertainties_file, levers_file, base)
    points = futures * max(policies, 1)
    check_runs(points, opts.replications, "--scenarios", "experiment")
    design = explore_design(uncertainties, levers, futures, policies, method, opts.seed)
    spaces = [uncertainties, levers] if policies else [uncertainties]
    specs = explore_specs(base, spaces, design, opts.replications, opts.seed, f"{scenario} (explore)")
    settings = {
        "kind": "explore",
        "base": base.name,
        "method": method,
        "scenarios": futures,
        "policies": policies,
        "replications": opts.replications,
        "seed": opts.seed,
        "households": base.population.households,
        "years": base.horizon.years,
        "uncertainties": space_record(uncertainties),
        "levers": space_record(levers) if policies else [],
        "uncertainties_file": uncertainties.source,
        "levers_file": levers.source if policies else None,
    }
    details = {"design": {"method": method, "samples": futures, "points": len(design), "policies": policies}}
    plan = Plan("explore", f"{base.name}-explore", [base], specs, design, details)
    path, _, outcome = conduct(plan, opts)
    with writing_results(path):
        write_tables(path, design, outcome.summary, settings)
    if not opts.quiet:
        click.echo(
            f"{len(design)} experiments ({futures} futures x {max(policies, 1)} policies) x "
            f"{opts.replications} replicates\nResults: {path}"
        )
    report_failures(outcome, path)


def explore_folder(folder: Path) -> tuple[Any, Any, dict[str, Any]]:
    """The tables of an explore folder (exit 2 naming the folder when it is not one)."""
    from simulation.experiments.explore import read_explore

    try:
        return read_explore(folder)
    except FileNotFoundError as err:
        raise BadInput(f"{folder}: not an explore results folder (no {Path(err.filename).name})") from None
    except (OSError, ValueError) as err:
        raise BadInput(f"{folder}: unreadable explore results ({str(err).splitlines()[0]})") from None


@contextmanager
def folder_swap(path: Path) -> Iterator[Path]:
    """A fresh sibling folder to write into; on success it replaces ``path`` (an earlier run's folder) whole."""
    import os
    import shutil

    work = path.with_name(f".{path.name}.writing-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    old = path.with_name(f".{path.name}.old-{os.getpid()}")
    if path.exists():
        path.rename(old)
    work.rename(path)
    shutil.rmtree(old, ignore_errors=True)


def output_folder(output: Path | None, default: Path, marker: str) -> Path:
    """Where discover writes: a new or empty folder, or one it wrote before (``marker`` in it)."""
    path = output or default
    if path.exists() and (not path.is_dir() or (any(path.iterdir()) and not (path / marker).is_file())):
        raise BadInput(f"-o {path}: exists and is not an earlier {marker.split('.')[0]} folder; choose another -o")
    return path


@click.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--outcome", default="large_scale_relapse", show_default=True, help="Outcome of the run summary.")
@click.option(
    "--threshold",
    type=float,
    help="An experiment is bad when the outcome's mean over replicates is "
    "above this (default 0.5 for large_scale_relapse: the alarm in most replicates).",
)
@click.option(
    "--min-density",
    type=click.FloatRange(0, 1),
    default=0.8,
    show_default=True,
    help="Keep from each peeling trajectory the box of largest coverage at least this dense.",
)
@click.option("--boxes", "max_boxes", type=click.IntRange(1, 10), default=3, show_default=True, help="Most boxes.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Folder (default FOLDER/discover-OUTCOME).")
@click.option("--no-charts", is_flag=True, help="Do not draw figures.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the boxes.")
def discover(
    folder: Path,
    outcome: str,
    threshold: float | None,
    min_density: float,
    max_boxes: int,
    output: Path | None,
    no_charts: bool,
    quiet: bool,
) -> None:
    """Find the futures where OUTCOME is bad in an explore FOLDER: PRIM boxes, CART and feature scores."""
    import json

    import numpy as np

    from simulation.engine.metrics import METRIC_BY_NAME
    from simulation.experiments.discover import NothingToDiscoverError, boxes_table, ema_analysis, peeling_table
    from simulation.experiments.discover import discover as find
    from simulation.outputs.results import write_atomic

    ema_analysis()  # the 'ema' extra, or the pip hint and exit 2
    experiments, outcomes, settings = explore_folder(folder)
    if outcome not in outcomes.columns:
        known = ", ".join(c for c in outcomes.columns if c not in ("point", "replicate"))
        raise BadInput(f"--outcome {outcome}: not an outcome of {folder}; choose one of {known}")
    if getattr(METRIC_BY_NAME.get(outcome), "better", "") == "higher":
        raise BadInput(
            f"--outcome {outcome}: discover finds where an outcome is above --threshold (bad), "
            f"but for {outcome} higher is better; choose an outcome where high is bad"
        )
    if threshold is None:
        if outcome != "large_scale_relapse":
            raise BadInput(f"--threshold: give the value of {outcome} above which an experiment is bad")
        threshold = 0.5
    if not np.isfinite(threshold):
        raise BadInput(f"--threshold {threshold}: must be a finite number")
    path = output_folder(output, folder / f"discover-{outcome}", "discover.json")
    units = {e["name"]: e["unit"] for e in settings.get("uncertainties", []) + settings.get("levers", [])}
    try:
        found = find(experiments, outcomes, outcome, threshold, units, min_density, max_boxes, settings.get("seed", 1))
    except NothingToDiscoverError as err:
        raise BadInput(f"{folder}: {err}") from None
    record = {
        "kind": "discover",
        "explore_folder": str(folder),
        "outcome": outcome,
        "threshold": threshold,
        "min_density": min_density,
        "experiments": found.experiments,
        "bad_experiments": found.cases,
        "inputs": found.inputs,
        "boxes": [
            {
                "box": b.number,
                "coverage": b.coverage,
                "density": b.density,
                "mass": b.mass,
                "limits": b.limits,
                "sentence": b.sentence,
            }
            for b in found.boxes
        ],
        "explore": {
            k: settings.get(k)
            for k in ("base", "scenarios", "policies", "replications", "seed", "households", "years", "method")
        },
    }
    peeling = peeling_table(found)
    with folder_swap(path) as work:  # written aside, then put in place whole: never half a folder
        write_atomic(work / "boxes.csv", boxes_table(found).to_csv(index=False))
        write_atomic(work / "peeling.csv", peeling.to_csv(index=False))
        write_atomic(work / "cart.csv", found.cart.to_csv(index=False))
        write_atomic(work / "feature_scores.csv", found.scores.to_csv(index=False))
        if not no_charts:
            draw_discover_charts(work, record, peeling)
        write_atomic(work / "discover.json", json.dumps(record, indent=2, default=str))
    if not quiet:
        click.echo(f"{outcome} > {threshold:g} in {found.cases} of {found.experiments} experiments")
        for box in found.boxes:
            click.echo(box.sentence)
        top = ", ".join(f"{r.input} {r.score:.2f}" for r in found.scores.head(3).itertuples())
        click.echo(f"Feature scores (extra trees): {top}")
        click.echo(f"Results: {path}")


def draw_discover_charts(path: Path, record: dict[str, Any], peeling: Any) -> None:
    """The discover charts as PNG and SVG in path/figures."""
    from simulation.outputs.charts.draw import save_figure
    from simulation.outputs.charts.explore import discover_figures

    for name, figure in discover_figures(record, peeling):
        save_figure(figure, path / "figures", name)
