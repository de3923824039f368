"""Anti-poverty insurance (防贫保险): a year's cover bought by government, paid on hardship.

Government buys cover for the lowest-income households at each assessment (and for those
monitoring flags, a monitoring response); it pays a share of hardship costs above a
warning line when income is near the line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.insurer import INSURER
from agents.state import State
from simulation.engine.registry import INSURANCE_PRODUCTS, BudgetLine, InsuranceProduct

if TYPE_CHECKING:
    from simulation.engine.month import MonthContext
    from simulation.instruments.insurance.market import InsuranceMarket

ANTI_POVERTY_STATES = (
    State("ap_insured", bool, False, "holds anti-poverty insurance for the year"),
    State("ap_paid_year", np.float64, 0, "anti-poverty claims paid since the last assessment (yuan)"),
)


def settle_claims(market: InsuranceMarket, context: MonthContext, uptake_draw: np.ndarray) -> None:
    """This month's anti-poverty claims."""
    settle_anti_poverty_claims(market)


def enrol_anti_poverty(market: InsuranceMarket) -> None:
    """At the assessment: government buys a year's cover for the lowest-income households."""
    hh, ap = market.households, market.terms.anti_poverty
    cutoff = np.quantile(hh.income_pc, ap.coverage_share) if ap.coverage_share > 0 else -np.inf
    hh.ap_insured = hh.income_pc <= cutoff if ap.coverage_share > 0 else np.zeros(hh.n, bool)
    premium = float(ap.premium_per_person * hh.size[hh.ap_insured].sum())
    market.government.pay_to("anti_poverty_premiums", INSURER, premium)
    market.insurer.book_premiums(premium)


def enrol_households(market: InsuranceMarket, rows: np.ndarray) -> None:
    """Enrol households flagged by monitoring; government pays a year's premium for each new one."""
    if not market.terms.anti_poverty.enabled:
        return
    hh = market.households
    new = rows[~hh.ap_insured[rows]]
    if new.size == 0:
        return
    hh.ap_insured[new] = True
    premium = float(market.terms.anti_poverty.premium_per_person * hh.size[new].sum())
    market.government.pay_to("anti_poverty_premiums", INSURER, premium)
    market.insurer.book_premiums(premium)


def settle_anti_poverty_claims(market: InsuranceMarket) -> None:
    """Pay a share of hardship costs above the warning line, when income is at or below the multiple."""
    hh, ap, line = market.households, market.terms.anti_poverty, market.households.levels.poverty_line
    warning_line = ap.warning_line * hh.levels.cpi
    # only insured households with hardship above the warning line can be owed anything
    # (what was paid this year is never negative, so the others' payout is 0)
    owed = np.flatnonzero(hh.ap_insured & (hh.hardship_year > warning_line))
    due_total = np.minimum(ap.payout_share * np.maximum(hh.hardship_year[owed] - warning_line, 0.0), ap.cap)
    triggered = hh.income_pc_of(owed) <= ap.income_multiple * line
    payout = np.zeros(hh.n)
    payout[owed] = np.where(triggered, np.maximum(due_total - hh.ap_paid_year[owed], 0.0), 0.0)
    hh.ap_paid_year[owed] += payout[owed]
    market.pay_claims(payout, "ap_claims", owed)


INSURANCE_PRODUCTS.register(
    InsuranceProduct(
        "anti_poverty",
        "insurance.anti_poverty",
        month=settle_claims,
        at_assessment=enrol_anti_poverty,
        states=ANTI_POVERTY_STATES,
        budget_lines=(BudgetLine("anti_poverty_premiums", "anti-poverty premiums", "防贫保保费"),),
    )
)
