"""Parameter uncertainty in a comparison: every policy on K accepted parameter sets x R replicates.

``agrifin compare BASELINE POLICY ... --parameter-sets posterior.parquet --sets K`` runs each
scenario on K parameter sets drawn from a calibration's posterior (the accepted sets,
spread evenly over them in order of loss), each on replicates 0..R-1 of the root seed.
Policy run (set k, replicate r) is paired with baseline run (k, r): same parameters, same
luck. For each metric, with d[k, r] the paired difference and m[k] its mean over the
replicates of set k:

- ``difference``: the mean of d over every set and replicate;
- the interval *without* parameter uncertainty (``ci_low_replicates``, ``ci_high_replicates``):
  difference ± t(K(R-1)) · s_w / sqrt(R), s_w the pooled within-set standard deviation of d —
  the replicate noise a plain comparison at one parameter set with R replicates carries;
- the interval *with* parameter uncertainty (``ci_low_parameters``, ``ci_high_parameters``):
  difference ± t(K-1) · sqrt(max(var(m), s_w² / R)) — the spread of the effect over the
  accepted parameter sets, each measured with R replicates, so both sources are in it (the
  variance of m is the parameter part plus s_w² / R; when the sample variance falls below
  the replicate part alone, that part is used: the one-way random-effects estimate truncated at 0);
- rank stability: ``share_sets_lower``, the share of sets where the policy lowers the metric
  (m[k] < 0; for poverty and relapse outcomes lower is better), and ``share_sets_first``, the
  share of sets where the scenario has the lowest mean of all compared (baseline included).

A policy that sets a key the posterior varies keeps its own value (it is a lever there).
``comparison.csv`` (and the effects chart) pools the K x R pairs as one paired sample.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from simulation.experiments.designs import point_scenarios
from simulation.scenario.loading import Scenario, ScenarioError

BOOKKEEPING = ("trial", "loss")  # posterior columns that are not scenario keys
CONFIDENCE = 0.95


def load_parameter_sets(path: Path, base: Scenario, sets: int) -> tuple[pd.DataFrame, dict]:
    """K parameter sets from a posterior file (evenly over its rows by loss) and its metadata.

    Raises:
        ScenarioError: unreadable file, no rows, or a column that is not a scenario key (or
            whose values the schema refuses), naming the file and the column.
    """
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as err:
        raise ScenarioError(str(path), "", f"cannot read the parameter sets ({err})") from None
    raw_meta = (table.schema.metadata or {}).get(b"agrifin")
    metadata = json.loads(raw_meta) if raw_meta else {}
    frame = table.to_pandas()
    keys = [c for c in frame.columns if c not in BOOKKEEPING]
    if frame.empty or not keys:
        raise ScenarioError(str(path), "", "no parameter sets (no rows, or no scenario-key columns)")
    if "loss" in frame.columns:
        frame = frame.sort_values("loss", kind="stable")
    frame = frame.reset_index(drop=True)
    if sets < len(frame):
        frame = frame.iloc[np.unique(np.linspace(0, len(frame) - 1, sets).round().astype(int))]
    chosen = frame.reset_index(drop=True)
    chosen.index.name = "point"
    for key in keys:
        try:
            point_scenarios(base, chosen[[key]].iloc[:1], str(path))
        except ScenarioError as err:
            raise ScenarioError(str(path), key, f"column is not a usable scenario key: {err.problem}") from None
    return chosen, metadata


def _value(scenario: Scenario, key: str) -> object:
    node: object = scenario.model_dump(mode="json")
    for part in key.split("."):
        node = node[part]  # type: ignore[index]
    return node


def set_scenarios(scenarios: list[Scenario], sets: pd.DataFrame) -> tuple[list[list[Scenario]], list[str]]:
    """Per scenario, one scenario per parameter set; and notes on keys a policy keeps as its own lever."""
    base = scenarios[0]
    keys = [c for c in sets.columns if c not in BOOKKEEPING]
    found, notes = [], []
    for scenario in scenarios:
        own = [k for k in keys if scenario is not base and _value(scenario, k) != _value(base, k)]
        if own:
            notes.append(f"{scenario.name} keeps its own {', '.join(own)} (a lever it sets)")
        varied = [k for k in keys if k not in own]
        found.append(point_scenarios(scenario, sets[varied], f"--parameter-sets ({scenario.name})"))
    return found, notes


def uncertainty_table(summary: pd.DataFrame, baseline: str, metrics: tuple[str, ...]) -> pd.DataFrame:
    """One row per (policy, metric): the effect with and without parameter uncertainty, and rank stability."""
    table = summary.set_index(["scenario", "point", "replicate"]).sort_index()
    set_means = summary.groupby(["scenario", "point"])[list(metrics)].mean()
    first = {
        metric: set_means[metric].unstack("scenario").idxmin(axis=1).value_counts(normalize=True) for metric in metrics
    }
    rows = []
    base = table.loc[baseline]
    for policy in dict.fromkeys(summary["scenario"]):
        if policy == baseline:
            continue
        pol = table.loc[policy]
        pairs = base.index.intersection(pol.index)
        for metric in metrics:
            d = (pol.loc[pairs, metric] - base.loc[pairs, metric]).rename("d").reset_index()
            by_set = d.groupby("point")["d"]
            means, counts = by_set.mean(), by_set.count()
            k, r = len(means), int(counts.min()) if len(counts) else 0
            effect = float(d["d"].mean()) if len(d) else float("nan")
            within = float(np.sqrt(by_set.var(ddof=1).mean())) if r >= 2 else float("nan")
            half_rep = float(stats.t.ppf(0.5 + CONFIDENCE / 2, k * (r - 1))) * within / np.sqrt(r) if r >= 2 else np.nan
            spread = max(float(means.var(ddof=1)), within**2 / r if r >= 2 else 0.0) if k >= 2 else np.nan
            half_par = float(stats.t.ppf(0.5 + CONFIDENCE / 2, k - 1)) * np.sqrt(spread) if k >= 2 else np.nan
            rows.append(
                {
                    "policy": policy,
                    "baseline": baseline,
                    "metric": metric,
                    "sets": k,
                    "replicates": r,
                    "baseline_mean": float(base.loc[pairs, metric].mean()),
                    "policy_mean": float(pol.loc[pairs, metric].mean()),
                    "difference": effect,
                    "ci_low_replicates": effect - half_rep,
                    "ci_high_replicates": effect + half_rep,
                    "ci_low_parameters": effect - half_par,
                    "ci_high_parameters": effect + half_par,
                    "share_sets_lower": float((means < 0).mean()) if k else float("nan"),
                    "share_sets_first": float(first[metric].get(policy, 0.0)),
                    "baseline_share_sets_first": float(first[metric].get(baseline, 0.0)),
                }
            )
    return pd.DataFrame(rows)


def uncertainty_text(table: pd.DataFrame, shown: list[str], formatter) -> str:
    """Per policy, each shown metric's effect with both intervals and its rank stability."""
    lines = []
    for policy, rows in table.groupby("policy", sort=False):
        rows = rows.set_index("metric")
        k, r = int(rows["sets"].iloc[0]), int(rows["replicates"].iloc[0])
        lines.append(
            f"\n{policy} vs {rows['baseline'].iloc[0]}: {k} parameter sets x {r} replicates, paired by set and seed"
        )
        lines.append(
            f"  {'metric':<30}{'difference':>12}  {'95% CI, replicates only':<28}{'95% CI, with parameters':<28}"
            f"{'lower in':>9}{'first in':>9}"
        )
        for metric in (m for m in shown if m in rows.index):
            row = rows.loc[metric]
            rep = f"[{formatter(metric, row['ci_low_replicates'])}, {formatter(metric, row['ci_high_replicates'])}]"
            par = f"[{formatter(metric, row['ci_low_parameters'])}, {formatter(metric, row['ci_high_parameters'])}]"
            lines.append(
                f"  {metric:<30}{formatter(metric, row['difference']):>12}  {rep:<28}{par:<28}"
                f"{row['share_sets_lower']:>8.0%} {row['share_sets_first']:>8.0%}"
            )
    lines.append(
        "  (lower in: share of parameter sets where the policy lowers the metric; first in: where it is lowest)"
    )
    return "\n".join(lines)


