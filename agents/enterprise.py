"""The leading enterprise: contracts, processing, employment, working capital, and failure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from agents.households import Payments
    from simulation.scenario.value_chain import EnterpriseTerms

REST_OF_WORLD = "rest_of_world"


class LeadingEnterprise(mesa.Agent):
    """A processing enterprise buying contracted produce.

    Attributes:
        cash: working capital (yuan).
        active: False from the month it defaults; then it pays no wage and honours no contract.
        failed_month: month of default (0 if none).
        scale: expected annual purchases at price index 1 (yuan), which size its costs and capital.
    """

    def __init__(self, model: mesa.Model, index: int, terms: EnterpriseTerms, scale: float, ledger: Payments) -> None:
        super().__init__(model)
        self.index = index
        self.terms = terms
        self.sector = f"enterprise_{terms.name}"
        self.ledger = ledger
        self.scale = scale
        self.cash = terms.capital_share * scale
        self.active = True
        self.failed_month = 0
        self.purchases_month = 0.0
        self.profit_month = 0.0

    @property
    def fixed_cost(self) -> float:
        """Monthly overheads, proportional to its scale (yuan)."""
        return self.terms.fixed_cost_share * self.scale / 12.0

    def contract_price(self, spot: np.ndarray) -> np.ndarray:
        """Contract price index: spot within [floor, cap] (floor rule) or spot plus a premium."""
        if self.terms.price_rule == "floor":
            return np.clip(spot, self.terms.price_floor, self.terms.price_cap)
        return spot * (1.0 + self.terms.price_premium)

    def output_value(self, volume_at_index_1: float, spot_index: float) -> float:
        """Value of the processed produce; its price swings more than the raw produce price (yuan)."""
        elasticity = self.terms.output_price_elasticity
        return volume_at_index_1 * (1.0 + self.terms.processing_margin) * spot_index**elasticity

    def sell_output(self, volume_at_index_1: float, spot_index: float) -> float:
        """Sell the processed produce to the rest of the world."""
        revenue = self.output_value(volume_at_index_1, spot_index)
        self.ledger.pay("processed_sales", REST_OF_WORLD, self.sector, revenue)
        return revenue

    def pay_overheads(self) -> None:
        """Monthly overheads, paid out of the county."""
        self.ledger.pay("enterprise_overheads", self.sector, REST_OF_WORLD, self.fixed_cost)

    def pay_technical_services(self) -> None:
        """Monthly cost of the technical services behind contracted farmers' yield gain, paid out of the county."""
        self.ledger.pay(
            "technical_services", self.sector, REST_OF_WORLD, self.terms.service_cost_share * self.scale / 12.0
        )

    def fail(self, month: int) -> None:
        """Default: contracts lapse and wages stop from the next month."""
        self.active = False
        self.failed_month = month
