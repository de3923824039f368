"""Outcomes by region and household group, and the income distribution, for the results folder.

Each quantity is counted once per cell (region x group, 9 cells) with ``np.bincount`` and then
summed to regions and to groups, so the rows of one dimension add up to the county totals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulation.instruments.credit.book import ACTIVE, HOUSEHOLD, NONPERFORMING, debtors_of
from simulation.instruments.land_market import LAND_GROUPS
from simulation.scenario.base import GROUPS, REGIONS

if TYPE_CHECKING:
    from simulation.engine.model import ValueChainModel

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
    """This month's counts and rates by region, by household group and by land use (one row per category).

    Land use (``LAND_GROUPS``): households renting their land to a family farm, operators of an
    active family farm, and the rest (``simulation/instruments/land_market.py``).
    """
    hh, book = model.households, model.loans
    k = len(REGIONS) * len(GROUPS)
    cell = hh.region * np.int8(len(GROUPS)) + hh.group  # int8: 0..8
    relapsed, exited, _ = model.relapse_by()
    live = book.rows_with(ACTIVE, NONPERFORMING)
    live = live[book.borrower_kind[live] == HOUSEHOLD]  # cooperatives' and enterprises' loans are not households'
    npl = live[book.status[live] == NONPERFORMING]
    # few households borrow or are poor: sums over them skip only zeros, so they equal the sums over everyone
    with_loans, balance = _sum_by_borrower(book.borrower[live], book.balance[live], hh.n)
    with_npl, npl_balance = _sum_by_borrower(book.borrower[npl], book.balance[npl], hh.n)
    eligible = model.credit.microcredit_eligible()
    borrowers = with_loans[balance > 0]
    poor = np.flatnonzero(hh.assessed_income < model.levels.poverty_line)
    per_cell = _counts(cell, k, hh.size, exited, relapsed, eligible, poor, borrowers, (with_loans, balance),
                       (with_npl, npl_balance))  # fmt: skip
    cells = {name: values.reshape(len(REGIONS), len(GROUPS)) for name, values in per_cell.items()}
    # land groups: the few renting out or running a farm are counted; the rest ("other") is the county less them
    land_rows, land_group = model.family_farms.land_rows()
    by_land = _counts_of(land_rows, land_group, len(LAND_GROUPS), hh.size, exited, relapsed, eligible, poor,
                         borrowers, (with_loans, balance), (with_npl, npl_balance))  # fmt: skip
    for name, values in by_land.items():
        values[-1] = per_cell[name].sum() - values[:-1].sum()
    rows = []
    for dimension, names, totals in (
        ("region", REGIONS, {name: table.sum(axis=1) for name, table in cells.items()}),
        ("household_group", GROUPS, {name: table.sum(axis=0) for name, table in cells.items()}),
        ("land", LAND_GROUPS, by_land),
    ):
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


def _counts(cell, k, size, exited, relapsed, eligible, poor, borrowers, loans, npls) -> dict[str, np.ndarray]:
    """Each count of ``COUNTS`` by category (``cell``: one small integer per household, ``k`` categories)."""
    with_loans, balance = loans
    with_npl, npl_balance = npls
    # households, exited, relapses and eligible by cell from one count of cell x the three flags
    flags = np.bincount(
        cell * np.int8(8) + exited + (relapsed & exited) * np.int8(2) + eligible * np.int8(4), minlength=8 * k
    ).reshape(k, 8)
    with_flag = [flags[:, [code for code in range(8) if code & bit]].sum(axis=1) for bit in (1, 2, 4)]

    def by_cell(rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(cell[rows], weights=None if weights is None else weights[rows], minlength=k)

    return {
        "households": flags.sum(axis=1),
        "persons": np.bincount(cell, weights=size, minlength=k),
        "exited": with_flag[0],
        "relapses": with_flag[1],
        "poor_persons": by_cell(poor, size),
        "eligible": with_flag[2],
        "eligible_borrowers": by_cell(borrowers[eligible[borrowers]]),
        "loans_outstanding": np.bincount(cell[with_loans], weights=balance, minlength=k),
        "npl_balance": np.bincount(cell[with_npl], weights=npl_balance, minlength=k),
    }


def _counts_of(rows, cell, k, size, exited, relapsed, eligible, poor, borrowers, loans, npls) -> dict[str, np.ndarray]:
    """``_counts`` over the households ``rows`` only (ascending), ``cell`` giving each one's category."""
    if rows.size == 0:
        return {name: np.zeros(k) for name in COUNTS}

    def local(members: np.ndarray, weights: np.ndarray | None = None):
        place = np.minimum(np.searchsorted(rows, members), rows.size - 1)
        hit = rows[place] == members
        return place[hit], None if weights is None else weights[hit]

    return _counts(
        cell, k, size[rows], exited[rows], relapsed[rows], eligible[rows], local(poor)[0], local(borrowers)[0],
        local(*loans), local(*npls),
    )  # fmt: skip


def _sum_by_borrower(borrower: np.ndarray, amount: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct households among ``borrower`` (ascending) and each one's ``amount`` summed in the order listed."""
    debtors, of_loan = debtors_of(borrower, n)
    return debtors, np.bincount(of_loan, weights=amount, minlength=debtors.size)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else 0.0


def income_sample(model: ValueChainModel, when: str) -> pd.DataFrame:
    """Per-capita income and household size of a fixed sample of households."""
    hh = model.households
    rows = np.arange(0, hh.n, max(1, hh.n // INCOME_SAMPLE))
    return pd.DataFrame({"when": when, "income_pc": hh.income_pc_of(rows), "persons": hh.size[rows]})
