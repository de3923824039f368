"""Policy experiments from the command line: ``compare``, ``sweep`` and ``sensitivity``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from simulation.app.cli.experiment_file import accepts_experiment_file
from simulation.app.cli.runs import (
    MAIN_TABLE,
    BadInput,
    Plan,
    RunOptions,
    check_runs,
    conduct,
    custom_outcome_names,
    report_failures,
    report_profile,
    resolve,
    run_options,
    writing_results,
)
from simulation.engine.metrics import METRIC_BY_NAME, METRIC_NAMES
from simulation.experiments.designs import (
    Factor,
    check_factors,
    make_design,
    parse_vary,
    point_scenarios,
    rescaling_note,
)
from simulation.experiments.limits import design_points
from simulation.experiments.run_plan import RunSpec, plan_runs
from simulation.experiments.sample_checks import morris_warning, quietly, replicate_warning, sobol_warnings

HEADLINE = "relapse_rate"
SHOWN_POINTS = 20


def compared_metrics(summary: pd.DataFrame, custom: list[str] | None = None) -> tuple[str, ...]:
    """The main metrics first, then the ``custom`` outcomes, then every other simulated metric in the summary."""
    main = [m for m, *_ in MAIN_TABLE if m in summary.columns]
    own = [m for m in custom or () if m in summary.columns]
    others = [m for m in METRIC_NAMES if m in summary.columns and m not in main and METRIC_BY_NAME[m].built]
    return (*main, *own, *others)


def _format(metric: str, value: float, signed: bool = False) -> str:
    """A value in the metric's display unit (differences of shares in percentage points)."""
    if not np.isfinite(value):
        return "n/a"
    spec = next((row for row in MAIN_TABLE if row[0] == metric), None)
    fmt, scale = (spec[2], spec[3] if len(spec) > 3 else 1.0) if spec else ("{:,.4g}", 1.0)
    if not signed:
        return fmt.format(value * scale)
    if "%" in fmt:
        return f"{value * 100:+.2f} pp"
    scaled = value * scale
    return f"{scaled:+,.0f}" if abs(scaled) >= 1000 else f"{scaled:+.3g}"


AVERTED_LABELS = {
    "poverty_person_years_averted": "Poverty person-years averted (whole run)",
    "fiscal_cost_per_poverty_year_averted": "Extra fiscal cost per poverty-year averted (yuan)",
    "relapses_averted": "Relapses averted (households, whole run)",
    "fiscal_cost_per_relapse_averted": "Extra fiscal cost per relapse averted (yuan)",
}


