"""Where the credit market meets risk sharing: guarantee offers, the fund's backing, fees.

A mixin of :class:`simulation.credit.CreditMarket`. The guarantor covers applications that
pass a relaxed approval rule (the bank keeps less of the loss), best first, up to its
leverage cap; the county risk fund backs approved loans of its products up to its loan
multiple; guarantee fees are paid at disbursement.
"""

from __future__ import annotations

import numpy as np

from agents.bank import best_first_within
from agents.households import HOUSEHOLDS
from simulation.loans import PENDING


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

    def relaxed(self, threshold: np.ndarray) -> np.ndarray:
        """The approval threshold for a guaranteed loan: lower the less of the loss the bank keeps."""
        terms = self.params.guarantee
        return threshold - terms.approval_relaxation * (1.0 - terms.risk_shares.bank)

    def offer_guarantees(
        self, product: str, estimate: np.ndarray, amount: np.ndarray, affordable: np.ndarray, threshold: np.ndarray
    ) -> np.ndarray:
        """The guarantor covers applications that pass the relaxed rule, best first, up to its leverage cap."""
        guarantor = self.waterfall.guarantor
        if guarantor is None or product not in self.params.guarantee.products:
            return np.zeros(estimate.size, bool)
        candidates = (estimate >= self.relaxed(threshold)) & affordable
        offered = best_first_within(estimate, amount, candidates, guarantor.room())
        guarantor.outstanding += float(amount[offered].sum())
        guarantor.refused_month += int((candidates & ~offered).sum())
        return offered

    def back_by_fund(self, product: str, estimate: np.ndarray, amount: np.ndarray, approved: np.ndarray) -> np.ndarray:
        """The county risk fund backs approved loans of its products while within its loan multiple."""
        fund = self.waterfall.fund
        if fund is None or product not in fund.terms.products:
            return np.zeros(estimate.size, bool)
        backed = best_first_within(estimate, amount, approved, fund.room())
        fund.backed += float(amount[backed].sum())
        return backed

    def charge_guarantee_fees(self, rows: np.ndarray) -> None:
        """Guarantee fees at disbursement.

        The borrower (and any fee subsidy) pays the guarantee fee; the guarantor pays its
        re-guarantee fee.
        """
        guarantor, reguarantor = self.waterfall.guarantor, self.waterfall.reguarantor
        rows = rows[self.book.guaranteed[rows]]
        if guarantor is None or rows.size == 0:
            return
        years = self.book.term[rows] / 12.0
        fee = guarantor.terms.fee_rate * self.book.principal[rows] * years
        subsidy = guarantor.terms.fee_subsidy_share
        self.ledger.pay(
            "guarantee_fees", HOUSEHOLDS, guarantor.sector, fee * (1.0 - subsidy), payer_rows=self.book.borrower[rows]
        )
        self.government.pay_to("guarantee_fee_subsidy", guarantor.sector, float(fee.sum() * subsidy))
        refee = float((reguarantor.terms.fee_rate * self.book.principal[rows] * years).sum())
        self.ledger.pay("reguarantee_fees", guarantor.sector, reguarantor.sector, refee)
