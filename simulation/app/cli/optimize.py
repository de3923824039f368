"""``agrifin optimize``: the cheapest policies robust over fixed stress futures.

See :mod:`simulation.experiments.optimize`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import click

from simulation.app.cli.explore import load_spaces, with_space_options
from simulation.app.cli.runs import BadInput, RunOptions, check_address, check_runs, connect, resolve, run_options

FUTURE_SEED_OFFSET = 104729  # the stress futures are drawn from another stream than explore's futures


def check_outcome(name: str, option: str) -> None:
    """Refuse an outcome the run summary does not have, or one for which lower is not better (exit 2).

    The search minimises ``--robustness`` and ``--cost`` and calls a future bad when
    ``--constraint`` is high: given an outcome where higher is better (income, equity), it
    would look for the worst policies and call them robust.
    """
    from simulation.engine.metrics import METRIC_BY_NAME, METRIC_NAMES

    if name not in METRIC_NAMES:
        raise BadInput(f"{option} {name}: unknown outcome; choose one of {', '.join(METRIC_NAMES)}")
    better = METRIC_BY_NAME[name].better
    if better != "lower":
        why = "higher is better" if better == "higher" else "it is neither better low nor high"
        lower = ", ".join(m.name for m in METRIC_BY_NAME.values() if m.better == "lower")
        use = "a future is bad when it is above --bad-above" if option == "--constraint" else "optimize minimises it"
        raise BadInput(f"{option} {name}: {use}, but for {name} {why}; choose one where lower is better: {lower}")


def claim(opts: RunOptions, label: str, fingerprint: str) -> Any:
    """Claim the folder (new, or the same search's folder with --resume; another search's: exit 2)."""
    from simulation.app.cli.runs import claim_folder

    held = claim_folder(opts, label)
    found = held.path / "optimize.json"
    if opts.resume and found.is_file():
        old = json.loads(found.read_text()).get("fingerprint")
        if old != fingerprint:
            held.abandon()
            raise BadInput(f"{held.path}: made by a different search (fingerprint {old}, this command {fingerprint})")
    return held


@click.command()
@click.argument("scenario", required=False, default="baseline", type=click.Path(path_type=Path))
@with_space_options
@click.option(
    "--futures",
    type=click.IntRange(min=2),
    default=8,
    show_default=True,
    help="Stress futures (a Latin hypercube of the uncertainties) every policy faces.",
)
@click.option("--population", type=click.IntRange(min=4), default=12, show_default=True, help="NSGA-II population.")
@click.option(
    "--generations",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Generations (the first is the random initial population).",
)
@click.option(
    "--robustness",
    "robust",
    default="cohort_poverty_rate",
    show_default=True,
    help="Outcome whose high percentile over the futures is minimised.",
)
@click.option("--percentile", type=click.FloatRange(0, 100), default=90, show_default=True)
@click.option("--cost", default="fiscal_cost", show_default=True, help="Outcome minimised as the cost.")
@click.option(
    "--constraint",
    default="large_scale_relapse",
    show_default=True,
    help="Outcome of the constraint: its mean over replicates above --bad-above makes a future bad.",
)
@click.option("--bad-above", type=float, default=0.5, show_default=True)
@click.option(
    "--max-share",
    type=click.FloatRange(0, 1),
    default=0.1,
    show_default=True,
    help="Largest share of bad futures a policy may have.",
)
@run_options
def optimize(
    scenario: Path,
    uncertainties_file: Path | None,
    levers_file: Path | None,
    futures: int,
    population: int,
    generations: int,
    robust: str,
    percentile: float,
    cost: str,
    constraint: str,
    bad_above: float,
    max_share: float,
    **options: Any,
) -> None:
    """Search the levers for the cheapest policies robust over fixed stress futures (NSGA-II); Pareto set."""
    from simulation.experiments.optimize import search
    from simulation.experiments.optimize_runs import PolicyRuns
    from simulation.extras import require
    from simulation.outputs.results import environment, write_atomic
    from simulation.scenario.loading import ScenarioError

    require("platypus", "ema")  # before anything is written: the pip hint, exit 2
    opts = RunOptions(**options)
    for name, option in ((robust, "--robustness"), (cost, "--cost"), (constraint, "--constraint")):
        check_outcome(name, option)
    base = resolve((scenario,), opts)[0]
    uncertainties, levers = load_spaces(uncertainties_file, levers_file, base)
    check_runs(population * generations * futures, opts.replications, "--generations", "policy-future")
    table = uncertainties.sample("lhs", futures, opts.seed + FUTURE_SEED_OFFSET)
    table.insert(0, "future", range(futures))
    search_settings = {
        "cost": cost,
        "robust": robust,
        "percentile": percentile,
        "constraint": constraint,
        "bad_above": bad_above,
        "max_share": max_share,
    }
    from simulation.experiments.explore import space_record

    settings = {
        "kind": "optimize",
        "base": base.name,
        "base_hash": base.content_hash(),
        "scenario": str(scenario),
        "futures": futures,
        "population": population,
        "generations": generations,
        "replications": opts.replications,
        "seed": opts.seed,
        "households": base.population.households,
        "years": base.horizon.years,
        "search": search_settings,
        "uncertainties": space_record(uncertainties),
        "levers": space_record(levers),
        "future_values": json.loads(table.to_json(orient="records")),
    }
    # --generations is left out: the search replays its first generations exactly, so --resume may extend it
    same_search = {k: v for k, v in settings.items() if k != "generations"}
    fingerprint = hashlib.sha256(json.dumps(same_search, sort_keys=True, default=str).encode()).hexdigest()[:16]
    check_address(opts)
    held = claim(opts, f"{base.name}-optimize", fingerprint)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(held.release)
    path = held.path
    command = ["agrifin", *sys.argv[1:]]
    record = {**settings, "fingerprint": fingerprint, "complete": False}
    try:
        executor = connect(opts)
    except BaseException:
        held.abandon()
        raise
    manifest = {
        **environment(),
        "command": command,
        "root_seed": opts.seed,
        "experiment": {
            "kind": "optimize",
            "fingerprint": fingerprint,
            "executor": executor.description,
            "working_directory": str(Path.cwd()),
        },
    }
    write_atomic(path / "manifest.json", json.dumps(manifest, indent=2))
    write_atomic(path / "optimize.json", json.dumps(record, indent=2, default=str))
    write_atomic(path / "futures.csv", table.to_csv(index=False))
    say = (lambda line: None) if opts.quiet else (lambda line: click.echo(f"agrifin: {line}", err=True))
    runs = PolicyRuns(
        path, base, uncertainties, table, levers, search_settings, opts.replications, opts.seed, executor, command, say
    )
    try:
        search(len(levers.entries), runs.decode, runs.evaluate, population, generations, opts.seed, max_share)
    except KeyboardInterrupt:
        click.echo(
            f"\nagrifin: interrupted; scored policies are kept in {path}. Continue with the same command "
            f"and --resume -o {path}",
            err=True,
        )
        raise SystemExit(130) from None
    except RuntimeError as err:
        click.echo(f"agrifin: {err}; continue with the same command and --resume -o {path}", err=True)
        raise SystemExit(1) from None
    except ScenarioError:
        raise
    finally:
        executor.close()
    from simulation.outputs.optimize import finish_optimize, front_text

    front = finish_optimize(path, record, runs, scenario, base, opts)
    if not opts.quiet:
        click.echo(front_text(record, runs.evaluations, front, levers.names))
        click.echo(f"Results: {path}")
