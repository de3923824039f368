"""What households ask banks for: microcredit, farm expansion loans and working capital.

The demand rules of the credit market, as a mixin of :class:`simulation.credit.CreditMarket`:
who is eligible, who sees a worthwhile opportunity, how much and on what terms they ask.
"""

from __future__ import annotations

import numpy as np

from simulation.loans import BULLET, EQUAL_INSTALMENTS, INVESTMENT, WORKING_CAPITAL

MICROCREDIT, FARM_BUSINESS = 0, 1


class CreditDemand:
    """Demand for credit.

    Uses the credit market's ``households``, ``params``, ``credit``, ``terms``, ``aware``,
    ``differentiation`` and ``order_financed``.
    """

    def microcredit_demand(self, opportunity_draw: np.ndarray, project_return: np.ndarray, has_loan: np.ndarray):
        """Eligible households (ex-poor or below the monitoring line) with a worthwhile project."""
        hh, terms = self.households, self.terms[MICROCREDIT]
        eligible = self.microcredit_eligible() & ~has_loan & (hh.labour > 0)
        ceiling = self.differentiation.values("credit.products.microcredit.ceiling")
        amount = np.clip(self.credit.demand.project_size * hh.productivity, terms.min_amount, ceiling)
        # worth it when the project's return beats what the borrower pays for the loan
        rate, subsidy = self.pricing(MICROCREDIT)
        borrower_rate = rate * (1.0 - subsidy)
        wants = (opportunity_draw < self.credit.demand.opportunity_rate) & (project_return > borrower_rate)
        applies = eligible & wants & self.aware & terms.enabled
        return applies, amount, project_return, np.full(hh.n, terms.term_months), self.investment_terms(terms)

    def pricing(self, product: int) -> tuple[np.ndarray | float, np.ndarray | float]:
        """Rate and subsidised share of interest of a product.

        Per household for microcredit (they may differ by region and group), the
        product's own for the others.
        """
        if product == MICROCREDIT:
            values = self.differentiation.values
            return (
                values("credit.products.microcredit.rate"),
                values("credit.products.microcredit.interest_subsidy_share"),
            )
        terms = self.terms[product]
        return terms.rate, terms.interest_subsidy_share

    def investment_terms(self, terms) -> tuple[int, int]:
        """Repayment type and purpose of an investment loan under the product's terms."""
        return (BULLET if terms.repayment == "bullet" else EQUAL_INSTALMENTS), INVESTMENT

    def farm_investment_demand(self, opportunity_draw: np.ndarray, project_return: np.ndarray, has_loan: np.ndarray):
        """Farming households with an expansion project (greenhouse, machinery, more land) worth its rate.

        The expansion opportunity is the top band of the same draw whose bottom band is the
        microcredit opportunity, so the two are distinct events of one full-length draw.
        """
        hh, terms, demand = self.households, self.terms[FARM_BUSINESS], self.credit.demand
        sees = opportunity_draw >= 1.0 - demand.farm_opportunity_rate
        amount = np.clip(demand.farm_project_size * hh.productivity, terms.min_amount, terms.ceiling)
        applies = sees & (project_return > terms.rate) & hh.farms_own_land & (hh.labour > 0) & ~has_loan
        applies &= ~hh.blacklisted & self.aware & terms.enabled
        return applies, amount, project_return, np.full(hh.n, terms.term_months), self.investment_terms(terms)

    def microcredit_eligible(self) -> np.ndarray:
        """Households eligible for microcredit.

        Ex-poor households and those below the monitoring line at the last assessment,
        without a written-off loan on record.
        """
        hh, poverty = self.households, self.params.poverty
        at_risk = hh.assessed_income_pc < poverty.line * poverty.monitoring_multiple
        return ((hh.group == 0) | at_risk) & ~hh.blacklisted

    def working_capital_demand(self, month_of_year: int, has_loan: np.ndarray):
        """Farming households whose cash will not cover the coming planting's inputs.

        They apply early enough for the loan to arrive the month before planting: one month
        ahead online, one month plus the approval lag at the branch.
        """
        hh, terms = self.households, self.terms[FARM_BUSINESS]
        crops = self.params.farming.crops.in_order()
        plant = np.array([c.plant_month for c in crops])[hh.crop]
        harvest = np.array([c.harvest_month for c in crops])[hh.crop]
        channels = self.credit.channels
        lag = np.where(
            channels.online.enabled & hh.digital,
            channels.online.approval_lag_months,
            channels.branch.approval_lag_months,
        )
        plants_next_month = (plant - month_of_year) % 12 == lag + 1
        gap = hh.input_bill() - np.maximum(hh.cash - hh.subsistence(), 0.0)
        # order financing: a contracted farmer borrows the whole input bill against the contract
        chain = self.order_financed
        need = np.where(chain, hh.input_bill(), gap)
        applies = plants_next_month & hh.farms_own_land & (need >= terms.min_amount) & ~has_loan & ~hh.blacklisted
        applies &= (self.aware | chain) & terms.enabled
        revenue = np.array([c.revenue_per_mu for c in crops])[hh.crop] * hh.productivity
        cost = np.array([c.input_cost_per_mu for c in crops])[hh.crop]
        margin = np.divide(revenue - cost, cost, out=np.zeros(hh.n), where=cost > 0)
        # the loan runs from now to the harvest that follows the coming planting
        term = np.minimum((plant - month_of_year) % 12 + (harvest - plant) % 12 + 1, terms.term_months)
        return applies, np.minimum(need, terms.ceiling), margin, term, (BULLET, WORKING_CAPITAL)
