"""Households as a table: one row per household, the columns documented here (``Households.to_frame``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from agents.households import Households

# column -> (unit, meaning); the order is the table's
COLUMNS: dict[str, tuple[str, str]] = {
    "household": ("", "Row of the household in every array (its id)"),
    "region": ("", "plain, hill or mountain"),
    "village": ("", "Village index"),
    "group": ("", "Registration group at synthesis: ex_poor, fringe or general"),
    "cohort": ("", "Cohort fixed at month 0 as the monitoring system counts it: ex_poor, monitored or general"),
    "size": ("persons", "Household members"),
    "labour": ("persons", "Working-age members"),
    "land": ("mu", "Land contracted"),
    "crop": ("", "Main crop: grain, cash_crop or livestock"),
    "digital": ("", "Smartphone and mobile payment (can apply online)"),
    "cash": ("yuan", "Cash on hand"),
    "assets": ("yuan", "Productive assets (book value)"),
    "income_pc": ("yuan per person per year", "Rolling 12-month per-capita net income"),
    "poor": ("", "Below the poverty line at the last assessment"),
    "relapsed": ("", "Ex-poor cohort household that relapsed at least once"),
    "dibao": ("", "Receives the minimum living guarantee (dibao)"),
    "ag_insured": ("", "Holds agricultural insurance for the current crop year"),
    "ap_insured": ("", "Holds anti-poverty insurance for the year"),
    "invested": ("yuan", "Financed investment in place"),
    "loan_due": ("yuan", "Loan instalments falling due next"),
    "blacklisted": ("", "Excluded from credit after a default"),
}


def household_frame(hh: Households) -> pd.DataFrame:
    """One row per household with the columns of :data:`COLUMNS` (categories as names)."""
    from agents.households import COHORTS
    from simulation.scenario.base import CROPS, GROUPS, REGIONS

    def named(codes: np.ndarray, names: tuple[str, ...]) -> pd.Categorical:
        return pd.Categorical.from_codes(codes.astype(np.int64), categories=list(names))

    values = {
        "household": np.arange(hh.n),
        "region": named(hh.region, REGIONS),
        "village": hh.village,
        "group": named(hh.group, GROUPS),
        "cohort": named(hh.cohort, COHORTS),
        "size": hh.size,
        "labour": hh.labour,
        "land": hh.land,
        "crop": named(hh.crop, CROPS),
        "digital": hh.digital,
        "cash": hh.cash,
        "assets": hh.assets,
        "income_pc": hh.income_pc,
        "poor": hh.poor,
        "relapsed": hh.relapsed,
        "dibao": hh.dibao,
        "ag_insured": hh.ag_insured,
        "ap_insured": hh.ap_insured,
        "invested": hh.invested,
        "loan_due": hh.loan_due,
        "blacklisted": hh.blacklisted,
    }
    return pd.DataFrame({name: values[name] for name in COLUMNS}, copy=True)
