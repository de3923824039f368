"""Scenario sections of the value chain: cooperatives, leading enterprises and contract farming."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from simulation.scenario.base import REGIONS, CropName, RegionName, Section, field


class EnterpriseTerms(Section):
    """A leading enterprise (龙头企业) that buys, processes and sells the county's produce."""

    name: str = field("leading_enterprise", "", "Short name")
    crops: list[CropName] = field(["cash_crop", "livestock"], "", "Crops it buys under contract")
    regions: list[RegionName] = field(list(REGIONS), "", "Regions where it contracts farmers")
    contract_share: float = field(
        0.5,
        "share",
        "Share of farming households growing its crops that it contracts (directly or through their cooperative)",
        ge=0,
        le=1,
    )
    price_rule: Literal["floor", "premium"] = field(
        "floor", "", "floor (pays the spot price but at least the floor) or premium (a premium over spot)"
    )
    price_floor: float = field(0.95, "price index", "Contract floor under the floor rule", ge=0, le=3)
    price_cap: float = field(
        1.15,
        "price index",
        "Contract ceiling under the floor rule (the enterprise gains when spot is high; farmers may side-sell)",
        ge=0,
        le=5,
    )
    price_premium: float = field(0.05, "share over spot", "Premium under the premium rule", ge=0, le=1)
    yield_gain: float = field(
        0.08,
        "share of harvest",
        "Higher yields of contracted farmers from the technical services the enterprise pays for "
        "(service_cost_share); lost when the enterprise fails (assumption)",
        ge=0,
        le=1,
    )
    service_cost_share: float = field(
        0.03,
        "share of expected purchases per year",
        "Cost of the technical services (agronomists, improved seed, veterinary care) the enterprise provides "
        "to its contracted farmers, paid monthly out of its cash (assumption)",
        ge=0,
        le=1,
    )
    processing_margin: float = field(
        0.22, "share of purchase value", "Value added by processing, at price index 1", ge=0, le=3
    )
    output_price_elasticity: float = field(
        1.5,
        "elasticity",
        "How its output price moves with the produce price index (processed goods swing more)",
        ge=0,
        le=5,
    )
    fixed_cost_share: float = field(
        0.06, "share of expected annual purchases per year", "Overheads other than wages", ge=0, le=2
    )
    employees_per_million: float = field(
        2.0, "workers per million yuan of annual purchases", "Local workers employed", ge=0, le=100
    )
    wage: float = field(3_000.0, "yuan per month", "Monthly wage of a local worker", ge=0)
    capital_share: float = field(0.3, "share of expected annual purchases", "Cash at start (working capital)", ge=0)
    working_capital_share: float = field(
        0.4,
        "share of expected annual purchases",
        "Working-capital loan taken each January (bullet, 13 months: it rolls over once the next arrives)",
        ge=0,
    )
    fail_year: int = field(
        0,
        "year of the run",
        "Year a failure is forced regardless of its cash (0 = never; for "
        "stress scenarios — its cash flows alone may also bring it down)",
        ge=0,
    )

    @model_validator(mode="after")
    def _consistent(self) -> EnterpriseTerms:
        if self.price_cap < self.price_floor:
            raise ValueError("price_cap must not be below price_floor")
        return self


class Cooperatives(Section):
    """Farmer cooperatives: joint marketing, inputs on credit and joint liability."""

    membership_share: float = field(0.4, "share", "Farming households that are members of a cooperative", ge=0, le=1)
    members_per_coop: int = field(60, "households", "Members per cooperative", ge=2)
    marketing_margin: float = field(
        0.04, "share of sales", "Better price members get through joint marketing", ge=0, le=1
    )
    service_fee: float = field(0.01, "share of sales", "Fee the cooperative keeps from members' sales", ge=0, le=1)
    input_credit: bool = field(
        True,
        "",
        "The cooperative borrows before planting and supplies inputs to members "
        "short of cash, recovered from their sales",
    )
    joint_liability_cap: float = field(
        500.0, "yuan per member per year", "Most a member pays towards another member's unpaid input credit", ge=0
    )
    capital: float = field(50_000.0, "yuan", "Cash of each cooperative at start", ge=0)


class ValueChain(Section):
    """Contract farming with leading enterprises, cooperatives and chain-embedded finance."""

    enabled: bool = field(False, "", "Whether the value chain (contracts, cooperatives, chain finance) operates")
    enterprises: list[EnterpriseTerms] = field([EnterpriseTerms()], "", "One to three leading enterprises")
    cooperatives: Cooperatives = Cooperatives()
    side_selling_threshold: float = field(
        0.10,
        "share above contract",
        "Spot must beat the contract price by this much before a contracted farmer side-sells",
        ge=0,
        le=2,
    )
    side_selling_trust: float = field(
        0.7, "share", "Chance a contracted farmer keeps the contract when side-selling pays", ge=0, le=1
    )
    order_financing: bool = field(
        True,
        "",
        "Banks lend to contracted farmers against the contract; repayment is deducted from the purchase payment",
    )
    chain_screening_factor: float = field(
        0.4,
        "multiplier",
        "Screening noise for contract-backed loans relative to the bank's (the contract is information)",
        ge=0,
        le=1,
    )

    @model_validator(mode="after")
    def _enterprises(self) -> ValueChain:
        if not 1 <= len(self.enterprises) <= 3:
            raise ValueError("enterprises: one to three")
        return self