def uncertainty_chart(table: pd.DataFrame, metric: str, caption: str):
    """Each policy's effect on ``metric`` with the replicate-only and the parameter-inclusive 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    from simulation.outputs.charts.experiments import _is_share

    rows = table[table["metric"] == metric].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 1.6 + 0.8 * len(rows)))
    y = np.arange(len(rows))[::-1]
    for offset, low, high, colour, label in (
        (0.12, "ci_low_parameters", "ci_high_parameters", "#c55a11", "95% CI with parameter uncertainty"),
        (-0.12, "ci_low_replicates", "ci_high_replicates", "#1f4e79", "95% CI, replicate noise only"),
    ):
        ax.hlines(y + offset, rows[low], rows[high], color=colour, lw=3, label=label)
    ax.scatter(rows["difference"], y, color="black", zorder=3, label="paired effect (policy − baseline)")
    for yi, (_, row) in zip(y, rows.iterrows(), strict=True):
        ax.text(row["ci_high_parameters"], yi + 0.12, f"  lower in {row['share_sets_lower']:.0%} of sets", fontsize=7,
                va="center")  # fmt: skip
    ax.axvline(0, color="#888888", lw=1)
    ax.set_yticks(y, rows["policy"])
    ax.set_ylim(-0.8, len(rows) - 0.2)
    if _is_share(metric):
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=2))
    ax.set_xlabel(f"effect on {metric} (policy − baseline)")
    ax.set_title(f"Effect on {metric} with and without parameter uncertainty", pad=30)
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, frameon=False)
    fig.text(0.01, -0.5 / fig.get_figheight(), caption, fontsize=7, color="#555555", ha="left", va="top")
    return fig