def comparison_text(comparison: pd.DataFrame, custom: list[str] | None = None) -> str:
    """Per policy: each main metric's (and ``custom`` outcome's) paired difference with its 95% CI and p-value."""
    from simulation.experiments.stats import AVERTED, AVERTED_METRICS, COST_PER_METRICS

    labels = {m: label for m, label, *_ in MAIN_TABLE} | AVERTED_LABELS | {m: m for m in custom or ()}
    shown = [m for m, *_ in MAIN_TABLE] + [m for a in AVERTED for m in (a.averted, a.cost_per)] + list(custom or ())
    lines = []
    for policy, rows in comparison.groupby("policy", sort=False):
        rows = rows.set_index("metric")
        baseline, pairs = rows["baseline"].iloc[0], int(rows["n_pairs"].iloc[0])
        lines.append(f"\n{policy} vs {baseline}: paired differences (policy − baseline), {pairs} paired replicates")
        lines.append(f"  {'':<46}{'baseline':>12}{'policy':>12}{'difference':>14}  {'95% CI':<26}{'p':>7}")
        for metric in (m for m in shown if m in rows.index):
            row = rows.loc[metric]
            money = metric in COST_PER_METRICS
            diff = f"{row['difference']:,.0f}" if money and np.isfinite(row["difference"]) else None
            ci = (
                f"[{row['ci_low']:,.0f}, {row['ci_high']:,.0f}]"
                if money
                else f"[{_format(metric, row['ci_low'], True)}, {_format(metric, row['ci_high'], True)}]"
            )
            p = f"{row['p_value']:.3f}" if np.isfinite(row["p_value"]) else "-"
            only_difference = money or metric in AVERTED_METRICS
            base = "" if only_difference else _format(metric, row["baseline_mean"])
            pol = "" if only_difference else _format(metric, row["policy_mean"])
            value = diff or ("n/a" if money else _format(metric, row["difference"], True))
            lines.append(f"  {labels[metric]:<46}{base:>12}{pol:>12}{value:>14}  {ci:<26}{p:>7}")
            if money and row["note"]:
                lines.append(f"  ({row['note']})")
        if HEADLINE in rows.index:
            row = rows.loc[HEADLINE]
            paired, unpaired = row["ci_high"] - row["ci_low"], row["unpaired_ci_high"] - row["unpaired_ci_low"]
            ratio = f"{unpaired / paired:.1f}x narrower" if paired > 0 else "no spread at all"
            lines.append(
                f"  {HEADLINE}: paired 95% CI [{_format(HEADLINE, row['ci_low'], True)}, "
                f"{_format(HEADLINE, row['ci_high'], True)}] (width {paired * 100:.3f} pp) vs unpaired (Welch) "
                f"[{_format(HEADLINE, row['unpaired_ci_low'], True)}, "
                f"{_format(HEADLINE, row['unpaired_ci_high'], True)}] (width {unpaired * 100:.3f} pp): {ratio}"
            )
    return "\n".join(lines)


def finish_compare(
    path: Path, summary: pd.DataFrame, baseline: str, opts: RunOptions, manifest: dict, custom: list[str] | None = None
) -> None:
    """Write comparison.csv and its charts (the headline and each ``custom`` outcome), and print the differences."""
    from simulation.experiments.stats import compare_policies
    from simulation.outputs.results import write_atomic

    if summary.empty or baseline not in set(summary["scenario"]):
        return
    found: list[str] = []
    comparison = quietly(
        "compare", found, lambda: compare_policies(summary, baseline, compared_metrics(summary, custom))
    )
    pairs = int(comparison["n_pairs"].min()) if not comparison.empty else 0
    warn([replicate_warning(pairs, "per policy paired with the baseline"), *found])
    write_atomic(path / "comparison.csv", comparison.to_csv(index=False))
    if not opts.no_charts and not comparison.empty:
        from simulation.outputs.charts.draw import caption_text, save_figure
        from simulation.outputs.charts.experiments import comparison_chart

        caption = caption_text(manifest, opts.replications)
        save_figure(comparison_chart(comparison, HEADLINE, caption), path / "figures", "comparison")
        for name in custom or ():
            save_figure(comparison_chart(comparison, name, caption), path / "figures", f"comparison_{name}")
    if not opts.quiet:
        click.echo(comparison_text(comparison, custom))


@click.command()
@click.argument("baseline", required=False, type=click.Path(path_type=Path))
@click.argument("policies", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--parameter-sets",
    "posterior",
    type=click.Path(path_type=Path),
    help="A calibration's posterior.parquet: run every scenario on --sets of its accepted parameter sets.",
)
@click.option(
    "--sets", "set_count", default=20, show_default=True, type=click.IntRange(min=2), help="Parameter sets used."
)
@run_options
@accepts_experiment_file("compare", "baseline")
def compare(baseline: Path, policies: tuple[Path, ...], posterior: Path | None, set_count: int, **options: Any) -> None:
    """Run BASELINE and each POLICY on the same replicate seeds; paired differences with 95% CIs.

    BASELINE may be an experiment file (experiment: compare) naming the baseline and the policies.
    """
    from simulation.app.cli.runs import finish_standard

    if not policies:
        raise click.UsageError("Missing argument 'POLICIES...' (or give an experiment file naming them)")
    opts = RunOptions(**options)
    if posterior is not None:  # parameter uncertainty: simulation/experiments/parameter_sets.py
        from simulation.app.cli.parameter_sets import compare_over_sets

        return compare_over_sets((baseline, *policies), posterior, set_count, opts)
    scenarios = resolve((baseline, *policies), opts)
    plan = Plan(
        "compare", f"{scenarios[0].name}-compare", scenarios, plan_runs(scenarios, opts.replications, opts.seed)
    )
    path, folder, outcome = conduct(plan, opts)
    with writing_results(path):
        finish_standard(path, folder, outcome, scenarios, opts)
        custom = custom_outcome_names(scenarios)
        finish_compare(path, outcome.summary, scenarios[0].name, opts, folder.manifest(finished=True), custom)
    report_failures(outcome, path)


