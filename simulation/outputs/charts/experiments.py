"""Charts of policy experiments: paired against unpaired intervals, sweep heatmaps, sensitivity indices.

Same conventions as :mod:`simulation.outputs.charts.draw`: a title that names the subject, labelled
axes with units, a caption line with scenario, replications and seed, the scenario
palette, and PNG + SVG saved atomically under ``figures/``. The ``*_chart`` functions at
the end draw each from a results folder for ``agrifin plot`` and the report.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, PercentFormatter

from simulation.engine.metrics import METRIC_BY_NAME
from simulation.experiments.designs import key_unit
from simulation.outputs.charts.data import ChartNotApplicableError, ChartUnavailableError, ResultsData
from simulation.outputs.charts.draw import (
    PALETTE,
    add_caption,
    colour_scenario_ticks,
    legend_on_top,
    tidy_axes,
    titled_figure,
)
from simulation.outputs.charts.text import tr

GREY = "#888888"
INDEX_COLOURS = ("#4D4D4D", "#ABABAB")  # greys: indices are not scenarios
HEADLINE = "relapse_rate"
Drawn = list[tuple[str, plt.Figure]]


def metric_label(metric: str, lang: str = "en") -> str:
    """``relapse_rate (share per year)``: a metric with its unit."""
    found = METRIC_BY_NAME.get(metric)
    return f"{metric} ({tr(found.unit, lang)})" if found else metric


def key_label(key: str) -> str:
    """A scenario key with the unit the schema declares."""
    unit = key_unit(key)
    return f"{key} ({unit})" if unit else key


def _is_share(metric: str) -> bool:
    found = METRIC_BY_NAME.get(metric)
    return found is not None and "share" in found.unit


def comparison_chart(
    comparison: pd.DataFrame,
    metric: str,
    caption: str,
    colours: dict[str, str] | None = None,
    lang: str = "en",
) -> plt.Figure:
    """Each policy's paired effect on ``metric`` with its 95% CI, beside the unpaired CI."""
    rows = comparison[comparison["metric"] == metric].reset_index(drop=True)
    baseline = rows["baseline"].iloc[0] if len(rows) else "baseline"
    fig, ax = titled_figure(
        tr("Effect on {metric} against {baseline} (policy − baseline)", lang).format(metric=metric, baseline=baseline),
        1.9 + 0.7 * len(rows),
    )
    for i, row in rows.iterrows():
        colour = (colours or {}).get(row["policy"], PALETTE[(i + 1) % len(PALETTE)])  # baseline keeps the first
        y = len(rows) - 1 - i
        for offset, low, high, style in (
            (0.14, row["ci_low"], row["ci_high"], {"fmt": "o", "color": colour}),
            (-0.14, row["unpaired_ci_low"], row["unpaired_ci_high"], {"fmt": "s", "color": GREY, "mfc": "white"}),
        ):
            ax.errorbar(
                row["difference"],
                y + offset,
                xerr=[[row["difference"] - low], [high - row["difference"]]],
                capsize=4,
                **style,
            )
    ax.axvline(0.0, color="#222222", lw=0.8)
    ax.set_yticks(range(len(rows)), list(rows["policy"])[::-1])
    if colours:
        colour_scenario_ticks(ax, list(rows["policy"])[::-1], colours)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    if _is_share(metric):
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:+.2f}".replace("-", "−")))
        ax.set_xlabel(tr("Difference in {metric} (percentage points)", lang).format(metric=metric), fontsize=9)
    else:
        ax.set_xlabel(tr("Difference in {metric}", lang).format(metric=metric_label(metric, lang)), fontsize=9)
    tidy_axes(ax, "x")
    handles = [
        plt.Line2D([], [], color="#222222", marker="o", lw=1.5),
        plt.Line2D([], [], color=GREY, marker="s", mfc="white", lw=1.5),
    ]
    labels = [tr("paired 95% CI (common random numbers)", lang), tr("unpaired (Welch) 95% CI", lang)]
    legend_on_top(fig, handles, labels, ncol=2)
    add_caption(fig, caption)
    return fig


