"""Households' poverty record: the month closed into the 12-month windows, cohorts, the annual assessment.

A part of :class:`agents.households.Households` (its poverty-status rules, over the columns it declares).
"""

from __future__ import annotations

from functools import reduce
from typing import TYPE_CHECKING

import numpy as np

from agents.household_states import (
    COHORT_EX_POOR,
    INCOME_SOURCES,
    OTHER,
    Assessment,
)

if TYPE_CHECKING:
    from simulation.scenario.loading import Scenario


class PovertyRecord:
    """Monthly income windows and the annual poverty assessment on the fixed cohorts (rules of ``Households``)."""

    n: int
    params: Scenario

    def close_month(self, month: int) -> None:
        """Roll this month's net income and out-of-pocket medical bill into their 12-month windows.

        Medical bills are not income: they drain cash (and so assets and future income) and
        the monitoring system sees them as rigid expenditure. With
        ``poverty.deduct_medical_costs`` the poverty test uses income net of them instead
        (:attr:`assessed_income`).
        """
        self.income_month = reduce(np.add, (getattr(self, f"{source}_month") for source in INCOME_SOURCES))
        slot = month % 12
        self.income_12m += self.income_month - self.income_ring[slot]
        self.income_ring[slot] = self.income_month
        # the bills are few: the window moves on the households billed a year ago and this month only
        old_rows, old_bills = self.medical_bills[slot]
        self.medical_12m[old_rows] -= old_bills
        bills = self.medical_due[self.billed]
        self.medical_12m[self.billed] += bills
        self.medical_bills[slot] = (self.billed, bills)

    @property
    def income_pc_net_of_medical(self) -> np.ndarray:
        """Rolling 12-month per-capita income less out-of-pocket medical bills (the expenditure-adjusted view)."""
        return (self.income_12m - self.medical_12m) / self.size

    @property
    def assessed_income(self) -> np.ndarray:
        """The per-capita income the poverty test uses (net of medical bills with ``deduct_medical_costs``)."""
        return self.income_pc_net_of_medical if self.params.poverty.deduct_medical_costs else self.income_pc

    def reset_month(self) -> None:
        """Clear this month's income by source before the month's phases run."""
        for source in INCOME_SOURCES:
            getattr(self, f"{source}_month")[:] = 0.0
        self.harvested_now[:] = False
        self.crop_loss_month[:] = 0.0
        self.distress_sold_month = 0.0

    def fix_cohorts(self, cohort: np.ndarray, line: float) -> None:
        """Month 0: the cohorts are fixed and the first assessment is taken (nobody has relapsed yet)."""
        self.cohort = cohort.astype(np.int8)
        self.poor = self.assessed_income < line
        self.relapsed[:] = False
        self.assessed_income_pc = self.income_pc.copy()
        self.shock_loss[:] = 0.0

    def assess_poverty(self, line: float) -> Assessment:
        """Annual assessment on rolling 12-month per-capita income, counted on the fixed cohorts.

        A relapse is an ex-poor cohort household above the line at the previous assessment and
        below it now; a never-registered household doing the same has newly fallen into poverty.
        """
        poor_now = self.assessed_income < line
        was_above = ~self.poor
        ex_poor = self.cohort == COHORT_EX_POOR
        relapse_base = ex_poor & was_above
        new_poor_base = ~ex_poor & was_above
        assessment = Assessment(relapse_base & poor_now, relapse_base, new_poor_base & poor_now, new_poor_base)
        self.relapsed |= assessment.relapses
        self.poor = poor_now
        self.assessed_income_pc = self.income_pc.copy()
        return assessment

    def causes_of(self, rows: np.ndarray) -> np.ndarray:
        """The risk type that cost each of ``rows`` the most income since the last assessment (``other`` if none)."""
        if rows.size == 0:
            return np.zeros(0, np.int64)
        losses = self.shock_loss[:OTHER, rows]
        return np.where(losses.max(axis=0) > 0, losses.argmax(axis=0), OTHER)

    def forget_shocks(self) -> None:
        """After an assessment, the income lost to each risk type is counted afresh."""
        self.shock_loss[:] = 0.0
