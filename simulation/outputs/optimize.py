"""What ``agrifin optimize`` leaves: pareto.csv, a scenario file per Pareto policy, charts, verify.txt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.optimize import pareto_mask


def pareto_set(evaluations: pd.DataFrame) -> pd.DataFrame:
    """The policies that meet the constraint and are not dominated in (cost, robustness), cheapest first."""
    feasible = evaluations[evaluations["feasible"].astype(bool)]
    if feasible.empty:
        return feasible.assign(policy=pd.Series(dtype=int), file=pd.Series(dtype=str))
    front = feasible[pareto_mask(feasible[["cost", "robustness"]].to_numpy())]
    front = front.sort_values(["cost", "robustness"]).reset_index(drop=True)
    front.insert(0, "policy", range(1, len(front) + 1))
    front["file"] = [f"policies/pareto_policy_{i:02d}.yaml" for i in front["policy"]]
    return front


def objective_labels(record: dict[str, Any], lang: str = "en") -> tuple[str, str, str]:
    """Axis labels of the cost, the robustness measure and the constraint."""
    from simulation.experiments.explore_text import te

    s = record["search"]
    money = "{cost} (million yuan, mean over futures)" if s["cost"] == "fiscal_cost" else "{cost} (mean over futures)"
    return (
        te(money, lang).format(cost=s["cost"]),
        te("{robust}: {percentile}th percentile over {futures} stress futures", lang).format(
            robust=s["robust"], percentile=f"{s['percentile']:g}", futures=record["futures"]
        ),
        te("share of futures with {constraint} > {bad_above}", lang).format(
            constraint=s["constraint"], bad_above=f"{s['bad_above']:g}"
        ),
    )


def write_policies(
    path: Path, front: pd.DataFrame, record: dict[str, Any], levers: Any, scenario: Path, base: Any
) -> None:
    """Each Pareto policy as a scenario file extending the base (schema beside them), checked by loading it."""
    from simulation.experiments.optimize_runs import extends_reference, policy_yaml
    from simulation.outputs.results import write_atomic
    from simulation.scenario.export import scenario_json_schema
    from simulation.scenario.loading import load_scenario

    folder = path / "policies"
    folder.mkdir(exist_ok=True)
    write_atomic(folder / "scenario.schema.json", json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False))
    raw = base.model_dump(mode="json")
    cost_label, robust_label, constraint_label = objective_labels(record)
    extends = extends_reference(scenario, folder)
    for row in front.to_dict("records"):
        overrides = levers.overrides({name: row[name] for name in levers.names}, raw)
        name = Path(row["file"]).stem
        comment = (
            f"Pareto policy {row['policy']} of `agrifin optimize` ({path.name}): {cost_label} {row['cost']:.4g}; "
            f"{robust_label} {row['robustness']:.4g}; {constraint_label} {row['constraint']:.0%}."
        )
        description = (
            f"Pareto policy {row['policy']} of {len(front)} found by agrifin optimize over {record['futures']} "
            f"stress futures at {record['households']} households x {record['years']} years: "
            + ", ".join(f"{n}={row[n]}" for n in levers.names)
        )
        write_atomic(path / row["file"], policy_yaml(name, comment, description, extends, overrides))
        load_scenario(path / row["file"])  # a file that does not load is a bug here, not bad input


def finish_optimize(
    path: Path, record: dict[str, Any], runs: Any, scenario: Path, base: Any, opts: Any
) -> pd.DataFrame:
    """Write the Pareto set, its scenario files, charts and the verification commands; return the front."""
    from simulation.experiments.optimize_runs import future_overrides, verify_commands
    from simulation.outputs.results import write_atomic

    evaluations = runs.evaluations
    front = pareto_set(evaluations)
    levers = runs.levers
    write_atomic(path / "evaluations.csv", evaluations.to_csv(index=False))
    write_atomic(path / "pareto.csv", front.to_csv(index=False))
    write_policies(path, front, record, levers, scenario, base)
    cheapest = front.iloc[0].to_dict() if not front.empty else None
    futures = future_overrides(runs.uncertainties, runs.futures, base)
    if cheapest is not None:
        from simulation.experiments.optimize_runs import extends_reference

        lines = verify_commands(
            extends_reference(scenario, Path(".")),
            str(path / cheapest["file"]),
            futures,
            max(opts.replications, 5),
            opts.seed,
            record["households"],
            record["years"],
        )
        header = (
            f"# The cheapest Pareto policy ({cheapest['file']}) against the base in each stress future, on the same "
            "seeds: one agrifin compare per future (run from the folder the search was run from).\n"
        )
        write_atomic(path / "verify.txt", header + "\n".join(lines) + "\n")
    if not opts.no_charts and not front.empty:
        draw_optimize_charts(path, record, evaluations, front, levers.names)
    record.update(
        complete=True,
        evaluated=len(evaluations),
        runs=int(len(evaluations) * record["futures"] * record["replications"]),
        pareto=len(front),
        cheapest={k: (v.item() if isinstance(v, np.generic) else v) for k, v in (cheapest or {}).items()} or None,
        future_overrides=futures,
    )
    write_atomic(path / "optimize.json", json.dumps(record, indent=2, default=str))
    return front


def front_text(record: dict[str, Any], evaluations: pd.DataFrame, front: pd.DataFrame, levers: list[str]) -> str:
    """What the search found, for the terminal: how many policies, the front, the cheapest."""
    cost_label, _, constraint_label = objective_labels(record)
    lines = [
        f"{len(evaluations)} policies scored; {int(evaluations['feasible'].sum())} meet the constraint "
        f"({constraint_label} <= {record['search']['max_share']:g}); {len(front)} on the Pareto front"
    ]
    if not front.empty:
        shown = front[["policy", "cost", "robustness", "constraint", *levers]]
        lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        cheapest = front.iloc[0]
        lines.append(f"Cheapest meeting the constraint: {cheapest['file']} ({cost_label} {cheapest['cost']:.4g})")
    return "\n".join(lines)


def optimize_caption(record: dict[str, Any], lang: str = "en") -> str:
    """Caption line of the optimize charts."""
    from simulation.experiments.explore_text import te

    text = te(
        "{base} | {households} households, {years} years | {futures} stress futures x {replications} replicates, "
        "seed {seed} | NSGA-II, population {population}, {generations} generations",
        lang,
    )
    keys = ("base", "households", "years", "futures", "replications", "seed", "population", "generations")
    return text.format(**{k: record[k] for k in keys})


def optimize_figures(
    record: dict[str, Any], evaluations: pd.DataFrame, front: pd.DataFrame, levers: list[str], lang: str = "en"
) -> list[tuple[str, Any]]:
    """The Pareto-front chart and the parallel-coordinates chart, named."""
    from simulation.outputs.charts.explore import parallel_chart, pareto_chart

    cost_label, robust_label, _ = objective_labels(record, lang)
    caption = optimize_caption(record, lang)
    return [
        ("pareto_front", pareto_chart(evaluations, front, cost_label, robust_label, caption, lang)),
        ("parallel_coordinates", parallel_chart(front, [*levers, "cost", "robustness"], caption, lang)),
    ]


def draw_optimize_charts(
    path: Path, record: dict[str, Any], evaluations: pd.DataFrame, front: pd.DataFrame, levers: list[str]
) -> None:
    """The optimize charts as PNG and SVG in path/figures."""
    from simulation.outputs.charts.draw import save_figure

    for name, figure in optimize_figures(record, evaluations, front, levers):
        save_figure(figure, path / "figures", name)