def sweep_heatmap(
    summary: pd.DataFrame, x_key: str, y_key: str, metric: str, caption: str, lang: str = "en"
) -> plt.Figure:
    """Mean of ``metric`` over replicates across two varied keys (a grid, or scattered points)."""
    means = summary.groupby("point").agg({x_key: "first", y_key: "first", metric: "mean"})
    fig, ax = titled_figure(tr("{metric} across {x} and {y}", lang).format(metric=metric, x=x_key, y=y_key), 4.8)
    percent = _is_share(metric)
    xs, ys = np.unique(means[x_key]), np.unique(means[y_key])
    if len(xs) * len(ys) == len(means):  # a full grid: one cell per combination
        grid = means.pivot_table(index=y_key, columns=x_key, values=metric, aggfunc="mean")
        values = grid.to_numpy()
        image = ax.pcolormesh(_edges(xs), _edges(ys), values, cmap="viridis", shading="flat")
        middle = np.nanmean([np.nanmin(values), np.nanmax(values)])
        for (j, y), (i, x) in ((jy, ix) for jy in enumerate(ys) for ix in enumerate(xs)):
            value = grid.iloc[j, i]
            text = f"{value:.1%}" if percent else f"{value:,.3g}"
            ax.text(x, y, text, ha="center", va="center", fontsize=7, color="white" if value < middle else "black")
    else:
        image = ax.scatter(means[x_key], means[y_key], c=means[metric], cmap="viridis", s=40)
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(tr("{metric}, mean over replicates", lang).format(metric=metric_label(metric, lang)), fontsize=8)
    if percent:
        bar.formatter = PercentFormatter(1.0, decimals=1)
        bar.update_ticks()
    bar.ax.tick_params(labelsize=8)
    ax.set_xlabel(key_label(x_key), fontsize=9)
    ax.set_ylabel(key_label(y_key), fontsize=9)
    ax.tick_params(labelsize=8)
    add_caption(fig, caption)
    return fig


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted cell centres."""
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = (centres[1:] + centres[:-1]) / 2
    return np.concatenate(([2 * centres[0] - middle[0]], middle, [2 * centres[-1] - middle[-1]]))


def sensitivity_bars(indices: pd.DataFrame, outcome: str, method: str, caption: str, lang: str = "en") -> plt.Figure:
    """Sensitivity indices of one outcome per parameter, with 95% confidence intervals."""
    rows = indices[indices["outcome"] == outcome]
    shown = ("S1", "ST") if method == "sobol" else ("mu_star", "sigma")
    parameters = list(dict.fromkeys(rows["parameter"]))
    what = tr("Sobol indices" if method == "sobol" else "Morris elementary effects", lang)
    fig, ax = titled_figure(
        tr("Which parameters drive {outcome}: {what}", lang).format(outcome=outcome, what=what),
        1.9 + 0.55 * len(parameters),
    )
    height = 0.8 / len(shown)
    for k, index in enumerate(shown):
        part = rows[rows["index"] == index].set_index("parameter").reindex(parameters)
        positions = np.arange(len(parameters))[::-1] + (len(shown) / 2 - k - 0.5) * height
        errors = part["conf"].fillna(0.0).to_numpy()
        ax.barh(
            positions,
            part["value"],
            height=height,
            xerr=errors,
            color=INDEX_COLOURS[k],
            capsize=3,
            error_kw={"ecolor": "#B2182B", "lw": 1.2},
        )
    ax.set_yticks(np.arange(len(parameters))[::-1], [key_label(p) for p in parameters], fontsize=8)
    ax.axvline(0.0, color="#222222", lw=0.8)
    unit = (
        tr("share of output variance", lang)
        if method == "sobol"
        else tr("{metric} per unit range", lang).format(metric=metric_label(outcome, lang))
    )
    ax.set_xlabel(tr("Index ({unit}); bars: 95% CI", lang).format(unit=unit), fontsize=9)
    tidy_axes(ax, "x")
    handles = [plt.Rectangle((0, 0), 1, 1, color=INDEX_COLOURS[k]) for k in range(len(shown))]
    legend_on_top(fig, handles, [tr(_index_names[i], lang) for i in shown], ncol=2)
    add_caption(fig, caption)
    return fig


_index_names = {
    "S1": "first-order S1",
    "ST": "total-order ST",
    "mu_star": "μ* (mean |elementary effect|)",
    "sigma": "σ (interactions, non-linearity)",
}


def design_caption(data: ResultsData, lang: str) -> str:
    """Caption of a design's charts: the folder's caption and the design's method and size."""
    design = data.manifest.get("experiment", {}).get("design", {})
    points = design.get("points") or (len(data.design) if data.design is not None else "?")
    return data.caption(lang, f"{design.get('method', '?')} {tr('design', lang)}, {points} {tr('points', lang)}")


def comparison_intervals_chart(data: ResultsData, lang: str = "en", metric: str = HEADLINE) -> Drawn:
    """The paired and unpaired intervals of ``metric`` from a results folder."""
    comparison = data.need_comparison()
    if metric not in set(comparison["metric"].unique()):
        raise ChartUnavailableError(f"comparison.csv has no rows for {metric}")
    return [("comparison", comparison_chart(comparison, metric, data.caption(lang), data.colours, lang))]


def varied_keys(data: ResultsData) -> list[str]:
    """The keys a sweep or sensitivity design varied, in order."""
    factors = data.manifest.get("experiment", {}).get("design", {}).get("factors", [])
    keys = [f["key"] for f in factors if "key" in f]
    if not keys and data.design is not None:
        keys = [c for c in data.design.columns if c != "point"]
    return keys


def sweep_chart(data: ResultsData, lang: str = "en", metric: str = HEADLINE) -> Drawn:
    """The heatmap of ``metric`` over the first two keys a sweep varied."""
    keys = varied_keys(data)
    if data.kind != "sweep" or len(keys) < 2:
        raise ChartNotApplicableError(
            "a heatmap needs a sweep over two or more keys (agrifin sweep --vary ... --vary ...)"
        )
    summary = data.need("summary", ("point", keys[0], keys[1], metric), by_point=True)
    if any(summary[key].dtype.kind not in "iuf" for key in keys[:2]):
        raise ChartNotApplicableError("a list of risk-sharing splits is drawn by the risk_sharing chart, not a heatmap")
    figure = sweep_heatmap(summary, keys[0], keys[1], metric, design_caption(data, lang), lang)
    return [(f"sweep_{metric}", figure)]


def sensitivity_chart(data: ResultsData, lang: str = "en", metric: str | None = None) -> Drawn:
    """Sensitivity bars for each outcome in ``sensitivity.csv`` (or only ``metric``)."""
    if data.kind != "sensitivity" and data.sensitivity is None:
        raise ChartNotApplicableError("sensitivity indices come from agrifin sensitivity (no sensitivity.csv)")
    indices = data.need("sensitivity", ("outcome", "method", "parameter", "index", "value", "conf"))
    outcomes = [metric] if metric else list(dict.fromkeys(indices["outcome"]))
    if metric and metric not in set(indices["outcome"].unique()):
        raise ChartUnavailableError(f"sensitivity.csv has no indices for {metric}")
    method = str(indices["method"].iloc[0])
    caption = design_caption(data, lang)
    return [(f"sensitivity_{name}", sensitivity_bars(indices, name, method, caption, lang)) for name in outcomes]
