"""Where the credit market meets risk sharing: guarantee offers, the fund's backing, fees.

A mixin of :class:`simulation.instruments.credit.market.CreditMarket`. The bank screens a guaranteed
application with an effort that depends on the share of the loss it keeps (a noisier
estimate and a lower threshold the less it keeps); the guarantor covers applications that
pass, best first, up to its leverage cap, asking for better borrowers, charging more and
finally refusing new business as its leverage nears the cap or its equity falls; the
county risk fund backs approved loans of its products up to its loan multiple; guarantee
fees are paid at disbursement.
"""

from __future__ import annotations

import numpy as np

from agents.bank import best_first_within
from agents.households import HOUSEHOLDS
from simulation.instruments.credit.book import PENDING


class GuaranteeHooks:
    """Risk-sharing steps of the credit market.

    Uses the credit market's ``book``, ``waterfall``, ``params``, ``ledger`` and ``government``.
    """

    def refresh_risk_exposure(self) -> None:
        """What the guarantor and the risk fund stand behind now (live and pending loans)."""
        book = self.book
        live = book.live_rows()  # pending, active and non-performing
        owed = np.where(book.status[live] == PENDING, book.principal[live], book.balance[live])
        if self.waterfall.guarantor is not None:
            self.waterfall.guarantor.outstanding = float(owed[book.guaranteed[live]].sum())
        if self.waterfall.fund is not None:
            self.waterfall.fund.backed = float(owed[book.backed[live]].sum())

    def bank_effort(self) -> float:
        """The bank's screening effort on a guaranteed loan: (share it keeps)^elasticity, in [0, 1]."""
        terms = self.params.guarantee
        return float(terms.risk_shares.bank**terms.bank_response.effort_elasticity)

    def guaranteed_noise(self) -> float:
        """Factor on the bank's screening noise for a guaranteed application (1 at full effort)."""
        response = self.params.guarantee.bank_response
        return 1.0 + (response.unscreened_noise - 1.0) * (1.0 - self.bank_effort())

    def affordability_stretch(self) -> float:
        """Factor on the debt-service cap the bank applies to a guaranteed application (1 at full effort)."""
        response = self.params.guarantee.bank_response
        return 1.0 + response.affordability_stretch * (1.0 - self.bank_effort())

    def relaxed(self, threshold: np.ndarray) -> np.ndarray:
        """The approval threshold for a guaranteed loan: lower the less effort the bank puts in."""
        return threshold - self.params.guarantee.bank_response.max_relaxation * (1.0 - self.bank_effort())

    def offer_guarantees(
        self,
        product: str,
        estimate: np.ndarray,
        lax_estimate: np.ndarray,
        amount: np.ndarray,
        affordable: np.ndarray,
        threshold: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The guarantor covers applications that pass the bank's guaranteed-loan rule and its own margin.

        Args:
            product: the product applied for (only ``guarantee.products`` are covered).
            estimate: the bank's estimate screening as for a loan it keeps whole.
            lax_estimate: its estimate at the effort it puts into a guaranteed loan.
            amount: the amounts applied for (yuan).
            affordable: whether each passes the bank's (stretched) debt-service check.
            threshold: the bank's ordinary approval threshold for each.

        Returns:
            Which applications get an offer, and the estimate and threshold the bank then
            uses for each (the lax ones where an offer was made).
        """
        guarantor = self.waterfall.guarantor
        terms = self.params.guarantee
        if guarantor is None or product not in terms.products:
            return np.zeros(estimate.size, bool), estimate, threshold
        relaxed = self.relaxed(threshold)
        wanted = (lax_estimate >= relaxed) & affordable & (amount >= terms.min_amount)
        candidates = wanted & (lax_estimate >= relaxed + guarantor.margin_now())
        offered = best_first_within(lax_estimate, amount, candidates, guarantor.room())
        guarantor.outstanding += float(amount[offered].sum())
        guarantor.refused_month += int((wanted & ~offered).sum())
        return offered, np.where(offered, lax_estimate, estimate), np.where(offered, relaxed, threshold)

    def count_defaults(self, rows: np.ndarray) -> None:
        """Count loans that defaulted this month, and how many of them were guaranteed."""
        stats = self.month_stats
        stats["defaults"] = stats.get("defaults", 0.0) + rows.size
        stats["guaranteed_defaults"] = stats.get("guaranteed_defaults", 0.0) + float(self.book.guaranteed[rows].sum())

    def count_guaranteed(self, rows: np.ndarray) -> None:
        """Count guaranteed loans paid out this month (number and principal), of every borrower kind."""
        rows = rows[self.book.guaranteed[rows]]
        stats = self.month_stats
        stats["guaranteed_loans"] = stats.get("guaranteed_loans", 0.0) + rows.size
        stats["guaranteed_disbursed"] = stats.get("guaranteed_disbursed", 0.0) + float(self.book.principal[rows].sum())

    def back_by_fund(self, product: str, estimate: np.ndarray, amount: np.ndarray, approved: np.ndarray) -> np.ndarray:
        """The county risk fund backs approved loans of its products while within its loan multiple."""
        fund = self.waterfall.fund
        if fund is None or product not in fund.terms.products:
            return np.zeros(estimate.size, bool)
        backed = best_first_within(estimate, amount, approved, fund.room())
        fund.backed += float(amount[backed].sum())
        return backed

    def charge_guarantee_fees(self, rows: np.ndarray, payer: str = HOUSEHOLDS) -> None:
        """Guarantee fees at disbursement.

        The borrower (a row of the ``payer`` sector; any fee subsidy pays the rest) pays the
        guarantee fee; the guarantor pays its re-guarantee fee.
        """
        guarantor, reguarantor = self.waterfall.guarantor, self.waterfall.reguarantor
        rows = rows[self.book.guaranteed[rows]]
        if guarantor is None or rows.size == 0:
            return
        years = self.book.term[rows] / 12.0
        fee = guarantor.fee_rate_now() * self.book.principal[rows] * years
        subsidy = guarantor.terms.fee_subsidy_share
        self.ledger.pay(
            "guarantee_fees", payer, guarantor.sector, fee * (1.0 - subsidy), payer_rows=self.book.borrower[rows]
        )
        self.government.pay_to("guarantee_fee_subsidy", guarantor.sector, float(fee.sum() * subsidy))
        refee = float((reguarantor.terms.fee_rate * self.book.principal[rows] * years).sum())
        self.ledger.pay("reguarantee_fees", guarantor.sector, reguarantor.sector, refee)
