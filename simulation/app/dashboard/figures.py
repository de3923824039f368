"""What the dashboard draws: the live charts of the county's outcomes and the village map.

Figures are plain Plotly dictionaries. A chart is built once with all its traces, empty,
and each month only its data arrays are replaced (a Dash ``Patch``): the layout stays,
and an update that arrives late or twice still leaves the chart exactly right. The
village map is small (one cell per village) and is sent whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from dash import Patch

from simulation.engine.metrics import BUDGET_LINE_NAMES
from simulation.instruments.credit.book import ACTIVE, HOUSEHOLD, NONPERFORMING
from simulation.scenario.loading import REGIONS

if TYPE_CHECKING:
    from simulation.engine.model import ValueChainModel

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
FISCAL_PALETTE = (*PALETTE[:7], "#999999", "#882255", "#44AA99", "#117733", "#DDCC77", "#332288")
PREVIOUS = "#9a9a9a"
LOSS_PARTIES = ("bank", "guarantor", "reguarantor", "government", "risk_fund")
MAP_COLUMNS = 12
AT_RISK_COLOURS = [[0.0, "#ffffcc"], [0.25, "#fed976"], [0.5, "#fd8d3c"], [0.75, "#e31a1c"], [1.0, "#800026"]]


@dataclass(frozen=True)
class Series:
    """One line of a chart: a metric column of ``model.records``, its label and scale."""

    column: str
    label: str
    scale: float = 1.0


@dataclass(frozen=True)
class Chart:
    """A live chart of the page.

    Attributes:
        name: the chart's id on the page.
        title: what the chart shows.
        unit: the y axis title.
        series: the current run's lines.
        stacked: areas stacked on each other (fiscal cost by line, losses by party).
        cumulative: lines are running totals since month 1.

    Each chart also shows the previous run dashed grey: each line, or for a stacked chart its total.
    """

    name: str
    title: str
    unit: str
    series: tuple[Series, ...]
    stacked: bool = False
    cumulative: bool = False


CHARTS: tuple[Chart, ...] = (
    Chart(
        "relapse",
        "The ex-poor cohort: poverty and relapse",
        "% of the ex-poor cohort",
        (
            Series("cohort_poverty_rate", "persons below the poverty line", 100.0),
            Series("ever_relapsed_share", "households relapsed at least once (assessed each December)", 100.0),
        ),
    ),
    Chart(
        "poverty",
        "Poverty headcount and households at risk",
        "% of persons",
        (
            Series("poverty_headcount", "below the poverty line", 100.0),
            Series("at_risk_share", "below the monitoring line", 100.0),
        ),
    ),
    Chart(
        "credit",
        "Credit coverage and non-performing loans",
        "%",
        (
            Series("credit_coverage", "credit coverage (eligible households)", 100.0),
            Series("npl_ratio", "NPL ratio (of outstanding)", 100.0),
        ),
    ),
    Chart(
        "fiscal",
        "Fiscal cost by budget line",
        "thousand yuan per month",
        tuple(Series(f"fiscal_{line}", line.replace("_", " "), 1e-3) for line in BUDGET_LINE_NAMES),
        stacked=True,
    ),
    Chart(
        "losses",
        "Who bears credit losses",
        "thousand yuan, cumulative",
        tuple(Series(f"credit_losses_{p}", p.replace("_", " "), 1e-3) for p in LOSS_PARTIES),
        stacked=True,
        cumulative=True,
    ),
)


def _colour(chart: Chart, i: int) -> str:
    palette = FISCAL_PALETTE if len(chart.series) > len(PALETTE) else PALETTE
    return palette[i % len(palette)]


def chart_figure(chart: Chart, months: int) -> dict[str, Any]:
    """The chart with every trace and no data yet; the x axis spans the whole horizon."""
    traces: list[dict[str, Any]] = []
    for i, series in enumerate(chart.series):
        trace = {"type": "scatter", "mode": "lines", "name": series.label, "x": [], "y": []}
        trace["line"] = {"color": _colour(chart, i), "width": 0.5 if chart.stacked else 2}
        if chart.stacked:
            trace.update(stackgroup="one", fillcolor=_colour(chart, i))
        traces.append(trace)
    previous_names = ["previous run: total"] if chart.stacked else [f"previous run: {s.label}" for s in chart.series]
    for name in previous_names:
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": [],
                "y": [],
                "line": {"color": PREVIOUS, "dash": "dash", "width": 1.5},
            }
        )
    layout = {
        "title": {"text": chart.title, "font": {"size": 15}, "x": 0.02, "xanchor": "left"},
        "xaxis": {"title": {"text": "month"}, "range": [0, months], "zeroline": False},
        "yaxis": {"title": {"text": chart.unit}, "rangemode": "tozero"},
        "margin": {"l": 60, "r": 10, "t": 40, "b": 40},
        "legend": {"font": {"size": 11}, "orientation": "h", "x": 0, "y": -0.3, "yanchor": "top"},
        "height": 420 if len(chart.series) > 4 else 340,
        "uirevision": chart.name,
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
    }
    return {"data": traces, "layout": layout}


def _columns(records: list[dict[str, float]], chart: Chart) -> tuple[list[int], np.ndarray]:
    months = [int(r["month"]) for r in records]
    values = np.array([[r.get(s.column, 0.0) * s.scale for s in chart.series] for r in records], dtype=float)
    values = values.reshape(len(records), len(chart.series))
    if chart.cumulative:
        values = np.cumsum(values, axis=0)
    return months, values


def chart_patch(chart: Chart, records: list[dict[str, float]], previous: list[dict[str, float]]) -> Patch:
    """Replace the chart's data arrays with the current run and the previous one (layout untouched)."""
    patch = Patch()
    months, values = _columns(records, chart)
    for i in range(len(chart.series)):
        patch["data"][i]["x"] = months
        patch["data"][i]["y"] = values[:, i].round(6).tolist()
    before_months, before = _columns(previous, chart)
    lines = [before.sum(axis=1)] if chart.stacked else [before[:, i] for i in range(len(chart.series))]
    for j, line in enumerate(lines):
        patch["data"][len(chart.series) + j]["x"] = before_months
        patch["data"][len(chart.series) + j]["y"] = np.asarray(line).round(6).tolist()
    return patch


