# ruff: noqa: E501  (the report's English sentences are the keys of its translations)
"""Review reports of explore, discover and optimize folders (``agrifin report``, English or ``--lang zh``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.explore_text import te
from simulation.outputs.report.blocks import Block, Figure, Note, Paragraph, Report, Section, Table

MARKERS = {"optimize.json": "optimize", "discover.json": "discover", "explore.json": "explore"}
SHOWN_OUTCOMES = ("relapse_rate", "cohort_poverty_rate", "large_scale_relapse", "poverty_person_years", "fiscal_cost")


def exploratory_kind(path: Path) -> str | None:
    """``explore``, ``discover`` or ``optimize`` for a folder those commands wrote, else None."""
    for marker, kind in MARKERS.items():
        if (Path(path) / marker).is_file():
            return kind
    return None


def _cell(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "" if not np.isfinite(value) else f"{value:.4g}"
    return str(value)


def _figures(named: list[tuple[str, Any]], dpi: int) -> list[Block]:
    from simulation.outputs.charts.draw import png_bytes

    return [Figure(name, png_bytes(figure, dpi), "") for name, figure in named]


def space_table(entries: list[dict[str, Any]], lang: str) -> Table:
    """The entries of an uncertainties or levers file."""
    rows = []
    for e in entries:
        span = " | ".join(e["choices"]) if e["choices"] else f"{e['low']:g} – {e['high']:g}"
        rows.append([e["name"], ", ".join(e["keys"]), span, e["unit"], e["description"]])
    heads = ["name", "scenario keys", "range or choices", "unit", "description"]
    return Table([te(h, lang) for h in heads], rows, "", [0, 0, 0, 0, 0])


def explore_sections(path: Path, dpi: int, lang: str) -> list[Section]:
    """Method, the entries explored, the outcomes' spread, and each discover folder inside."""
    from simulation.experiments.explore import point_means, read_explore

    experiments, outcomes, s = read_explore(path)
    policies = (
        te("{policies} policies sampled from the levers (Latin hypercube)", lang).format(policies=s["policies"])
        if s["policies"]
        else te("the base scenario's own levers", lang)
    )
    method = te(
        "Futures were sampled from the uncertainties ({method}, {futures} futures) and crossed with {policies}; every "
        "experiment (future x policy) ran on the same {replications} replicate seeds from root seed {seed} (common "
        "random numbers), at {households} households over {years} years, base scenario {base}. experiments.parquet "
        "holds each experiment's inputs; outcomes.parquet each run's summary.",
        lang,
    ).format(
        method=s["method"],
        futures=s["scenarios"],
        policies=policies,
        **{k: s[k] for k in ("replications", "seed", "households", "years", "base")},
    )
    rows = []
    for name in (o for o in SHOWN_OUTCOMES if o in outcomes.columns):
        values = point_means(experiments, outcomes, name)
        rows.append([name, *(_cell(v) for v in (values.mean(), *values.quantile([0.1, 0.5, 0.9])))])
    heads = ["outcome", "mean", "10th percentile", "median", "90th percentile"]
    sections = [
        Section("method", te("Method", lang), [Paragraph(method)]),
        Section("uncertainties", te("Uncertainties", lang), [space_table(s["uncertainties"], lang)], level=2),
    ]
    if s.get("levers"):
        sections.append(Section("levers", te("Levers", lang), [space_table(s["levers"], lang)], level=2))
    caption = te("Mean over replicates of each experiment, then its distribution over the experiments.", lang)
    table = Table([te(h, lang) for h in heads], rows, caption, [0, 1, 1, 1, 1])
    sections.append(Section("outcomes", te("Outcomes over the experiments", lang), [table]))
    found = sorted(p for p in path.iterdir() if p.is_dir() and (p / "discover.json").is_file())
    if found:
        names = ", ".join(p.name for p in found)
        sections.append(
            Section(
                "discovered",
                te("Scenario discovery", lang),
                [Paragraph(te("Discovered in this folder: {names}.", lang).format(names=names))],
            )
        )
        for folder in found:
            sections += [_demote(section) for section in discover_sections(folder, dpi, lang)]
    return sections


