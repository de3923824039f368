"""Units and meanings of the columns of agrifin's Parquet files, written into each file's schema.

Each field of a results table carries ``unit`` and ``description`` in its Arrow field
metadata, so a reader (pyarrow, DuckDB's ``parquet_schema``, polars) learns what a column
means without this repository. Metrics take theirs from the registry
(:data:`simulation.engine.metrics.METRICS`); key and per-table columns are listed here.
"""

from __future__ import annotations

import pyarrow as pa

from simulation.engine.metrics import METRICS

KEYS = {
    "scenario": ("", "Scenario name (the scenario file's name key)"),
    "point": ("", "Design point of a sweep (row of design.csv)"),
    "replicate": ("", "Replicate index: with the root seed it fixes every random stream (paired across scenarios)"),
    "month": ("month of the run", "Month of the run (1 = the first recorded month; 12, 24, ... are assessments)"),
}
OTHERS = {
    # by_group
    "dimension": ("", "What the row breaks down by: region or group"),
    "group": ("", "The region (plain, hill, mountain) or household group (ex_poor, fringe, general)"),
    "households": ("households", "Households in the category"),
    "persons": ("persons", "Persons in the category (income_distribution: in the household)"),
    "exited": ("households", "Ex-poor cohort households above the line at the last assessment (relapse base)"),
    "relapses": ("households", "Relapses at this assessment (0 in other months)"),
    "poor_persons": ("persons", "Persons below the poverty line at the last assessment"),
    "eligible": ("households", "Households eligible for poverty-relief microcredit"),
    "eligible_borrowers": ("households", "Eligible households with a loan"),
    "npl_balance": ("yuan", "Non-performing balance of the category's household loans"),
    # income_distribution
    "when": ("", "start (month 0) or end (last month) of the run"),
    "income_pc": ("yuan per person per year", "Rolling 12-month per-capita net income of a sampled household"),
    # relapse_causes
    "year": ("calendar year", "Year of the assessment"),
    "cohort": ("", "Cohort fixed at month 0: ex_poor, monitored or general"),
    "event": ("", "relapse (ex-poor cohort) or new_poor (never registered)"),
    "cause": ("", "Risk type that cost the household the most income since the last assessment"),
    "count": ("households", "Households with this event and cause"),
}
SUMMARY_RULES = {
    "sum": "summed over the horizon",
    "last_year": "mean over the last year",
    "assessments": "mean over the annual assessments",
    "last": "value in the last month",
    "max": "largest monthly value",
    "min": "smallest monthly value",
}


def column_doc(name: str, summary: bool = False) -> tuple[str, str] | None:
    """``(unit, description)`` of a column, or None if agrifin does not document it (a design column)."""
    for metric in METRICS:
        if metric.name == name:
            rule = f" (run summary: {SUMMARY_RULES.get(metric.summary, metric.summary)})" if summary else ""
            return metric.unit, metric.description + rule
    return KEYS.get(name) or OTHERS.get(name)


def with_column_docs(table: pa.Table, summary: bool = False) -> pa.Table:
    """The table with ``unit`` and ``description`` in the metadata of each documented field (data untouched)."""
    fields = []
    for field in table.schema:
        doc = column_doc(field.name, summary)
        if doc is not None:
            field = field.with_metadata({**(field.metadata or {}), b"unit": doc[0], b"description": doc[1]})
        fields.append(field)
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))