# --------------------------------------------------------------------------- the county map

MAP_VIEWS = {
    "at_risk": ("at-risk share", "% of persons below the monitoring line"),
    "arrears": ("arrears", "yuan overdue per household"),
}


def village_at_risk_share(model: ValueChainModel) -> np.ndarray:
    """Per village, the share of persons whose income is below the monitoring line."""
    hh, poverty = model.households, model.params.poverty
    at_risk = hh.income_pc < poverty.line * poverty.monitoring_multiple
    persons = np.bincount(hh.village, weights=hh.size, minlength=model.n_villages)
    return np.bincount(hh.village, weights=hh.size * at_risk, minlength=model.n_villages) / np.maximum(persons, 1)


def village_arrears(model: ValueChainModel) -> np.ndarray:
    """Per village, the arrears of its households' live loans, in yuan per household."""
    hh, loans = model.households, model.loans
    rows = loans.rows_with(ACTIVE, NONPERFORMING)
    rows = rows[loans.borrower_kind[rows] == HOUSEHOLD]
    village_of_loan = hh.village[loans.borrower[rows]]
    overdue = np.bincount(village_of_loan, weights=loans.arrears[rows], minlength=model.n_villages)
    return overdue / np.maximum(np.bincount(hh.village, minlength=model.n_villages), 1)


def village_regions(model: ValueChainModel) -> np.ndarray:
    """Each village's region index (every household of a village lies in its region)."""
    hh = model.households
    region = np.zeros(model.n_villages, dtype=np.int64)
    region[hh.village] = hh.region
    return region


def map_figure(model: ValueChainModel, view: str) -> dict[str, Any]:
    """Villages as cells of a grid, region by region (plain, hill, mountain), coloured by ``view``."""
    label, unit = MAP_VIEWS[view]
    if view == "at_risk":
        values, zmax, scale, fmt = village_at_risk_share(model), 50.0, 100.0, "{:.0f}%"
    else:
        values, scale, fmt = village_arrears(model), 1.0, "{:,.0f} yuan"
        zmax = max(1.0, float(values.max(initial=0.0)))  # few households borrow: scale to this month's worst village
    region = village_regions(model)
    order = np.lexsort((np.arange(model.n_villages), region))
    columns = min(MAP_COLUMNS, model.n_villages)
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    ticks: list[tuple[int, str]] = []
    for r, name in enumerate(REGIONS):
        villages = order[region[order] == r]
        if villages.size:
            ticks.append((len(z), name))
        for start in range(0, villages.size, columns):
            row = villages[start : start + columns]
            pad = columns - row.size
            z.append([float(v) for v in (values[row] * scale).round(2)] + [None] * pad)
            text.append([f"village {v} ({name})<br>{label}: {fmt.format(values[v] * scale)}" for v in row] + [""] * pad)
    heatmap = {
        "type": "heatmap",
        "z": z,
        "text": text,
        "hoverinfo": "text",
        "colorscale": AT_RISK_COLOURS,
        "zmin": 0.0,
        "zmax": zmax,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {"title": {"text": unit, "side": "right"}, "thickness": 12},
    }
    layout = {
        "title": {"text": f"Villages by {label}, month {max(model.month, 0)}", "font": {"size": 15}, "x": 0.02},
        "xaxis": {"visible": False},
        "yaxis": {
            "autorange": "reversed",
            "tickvals": [row for row, _ in ticks],
            "ticktext": [name for _, name in ticks],
            "showgrid": False,
            "zeroline": False,
        },
        "margin": {"l": 70, "r": 10, "t": 40, "b": 20},
        "height": 340,
        "uirevision": "map",
        "plot_bgcolor": "#ffffff",
    }
    return {"data": [heatmap], "layout": layout}
