"""``agrifin compare --parameter-sets``: every scenario on K accepted parameter sets x R replicates.

The computation (choosing the sets, pairing, the intervals with and without parameter
uncertainty, the chart) is :mod:`simulation.experiments.parameter_sets`; this module runs
the plan through the command line's machinery and prints.
"""

from __future__ import annotations

from pathlib import Path


def compare_over_sets(paths: tuple[Path, ...], posterior: Path, sets: int, opts) -> None:
    """``compare --parameter-sets``: plan, run and report every scenario on K sets x R replicates."""
    from dataclasses import replace

    import click

    from simulation.app.cli.experiments import _format, compared_metrics, finish_compare
    from simulation.app.cli.runs import (
        MAIN_TABLE,
        Plan,
        check_runs,
        conduct,
        finish_standard,
        report_failures,
        resolve,
        writing_results,
    )
    from simulation.experiments.parameter_sets import (
        load_parameter_sets,
        set_scenarios,
        uncertainty_chart,
        uncertainty_table,
        uncertainty_text,
    )
    from simulation.experiments.run_plan import RunSpec
    from simulation.outputs.results import write_atomic

    scenarios = resolve(paths, opts)
    chosen, metadata = load_parameter_sets(posterior, scenarios[0], sets)
    check_runs(len(scenarios) * len(chosen), opts.replications, "--sets")
    per_scenario, notes = set_scenarios(scenarios, chosen)
    if not opts.quiet:
        approx = " (approximate: best by loss, not all within tolerance)" if metadata.get("approximate") else ""
        click.echo(f"Parameter sets: {len(chosen)} of the posterior in {posterior}{approx}", err=True)
        for note in notes:
            click.echo(f"  {note}", err=True)
    specs = [
        RunSpec(sc, opts.seed, r, point=k)
        for r in range(opts.replications)
        for each in per_scenario
        for k, sc in enumerate(each)
    ]
    details = {"parameter_sets": {"file": str(posterior), "sets": len(chosen), "selection": metadata.get("selection")}}
    plan = Plan("compare", f"{scenarios[0].name}-compare", scenarios, specs, chosen, details)
    path, folder, outcome = conduct(plan, opts)
    with writing_results(path):
        finish_standard(path, folder, outcome, scenarios, opts)
        summary = outcome.summary
        if not summary.empty and scenarios[0].name in set(summary["scenario"]):
            table = uncertainty_table(summary, scenarios[0].name, compared_metrics(summary))
            write_atomic(path / "parameter_uncertainty.csv", table.to_csv(index=False))
            pooled = summary.assign(replicate=summary["point"] * opts.replications + summary["replicate"])
            finish_compare(path, pooled, scenarios[0].name, replace(opts, quiet=True), folder.manifest(finished=True))
            if not opts.no_charts and not table.empty:
                from simulation.outputs.charts.draw import caption_text, save_figure

                caption = f"{caption_text(folder.manifest(finished=True), opts.replications)} | {len(chosen)} sets"
                figure = uncertainty_chart(table, "relapse_rate", caption)
                save_figure(figure, path / "figures", "parameter_uncertainty")
            if not opts.quiet:
                shown = [m for m, *_ in MAIN_TABLE]
                click.echo(uncertainty_text(table, shown, lambda m, v: _format(m, v, True)))
    report_failures(outcome, path)
