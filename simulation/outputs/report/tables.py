"""The report's tables: scenario levels, paired differences, and parameter changes in words.

Values are shown in the units a planner reads: shares as percentages (differences in
percentage points), money in yuan or million yuan, counts of households with one decimal
(means over replications).
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

import numpy as np
import pandas as pd
from pydantic import BaseModel

from simulation.experiments.stats import AVERTED, AVERTED_METRICS, COST_PER_METRICS
from simulation.outputs.charts.data import ResultsData
from simulation.outputs.report.blocks import Table
from simulation.outputs.report.i18n import t
from simulation.scenario.loading import Scenario

MINUS = "−"
# (metric, label, kind): kind decides the format (share, count, yuan, million, index); the headline
# the headline outcomes (docs/metrics.md) lead, then the relapse and new-poor counts, then the others
HEADLINE = (
    ("poverty_person_years", "Poverty person-years (whole run)", "count"),
    ("poverty_person_years_averted", "Poverty person-years averted (whole run)", "count"),
    ("cohort_poverty_rate", "Ex-poor cohort below the line (last year)", "share"),
    ("relapse_rate", "Relapse rate, ex-poor cohort (mean per year)", "share"),
    ("ever_relapsed_share", "Ex-poor cohort ever relapsed (last year)", "share"),
    ("new_poor_rate", "New poor rate (mean per year)", "share"),
    ("relapse_count", "Relapses (households, whole run)", "count"),
    ("relapses_averted", "Relapses averted (households, whole run)", "count"),
    ("new_poor_count", "Newly poor (households, whole run)", "count"),
    ("poverty_headcount", "Poverty headcount (last year)", "share"),
    ("at_risk_share", "Below monitoring line (last year)", "share"),
    ("mean_income_pc", "Mean income per capita (yuan/yr)", "yuan"),
    ("gini", "Gini index (last year)", "index"),
    ("credit_coverage", "Credit coverage, eligible households", "share"),
    ("npl_ratio", "NPL ratio (last year)", "share"),
    ("large_scale_relapse", "Large-scale relapse alarm (share of runs)", "share"),
    ("fiscal_cost", "Fiscal cost (million yuan, whole run)", "million"),
    ("fiscal_cost_per_poverty_year_averted", "Extra fiscal cost per poverty-year averted (yuan)", "yuan"),
    ("fiscal_cost_per_relapse_averted", "Extra fiscal cost per relapse averted (yuan)", "yuan"),
)
COMPARISON_ONLY = (*AVERTED_METRICS, *COST_PER_METRICS)


def level(kind: str, value: float) -> str:
    """A value in its display unit."""
    if value is None or not np.isfinite(value):
        return "n/a"
    text = {
        "share": f"{value:.2%}",
        "count": f"{value:,.1f}",
        "yuan": f"{value:,.0f}",
        "million": f"{value / 1e6:,.2f}",
        "index": f"{value:.3f}",
    }[kind]
    return text.replace("-", MINUS)


def difference(kind: str, value: float) -> str:
    """A signed difference in its display unit (shares in percentage points)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if kind == "share" and abs(value) < 5e-6:
        return "0.000 pp"  # zero to the precision shown: no sign
    small = abs(value) < 5e-5  # would round to ±0.00 pp
    text = {
        "share": f"{value * 100:+.3f} pp" if small else f"{value * 100:+.2f} pp",
        "count": f"{value:+,.1f}",
        "yuan": f"{value:+,.0f}",
        "million": f"{value / 1e6:+,.2f}",
        "index": f"{value:+.4f}",
    }[kind]
    return text.replace("-", MINUS)