def _demote(section: Section) -> Section:
    return Section(f"{section.key}", section.title, section.blocks, level=2)


def discover_sections(path: Path, dpi: int, lang: str) -> list[Section]:
    """Method, the boxes in words and tables, their charts, and the cross-checks."""
    from simulation.experiments.discover import sentence
    from simulation.outputs.charts.explore import discover_figures
    from simulation.outputs.charts.text import chart_fonts

    record = json.loads((path / "discover.json").read_text())
    settings = (
        json.loads((path.parent / "explore.json").read_text()) if (path.parent / "explore.json").is_file() else {}
    )
    units = {e["name"]: e["unit"] for e in settings.get("uncertainties", []) + settings.get("levers", [])}
    method = te(
        "An experiment is bad when {outcome}, averaged over its replicates, is above {threshold}: {bad} of {n} "
        "experiments. PRIM (patient rule induction, EMA Workbench) peels the space of inputs down to boxes where bad "
        "experiments are dense. Coverage is the share of all bad experiments inside a box, density the share of the "
        "box's experiments that are bad, mass the share of all experiments inside it. From each peeling trajectory "
        "the box kept is the one of largest coverage whose density reaches {min_density:.0%}. CART and extra-trees "
        "feature scores are a cross-check.",
        lang,
    ).format(
        outcome=record["outcome"],
        threshold=f"{record['threshold']:g}",
        bad=record["bad_experiments"],
        n=record["experiments"],
        min_density=record["min_density"],
    )
    blocks: list[Block] = [
        Paragraph(sentence(b, record["outcome"], record["threshold"], units, lang)) for b in record["boxes"]
    ] or [Note(te("No box was found.", lang))]
    boxes = pd.read_csv(path / "boxes.csv", keep_default_na=False, na_values=[""])
    rows = [
        [
            _cell(r["box"]),
            f"{r['coverage']:.0%}",
            f"{r['density']:.0%}",
            f"{r['mass']:.0%}",
            r["input"],
            r["choices"] if r["kind"] == "choices" else f"{_cell(r['low'])} – {_cell(r['high'])}",
        ]
        for _, r in boxes.iterrows()
    ]
    heads = ["box", "coverage", "density", "mass", "input", "limits"]
    blocks.append(Table([te(h, lang) for h in heads], rows, "boxes.csv", [1, 1, 1, 1, 0, 0]))
    peeling = pd.read_csv(path / "peeling.csv")
    with chart_fonts(lang):
        blocks += _figures(discover_figures(record, peeling, lang), dpi) if record["boxes"] else []
    cart = pd.read_csv(path / "cart.csv", keep_default_na=False).head(5)
    scores = pd.read_csv(path / "feature_scores.csv").head(8)
    check = [
        Table(
            [te(h, lang) for h in ("leaf", "coverage", "density", "mass", "restrictions")],
            [
                [_cell(r.leaf), f"{r.coverage:.0%}", f"{r.density:.0%}", f"{r.mass:.0%}", r.restrictions]
                for r in cart.itertuples()
            ],
            te("CART leaves, bad-rich first", lang),
            [1, 1, 1, 1, 0],
        ),
        Table(
            [te("input", lang), te("score", lang)],
            [[r.input, f"{r.score:.3f}"] for r in scores.itertuples()],
            te("Extra-trees feature scores", lang),
            [0, 1],
        ),
    ]
    return [
        Section(f"discover-{path.name}", f"{te('Scenario discovery', lang)}: {record['outcome']}", [Paragraph(method)]),
        Section(f"boxes-{path.name}", te("Boxes", lang), blocks, level=2),
        Section(f"crosscheck-{path.name}", te("Cross-check: CART and feature scores", lang), check, level=2),
    ]


