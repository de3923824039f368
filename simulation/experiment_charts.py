"""Charts of policy experiments: comparison effects, sweep heatmaps, sensitivity indices.

Same conventions as :mod:`simulation.charts`: a title that names the subject, labelled
axes with units, a caption line with scenario, replications and seed, the scenario
palette, and PNG + SVG saved atomically under ``figures/``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulation.charts import A4_WIDTH_INCHES, PALETTE
from simulation.experiments import key_unit
from simulation.metrics import METRIC_BY_NAME

GREY = "#888888"


def metric_label(metric: str) -> str:
    """``relapse_rate (share per year)``: a metric with its unit."""
    found = METRIC_BY_NAME.get(metric)
    return f"{metric} ({found.unit})" if found else metric


def key_label(key: str) -> str:
    """A scenario key with the unit the schema declares."""
    unit = key_unit(key)
    return f"{key} ({unit})" if unit else key


def _caption(fig: plt.Figure, caption: str) -> None:
    # a fixed distance below the axes' labels, whatever the figure's height
    fig.text(0.0, -0.45 / fig.get_figheight(), caption, fontsize=7, color="#444444", ha="left", va="top")


def _is_share(metric: str) -> bool:
    found = METRIC_BY_NAME.get(metric)
    return found is not None and "share" in found.unit


def comparison_chart(comparison: pd.DataFrame, metric: str, caption: str) -> plt.Figure:
    """Each policy's paired effect on ``metric`` with its 95% CI, beside the unpaired CI."""
    rows = comparison[comparison["metric"] == metric].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(A4_WIDTH_INCHES, 1.2 + 0.7 * len(rows)))
    for i, row in rows.iterrows():
        colour = PALETTE[(i + 1) % len(PALETTE)]  # the baseline keeps the first colour
        y = len(rows) - 1 - i
        ax.errorbar(
            row["difference"],
            y + 0.12,
            xerr=[[row["difference"] - row["ci_low"]], [row["ci_high"] - row["difference"]]],
            fmt="o",
            color=colour,
            capsize=4,
            label="paired 95% CI (common random numbers)" if i == 0 else None,
        )
        ax.errorbar(
            row["difference"],
            y - 0.12,
            xerr=[[row["difference"] - row["unpaired_ci_low"]], [row["unpaired_ci_high"] - row["difference"]]],
            fmt="s",
            color=GREY,
            mfc="white",
            capsize=4,
            label="unpaired (Welch) 95% CI" if i == 0 else None,
        )
    ax.axvline(0.0, color="#222222", lw=0.8)
    ax.set_yticks(range(len(rows)), list(rows["policy"])[::-1])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    baseline = rows["baseline"].iloc[0] if len(rows) else "baseline"
    ax.set_title(f"Effect on {metric} against {baseline} (policy − baseline)", fontsize=11, loc="left")
    if _is_share(metric):
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v * 100:+.2f}"))
        ax.set_xlabel(f"Difference in {metric} (percentage points)")
    else:
        ax.set_xlabel(f"Difference in {metric_label(metric)}")
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8, loc="best")
    _caption(fig, caption)
    return fig


def sweep_heatmap(summary: pd.DataFrame, x_key: str, y_key: str, metric: str, caption: str) -> plt.Figure:
    """Mean of ``metric`` over replicates across two varied keys (a grid, or scattered points)."""
    means = summary.groupby("point").agg({x_key: "first", y_key: "first", metric: "mean"})
    fig, ax = plt.subplots(figsize=(A4_WIDTH_INCHES, 4.6))
    percent = _is_share(metric)
    xs, ys = np.unique(means[x_key]), np.unique(means[y_key])
    if len(xs) * len(ys) == len(means):  # a full grid: one cell per combination
        grid = means.pivot_table(index=y_key, columns=x_key, values=metric, aggfunc="mean")
        image = ax.pcolormesh(_edges(xs), _edges(ys), grid.to_numpy(), cmap="viridis", shading="flat")
        for (j, y), (i, x) in ((jy, ix) for jy in enumerate(ys) for ix in enumerate(xs)):
            value = grid.iloc[j, i]
            text = f"{value:.1%}" if percent else f"{value:,.3g}"
            ax.text(x, y, text, ha="center", va="center", fontsize=7, color="white")
    else:
        image = ax.scatter(means[x_key], means[y_key], c=means[metric], cmap="viridis", s=40)
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(f"{metric_label(metric)}, mean over replicates")
    if percent:
        bar.formatter = matplotlib.ticker.PercentFormatter(1.0, decimals=1)
        bar.update_ticks()
    ax.set_title(f"{metric} across {x_key} and {y_key}", fontsize=11, loc="left")
    ax.set_xlabel(key_label(x_key))
    ax.set_ylabel(key_label(y_key))
    _caption(fig, caption)
    return fig


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted cell centres."""
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = (centres[1:] + centres[:-1]) / 2
    return np.concatenate(([2 * centres[0] - middle[0]], middle, [2 * centres[-1] - middle[-1]]))


def sensitivity_bars(indices: pd.DataFrame, outcome: str, method: str, caption: str) -> plt.Figure:
    """Sensitivity indices of one outcome per parameter, with 95% confidence intervals."""
    rows = indices[indices["outcome"] == outcome]
    shown = ("S1", "ST") if method == "sobol" else ("mu_star", "sigma")
    parameters = list(dict.fromkeys(rows["parameter"]))
    fig, ax = plt.subplots(figsize=(A4_WIDTH_INCHES, 1.4 + 0.55 * len(parameters)))
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
            color=PALETTE[k],
            capsize=3,
            label=_index_names[index],
        )
    ax.set_yticks(np.arange(len(parameters))[::-1], [key_label(p) for p in parameters], fontsize=8)
    ax.axvline(0.0, color="#222222", lw=0.8)
    what = "Sobol indices" if method == "sobol" else "Morris elementary effects"
    ax.set_title(f"Which parameters drive {outcome}: {what}", fontsize=11, loc="left")
    unit = "share of output variance" if method == "sobol" else f"{metric_label(outcome)} per unit range"
    ax.set_xlabel(f"Index ({unit}); bars: 95% CI")
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    _caption(fig, caption)
    return fig


_index_names = {
    "S1": "first-order S1",
    "ST": "total-order ST",
    "mu_star": "μ* (mean |elementary effect|)",
    "sigma": "σ (interactions, non-linearity)",
}
