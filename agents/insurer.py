"""The insurer: premiums in, claims out, and a catastrophe cover for the worst years."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from agents.government import BudgetLine

if TYPE_CHECKING:
    from agents.government import Government
    from agents.households import Payments
    from simulation.scenario.insurance import Insurer as InsurerTerms

INSURER = "insurer"
# the government covers the insurer's losses beyond its reserves
INSURER_LINES = (BudgetLine("insurance_backstop", "insurance backstop", "保险兜底"),)
REST_OF_WORLD = "rest_of_world"


class Insurer(mesa.Agent):
    """An insurer writing agricultural and anti-poverty cover in the county.

    Attributes:
        cash: capital plus premiums less claims (yuan).
        premiums_year, claims_year: this calendar year's totals (yuan), for the stop-loss.
        recovered_year: claims recovered from the catastrophe cover this year (yuan).
    """

    sector = INSURER

    def __init__(self, model: mesa.Model, terms: InsurerTerms, ledger: Payments, government: Government) -> None:
        super().__init__(model)
        self.terms = terms
        self.ledger = ledger
        self.government = government
        self.cash = terms.capital
        self.premiums_year = 0.0
        self.claims_year = 0.0
        self.recovered_year = 0.0
        self.premiums_month = 0.0
        self.claims_month = 0.0

    def new_month(self, january: bool) -> None:
        """Reset the month's totals (and the year's in January)."""
        self.premiums_month = self.claims_month = 0.0
        if january:
            self.premiums_year = self.claims_year = self.recovered_year = 0.0

    def book_premiums(self, amount: float) -> None:
        """Count premiums received (the payers moved the money); cede the reinsurer's share."""
        self.premiums_month += amount
        self.premiums_year += amount
        if self.terms.catastrophe_cover == "reinsurance":
            ceded = self.terms.reinsurance_premium_share * amount
            self.ledger.pay("reinsurance_premiums", INSURER, REST_OF_WORLD, ceded)

    def book_claims(self, amount: float) -> None:
        """Count claims paid, and draw on the catastrophe cover beyond the stop-loss."""
        self.claims_month += amount
        self.claims_year += amount
        excess = self.claims_year - self.terms.stop_loss_ratio * self.premiums_year - self.recovered_year
        if excess <= 0 or self.terms.catastrophe_cover == "none":
            return
        if self.terms.catastrophe_cover == "reinsurance":
            self.ledger.pay("reinsurance_recoveries", REST_OF_WORLD, INSURER, excess)
        else:
            self.government.pay_to("insurance_backstop", INSURER, excess)
        self.recovered_year += excess

    @property
    def equity(self) -> float:
        """Capital plus underwriting result to date (yuan)."""
        return self.cash