def optimize_sections(path: Path, dpi: int, lang: str) -> list[Section]:
    """Method, the Pareto set and its charts, the cheapest policy, the stress futures."""
    from simulation.outputs.charts.text import chart_fonts
    from simulation.outputs.optimize import objective_labels, optimize_figures

    record = json.loads((path / "optimize.json").read_text())
    cost_label, robust_label, constraint_label = objective_labels(record, lang)
    s = record["search"]
    evaluations = pd.read_parquet(path / "evaluations.parquet") if (path / "evaluations.parquet").is_file() else None
    method = te(
        "Each policy (one value of every lever) faced the same {futures} stress futures (a Latin hypercube of the "
        "uncertainties), each on {replications} replicate seeds. NSGA-II (platypus-opt, the optimiser of EMA "
        "Workbench) minimised two objectives: {cost} and {robust}. A policy meets the constraint when the "
        "{constraint} is at most {max_share:.0%}. {evaluated} policies were scored over {population} x {generations} "
        "proposals (population x generations, seed {seed}); the Pareto set holds the policies that meet the "
        "constraint and that no other such policy beats on both objectives. Each is a runnable scenario file in "
        "policies/.",
        lang,
    ).format(
        cost=cost_label,
        robust=robust_label,
        constraint=constraint_label,
        max_share=s["max_share"],
        evaluated=len(evaluations) if evaluations is not None else 0,
        **{k: record[k] for k in ("futures", "replications", "population", "generations", "seed")},
    )
    sections = [Section("method", te("Method", lang), [Paragraph(method)])]
    if not record.get("complete") or evaluations is None:
        sections.append(
            Section(
                "pareto",
                te("Pareto set", lang),
                [Note(te("The search was interrupted; continue it with --resume.", lang))],
            )
        )
        return sections
    front = pd.read_csv(path / "pareto.csv")
    levers = [e["name"] for e in record["levers"]]
    blocks: list[Block] = []
    if front.empty:
        blocks.append(Note(te("No policy met the constraint.", lang)))
    else:
        cheapest = record["cheapest"]
        blocks.append(
            Paragraph(
                te(
                    "The cheapest policy meeting the constraint is {file}: {cost} {value}. verify.txt holds one agrifin "
                    "compare per stress future to check it afresh against the base.",
                    lang,
                ).format(file=cheapest["file"], cost=cost_label, value=f"{cheapest['cost']:.4g}")
            )
        )
        heads = ["policy", "cost", "robustness", "constraint", "file"]
        rows = [
            [_cell(r["policy"]), _cell(r["cost"]), _cell(r["robustness"]), f"{r['constraint']:.0%}", r["file"]]
            for _, r in front.iterrows()
        ]
        blocks.append(Table([te(h, lang) for h in heads], rows, "pareto.csv", [1, 1, 1, 1, 0]))
        lever_rows = [[_cell(r["policy"]), *(_cell(r[n]) for n in levers)] for _, r in front.iterrows()]
        blocks.append(
            Table(
                [te("policy", lang), *levers],
                lever_rows,
                te("Levers and objectives of the Pareto policies", lang),
                [1] * (len(levers) + 1),
            )
        )
        with chart_fonts(lang):
            blocks += _figures(optimize_figures(record, evaluations, front, levers, lang), dpi)
    sections.append(Section("pareto", te("Pareto set", lang), blocks))
    futures = pd.read_csv(path / "futures.csv")
    rows = [[_cell(v) for v in row] for row in futures.itertuples(index=False)]
    table = Table([te("future", lang), *futures.columns[1:]], rows, "futures.csv", [1] * len(futures.columns))
    sections.append(Section("futures", te("Stress futures", lang), [table], level=2))
    return sections


def exploratory_report(path: Path, dpi: int, lang: str = "en") -> Report:
    """The report of an explore, discover or optimize folder."""
    path = Path(path)
    kind = exploratory_kind(path)
    builders = {"explore": explore_sections, "discover": discover_sections, "optimize": optimize_sections}
    titles = {"explore": "Exploratory modelling", "discover": "Scenario discovery", "optimize": "Robust policy search"}
    colon = "：" if lang == "zh" else ": "
    title = f"{te(titles[kind], lang)}{colon}{path.name}"
    subtitle = te("agrifin report on {folder} — generated {time} UTC", lang).format(
        folder=path.name, time=f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
    )
    footer = te("agrifin report — {folder}", lang).format(folder=path.name)
    return Report(title, subtitle, builders[kind](path, dpi, lang), footer, lang)
