"""Banks: screening, lending room, and the books (interest, costs, provisions, profit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from agents.households import Payments
    from simulation.scenario.loading import BankTerms

REST_OF_WORLD = "rest_of_world"


def best_first_within(score: np.ndarray, amount: np.ndarray, eligible: np.ndarray, room: float) -> np.ndarray:
    """Select eligible items by descending score while their cumulative amount fits in ``room``."""
    order = np.argsort(-np.where(eligible, score, -np.inf), kind="stable")
    within = np.cumsum(np.where(eligible, amount, 0.0)[order]) <= room
    chosen = np.zeros(score.size, bool)
    chosen[order] = within & eligible[order]
    return chosen


class Bank(mesa.Agent):
    """A bank lending in the county.

    Attributes:
        cash: the lending pool (yuan); loans leave it, repayments return to it.
        equity: capital plus retained profit (yuan).
        provisions: loan-loss provisions held (yuan).
        profit_month: this month's profit (yuan).
    """

    def __init__(
        self, model: mesa.Model, index: int, terms: BankTerms, provision_rates: list[float], ledger: Payments
    ) -> None:
        super().__init__(model)
        self.index = index
        self.terms = terms
        self.sector = f"bank_{terms.name}"
        self.provision_rates = np.asarray(provision_rates)
        self.ledger = ledger
        self.equity = terms.capital
        self.cash = terms.capital / terms.capital_adequacy_ratio  # equity plus deposits available to lend
        self.provisions = 0.0
        self.profit_month = 0.0
        self.income_month = 0.0
        self.losses_month = 0.0

    # ------------------------------------------------------------------ lending
    def estimate_return(self, true_return: np.ndarray, noise: np.ndarray, noise_factor: np.ndarray) -> np.ndarray:
        """The bank's noisy view of each project's return (liaison shrinks the noise)."""
        return true_return + self.terms.screening_noise * noise_factor * noise

    def lending_room(self, outstanding: float) -> float:
        """New lending allowed by the capital adequacy ratio and the cash in the pool (yuan)."""
        return max(min(self.equity / self.terms.capital_adequacy_ratio - outstanding, self.cash), 0.0)

    def approve(
        self, estimate: np.ndarray, amount: np.ndarray, affordable: np.ndarray, room: float, threshold: np.ndarray
    ) -> np.ndarray:
        """Approve the applications that pass, best estimate first, until the lending room is used.

        An application passes when its estimated return reaches its threshold (the bank's,
        lowered for guaranteed loans) and its instalment is affordable.
        """
        return best_first_within(estimate, amount, (estimate >= threshold) & affordable, room)

    # ------------------------------------------------------------------ books
    def pay_running_costs(self, outstanding: float, live_loans: int) -> float:
        """Cost of funds on loans outstanding and servicing cost per live loan, paid out of the county."""
        funding = outstanding * self.terms.cost_of_funds / 12.0
        servicing = live_loans * self.terms.servicing_cost / 12.0
        self.ledger.pay("bank_funding_cost", self.sector, REST_OF_WORLD, funding)
        self.ledger.pay("bank_servicing_cost", self.sector, REST_OF_WORLD, servicing)
        return funding + servicing

    def close_month(self, income: float, costs: float, write_off_loss: float, required_provisions: float) -> None:
        """Profit = interest and subsidy income - costs - provision charge; equity retains it.

        A written-off loss uses the provisions already held; the provision charge tops
        the provisions back up to what the book's risk classes require.
        """
        charge = required_provisions - (self.provisions - write_off_loss)
        self.provisions = required_provisions
        self.income_month = income
        self.losses_month = write_off_loss
        self.profit_month = income - costs - charge
        self.equity += self.profit_month

    def required_provisions(self, exposure: np.ndarray, risk_class: np.ndarray) -> float:
        """Provisions the five-category classification requires for the given loans (yuan)."""
        return float(np.sum(exposure * self.provision_rates[risk_class]))
