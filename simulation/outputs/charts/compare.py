"""Charts that set scenarios side by side: effects, credit losses, fiscal cost, cost per outcome averted.

Effects against the baseline, who bears credit losses, what the government pays by budget
line, and the extra cost of each poverty person-year and each relapse averted.

Each function takes a :class:`~simulation.outputs.charts.data.ResultsData` and a language and returns
``(file stem, figure)`` pairs; it raises :class:`~simulation.outputs.charts.data.ChartUnavailableError`
when the folder lacks the data it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from simulation.engine.metrics import BUDGET_LINES
from simulation.experiments.stats import AVERTED_BY_COST, COST_PER_POVERTY_YEAR_AVERTED, COST_PER_RELAPSE_AVERTED
from simulation.outputs.charts.data import ChartUnavailableError, ResultsData
from simulation.outputs.charts.draw import (
    PARTS_PALETTE,
    add_caption,
    colour_scenario_ticks,
    legend_on_top,
    tidy_axes,
    titled_figure,
)
from simulation.outputs.charts.text import tr

Drawn = list[tuple[str, plt.Figure]]


@dataclass(frozen=True)
class Effect:
    """How one metric's difference is shown: its label and the unit of the axis."""

    metric: str
    label: str
    unit: str
    scale: float = 1.0


# the headline outcomes first (docs/metrics.md), then the others
EFFECTS = (
    Effect("poverty_person_years", "poverty person-years (whole run)", "person-years"),
    Effect("cohort_poverty_rate", "ex-poor cohort below the line", "percentage points", 100.0),
    Effect("relapse_rate", "relapse rate (ex-poor cohort, per year)", "percentage points", 100.0),
    Effect("ever_relapsed_share", "ex-poor cohort ever relapsed", "percentage points", 100.0),
    Effect("new_poor_rate", "new poor rate (per year)", "percentage points", 100.0),
    Effect("relapse_count", "relapses (households, whole run)", "households"),
    Effect("poverty_headcount", "poverty headcount", "percentage points", 100.0),
    Effect("at_risk_share", "below monitoring line", "percentage points", 100.0),
    Effect("mean_income_pc", "mean income per capita (yuan/yr)", "yuan"),
    Effect("gini", "Gini index", "index points (0–1)"),
    Effect("fiscal_cost", "fiscal cost (million yuan, whole run)", "million yuan", 1e-6),
    Effect("credit_coverage", "credit coverage (eligible households)", "percentage points", 100.0),
)
PARTIES = (
    ("credit_losses_bank", "bank"),
    ("credit_losses_guarantor", "guarantor"),
    ("credit_losses_reguarantor", "re-guarantor"),
    ("credit_losses_government", "government"),
    ("credit_losses_risk_fund", "county risk compensation fund"),
)
INSURER = "insurer (claims net of premiums)"
BUDGET_LINE_LABELS = {line.name: line.en for line in BUDGET_LINES}  # declared with each budget line
MOST_LINES_SHOWN = 9


def money_unit(largest: float) -> tuple[str, float]:
    """The unit that keeps money readable: yuan, thousand yuan or million yuan (and its scale)."""
    if largest >= 5e6:
        return "million yuan", 1e-6
    if largest >= 5e3:
        return "thousand yuan", 1e-3
    return "yuan", 1.0


