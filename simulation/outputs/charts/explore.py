"""Charts of scenario discovery and policy search: PRIM's trade-off and box limits, the Pareto front, parallel axes.

Drawn in the style of :mod:`simulation.outputs.charts.draw` (A4 width, title at the top left, caption
line, colour-blind-safe palette); labels in English or Chinese (:func:`simulation.outputs.charts.text.tr`).
"""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulation.experiments.explore_text import te as tr
from simulation.outputs.charts.draw import PALETTE, add_caption, tidy_axes, titled_figure


def tradeoff_chart(peeling: pd.DataFrame, box: int, caption: str, lang: str = "en") -> plt.Figure:
    """PRIM's peeling trajectory of one box: coverage against density, coloured by restricted inputs."""
    steps = peeling[peeling["box"] == box]
    fig, ax = titled_figure(tr("PRIM trade-off: coverage against density, box {box}", lang).format(box=box), 3.8)
    points = ax.scatter(steps["coverage"], steps["density"], c=steps["res_dim"], cmap="viridis", s=18, zorder=3)
    ax.plot(steps["coverage"], steps["density"], color="#999999", lw=0.8, zorder=2)
    chosen = steps[steps["chosen"]]
    ax.scatter(
        chosen["coverage"],
        chosen["density"],
        s=140,
        facecolors="none",
        edgecolors=PALETTE[1],
        lw=1.6,
        zorder=4,
        label=tr("box kept", lang),
    )
    colourbar = fig.colorbar(points, ax=ax, pad=0.01)
    colourbar.set_label(tr("Restricted inputs", lang), fontsize=8)
    ax.set_xlabel(tr("Coverage (share of bad experiments inside the box)", lang), fontsize=8)
    ax.set_ylabel(tr("Density (share bad inside the box)", lang), fontsize=8)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left", frameon=False)
    tidy_axes(ax)
    add_caption(fig, caption)
    return fig