def design_plan(
    kind: str,
    scenario: Path,
    varies: tuple[str, ...],
    method: str,
    samples: int | None,
    opts: RunOptions,
    stresses: tuple[Path, ...] = (),
) -> tuple[Plan, list[Factor]]:
    """Validate the factors and every design point, and plan (scenario × point × replicate) runs.

    ``stresses`` are further scenarios run over the same design on the same seeds (a stress set).
    """
    factors = [parse_vary(text) for text in varies]
    check_factors(factors)
    bases = resolve((scenario, *stresses), opts)
    base = bases[0]
    option = "--vary" if method == "grid" else "--samples"
    points_per_scenario = design_points(method, [f.levels for f in factors], samples)
    check_runs(points_per_scenario * len(bases), opts.replications, option, "design point")
    design = make_design(factors, method, samples, opts.seed, base)
    note = rescaling_note(factors, base)
    if note and not opts.quiet:
        click.echo(f"Risk shares: {note}")
    specs = []
    for path, each in zip((scenario, *stresses), bases, strict=True):
        points = point_scenarios(each, design, f"{path} (--vary)")
        specs += [RunSpec(sc, opts.seed, r, point=i) for r in range(opts.replications) for i, sc in enumerate(points)]
    details = {
        "design": {
            "method": method,
            "samples": samples,
            "points": len(design),
            "factors": [asdict(f) for f in factors],
            "risk_shares": note,
        }
    }
    return Plan(kind, f"{base.name}-{kind}", bases, specs, design, details), factors


def design_caption(manifest: dict, opts: RunOptions, method: str, points: int) -> str:
    """Caption line of a design's charts."""
    from simulation.outputs.charts.draw import caption_text

    return f"{caption_text(manifest, opts.replications)} | {method} design, {points} points"


def point_table(summary: pd.DataFrame, factors: list[Factor], metric: str) -> str:
    """Mean of ``metric`` per point with its 95% t interval over replicates, kept inside the metric's range.

    An interval clipped to the range (a share below 0 or above 100%) is marked ``*``, with a note under the table.
    """
    from simulation.experiments.sample_checks import within_range
    from simulation.experiments.stats import t_interval

    keys = [f.key for f in factors]
    lines = [f"{'point':>6}  " + "".join(f"{k:>28}" for k in keys) + f"{metric:>16}  95% CI over replicates"]
    clipped_any = False
    for point, rows in list(summary.groupby("point"))[:SHOWN_POINTS]:
        found, clipped = within_range(metric, t_interval(rows[metric].to_numpy()))
        clipped_any |= clipped
        values = "".join(
            f"{v!s:>28}" if isinstance(v := rows[k].iloc[0], str | bool | np.bool_) else f"{v:>28.4g}" for k in keys
        )
        lines.append(
            f"{point:>6}  {values}{_format(metric, found.estimate):>16}  "
            f"[{_format(metric, found.low)}, {_format(metric, found.high)}]{'*' if clipped else ''}"
        )
    if clipped_any:
        lines.append(f"* the t interval ran outside the range of {metric} and is cut at its bound; raise -r")
    if summary["point"].nunique() > SHOWN_POINTS:
        lines.append(f"… {summary['point'].nunique()} points in all; every (point, replicate) is in summary.csv")
    return "\n".join(lines)


