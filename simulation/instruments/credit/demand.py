"""What households ask banks for: microcredit, farm expansion loans and working capital.

The demand rules of the credit market, as a mixin of :class:`simulation.instruments.credit.market.CreditMarket`:
who is eligible, who sees a worthwhile opportunity, how much and on what terms they ask.
"""

from __future__ import annotations

import numpy as np

import simulation.instruments.credit.products  # noqa: F401  (registers the products)
from simulation.engine.registry import LOAN_PRODUCTS
from simulation.instruments.credit.book import BULLET, EQUAL_INSTALMENTS, INVESTMENT, WORKING_CAPITAL

MICROCREDIT, FARM_BUSINESS = LOAN_PRODUCTS.index("microcredit"), LOAN_PRODUCTS.index("farm_business")


class CreditDemand:
    """Demand for credit.

    Uses the credit market's ``households``, ``params``, ``credit``, ``terms``, ``aware``,
    and ``differentiation``.
    """

    def microcredit_demand(self, opportunity_draw: np.ndarray, project_return: np.ndarray, has_loan: np.ndarray):
        """Eligible households (ex-poor or below the monitoring line) with a worthwhile project."""
        hh, terms, n = self.households, self.terms[MICROCREDIT], self.households.n
        # only those who see an opportunity this month (a few percent) are looked at
        rows = np.flatnonzero(opportunity_draw < self.credit.demand.opportunity_rate)
        eligible = self.microcredit_eligible(rows) & ~has_loan[rows] & (hh.labour[rows] > 0)
        ceiling = self.differentiation.values("credit.products.microcredit.ceiling")[rows]
        amount = np.zeros(n)
        size = self.credit.demand.project_size * hh.levels.cpi
        amount[rows] = np.clip(size * hh.productivity[rows], terms.min_amount, ceiling)
        # worth it when the project's return beats what the borrower pays for the loan
        rate, subsidy = (np.broadcast_to(v, n)[rows] for v in self.pricing(MICROCREDIT))
        borrower_rate = rate * (1.0 - subsidy)
        applies = np.zeros(n, bool)
        applies[rows] = eligible & (project_return[rows] > borrower_rate) & self.aware[rows] & terms.enabled
        return applies, amount, project_return, np.full(n, terms.term_months), self.investment_terms(terms)

    def pricing(self, product: int) -> tuple[np.ndarray | float, np.ndarray | float]:
        """Rate and subsidised share of interest of a product: its declared pricing, else its terms' own."""
        declared = list(LOAN_PRODUCTS)[product]
        if declared.pricing is not None:
            return declared.pricing(self)
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
        hh, terms, demand, n = self.households, self.terms[FARM_BUSINESS], self.credit.demand, self.households.n
        rows = np.flatnonzero(opportunity_draw >= 1.0 - demand.farm_opportunity_rate)  # those who see one
        amount = np.zeros(n)
        size = demand.farm_project_size * hh.levels.cpi
        amount[rows] = np.clip(size * hh.productivity[rows], terms.min_amount, terms.ceiling)
        wants = (project_return[rows] > terms.rate) & hh.farms_own_land[rows] & (hh.labour[rows] > 0) & ~has_loan[rows]
        wants &= ~hh.blacklisted[rows] & self.aware[rows] & terms.enabled
        applies = np.zeros(n, bool)
        applies[rows] = wants
        return applies, amount, project_return, np.full(n, terms.term_months), self.investment_terms(terms)

    def microcredit_eligible(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Households eligible for microcredit.

        Ex-poor households and those below the monitoring line at the last assessment,
        without a written-off loan on record.
        """
        hh = self.households
        everyone = slice(None) if rows is None else rows
        at_risk = hh.assessed_income_pc[everyone] < hh.levels.monitoring_line
        return ((hh.group[everyone] == 0) | at_risk) & ~hh.blacklisted[everyone]

    def working_capital_demand(self, month_of_year: int, has_loan: np.ndarray, order_financed: np.ndarray):
        """Farming households whose cash will not cover the coming planting's inputs.

        They apply early enough for the loan to arrive the month before planting: one month
        ahead online, one month plus the approval lag at the branch.
        """
        hh, terms, n = self.households, self.terms[FARM_BUSINESS], self.households.n
        crops = self.params.farming.crops.in_order()
        plant_of = np.array([c.plant_month for c in crops])
        channels = self.credit.channels
        lags = (channels.online.approval_lag_months, channels.branch.approval_lag_months)
        applies, amount, margin, term = np.zeros(n, bool), np.zeros(n), np.zeros(n), np.zeros(n, np.int64)
        # only farmers of a crop planted one month after either channel's lag can apply: work on them alone
        soon = np.isin((plant_of - month_of_year) % 12, [lag + 1 for lag in lags])
        if not soon.any():
            return applies, amount, margin, term, (BULLET, WORKING_CAPITAL)
        rows = np.flatnonzero(soon[hh.crop] & hh.farms_own_land)
        crop = hh.crop[rows]
        plant = plant_of[crop]
        harvest = np.array([c.harvest_month for c in crops])[crop]
        lag = np.where(channels.online.enabled & hh.digital[rows], *lags)
        plants_next_month = (plant - month_of_year) % 12 == lag + 1
        bill = hh.input_bill(rows)
        gap = bill - np.maximum(hh.cash[rows] - hh.subsistence(rows), 0.0)
        # order financing: a contracted farmer borrows the whole input bill against the contract
        chain = order_financed[rows]
        need = np.where(chain, bill, gap)
        wants = plants_next_month & (need >= terms.min_amount) & ~has_loan[rows] & ~hh.blacklisted[rows]
        wants &= (self.aware[rows] | chain) & terms.enabled
        revenue = np.array([c.revenue_per_mu for c in crops])[crop] * hh.productivity[rows] * hh.levels.farm_prices
        cost = np.array([c.input_cost_per_mu for c in crops])[crop] * hh.levels.input_prices
        applies[rows] = wants
        amount[rows] = np.minimum(need, terms.ceiling)
        margin[rows] = np.divide(revenue - cost, cost, out=np.zeros(rows.size), where=cost > 0)
        # the loan runs from now to the harvest that follows the coming planting
        term[rows] = np.minimum((plant - month_of_year) % 12 + (harvest - plant) % 12 + 1, terms.term_months)
        return applies, amount, margin, term, (BULLET, WORKING_CAPITAL)
