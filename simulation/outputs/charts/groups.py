"""Charts of who is affected: relapse by region and household group, and the income distribution.

They read ``by_group.parquet`` (one row per scenario, replicate, month, dimension
``region``/``household_group`` and group) and ``income_distribution.parquet`` (a sample of
households per run at the ``start`` and ``end``: ``income_pc``, ``persons``); a folder
without them gets :class:`~simulation.outputs.charts.data.ChartUnavailableError`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter, StrMethodFormatter

from simulation.outputs.charts.data import ChartUnavailableError, ResultsData
from simulation.outputs.charts.draw import (
    add_caption,
    assessment_rows,
    band_over_time,
    first_calendar_year,
    legend_on_top,
    tidy_axes,
    titled_figure,
    year_axis,
)
from simulation.outputs.charts.text import tr
from simulation.scenario.base import GROUPS, REGIONS

Drawn = list[tuple[str, plt.Figure]]
DIMENSIONS = (("region", "Region", REGIONS), ("household_group", "Household group", GROUPS))
INCOME_BIN = 500.0  # yuan per person per year


def relapse_by_group(data: ResultsData, lang: str = "en") -> Drawn:
    """Small multiples: the annual relapse rate over time in each region and household group."""
    table = data.need("by_group", ("scenario", "replicate", "month", "dimension", "group", "relapse_rate"))
    table = assessment_rows(table)
    panels = []
    for dimension, heading, known in DIMENSIONS:
        found = list(dict.fromkeys(table.loc[table["dimension"] == dimension, "group"]))
        groups = [g for g in known if g in found] + [g for g in found if g not in known]
        panels.append((dimension, heading, groups))
    columns = max(len(groups) for _, _, groups in panels)
    if columns == 0:
        raise ChartUnavailableError("by_group.parquet has no region or household_group rows")
    fig, axes = titled_figure(
        tr("Relapse into poverty by region and household group", lang),
        1.6 + 2.0 * len(panels),
        len(panels),
        columns,
        squeeze=False,
        sharey=True,
        sharex=True,
    )
    names = [n for n in data.scenario_names if n in set(table["scenario"].unique())]
    threshold = data.resolved().get("poverty", {}).get("large_scale_relapse_threshold")
    first_year = first_calendar_year(data.timeseries)
    for row, (dimension, heading, groups) in enumerate(panels):
        for col in range(columns):
            ax = axes[row, col]
            if col >= len(groups):
                ax.set_visible(False)
                continue
            rows = table[(table["dimension"] == dimension) & (table["group"] == groups[col])]
            for name in names:
                runs = rows[rows["scenario"] == name]
                if not runs.empty:
                    band = len(names) <= 2 or name == names[0]
                    colour = data.colours[name]
                    band_over_time(ax, runs, "relapse_rate", colour, True, name, band, first_year)
            if "exited" in rows.columns and not (rows["exited"] > 0).any():
                ax.text(0.5, 0.5, tr("no household had exited poverty", lang), transform=ax.transAxes,
                        ha="center", va="center", fontsize=7, color="#666666")  # fmt: skip
            if threshold is not None:
                ax.axhline(float(threshold), color="#B2182B", ls="--", lw=1.0)
            ax.set_title(f"{tr(heading, lang)}: {tr(groups[col], lang)}", fontsize=9, loc="left")
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
            year_axis(ax, first_year)
            tidy_axes(ax)
            if row == len(panels) - 1 or col >= len(panels[row + 1][2]):
                ax.set_xlabel(tr("Year" if first_year is None else "Calendar year", lang), fontsize=8)
    axes[0, 0].set_ylim(bottom=0)  # after every panel is drawn: the axes share their limits
    fig.supylabel(tr("Annual relapse rate (relapses / exited households)", lang), fontsize=9)
    handles = [plt.Line2D([], [], color=data.colours[n], marker="o", lw=1.8, ms=3.5) for n in names]
    shown = "median, 10–90% band" if len(names) <= 2 else "median; shaded: its 10–90% band"
    labels = [n + (f" ({tr(shown, lang)})" if i == 0 else "") for i, n in enumerate(names)]
    if threshold is not None:
        handles.append(plt.Line2D([], [], color="#B2182B", ls="--", lw=1.0))
        labels.append(tr("large-scale relapse threshold {value:.0%}", lang).format(value=float(threshold)))
    legend_on_top(fig, handles, labels)
    add_caption(fig, data.caption(lang, tr("lines: median over replications", lang)))
    return [("relapse_by_group", fig)]


def income_distribution(data: ResultsData, lang: str = "en") -> Drawn:
    """Per-capita income of persons at the start and at the end, with the poverty and monitoring lines."""
    sample = data.need("income_distribution", ("scenario", "when", "income_pc", "persons"))
    poverty = data.resolved().get("poverty", {})
    line = float(poverty.get("line", 4000.0))
    monitoring = line * float(poverty.get("monitoring_multiple", 1.5))
    years = data.resolved().get("horizon", {}).get("years", "?")
    incomes = sample["income_pc"].to_numpy(dtype=float)
    top = float(np.quantile(incomes, 0.97)) if incomes.size else line * 5
    low = min(0.0, float(np.quantile(incomes, 0.005))) if incomes.size else 0.0
    edges = np.arange(np.floor(low / INCOME_BIN) * INCOME_BIN, top + INCOME_BIN, INCOME_BIN)
    whens = [w for w in ("start", "end") if w in set(sample["when"].unique())]
    if not whens:
        raise ChartUnavailableError("income_distribution.parquet has no 'start' or 'end' rows")
    fig, axes = titled_figure(
        tr("Per-capita income distribution at the start and end", lang), 5.2, len(whens), 1, squeeze=False,
        sharex=True, sharey=True,
    )  # fmt: skip
    names = [n for n in data.scenario_names if n in set(sample["scenario"].unique())]
    for ax, when in zip(axes[:, 0], whens, strict=True):
        part = sample[sample["when"] == when]
        for name in names:
            runs = part[part["scenario"] == name]
            shares = _person_shares(runs, edges)
            below = float(runs.loc[runs["income_pc"] < line, "persons"].sum() / max(runs["persons"].sum(), 1e-12))
            label = f"{name}: {tr('{below:.1%} below the poverty line', lang).format(below=below)}"
            ax.stairs(shares, edges, color=data.colours[name], lw=1.5, label=label)
        ax.axvline(
            line, color="#222222", ls="--", lw=1.0, label=tr("poverty line {value:,.0f}", lang).format(value=line)
        )
        ax.axvline(monitoring, color="#222222", ls=":", lw=1.0,
                   label=tr("monitoring line {value:,.0f}", lang).format(value=monitoring))  # fmt: skip
        title = tr("Start", lang) if when == "start" else tr("End (year {years})", lang).format(years=years)
        ax.set_title(title, fontsize=9, loc="left")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.set_xlim(edges[0], edges[-1])
        tidy_axes(ax)
        ax.legend(frameon=False, fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel(tr("Per-capita net income (yuan per person per year)", lang), fontsize=9)
    fig.supylabel(tr("Share of persons per 500-yuan bin", lang), fontsize=9)
    add_caption(fig, data.caption(lang, tr("x axis cut at the 0.5th and 97th percentiles", lang)))
    return [("income_distribution", fig)]


def _person_shares(runs: pd.DataFrame, edges: np.ndarray) -> np.ndarray:
    """Share of all persons (pooled over replicates) in each income bin; tails beyond the axis are not drawn."""
    persons = runs["persons"].to_numpy(dtype=float)
    counts, _ = np.histogram(runs["income_pc"].to_numpy(dtype=float), bins=edges, weights=persons)
    total = persons.sum()
    return counts / total if total > 0 else counts
