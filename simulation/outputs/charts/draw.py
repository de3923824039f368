"""Charts of a results folder, ready for a review: titled, labelled with units, captioned.

This module holds what every chart shares — the scenario palette, the A4 figure with its
title, legend and caption line, atomic PNG/SVG saving — and the charts over time
(relapse rate, poverty headcount, income: median over replications with a 10–90% band).
The other charts live beside it (:mod:`simulation.outputs.charts.compare`,
:mod:`simulation.outputs.charts.groups`, :mod:`simulation.outputs.charts.experiments`), and
:mod:`simulation.outputs.charts.catalogue` names them all for ``agrifin plot`` and the report.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.ticker import PercentFormatter, StrMethodFormatter

from simulation.outputs.charts.text import tr
from simulation.outputs.results import write_atomic

if TYPE_CHECKING:
    from simulation.outputs.charts.data import ResultsData

# Colour-blind-safe palette (Okabe-Ito), assigned to scenarios in the order they were run.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
# Pale colours for the parts of a whole (parties, budget lines), never confused with a scenario.
PARTS_PALETTE = (
    "#77AADD",
    "#EE8866",
    "#EEDD88",
    "#FFAABB",
    "#99DDFF",
    "#44BB99",
    "#BBCC33",
    "#AAAA00",
    "#DDDDDD",
    "#C9B3E0",
)
A4_WIDTH_INCHES = 6.3  # the text width of an A4 page with 2.5 cm margins
DEFAULT_DPI = 150
PRINT_DPI = 300
CAPTION_COLOUR = "#444444"


@dataclass(frozen=True)
class TimeChart:
    """A metric over time: what it shows and how its axis reads."""

    name: str
    metric: str
    title: str
    ylabel: str
    percent: bool = False
    annual: bool = False  # plot only the December assessments, one point per year


TIME_CHARTS = (
    TimeChart(
        "relapse_rate",
        "relapse_rate",
        "Relapse into poverty: annual hazard of the ex-poor cohort",
        "Relapses / ex-poor above the line last year",
        percent=True,
        annual=True,
    ),
    TimeChart(
        "poverty_headcount",
        "poverty_headcount",
        "Poverty headcount: share of persons below the poverty line",
        "Share of persons below the poverty line",
        percent=True,
    ),
    TimeChart(
        "mean_income", "mean_income_pc", "Mean per-capita net income (rolling 12 months)", "Yuan per person per year"
    ),
)


def scenario_colours(names: list[str]) -> dict[str, str]:
    """The same colour for a scenario in every figure of a folder."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def caption_text(manifest: dict[str, Any], replications: int) -> str:
    """Caption line: scenarios, replications, seed, households and horizon."""
    scenarios = manifest.get("scenarios", [])
    names = ", ".join(s["name"] for s in scenarios)
    first = scenarios[0]["resolved"] if scenarios else {}
    households = first.get("population", {}).get("households", "?")
    years = first.get("horizon", {}).get("years", "?")
    text = (
        f"Scenarios: {names} | {replications} replications | seed {manifest.get('root_seed', '?')} | "
        f"{households:,} households, {years} years | agrifin {manifest.get('agrifin', '')}"
    )
    return "\n".join(textwrap.wrap(text, width=120))


