"""Why households fell below the line: relapses and new poor per calendar year by cause.

Reads ``relapse_causes.parquet``: one row per (``scenario``, ``replicate``, ``year``,
``cohort``, ``event``, ``cause``) with a ``count`` of households. A relapse is counted in
the ex-poor cohort, a new poor household in the other cohorts (monitored, general); the
cause is the monitoring system's risk type of the shock that moved the household below
the line. A folder without the table gets :class:`~simulation.outputs.charts.data.ChartUnavailableError`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, StrMethodFormatter

from simulation.outputs.charts.data import ChartUnavailableError, ResultsData
from simulation.outputs.charts.draw import PARTS_PALETTE, add_caption, legend_on_top, tidy_axes, titled_figure
from simulation.outputs.charts.text import tr

Drawn = list[tuple[str, plt.Figure]]
# the monitoring system's risk types, in the order they stack (bottom first), with their labels
CAUSES = {
    "illness": "illness",
    "disaster": "disaster",
    "job_loss": "job loss",
    "price_fall": "price fall",
    "enterprise_loss": "contract or enterprise loss",
    "debt_distress": "debt distress",
    "other": "other",
}
# pale colours of parts, never a scenario's; "other" in grey
CAUSE_COLOURS = dict(zip(CAUSES, (*PARTS_PALETTE[:6], "#DDDDDD"), strict=True))
SPARE_COLOURS = tuple(c for c in PARTS_PALETTE if c not in CAUSE_COLOURS.values())
# (event, the cohorts it is counted in, legend label, hatch, offset of its bar from the year)
EVENTS = (
    ("relapse", ("ex_poor",), "relapses (ex-poor cohort)", "", -0.2),
    ("new_poor", ("monitored", "general"), "new poor (other cohorts)", "////", 0.2),
)
BAR_WIDTH = 0.38
HATCH_COLOUR = "#666666"
COLUMNS = ("scenario", "replicate", "year", "cohort", "event", "cause", "count")


def mean_counts(causes: pd.DataFrame, replicates: pd.Series) -> pd.DataFrame:
    """Households per (scenario, event, year) and cause, mean over each scenario's replicates.

    Args:
        causes: rows of ``relapse_causes.parquet``.
        replicates: the number of replicates of each scenario, indexed by scenario; a replicate
            without any relapse or new poor household has no rows but still counts.

    Returns:
        One row per (``scenario``, ``event``, ``year``), one column per cause found.
    """
    kept = pd.concat(
        [causes[(causes["event"] == event) & causes["cohort"].isin(cohorts)] for event, cohorts, *_ in EVENTS]
    )
    totals = kept.groupby(["scenario", "event", "year", "cause"])["count"].sum().astype(float)
    totals = totals.unstack("cause", fill_value=0.0)
    runs = replicates.reindex(totals.index.get_level_values("scenario")).to_numpy(dtype=float)
    return totals.div(np.maximum(runs, 1.0), axis=0)


def relapse_causes(data: ResultsData, lang: str = "en") -> Drawn:
    """One panel per scenario: stacked bars of relapses and new poor per calendar year by cause."""
    causes = data.need("relapse_causes", COLUMNS)
    names = [n for n in data.scenario_names if n in set(causes["scenario"].unique())]
    runs_of = data.summary if data.summary is not None and "replicate" in data.summary.columns else causes
    means = mean_counts(causes, runs_of.groupby("scenario")["replicate"].nunique())
    if means.empty:
        raise ChartUnavailableError("relapse_causes.parquet has no relapse of the ex-poor cohort and no new poor")
    order = [c for c in CAUSES if c in means.columns] + sorted(c for c in means.columns if c not in CAUSES)
    spare = iter(SPARE_COLOURS * len(order))
    colours = {c: CAUSE_COLOURS.get(c) or next(spare) for c in order}
    years = calendar_years(data, causes)
    fig, axes = titled_figure(
        tr("Why households fell below the line: relapses and new poor by cause", lang),
        1.9 + 1.9 * len(names),
        len(names),
        1,
        squeeze=False,
        sharex=True,
        sharey=True,
    )
    drawn = set(means.index.droplevel("year"))
    for ax, name in zip(axes[:, 0], names, strict=True):
        for event, _, _, hatch, offset in EVENTS:
            part = (
                means.loc[(name, event)].reindex(index=years, columns=order, fill_value=0.0)
                if (name, event) in drawn
                else pd.DataFrame(0.0, index=years, columns=order)
            )
            bottom = np.zeros(len(years))
            for cause in order:
                heights = part[cause].to_numpy(dtype=float)
                style = {"hatch": hatch, "hatchcolor": HATCH_COLOUR, "edgecolor": "white", "linewidth": 0.5}
                ax.bar(years + offset, heights, BAR_WIDTH, bottom, color=colours[cause], label=cause, **style)
                bottom += heights
        ax.set_title(name, fontsize=9, loc="left", color=data.colours.get(name, "#222222"), fontweight="bold")
        ax.xaxis.set_major_locator(FixedLocator(years))
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))
        tidy_axes(ax, "y")
    axes[-1, 0].set_xlabel(tr("Calendar year", lang), fontsize=9)
    fig.supylabel(tr("Households a year (mean of runs)", lang), fontsize=9)
    handles = [Patch(color=colours[c]) for c in order]
    labels = [tr(CAUSES.get(c, c), lang) for c in order]
    for _, _, label, hatch, _ in EVENTS:
        handles.append(Patch(facecolor="white", edgecolor=HATCH_COLOUR, hatch=hatch, hatchcolor=HATCH_COLOUR))
        labels.append(tr(label, lang))
    legend_on_top(fig, handles, labels, ncol=3)
    add_caption(fig, data.caption(lang, tr("left bar: relapses; right bar (hatched): new poor", lang)))
    return [("relapse_causes", fig)]


def calendar_years(data: ResultsData, causes: pd.DataFrame) -> np.ndarray:
    """Every calendar year of the run: those with counts, and those of ``calendar_year`` in the timeseries."""
    found = [causes["year"]]
    if data.timeseries is not None and "calendar_year" in data.timeseries.columns:
        found.append(data.timeseries["calendar_year"])
    every = pd.concat(found)
    return np.arange(int(every.min()), int(every.max()) + 1)
