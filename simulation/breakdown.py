"""Outcomes by region and household group, and the income distribution, for the results folder.

Each quantity is counted once per cell (region x group, 9 cells) with ``np.bincount`` and then
summed to regions and to groups, so the rows of one dimension add up to the county totals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulation.loans import ACTIVE, HOUSEHOLD, NONPERFORMING
from simulation.schema_base import GROUPS, REGIONS

if TYPE_CHECKING:
    from simulation.model import ValueChainModel

INCOME_SAMPLE = 20_000  # households kept in the income distribution of a run (a fixed stride sample)
COUNTS = (
    "households",
    "persons",
    "exited",
    "relapses",
    "poor_persons",
    "eligible",
    "eligible_borrowers",
    "loans_outstanding",
    "npl_balance",
)


def breakdown(model: ValueChainModel) -> list[dict[str, float]]:
    """This month's counts and rates by region and by household group (one row per category)."""
    hh, book = model.households, model.loans
    cell = hh.region.astype(np.int64) * len(GROUPS) + hh.group
    relapsed, exited, _ = model.relapse_by()
    live = book.rows_with(ACTIVE, NONPERFORMING)
    live = live[book.borrower_kind[live] == HOUSEHOLD]  # cooperatives' and enterprises' loans are not households'
    balance = np.bincount(book.borrower[live], weights=book.balance[live], minlength=hh.n)
    npl = book.status[live] == NONPERFORMING
    npl_balance = np.bincount(book.borrower[live[npl]], weights=book.balance[live[npl]], minlength=hh.n)
    eligible = model.credit.microcredit_eligible()
    borrowers = balance > 0
    poor = hh.income_pc < model.params.poverty.line
    per_household = {
        "households": np.ones(hh.n),
        "persons": hh.size,
        "exited": exited,
        "relapses": relapsed & exited,
        "poor_persons": hh.size * poor,
        "eligible": eligible,
        "eligible_borrowers": eligible & borrowers,
        "loans_outstanding": balance,
        "npl_balance": npl_balance,
    }
    k = len(REGIONS) * len(GROUPS)
    cells = {
        name: np.bincount(cell, weights=values, minlength=k).reshape(len(REGIONS), len(GROUPS))
        for name, values in per_household.items()
    }
    rows = []
    for dimension, names, axis in (("region", REGIONS, 1), ("household_group", GROUPS, 0)):
        totals = {name: table.sum(axis=axis) for name, table in cells.items()}
        for i, name in enumerate(names):
            counts = {c: float(totals[c][i]) for c in COUNTS}
            rows.append(
                {
                    "month": model.month,
                    "dimension": dimension,
                    "group": name,
                    **counts,
                    "relapse_rate": _ratio(counts["relapses"], counts["exited"]),
                    "poverty_headcount": _ratio(counts["poor_persons"], counts["persons"]),
                    "credit_coverage": _ratio(counts["eligible_borrowers"], counts["eligible"]),
                    "npl_ratio": _ratio(counts["npl_balance"], counts["loans_outstanding"]),
                }
            )
    return rows


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else 0.0


def income_sample(model: ValueChainModel, when: str) -> pd.DataFrame:
    """Per-capita income and household size of a fixed sample of households."""
    hh = model.households
    rows = np.arange(0, hh.n, max(1, hh.n // INCOME_SAMPLE))
    return pd.DataFrame({"when": when, "income_pc": hh.income_pc[rows], "persons": hh.size[rows]})
