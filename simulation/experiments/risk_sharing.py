"""Risk-sharing splits side by side: what each split does to losses, the guarantor and poverty.

A sweep over ``guarantee.risk_shares`` (a list of splits, or one party's share with the
others rescaled) run on a stress set (``agrifin sweep ... --stress FILE``) gives, per
scenario and split, the outcomes of :data:`OUTCOMES` as replicate means, the probability
that the guarantor becomes insolvent (share of runs), and each outcome's paired difference
against the reference split (4:3:2:1 when present, else the first) with a 95% t interval:
every split runs on the same replicate seeds, so the pairing removes the common noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.experiments.designs import SHARE_KEYS, SHARES_KEY
from simulation.experiments.stats import paired_difference, t_interval

REFERENCE = "4:3:2:1"
# (summary column, label, display scale, format) — the table, in its order
OUTCOMES: tuple[tuple[str, str, float, str], ...] = (
    ("guaranteed_coverage", "guaranteed credit coverage (%)", 100.0, "{:.2f}"),
    ("guaranteed_disbursed", "guaranteed volume (M yuan)", 1e-6, "{:.1f}"),
    ("guaranteed_default_rate", "default rate, guaranteed (%)", 100.0, "{:.2f}"),
    ("credit_losses_bank", "losses: bank (k yuan)", 1e-3, "{:.1f}"),
    ("credit_losses_guarantor", "losses: guarantor (k yuan)", 1e-3, "{:.1f}"),
    ("credit_losses_reguarantor", "losses: re-guarantor (k yuan)", 1e-3, "{:.1f}"),
    ("credit_losses_government", "losses: government (k yuan)", 1e-3, "{:.1f}"),
    ("credit_losses_risk_fund", "losses: risk fund (k yuan)", 1e-3, "{:.1f}"),
    ("guarantor_equity_min", "guarantor equity, lowest (M yuan)", 1e-6, "{:.3f}"),
    ("guarantor_equity", "guarantor equity, last year (M yuan)", 1e-6, "{:.3f}"),
    ("guarantor_leverage", "guarantor leverage, last year (x)", 1.0, "{:.2f}"),
    ("guarantor_insolvent", "probability of insolvency (%)", 100.0, "{:.0f}"),
    ("fiscal_cost", "fiscal cost (M yuan)", 1e-6, "{:.1f}"),
    ("cohort_poverty_rate", "ex-poor cohort poverty (%)", 100.0, "{:.2f}"),
    ("relapse_rate", "relapse rate (% a year)", 100.0, "{:.3f}"),
)
CHARTED = (
    "guaranteed_default_rate",
    "credit_losses_guarantor",
    "guarantor_equity_min",
    "guarantor_insolvent",
    "credit_losses_bank",
    "fiscal_cost",
    "cohort_poverty_rate",
    "relapse_rate",
)


def split_labels(summary: pd.DataFrame) -> pd.Series | None:
    """Each run's split as ``G:R:B:V`` (the label of a list of splits, else the rounded shares); None if none varied."""
    if SHARES_KEY in summary.columns:
        return summary[SHARES_KEY].astype(str)
    if not set(SHARE_KEYS) <= set(summary.columns):
        return None
    shares = summary[list(SHARE_KEYS)].to_numpy(np.float64)
    return pd.Series([":".join(f"{v:.3g}" for v in row) for row in shares], index=summary.index)


def _reference(labels: list[str]) -> str:
    normalised = {label: [float(v) for v in label.split(":")] for label in labels}
    for label, parts in normalised.items():
        total = sum(parts)
        if total > 0 and np.allclose(np.asarray(parts) / total, [0.4, 0.3, 0.2, 0.1]):
            return label
    return labels[0]


def risk_sharing_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, split and outcome: mean over replicates, 95% interval, and the paired difference.

    Returns:
        Columns scenario, split, reference, outcome, mean, ci_low, ci_high, difference,
        diff_low, diff_high, p_value, n (an empty frame when no risk shares were varied).
    """
    labels = split_labels(summary)
    if labels is None or summary.empty:
        return pd.DataFrame()
    data = summary.assign(split=labels.to_numpy())
    order = list(dict.fromkeys(data["split"]))
    reference = _reference(order)
    rows = []
    for scenario, runs in data.groupby("scenario", sort=False):
        base = runs[runs["split"] == reference].set_index("replicate")
        for split in order:
            mine = runs[runs["split"] == split].set_index("replicate")
            paired = mine.index.intersection(base.index)
            for outcome, *_ in OUTCOMES:
                if outcome not in mine.columns:
                    continue
                values = mine[outcome].to_numpy(np.float64)
                found = t_interval(values) if values.size > 1 else None
                diff = (
                    paired_difference(mine.loc[paired, outcome].to_numpy(), base.loc[paired, outcome].to_numpy())
                    if paired.size > 1 and split != reference
                    else None
                )
                rows.append(
                    {
                        "scenario": scenario,
                        "split": split,
                        "reference": reference,
                        "outcome": outcome,
                        "mean": float(values.mean()),
                        "ci_low": found.low if found else np.nan,
                        "ci_high": found.high if found else np.nan,
                        "difference": diff.estimate if diff else np.nan,
                        "diff_low": diff.low if diff else np.nan,
                        "diff_high": diff.high if diff else np.nan,
                        "p_value": diff.p_value if diff else np.nan,
                        "n": int(values.size),
                    }
                )
    return pd.DataFrame(rows)


def table_text(table: pd.DataFrame) -> str:
    """The table as text: one block per scenario, a row per outcome, a column per split (mean [paired CI])."""
    lines = []
    scale = {name: (label, factor, fmt) for name, label, factor, fmt in OUTCOMES}
    for scenario, rows in table.groupby("scenario", sort=False):
        splits = list(dict.fromkeys(rows["split"]))
        reference = rows["reference"].iloc[0]
        lines.append(
            f"\n{scenario}: mean over {rows['n'].max()} replicates; [paired 95% CI of the difference from {reference}]"
        )
        lines.append(f"  {'':<36}" + "".join(f"{s:>30}" for s in splits))
        for outcome, by_outcome in rows.groupby("outcome", sort=False):
            label, factor, fmt = scale[outcome]
            cells = []
            for split in splits:
                row = by_outcome[by_outcome["split"] == split].iloc[0]
                text = fmt.format(row["mean"] * factor)
                if np.isfinite(row["diff_low"]):
                    text += f" [{row['diff_low'] * factor:+.3g},{row['diff_high'] * factor:+.3g}]"
                cells.append(f"{text:>30}")
            lines.append(f"  {label:<36}" + "".join(cells))
    return "\n".join(lines)