def check_metric(metric: str, option: str, custom: list[str] | None = None) -> None:
    """Refuse an outcome name agrifin does not report (the scenarios' ``custom`` outcomes are reported too)."""
    if metric not in METRIC_NAMES and metric not in (custom or ()):
        known = ", ".join([*METRIC_NAMES, *(custom or ())])
        raise BadInput(f"{option} {metric}: unknown metric; choose one of {known}")


@click.command()
@click.argument("scenario", required=False, type=click.Path(path_type=Path))
@click.option(
    "--vary",
    "varies",
    multiple=True,
    metavar="KEY=LO:HI[:N]|KEY=V1,V2,...",
    help="A key to vary over a range, or over a list of values such as false,true (repeatable).",
)
@click.option("--design", "method", type=click.Choice(["grid", "lhs"]), default="grid", show_default=True)
@click.option("--samples", type=click.IntRange(min=1), help="Points of a Latin hypercube (--design lhs).")
@click.option("--metric", default=HEADLINE, show_default=True, help="Metric of the heatmap and table.")
@click.option(
    "--stress",
    "stresses",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A further scenario run over the same design and seeds (repeatable): a stress set.",
)
@run_options
@accepts_experiment_file("sweep", "scenario")
def sweep(
    scenario: Path,
    varies: tuple[str, ...],
    method: str,
    samples: int | None,
    metric: str,
    stresses: tuple[Path, ...],
    **options: Any,
):
    """Run SCENARIO (and any --stress scenario) over a grid or Latin hypercube of --vary keys, points replicated.

    SCENARIO may be an experiment file (experiment: sweep); options given here win over its values.
    """
    opts = RunOptions(**options)
    plan, factors = design_plan("sweep", scenario, varies, method, samples, opts, stresses)
    check_metric(metric, "--metric", custom_outcome_names(plan.scenarios))
    path, folder, outcome = conduct(plan, opts)
    summary = outcome.summary
    manifest = folder.manifest(finished=True)
    numeric = all(summary[f.key].dtype.kind in "iuf" for f in factors[:2]) if not summary.empty else False
    if not opts.no_charts and len(factors) >= 2 and numeric:  # a list of splits has its own chart (plot)
        from simulation.outputs.charts.draw import save_figure
        from simulation.outputs.charts.experiments import sweep_heatmap

        caption = design_caption(manifest, opts, method, len(plan.design))
        figure = sweep_heatmap(summary, factors[0].key, factors[1].key, metric, caption)
        with writing_results(path):
            save_figure(figure, path / "figures", f"sweep_{metric}")
    with writing_results(path):
        finish_risk_sharing(path, summary, opts)
    if not summary.empty:
        replicates = int(summary.groupby(["scenario", "point"])["replicate"].nunique().min())
        warn([replicate_warning(replicates, "per design point")])
    if not opts.quiet and not summary.empty:
        click.echo(point_table(summary[summary["scenario"] == plan.scenarios[0].name], factors, metric))
        click.echo(f"\nResults: {path}")
    report_profile(opts)
    report_failures(outcome, path)


