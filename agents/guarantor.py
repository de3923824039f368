"""Risk-sharing institutions: the financing guarantor, the re-guarantee fund, the county risk fund."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from agents.households import Payments
    from simulation.scenario.risk import Guarantor as GuarantorTerms
    from simulation.scenario.risk import Reguarantor as ReguarantorTerms
    from simulation.scenario.risk import RiskFund as RiskFundTerms

GUARANTOR, REGUARANTOR, RISK_FUND = "guarantor", "reguarantor", "risk_fund"


class Guarantor(mesa.Agent):
    """A government financing guarantor.

    Attributes:
        cash: capital plus fees received less claims and re-guarantee fees paid (yuan).
        reserve: compensation reserve earmarked out of cash (yuan).
        outstanding: principal of live loans it guarantees (yuan), set by the credit market.
        insolvent: True once its net assets are gone; it then pays no claim and writes no guarantee.
    """

    sector = GUARANTOR

    def __init__(self, model: mesa.Model, terms: GuarantorTerms, ledger: Payments) -> None:
        super().__init__(model)
        self.terms = terms
        self.ledger = ledger
        self.cash = terms.capital
        self.reserve = 0.0
        self.outstanding = 0.0
        self.insolvent = False
        self.claims_paid = 0.0
        self.refused_month = 0

    @property
    def equity(self) -> float:
        """Net assets: cash less the compensation reserve (yuan)."""
        return self.cash - self.reserve

    @property
    def leverage(self) -> float:
        """Outstanding guarantees over net assets (inf once net assets are gone)."""
        return self.outstanding / self.equity if self.equity > 0 else float("inf") if self.outstanding else 0.0

    def stress(self) -> float:
        """How stretched the guarantor is, in [0, 1]: the larger of its leverage and its equity strain.

        Leverage strain rises from 0 at ``tighten_from`` x the cap to 1 at the cap; equity
        strain from 0 at the paid-in capital to 1 when net assets reach ``stop_below_equity``
        of it.
        """
        terms = self.terms
        if self.insolvent:
            return 1.0
        used = self.outstanding / (terms.leverage_cap * self.equity) if self.equity > 0 else 1.0
        leverage = (
            (used - terms.tighten_from) / (1.0 - terms.tighten_from) if terms.tighten_from < 1 else float(used >= 1)
        )
        equity = (1.0 - self.equity / terms.capital) / (1.0 - terms.stop_below_equity)
        return float(min(max(leverage, equity, 0.0), 1.0))

    def fee_rate_now(self) -> float:
        """The fee it charges on new guarantees: priced up with stress (per year of principal)."""
        return self.terms.fee_rate * (1.0 + self.terms.fee_markup * self.stress())

    def margin_now(self) -> float:
        """Extra estimated return it asks of a new borrower now (per year)."""
        return self.terms.stress_margin * self.stress()

    def room(self) -> float:
        """New guarantees allowed (yuan): none when insolvent or below its equity floor, else up to the cap."""
        if self.insolvent or self.equity < self.terms.stop_below_equity * self.terms.capital:
            return 0.0
        return max(self.terms.leverage_cap * self.equity - self.outstanding, 0.0)

    def set_aside_reserve(self) -> None:
        """Keep a compensation reserve of ``reserve_rate`` x outstanding liability (an earmark of cash, no flow).

        The reserve follows the liability: it grows as guarantees are written and is
        released as they run off.
        """
        self.reserve = min(self.terms.reserve_rate * self.outstanding, max(self.cash, 0.0))

    def pay_claim(self, bank_sector: str, amount: float) -> float:
        """Pay a bank its share of a loss; returns what it could not pay (it is insolvent then)."""
        if self.insolvent or amount <= 0:
            return amount if self.insolvent else 0.0
        paid = min(amount, max(self.cash, 0.0))
        self.ledger.pay("guarantee_claims", GUARANTOR, bank_sector, paid)
        self.reserve = max(self.reserve - paid, 0.0)
        self.claims_paid += paid
        if self.equity <= 0 or paid < amount:
            self.insolvent = True
        return amount - paid


class Reguarantor(mesa.Agent):
    """The re-guarantee fund: takes a fixed share of guaranteed losses for a fee."""

    sector = REGUARANTOR

    def __init__(self, model: mesa.Model, terms: ReguarantorTerms, ledger: Payments) -> None:
        super().__init__(model)
        self.terms = terms
        self.ledger = ledger
        self.cash = terms.capital
        self.claims_paid = 0.0

    def pay_claim(self, bank_sector: str, amount: float) -> float:
        """Pay a bank its share of a loss; returns what it could not pay."""
        paid = min(max(amount, 0.0), max(self.cash, 0.0))
        self.ledger.pay("reguarantee_claims", REGUARANTOR, bank_sector, paid)
        self.claims_paid += paid
        return max(amount, 0.0) - paid


class RiskFund(mesa.Agent):
    """The county risk compensation fund, replenished from the budget, backing microcredit."""

    sector = RISK_FUND

    def __init__(self, model: mesa.Model, terms: RiskFundTerms, ledger: Payments) -> None:
        super().__init__(model)
        self.terms = terms
        self.ledger = ledger
        self.cash = terms.size if terms.enabled else 0.0
        self.backed = 0.0  # principal of live loans it backs, set by the credit market

    def room(self) -> float:
        """New loans the fund can back (its balance times the multiple, less what it backs)."""
        if not self.terms.enabled:
            return 0.0
        return max(self.terms.loan_multiple * max(self.cash, 0.0) - self.backed, 0.0)

    def compensate(self, bank_sector: str, loss: float) -> float:
        """Pay the covered share of a backed loan's loss while the balance lasts; return what was paid."""
        paid = min(self.terms.coverage_share * max(loss, 0.0), max(self.cash, 0.0))
        self.ledger.pay("risk_compensation", RISK_FUND, bank_sector, paid)
        return paid