def titled_figure(title: str, height: float, nrows: int = 1, ncols: int = 1, **subplots: Any) -> tuple[plt.Figure, Any]:
    """An A4-wide figure with its title at the top left (constrained layout)."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(A4_WIDTH_INCHES, height), layout="constrained", **subplots)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    return fig, axes


def legend_on_top(fig: plt.Figure, handles: Sequence[Artist], labels: Sequence[str], ncol: int | None = None) -> None:
    """The legend in a row (or rows) under the figure's title, outside the axes.

    The title becomes the legend's title, so that constrained layout stacks the two
    instead of drawing one over the other.
    """
    if not handles:
        return
    columns = ncol or min(len(labels), 2 if max(len(label) for label in labels) > 30 else 3)
    title = fig.get_suptitle()
    if title:
        fig.suptitle(title).set_visible(False)
        fig.suptitle(title).set_in_layout(False)
    order = _row_major(len(labels), columns)
    legend = fig.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="outside upper left",
        ncol=columns,
        frameon=False,
        fontsize=8,
        title=title or None,
        alignment="left",
        title_fontproperties={"size": 11, "weight": "bold"},
        borderaxespad=0.2,
    )
    legend.set_in_layout(True)


def _row_major(count: int, columns: int) -> list[int]:
    """The order that makes matplotlib's column-by-column legend read row by row."""
    rows = -(-count // columns)
    return [row * columns + col for col in range(columns) for row in range(rows) if row * columns + col < count]


def add_caption(fig: plt.Figure, caption: str) -> None:
    """The caption line under everything else (``bbox_inches="tight"`` keeps it in the image)."""
    fig.text(
        0.01, -0.06 / fig.get_figheight(), caption, fontsize=7, color=CAPTION_COLOUR, ha="left", va="top", wrap=False
    )


def tidy_axes(ax: plt.Axes, grid: str = "both") -> None:
    """Light grid, no top or right spine, readable tick labels."""
    ax.grid(axis=grid, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)


def colour_scenario_ticks(ax: plt.Axes, names: list[str], colours: dict[str, str]) -> None:
    """Scenario names on the y axis, each in its scenario's colour."""
    for label, name in zip(ax.get_yticklabels(), names, strict=True):
        label.set_color(colours.get(name, "#222222"))
        label.set_fontweight("bold")


def save_figure(fig: plt.Figure, folder: Path, name: str, dpi: int = DEFAULT_DPI) -> list[Path]:
    """Save a figure as PNG and SVG under ``folder`` atomically; return the paths."""
    paths = []
    for fmt in ("png", "svg"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight", pad_inches=0.08)
        path = folder / f"{name}.{fmt}"
        write_atomic(path, buffer.getvalue())
        paths.append(path)
    plt.close(fig)
    return paths


def png_bytes(fig: plt.Figure, dpi: int = DEFAULT_DPI) -> bytes:
    """A figure as PNG bytes (closed afterwards)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.08)
    plt.close(fig)
    return buffer.getvalue()


def assessment_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the annual assessments (December of each year; all rows if there is none)."""
    at = frame[frame["month"] % 12 == 0]
    return at if not at.empty else frame


def first_calendar_year(timeseries: pd.DataFrame | None) -> int | None:
    """The calendar year of month 1 (2021 for a run starting in January 2021), or None without ``calendar_year``."""
    if timeseries is None or timeseries.empty or not {"calendar_year", "month"} <= set(timeseries.columns):
        return None
    return int((timeseries["calendar_year"] - (timeseries["month"] - 1) // 12).min())


def year_axis(ax: plt.Axes, first_year: int | None) -> None:
    """Whole years on the x axis; calendar years written as such (2021, not 2,021 or an offset)."""
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    if first_year is not None:
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))


def band_over_time(
    ax: plt.Axes,
    runs: pd.DataFrame,
    metric: str,
    colour: str,
    annual: bool,
    label: str | None = None,
    band: bool = True,
    first_year: int | None = None,
) -> None:
    """One scenario's median over replications with its 10–90% band, against years.

    The x axis counts years since the start (month 12 is 1.0), or, given ``first_year``,
    calendar years: the December assessment of ``first_year`` at ``first_year``.
    """
    if annual:
        runs = assessment_rows(runs)
    by_month = runs.groupby("month")[metric]
    median = by_month.median()
    years = median.index.to_numpy() / 12.0 + (0 if first_year is None else first_year - 1)
    if band:
        ax.fill_between(years, by_month.quantile(0.1), by_month.quantile(0.9), color=colour, alpha=0.18, lw=0)
    ax.plot(years, median, color=colour, lw=1.8, marker="o" if annual else None, ms=3.5, label=label)


def plot_over_time(
    timeseries: pd.DataFrame, chart: TimeChart, colours: dict[str, str], caption: str, lang: str = "en"
) -> plt.Figure:
    """Median over replications with a 10-90% band, one colour per scenario.

    Two scenarios share one panel; with more, each policy gets its own panel beside the
    baseline (small multiples), so that the bands stay readable.
    """
    names = list(dict.fromkeys(timeseries["scenario"]))
    panels = [names] if len(names) <= 2 else [[names[0], policy] for policy in names[1:]]
    ncols = 1 if len(panels) == 1 else 2
    nrows = -(-len(panels) // ncols)
    height = 3.9 if len(panels) == 1 else 1.4 + 2.2 * nrows
    fig, axes = titled_figure(tr(chart.title, lang), height, nrows, ncols, squeeze=False, sharex=True, sharey=True)
    by_scenario = dict(tuple(timeseries.groupby("scenario", sort=False)))
    first_year = first_calendar_year(timeseries)
    for ax, members in zip(axes.flat, panels, strict=False):
        for name in members:
            runs = by_scenario[name]
            band_over_time(ax, runs, chart.metric, colours[name], chart.annual, str(name), first_year=first_year)
        if len(panels) > 1:
            ax.set_title(f"{members[1]} vs {members[0]}", fontsize=9, loc="left")
        ax.yaxis.set_major_formatter(
            PercentFormatter(1.0, decimals=1) if chart.percent else StrMethodFormatter("{x:,.0f}")
        )
        if chart.annual or first_year is not None:
            year_axis(ax, first_year)
        tidy_axes(ax)
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    if chart.percent:
        axes[0, 0].set_ylim(bottom=0)  # after every panel is drawn: the axes share their limits
    xlabel = tr(
        ("Calendar year (annual assessment)" if chart.annual else "Calendar year (ticks at the end of December)")
        if first_year is not None
        else ("Year (annual assessment)" if chart.annual else "Years since start"),
        lang,
    )
    for col in range(ncols):
        shown = [row for row in range(nrows) if axes[row, col].get_visible()]
        axes[shown[-1], col].set_xlabel(xlabel, fontsize=9)
        axes[shown[-1], col].xaxis.set_tick_params(labelbottom=True)
    if len(panels) == 1:
        axes[0, 0].set_ylabel(tr(chart.ylabel, lang), fontsize=9)
    else:
        fig.supylabel(tr(chart.ylabel, lang), fontsize=9)
    handles = [
        plt.Line2D([], [], color=colours[n], lw=1.8, marker="o" if chart.annual else None, ms=3.5) for n in names
    ]
    band = f" ({tr('median, 10–90% band', lang)})"
    legend_on_top(fig, handles, [name + (band if i == 0 else "") for i, name in enumerate(names)])
    add_caption(fig, caption)
    return fig


def time_chart(data: ResultsData, chart: TimeChart, lang: str = "en") -> list[tuple[str, plt.Figure]]:
    """One of :data:`TIME_CHARTS` drawn from a results folder."""
    timeseries = data.need("timeseries", ("scenario", "replicate", "month", chart.metric))
    return [(chart.name, plot_over_time(timeseries, chart, data.colours, data.caption(lang), lang))]


def draw_standard_charts(folder: Path, timeseries: pd.DataFrame, manifest: dict[str, Any]) -> list[Path]:
    """The run charts: relapse rate, poverty headcount and income over time."""
    figures = Path(folder) / "figures"
    names = list(dict.fromkeys(timeseries["scenario"]))
    colours = scenario_colours(names)
    replications = int(timeseries.groupby("scenario")["replicate"].nunique().max())
    caption = caption_text(manifest, replications)
    paths: list[Path] = []
    for chart in TIME_CHARTS:
        if chart.metric in timeseries.columns and np.isfinite(timeseries[chart.metric]).any():
            paths += save_figure(plot_over_time(timeseries, chart, colours, caption), figures, chart.name)
    return paths