@click.command()
@click.argument("scenario", required=False, type=click.Path(path_type=Path))
@click.option("--vary", "varies", multiple=True, metavar="KEY=LO:HI", help="A factor (repeatable).")
@click.option("--method", type=click.Choice(["sobol", "morris"]), default="sobol", show_default=True)
@click.option(
    "--samples",
    type=click.IntRange(min=2),
    default=64,
    show_default=True,
    help="Base samples: N*(D+2) points for Sobol (N a power of 2), N trajectories of D+1 points for Morris.",
)
@click.option("--outcome", "outcomes", multiple=True, default=(HEADLINE,), show_default=True, help="Repeatable.")
@run_options
@accepts_experiment_file("sensitivity", "scenario")
def sensitivity(
    scenario: Path, varies: tuple[str, ...], method: str, samples: int, outcomes: tuple[str, ...], **options: Any
):
    """Global sensitivity (SALib Sobol or Morris) of outcomes to the --vary keys; replicates averaged per point.

    SCENARIO may be an experiment file (experiment: sensitivity); options given here win over its values.
    """
    opts = RunOptions(**options)
    plan, factors = design_plan("sensitivity", scenario, varies, method, samples, opts)
    for outcome_name in outcomes:
        check_metric(outcome_name, "--outcome", custom_outcome_names(plan.scenarios))
    path, folder, outcome = conduct(plan, opts)
    report_failures(outcome, path)  # the indices need every point
    means = outcome.summary.groupby("point")[list(outcomes)].mean().reindex(plan.design.index)
    tables, warned = [], []
    for name in outcomes:
        found = analysed(method, factors, plan.design, means[name].to_numpy(), opts.seed, samples, name, warned)
        found.insert(0, "method", method)
        found.insert(0, "outcome", name)
        tables.append(found)
    indices = pd.concat(tables, ignore_index=True)
    with writing_results(path):
        write_sensitivity(path, indices, outcomes, method, opts, folder.manifest(finished=True), len(plan.design))
    warn(warned)
    if not opts.quiet:
        shown = indices[indices["index"].isin(["S1", "ST", "mu_star", "sigma"])]
        click.echo(shown.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        click.echo(f"\nResults: {path}")
    report_profile(opts)


def warn(messages: list[str | None]) -> None:
    """Print each warning as one line on stderr (``-q`` does not silence them)."""
    for message in dict.fromkeys(m for m in messages if m):
        click.echo(f"agrifin: warning: {message}", err=True)


def analysed(
    method: str,
    factors: list[Factor],
    design: pd.DataFrame,
    outcome: np.ndarray,
    seed: int,
    samples: int,
    name: str,
    warned: list[str],
) -> pd.DataFrame:
    """The indices of one outcome, with warnings for a small sample, S1 above ST, or a constant outcome."""
    from simulation.experiments.designs import sensitivity_indices

    if np.nanstd(outcome) == 0.0:
        warned.append(f"{name} is the same at every design point: no sensitivity to measure (indices are 0)")
        names = ("S1", "ST") if method == "sobol" else ("mu_star", "sigma", "mu")
        return pd.DataFrame(
            [
                {"parameter": f.key, "index": i, "value": 0.0, "conf": 0.0, "ci_low": 0.0, "ci_high": 0.0}
                for f in factors
                for i in names
            ]
        )
    found = quietly(
        f"sensitivity of {name}", warned, lambda: sensitivity_indices(method, factors, design, outcome, seed)
    )
    if method == "sobol":
        by = {i: found[found["index"] == i].set_index("parameter")["value"].to_dict() for i in ("S1", "ST")}
        warned.extend(sobol_warnings(samples, by["S1"], by["ST"], name))
    else:
        warned.append(morris_warning(samples, name))
    return found


def write_sensitivity(
    path: Path,
    indices: pd.DataFrame,
    outcomes: tuple[str, ...],
    method: str,
    opts: RunOptions,
    manifest: dict,
    points: int,
) -> None:
    """``sensitivity.csv`` and, unless ``--no-charts``, one bar chart of indices per outcome."""
    from simulation.outputs.results import write_atomic

    write_atomic(path / "sensitivity.csv", indices.to_csv(index=False))
    if opts.no_charts:
        return
    from simulation.outputs.charts.draw import save_figure
    from simulation.outputs.charts.experiments import sensitivity_bars

    caption = design_caption(manifest, opts, method, points)
    for name in outcomes:
        save_figure(sensitivity_bars(indices, name, method, caption), path / "figures", f"sensitivity_{name}")


def finish_risk_sharing(path: Path, summary: pd.DataFrame, opts: object) -> None:
    """Write risk_sharing.csv (and print it) when a sweep varied the risk shares."""
    from simulation.experiments.risk_sharing import risk_sharing_table, table_text
    from simulation.outputs.results import write_atomic

    table = risk_sharing_table(summary)
    if table.empty:
        return
    write_atomic(path / "risk_sharing.csv", table.to_csv(index=False))
    if not getattr(opts, "quiet", False):
        click.echo(table_text(table))