def effects_forest(data: ResultsData, lang: str = "en") -> Drawn:
    """A forest plot per metric: each policy's paired difference against the baseline with its 95% CI."""
    comparison = data.need_comparison()
    effects = [e for e in EFFECTS if e.metric in set(comparison["metric"].unique())]
    if not effects:
        raise ChartUnavailableError("comparison.csv has none of the headline metrics")
    policies = list(dict.fromkeys(comparison["policy"]))
    baseline = str(comparison["baseline"].iloc[0])
    rows = (len(effects) + 1) // 2
    panel = 0.55 + 0.22 * len(policies)
    fig, axes = titled_figure(
        tr("Effects against {baseline}: paired differences with 95% intervals", lang).format(baseline=baseline),
        1.2 + rows * (panel + 0.45),
        rows,
        2,
        squeeze=False,
    )
    table = comparison.set_index(["metric", "policy"])
    for ax, effect in zip(axes.flat, effects, strict=False):
        for i, policy in enumerate(policies):
            if (effect.metric, policy) not in table.index:
                continue
            row = table.loc[(effect.metric, policy)]
            y = len(policies) - 1 - i
            middle, low, high = (float(row[c]) * effect.scale for c in ("difference", "ci_low", "ci_high"))
            colour = data.colours.get(policy, "#222222")
            if np.isfinite(low) and np.isfinite(high):
                ax.plot([low, high], [y, y], color=colour, lw=2.2, solid_capstyle="butt")
            ax.plot(middle, y, "o", color=colour, ms=6, mec="white", mew=0.8, label=policy)
        ax.axvline(0.0, color="#222222", lw=0.8)
        ax.set_ylim(-0.7, len(policies) - 0.3)
        ax.set_yticks([])
        ax.set_title(tr(effect.label, lang), fontsize=9, loc="left")
        ax.set_xlabel(tr(effect.unit, lang), fontsize=8)
        ax.xaxis.set_major_formatter(FuncFormatter(_signed))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        tidy_axes(ax, "x")
        ax.spines["left"].set_visible(False)
    for ax in axes.flat[len(effects) :]:
        ax.set_visible(False)
    handles = [plt.Line2D([], [], color=data.colours.get(p, "#222222"), marker="o", lw=2.2) for p in policies]
    legend_on_top(fig, handles, policies)
    add_caption(fig, data.caption(lang, tr("policy − baseline; point: mean paired difference, line: 95% CI", lang)))
    return [("effects", fig)]


def _amount(value: float) -> str:
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def _plain_number(value: float, _position: int) -> str:
    text = f"{value:,.0f}" if abs(value) >= 10 or value == 0 else f"{value:,.3g}"
    return text.replace("-", "−")


def _signed(value: float, _position: int) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    text = f"{value:+,.0f}" if magnitude >= 100 else f"{value:+.3g}"
    return text.replace("-", "−")


def credit_losses_by_party(data: ResultsData, lang: str = "en") -> Drawn:
    """Stacked bars per scenario: written-off credit losses borne by each party over the run."""
    columns = tuple(column for column, _ in PARTIES)
    summary = data.need("summary", columns, any_of=True)
    names = [n for n in data.scenario_names if n in set(summary["scenario"].unique())]
    parts = {label: column for column, label in PARTIES if column in summary.columns}
    per_run = summary[["scenario"]].copy()
    for label, column in parts.items():
        per_run[label] = summary[column].fillna(0.0)
    if {"insurance_claims", "insurance_premiums"} <= set(summary.columns):
        # the insurer's loss: claims net of premiums, when positive
        per_run[INSURER] = (summary["insurance_claims"] - summary["insurance_premiums"]).clip(lower=0.0)
    means = per_run.groupby("scenario").mean().reindex(names).fillna(0.0)
    totals = means.sum(axis=1)
    unit, scale = money_unit(float(totals.max()))
    fig, ax = titled_figure(tr("Who bears credit losses: written-off loans by party", lang), 1.9 + 0.45 * len(names))
    y = np.arange(len(names))[::-1]
    left = np.zeros(len(names))
    handles = []
    for k, label in enumerate(means.columns):
        values = means[label].to_numpy() * scale
        colour = PARTS_PALETTE[k % len(PARTS_PALETTE)]
        ax.barh(y, values, left=left, color=colour, height=0.6, edgecolor="white", linewidth=0.5)
        handles.append(Patch(color=colour))
        left += values
    # a mean can hide one bad run (an enterprise default): the median of the runs' totals beside it
    medians = per_run.set_index("scenario").sum(axis=1).groupby(level=0).median().reindex(names).fillna(0.0) * scale
    for yi, total, median in zip(y, left, medians, strict=True):
        text = f"  {_amount(total)} ({tr('median', lang)} {_amount(median)})"
        ax.text(total, yi, text, va="center", fontsize=8)
    if totals.max() <= 0:
        ax.text(0.5, 0.5, tr("No credit losses in any scenario", lang), transform=ax.transAxes, ha="center")
    ax.set_yticks(y, names)
    ax.set_ylim(-0.75, len(names) - 0.25)
    colour_scenario_ticks(ax, names, data.colours)
    ax.set_xlabel(
        tr("Credit losses borne ({unit}, whole run, mean over replications)", lang).format(unit=tr(unit, lang)),
        fontsize=9,
    )
    ax.set_xlim(0, max(float(left.max()), 1e-9) * 1.3)
    tidy_axes(ax, "x")
    legend_on_top(fig, handles, [tr(label, lang) for label in means.columns], ncol=3)
    add_caption(fig, data.caption(lang))
    return [("credit_losses", fig)]


