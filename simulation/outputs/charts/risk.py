"""The risk_sharing chart: outcomes against the loss split, one line per (stress) scenario.

Drawn from a sweep over ``guarantee.risk_shares`` (``agrifin sweep ... --stress FILE``):
small multiples of the guaranteed loans' default rate, the guarantor's losses, lowest
equity and probability of insolvency, the bank's losses, the fiscal cost, and the ex-poor
cohort's poverty and relapse, each a replicate mean with its 95% interval per split.
"""

from __future__ import annotations

import textwrap

import numpy as np

from simulation.experiments.risk_sharing import CHARTED, OUTCOMES, risk_sharing_table, split_labels
from simulation.outputs.charts.data import ChartNotApplicableError, ResultsData
from simulation.outputs.charts.draw import add_caption, legend_on_top, scenario_colours, tidy_axes, titled_figure
from simulation.outputs.charts.text import tr

Drawn = list[tuple[str, object]]


def risk_sharing_chart(data: ResultsData, lang: str = "en") -> Drawn:
    """Outcomes against the split (x: guarantor:reguarantor:bank:government), a line per scenario."""
    summary = data.need("summary", ("point", "scenario", "replicate"), by_point=True)
    if data.kind != "sweep" or split_labels(summary) is None:
        raise ChartNotApplicableError(
            "needs a sweep over the risk shares (agrifin sweep --vary guarantee.risk_shares=4:3:2:1,5:3:1:1)"
        )
    table = risk_sharing_table(summary)
    labels = {name: (label, factor) for name, label, factor, _ in OUTCOMES}
    shown = [name for name in CHARTED if name in set(table["outcome"])]
    splits = list(dict.fromkeys(table["split"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    colours = scenario_colours(scenarios)
    columns = 4
    rows = -(-len(shown) // columns)
    fig, axes = titled_figure(
        tr("Outcomes by risk-sharing split", lang), 2.3 * rows + 0.9, nrows=rows, ncols=columns, squeeze=False
    )
    positions = np.arange(len(splits))
    handles = []
    for ax, outcome in zip(axes.flat, shown, strict=False):
        label, factor = labels[outcome]
        for i, scenario in enumerate(scenarios):
            rows_of = table[(table["scenario"] == scenario) & (table["outcome"] == outcome)].set_index("split")
            rows_of = rows_of.reindex(splits)
            mean = rows_of["mean"].to_numpy(np.float64) * factor
            low = rows_of["ci_low"].to_numpy(np.float64) * factor
            high = rows_of["ci_high"].to_numpy(np.float64) * factor
            offset = (i - (len(scenarios) - 1) / 2) * 0.08
            errors = np.vstack(
                [mean - np.where(np.isfinite(low), low, mean), np.where(np.isfinite(high), high, mean) - mean]
            )
            handle = ax.errorbar(
                positions + offset,
                mean,
                yerr=np.maximum(errors, 0),
                color=colours[scenario],
                marker="o",
                ms=3,
                lw=1.2,
                capsize=2,
            )
            if len(handles) < len(scenarios):
                handles.append(handle)
        ax.set_title("\n".join(textwrap.wrap(tr(label, lang), 24)), fontsize=7.5)
        ax.set_xticks(positions, splits, fontsize=7, rotation=30)
        ax.tick_params(axis="y", labelsize=7)
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)
        tidy_axes(ax)
    for ax in list(axes.flat)[len(shown) :]:
        ax.set_visible(False)
    legend_on_top(fig, handles, scenarios)
    fig.supxlabel(tr("split of a guaranteed loss (guarantor:re-guarantor:bank:government)", lang), fontsize=8)
    add_caption(fig, data.caption(lang, tr("mean over replicates with 95% interval", lang)))
    return [("risk_sharing", fig)]