def box_limits_chart(limits: list[dict[str, Any]], box: int, stats: str, caption: str, lang: str = "en") -> plt.Figure:
    """Each restricted input of a box: its full range (grey) and the box's part of it (coloured), 0-1 scaled."""
    shown = limits or [
        {"input": tr("(no restriction)", lang), "kind": "range", "low": 0, "high": 1, "full_low": 0, "full_high": 1}
    ]
    fig, ax = titled_figure(
        tr("PRIM box {box}: limits on the inputs", lang).format(box=box) + f" ({stats})", 0.45 * len(shown) + 1.6
    )
    for row, limit in enumerate(reversed(shown)):
        ax.barh(row, 1.0, color="#DDDDDD", height=0.55)
        if limit["kind"] == "choices":
            every, kept = limit["all"], set(limit["choices"])
            width = 1.0 / len(every)
            for i, label in enumerate(every):
                colour = PALETTE[0] if label in kept else "#DDDDDD"
                ax.barh(row, width * 0.96, left=i * width, color=colour, height=0.55)
                ax.text(
                    (i + 0.5) * width,
                    row,
                    label,
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if label in kept else "#555555",
                )
            continue
        span = (limit["full_high"] - limit["full_low"]) or 1.0
        left = (limit["low"] - limit["full_low"]) / span
        right = (limit["high"] - limit["full_low"]) / span
        ax.barh(row, right - left, left=left, color=PALETTE[0], height=0.55)
        ax.text(left, row + 0.36, f"{limit['low']:.3g}", ha="center", fontsize=7)
        ax.text(right, row + 0.36, f"{limit['high']:.3g}", ha="center", fontsize=7)
    ax.set_yticks(range(len(shown)), [limit["input"] for limit in reversed(shown)], fontsize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(tr("Position within the range explored (0 = lowest, 1 = highest)", lang), fontsize=8)
    tidy_axes(ax, grid="x")
    add_caption(fig, caption)
    return fig


def pareto_chart(
    evaluations: pd.DataFrame, pareto: pd.DataFrame, cost: str, robust: str, caption: str, lang: str = "en"
) -> plt.Figure:
    """Every policy evaluated (grey; crosses break the constraint) and the Pareto front (numbered)."""
    fig, ax = titled_figure(tr("Pareto front: fiscal cost against robustness", lang), 4.0)
    feasible = evaluations["feasible"].astype(bool)
    ax.scatter(
        evaluations.loc[feasible, "cost"],
        evaluations.loc[feasible, "robustness"],
        s=12,
        color="#BBBBBB",
        label=tr("policy evaluated (meets the constraint)", lang),
    )
    ax.scatter(
        evaluations.loc[~feasible, "cost"],
        evaluations.loc[~feasible, "robustness"],
        s=14,
        marker="x",
        color="#DDAAAA",
        label=tr("policy evaluated (breaks the constraint)", lang),
    )
    front = pareto.sort_values("cost")
    ax.plot(
        front["cost"], front["robustness"], color=PALETTE[1], lw=1.2, marker="o", ms=5, label=tr("Pareto front", lang)
    )
    for _, row in front.iterrows():
        ax.annotate(
            str(int(row["policy"])),
            (row["cost"], row["robustness"]),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.set_xlabel(cost, fontsize=8)
    ax.set_ylabel(robust, fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    tidy_axes(ax)
    add_caption(fig, caption)
    return fig


def parallel_chart(pareto: pd.DataFrame, axes: list[str], caption: str, lang: str = "en") -> plt.Figure:
    """Parallel coordinates of the Pareto policies: each lever and objective scaled to its range on the front."""
    fig, ax = titled_figure(tr("Pareto policies: levers and objectives (colour: cheap to costly)", lang), 4.2)
    scaled = pd.DataFrame(index=pareto.index)
    ticks = []
    for column in axes:
        values = pareto[column]
        if values.dtype.kind not in "iufb":
            codes, labels = pd.factorize(values.astype(str), sort=True)
            values = pd.Series(codes, index=pareto.index, dtype=float)
            ticks.append(f"{column}\n({' / '.join(labels)})" if len(labels) <= 3 else column)
        else:
            ticks.append(column)
        values = values.astype(float)
        span = values.max() - values.min()
        scaled[column] = (values - values.min()) / span if span > 0 else 0.5
    order = pareto["cost"].rank(method="first").astype(int) - 1
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, max(len(pareto), 1)))
    for i, (_, row) in enumerate(scaled.iterrows()):
        ax.plot(range(len(axes)), row.to_numpy(), color=colours[order.iloc[i]], lw=1.2, alpha=0.85)
    for x in range(len(axes)):
        ax.axvline(x, color="#888888", lw=0.6)
    ax.set_xticks(range(len(axes)), ticks, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(tr("0 = lowest, 1 = highest on the front", lang), fontsize=7)
    ax.set_ylim(-0.05, 1.05)
    tidy_axes(ax, grid="y")
    add_caption(fig, caption)
    return fig


def discover_figures(record: dict[str, Any], peeling: Any, lang: str = "en") -> list[tuple[str, Any]]:
    """The trade-off chart and the box-limit chart of each box, named."""
    from simulation.experiments.explore_text import te

    caption = discover_caption(record, lang)
    figures = []
    for box in record["boxes"]:
        stats = te("coverage {coverage:.0%}, density {density:.0%}", lang).format(**box)
        figures.append((f"prim_tradeoff_{box['box']}", tradeoff_chart(peeling, box["box"], caption, lang)))
        figures.append((f"prim_box_{box['box']}", box_limits_chart(box["limits"], box["box"], stats, caption, lang)))
    return figures


def discover_caption(record: dict[str, Any], lang: str = "en") -> str:
    """Caption line of discover's charts."""
    from simulation.experiments.explore_text import te

    e = record["explore"]
    text = te(
        "{outcome} > {threshold} in {bad} of {n} experiments | {base}, {households} households, {years} years, "
        "{replications} replicates, seed {seed}",
        lang,
    )
    return text.format(
        outcome=record["outcome"],
        threshold=f"{record['threshold']:g}",
        bad=record["bad_experiments"],
        n=record["experiments"],
        **{k: e.get(k) for k in ("base", "households", "years", "replications", "seed")},
    )