def fiscal_cost_by_line(data: ResultsData, lang: str = "en") -> Drawn:
    """Fiscal cost by budget line per scenario, and each policy's change against the baseline by line."""
    columns = tuple(f"fiscal_{line.name}" for line in BUDGET_LINES)
    summary = data.need("summary", columns, any_of=True)
    names = [n for n in data.scenario_names if n in set(summary["scenario"].unique())]
    present = [c for c in columns if c in summary.columns]
    means = summary.groupby("scenario")[present].mean().reindex(names).fillna(0.0)
    means.columns = [BUDGET_LINE_LABELS.get(c.removeprefix("fiscal_"), c) for c in present]
    means = means.loc[:, (means.abs() > 0).any()]
    if means.empty:
        raise ChartUnavailableError("summary.parquet records no fiscal outlay on any budget line")
    means = _fold_small_lines(means)
    policies = names[1:]
    unit, scale = money_unit(float(means.sum(axis=1).max()))
    heights = [0.35 + 0.4 * len(names)] + ([0.35 + 0.4 * len(policies)] if policies else [])
    fig, axes = titled_figure(
        tr("Fiscal cost by budget line", lang),
        1.4 + sum(heights) + 0.5 * len(heights),
        len(heights),
        1,
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    colours = {line: PARTS_PALETTE[k % len(PARTS_PALETTE)] for k, line in enumerate(means.columns)}
    _stacked(axes[0, 0], means * scale, colours, names, data.colours)
    axes[0, 0].set_title(tr("Total, whole run", lang), fontsize=9, loc="left")
    axes[0, 0].set_xlabel(
        tr("Fiscal cost ({unit}, whole run, mean over replications)", lang).format(unit=tr(unit, lang)), fontsize=8
    )
    if policies:
        change = means.loc[policies] - means.loc[names[0]]  # yuan
        change_unit, change_scale = money_unit(float(change.abs().sum(axis=1).max()))
        change = change * change_scale
        ax = axes[1, 0]
        _stacked(ax, change, colours, policies, data.colours)
        net = change.sum(axis=1).to_numpy()
        y = np.arange(len(policies))[::-1]
        ax.plot(net, y, "D", color="#222222", ms=5, label=tr("net change", lang))
        ax.axvline(0.0, color="#222222", lw=0.8)
        ax.set_title(tr("Change against {baseline}", lang).format(baseline=names[0]), fontsize=9, loc="left")
        ax.set_xlabel(
            tr("Change in fiscal cost ({unit}, whole run, mean over replications)", lang).format(
                unit=tr(change_unit, lang)
            ),
            fontsize=8,
        )
    handles = [Patch(color=colours[line]) for line in means.columns]
    labels = [tr(line, lang) for line in means.columns]
    if policies:
        handles.append(plt.Line2D([], [], color="#222222", marker="D", lw=0, ms=5))
        labels.append(tr("net change", lang))
    legend_on_top(fig, handles, labels, ncol=3)
    add_caption(fig, data.caption(lang))
    return [("fiscal_cost", fig)]


def _fold_small_lines(means: pd.DataFrame) -> pd.DataFrame:
    """Keep the largest budget lines; fold the rest into "other lines"."""
    order = means.abs().max().sort_values(ascending=False).index
    means = means[order]
    if means.shape[1] <= MOST_LINES_SHOWN:
        return means
    kept = means.iloc[:, : MOST_LINES_SHOWN - 1].copy()
    kept["other lines"] = means.iloc[:, MOST_LINES_SHOWN - 1 :].sum(axis=1)
    return kept


def _stacked(
    ax: plt.Axes, values: pd.DataFrame, colours: dict[str, str], names: list[str], scenario_colours: dict[str, str]
) -> None:
    """Horizontal bars stacked by column; negative parts stack leftwards from zero."""
    y = np.arange(len(names))[::-1]
    right, left = np.zeros(len(names)), np.zeros(len(names))
    for line in values.columns:
        part = values.loc[names, line].to_numpy()
        start = np.where(part >= 0, right, left)
        ax.barh(y, part, left=start, color=colours[line], height=0.6, edgecolor="white", linewidth=0.5)
        right += np.clip(part, 0, None)
        left += np.clip(part, None, 0)
    ax.set_yticks(y, names)
    ax.set_ylim(-0.75, len(names) - 0.25)
    colour_scenario_ticks(ax, names, scenario_colours)
    ax.xaxis.set_major_formatter(FuncFormatter(_plain_number))
    tidy_axes(ax, "x")


def cost_per_poverty_year_averted(data: ResultsData, lang: str = "en") -> Drawn:
    """Each policy's extra fiscal cost per poverty person-year averted, with its 95% interval (delta method)."""
    return [("cost_per_poverty_year_averted", _cost_per_averted(data, COST_PER_POVERTY_YEAR_AVERTED, lang))]


def cost_per_relapse_averted(data: ResultsData, lang: str = "en") -> Drawn:
    """Each policy's extra fiscal cost per relapse averted, with its 95% interval (delta method)."""
    return [("cost_per_relapse_averted", _cost_per_averted(data, COST_PER_RELAPSE_AVERTED, lang))]


@dataclass(frozen=True)
class CostWords:
    """The words of a cost-per-averted chart (English keys of :func:`~simulation.outputs.charts.text.tr`)."""

    title: str
    axis: str
    none: str
    averted: str


COST_WORDS = {
    COST_PER_POVERTY_YEAR_AVERTED: CostWords(
        "Extra fiscal cost per poverty person-year averted, against {baseline}",
        "Extra fiscal cost per poverty person-year averted ({unit}); line: 95% CI",
        "n/a: averts no poverty person-years on average",
        "poverty person-years averted: {n}",
    ),
    COST_PER_RELAPSE_AVERTED: CostWords(
        "Extra fiscal cost per relapse averted, against {baseline}",
        "Extra fiscal cost per relapse averted ({unit}); line: 95% CI",
        "n/a: averts no relapses on average",
        "relapses averted: {n} households",
    ),
}


def _cost_per_averted(data: ResultsData, cost_per: str, lang: str) -> plt.Figure:
    """One row per policy: its extra fiscal cost per unit averted (comparison row ``cost_per``), with the 95% CI."""
    outcome, words = AVERTED_BY_COST[cost_per], COST_WORDS[cost_per]
    comparison = data.need_comparison()
    rows = comparison[comparison["metric"] == outcome.cost_per].set_index("policy")
    if rows.empty:
        raise ChartUnavailableError(
            f"comparison.csv has no {outcome.cost_per} rows (the summary lacks {outcome.outcome} or fiscal_cost)"
        )
    averted = comparison[comparison["metric"] == outcome.averted].set_index("policy")["difference"]
    policies = list(rows.index)
    baseline = str(rows["baseline"].iloc[0])
    finite = rows[["difference", "ci_low", "ci_high"]].to_numpy(dtype=float)
    finite = finite[np.isfinite(finite)]
    unit, scale = money_unit(float(np.abs(finite).max()) if finite.size else 0.0)
    fig, ax = titled_figure(tr(words.title, lang).format(baseline=baseline), 1.9 + 0.5 * len(policies))
    y = np.arange(len(policies))[::-1]
    for yi, policy in zip(y, policies, strict=True):
        row = rows.loc[policy]
        colour = data.colours.get(policy, "#222222")
        note = tr(words.averted, lang).format(n=f"{averted.get(policy, np.nan):,.1f}")
        if not np.isfinite(row["difference"]):
            ax.text(0, yi, "  " + tr(words.none, lang), va="center", fontsize=8, color=colour)
            continue
        middle, low, high = (float(row[c]) * scale for c in ("difference", "ci_low", "ci_high"))
        if np.isfinite(low) and np.isfinite(high):
            ax.plot([low, high], [yi, yi], color=colour, lw=2.2, solid_capstyle="butt")
        ax.plot(middle, yi, "o", color=colour, ms=7, mec="white", mew=0.8)
        ax.annotate(note, (middle, yi), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=7)
    ax.axvline(0.0, color="#222222", lw=0.8)
    ax.set_yticks(y, policies)
    ax.set_ylim(-0.7, len(policies) - 0.3)
    colour_scenario_ticks(ax, policies, data.colours)
    ax.set_xlabel(tr(words.axis, lang).format(unit=tr(unit, lang)), fontsize=9)
    ax.xaxis.set_major_formatter(FuncFormatter(_plain_number))
    tidy_axes(ax, "x")
    add_caption(fig, data.caption(lang))
    return fig
