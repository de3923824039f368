"""Charts of a calibration folder: targets against the simulated fit, loss by trial, accepted ranges."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyarrow.parquet as pq


def fit_chart(fit: pd.DataFrame) -> plt.Figure:
    """Each target's simulated mean and 95% interval in tolerance units, with the ±1 tolerance band."""
    rows = fit[fit["section"] == "target"].reset_index(drop=True)
    value = rows["target"].astype(float)
    scale = rows["tolerance"]
    centre = (rows["simulated"] - value) / scale
    low, high = (rows["ci_low"] - value) / scale, (rows["ci_high"] - value) / scale
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(rows) + 1.4))
    y = np.arange(len(rows))[::-1]
    ax.axvspan(-1, 1, color="#d9ead3", label="within tolerance")
    ax.axvline(0, color="#38761d", lw=1)
    colours = np.where(rows["met"], "#1f4e79", "#c00000")
    ax.errorbar(centre, y, xerr=[centre - low, high - centre], fmt="none", ecolor="#888888", capsize=3)
    ax.scatter(centre, y, c=colours, zorder=3, label="simulated mean (red: missed)")
    ax.set_yticks(y, rows["name"])
    ax.set_xlabel("(simulated − target) / tolerance, with 95% interval over replicates")
    ax.set_title("Calibration targets against the fitted county")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def loss_chart(trials: pd.DataFrame) -> plt.Figure:
    """Each trial's loss (log scale) and the best so far."""
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    ordered = trials.sort_values("trial")
    ax.scatter(ordered["trial"], ordered["loss"], s=10, color="#7f7f7f", label="trial")
    ax.plot(ordered["trial"], ordered["loss"].cummin(), color="#1f4e79", label="best so far")
    ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel("loss (weighted squared misses in tolerances)")
    ax.set_title("Loss by trial")
    ax.legend(fontsize=8)
    return fig


def range_chart(posterior: pd.DataFrame, factors: list[dict]) -> plt.Figure:
    """Each fitted parameter's accepted values within its searched range (0 = low end, 1 = high end)."""
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(factors) + 1.4))
    for i, factor in enumerate(factors[::-1]):
        span = factor["high"] - factor["low"]
        unit = (posterior[factor["key"]] - factor["low"]) / span
        ax.plot([0, 1], [i, i], color="#dddddd", lw=6, solid_capstyle="butt")
        ax.scatter(unit, np.full(len(unit), i), s=14, color="#1f4e79", alpha=0.6)
        ax.text(1.02, i, f"{factor['low']:g} – {factor['high']:g}", va="center", fontsize=7)
    ax.set_yticks(range(len(factors)), [f["key"] for f in factors[::-1]], fontsize=8)
    ax.set_xlim(-0.02, 1.3)
    ax.set_xlabel("position in the searched range (accepted parameter sets)")
    ax.set_title("Accepted range of each fitted parameter")
    return fig


def draw_calibration_charts(folder: Path) -> None:
    """``figures/calibration_fit``, ``calibration_loss`` and ``calibration_ranges`` (PNG and SVG)."""
    from simulation.outputs.charts.draw import save_figure

    figures = folder / "figures"
    save_figure(fit_chart(pd.read_csv(folder / "fit.csv")), figures, "calibration_fit")
    save_figure(loss_chart(pd.read_parquet(folder / "trials.parquet")), figures, "calibration_loss")
    settings = json.loads((folder / "calibration.json").read_text())
    posterior = pq.read_table(folder / "posterior.parquet").to_pandas()
    save_figure(range_chart(posterior, settings["factors"]), figures, "calibration_ranges")