def interval(kind: str, low: float, high: float) -> str:
    """A 95% interval in the difference's unit."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "n/a"
    unit = " pp" if kind == "share" else ""
    return f"[{difference(kind, low).removesuffix(' pp')}, {difference(kind, high).removesuffix(' pp')}]{unit}"


def p_value(value: float) -> str:
    """A p-value to three decimals ("<0.001" below that, "–" when undefined)."""
    if value is None or not np.isfinite(value):
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def level_table(data: ResultsData, lang: str = "en") -> Table:
    """Mean of each headline metric per scenario, over replications."""
    summary = data.summary if data.summary is not None else pd.DataFrame(columns=["scenario"])
    names = [n for n in data.scenario_names if n in set(summary["scenario"].unique())]
    means = summary.groupby("scenario").mean(numeric_only=True)
    rows = [
        [t(label, lang), *(level(kind, float(means.loc[n, metric])) for n in names)]
        for metric, label, kind in HEADLINE
        if metric in means.columns and metric not in COMPARISON_ONLY
    ]
    return Table([t("Metric", lang), *names], rows, t("Mean over replications", lang), [False] + [True] * len(names))


def headline_tables(comparison: pd.DataFrame, lang: str = "en") -> list[Table]:
    """Per policy: each headline metric's baseline and policy means, paired difference, 95% CI and p-value."""
    tables = []
    for policy, rows in comparison.groupby("policy", sort=False):
        rows = rows.set_index("metric")
        baseline, pairs = str(rows["baseline"].iloc[0]), int(rows["n_pairs"].iloc[0])
        cells = []
        for metric, label, kind in HEADLINE:
            if metric not in rows.index:
                continue
            row = rows.loc[metric]
            comparison_only = metric in COMPARISON_ONLY
            cells.append(
                [
                    t(label, lang),
                    "" if comparison_only else level(kind, row["baseline_mean"]),
                    "" if comparison_only else level(kind, row["policy_mean"]),
                    level(kind, row["difference"])
                    if metric in COST_PER_METRICS
                    else difference(kind, row["difference"]),
                    interval(kind, row["ci_low"], row["ci_high"]),
                    p_value(row["p_value"]),
                ]
            )
        tables.append(
            Table(
                [t("Metric", lang), baseline, str(policy), t("Difference", lang), t("95% CI", lang), t("p", lang)],
                cells,
                t("{policy} against {baseline}: {pairs} paired replicates", lang).format(
                    policy=policy, baseline=baseline, pairs=pairs
                )
                + _cost_notes(rows, lang),
                [False, True, True, True, True, True],
            )
        )
    return tables


def _cost_notes(rows: pd.DataFrame, lang: str = "en") -> str:
    """The notes of the cost-per-averted rows (n/a, negative) for a table's caption, or ""."""
    if "note" not in rows.columns:
        return ""
    notes = [
        t("cost per {unit} averted {note}", lang).format(
            unit=t(a.unit, lang), note=t(rows.loc[a.cost_per, "note"], lang)
        )
        for a in AVERTED
        if a.cost_per in rows.index and isinstance(rows.loc[a.cost_per, "note"], str) and rows.loc[a.cost_per, "note"]
    ]
    return f" ({'; '.join(notes)})" if notes else ""


def flatten(values: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted keys and leaf values of nested parameters (lists and empty sections are leaves)."""
    for key, value in values.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from flatten(value, f"{dotted}.")
        else:
            yield dotted, value


def show(value: Any) -> str:
    """A parameter value as a scenario file would spell it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def parameter_changes(baseline: dict[str, Any], scenario: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(key, what it sets, baseline value, scenario value) for every parameter that differs."""
    before = {k: v for k, v in flatten(baseline) if k not in ("name", "description")}
    after = {k: v for k, v in flatten(scenario) if k not in ("name", "description")}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        (key, parameter_words(key), show(before.get(key)), show(after.get(key)))
        for key in keys
        if before.get(key) != after.get(key) and not _empty_section(before.get(key), after.get(key))
    ]


def _empty_section(before: Any, after: Any) -> bool:
    """An empty section on one side whose keys the other side lists one by one."""
    return (before == {} and after is None) or (after == {} and before is None)


def parameter_words(key: str) -> str:
    """What a dotted scenario key sets, in the schema's words (with its unit)."""
    head, _, rest = key.partition(".")
    if head in ("regions", "groups") and rest:
        where, _, inner = rest.partition(".")
        scope = f"In {where} villages" if head == "regions" else f"For {where} households"
        words = parameter_words(inner) if inner else ""
        return f"{scope}: {words[:1].lower()}{words[1:]}" if words else scope
    current: Any = Scenario
    words = ""
    for part in key.split("."):
        current = _unwrap(current)
        fields = current.model_fields if isinstance(current, type) and issubclass(current, BaseModel) else None
        if fields is not None and part in fields:
            info = fields[part]
            words = (info.description or f"{words} — {part}").removesuffix(" []").strip(" —")
            current = info.annotation
        elif get_origin(current) is dict:
            words = f"{words} — {part}".strip(" —")
            current = get_args(current)[1]
        else:
            return words or "(not in this agrifin version's schema)"
    return words


def _unwrap(annotation: Any) -> Any:
    """``X`` from ``X | None``."""
    if get_origin(annotation) in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return inner[0] if len(inner) == 1 else annotation
    return annotation
