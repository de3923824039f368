"""Charts of a results folder, ready for a review: titled, labelled with units, captioned.

Each chart is a function of the results tables; every scenario keeps its colour across
all figures. Figures are saved as PNG and SVG (atomically) under ``figures/``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import PercentFormatter, StrMethodFormatter

from simulation.results import write_atomic

# Colour-blind-safe palette (Okabe-Ito), assigned to scenarios in the order they were run.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
A4_WIDTH_INCHES = 6.3


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
        "Annual relapse into poverty among households that had exited",
        "Relapses / exited households, per year",
        percent=True,
        annual=True,
    ),
    TimeChart(
        "poverty_headcount",
        "poverty_headcount",
        "Poverty headcount (FGT 0)",
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
    return (
        f"Scenarios: {names} | {replications} replications | seed {manifest.get('root_seed', '?')} | "
        f"{households:,} households, {years} years | agrifin {manifest.get('agrifin', '')}"
    )


def save_figure(fig: plt.Figure, folder: Path, name: str, dpi: int = 150) -> list[Path]:
    """Save a figure as PNG and SVG under ``folder`` atomically; return the paths."""
    paths = []
    for fmt in ("png", "svg"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight")
        path = folder / f"{name}.{fmt}"
        write_atomic(path, buffer.getvalue())
        paths.append(path)
    plt.close(fig)
    return paths


def plot_over_time(timeseries: pd.DataFrame, chart: TimeChart, colours: dict[str, str], caption: str) -> plt.Figure:
    """Median over replications with a 10-90% band, one colour per scenario."""
    fig, ax = plt.subplots(figsize=(A4_WIDTH_INCHES, 3.6))
    for name, runs in timeseries.groupby("scenario", sort=False):
        if chart.annual:
            runs = runs[runs["month"] % 12 == 0]
        by_month = runs.groupby("month")[chart.metric]
        years = by_month.median().index.to_numpy() / 12.0
        colour = colours[name]
        ax.fill_between(years, by_month.quantile(0.1), by_month.quantile(0.9), color=colour, alpha=0.2, lw=0)
        ax.plot(
            years,
            by_month.median(),
            color=colour,
            lw=1.8,
            marker="o" if chart.annual else None,
            ms=3,
            label=f"{name} (median, 10-90% band)",
        )
    ax.set_title(chart.title, fontsize=11, loc="left")
    ax.set_xlabel("Year (annual assessment)" if chart.annual else "Years since start")
    ax.set_ylabel(chart.ylabel)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1) if chart.percent else StrMethodFormatter("{x:,.0f}"))
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8)
    fig.text(0.0, -0.02, caption, fontsize=7, color="#444444", ha="left", va="top")
    return fig


def draw_standard_charts(folder: Path, timeseries: pd.DataFrame, manifest: dict[str, Any]) -> list[Path]:
    """The run charts: relapse rate, poverty headcount and income over time."""
    figures = Path(folder) / "figures"
    names = list(dict.fromkeys(timeseries["scenario"]))
    colours = scenario_colours(names)
    replications = int(timeseries.groupby("scenario")["replicate"].nunique().max())
    caption = caption_text(manifest, replications)
    paths: list[Path] = []
    for chart in TIME_CHARTS:
        paths += save_figure(plot_over_time(timeseries, chart, colours, caption), figures, chart.name)
    return paths
