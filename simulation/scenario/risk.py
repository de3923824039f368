"""Scenario sections of risk sharing: the financing guarantor, re-guarantee and the risk fund."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from simulation.scenario.base import Section, _check_shares, field
from simulation.scenario.credit import Products

PARTIES = ("guarantor", "reguarantor", "bank", "government")
# every loan product's section can be named (the family-farm loan's terms sit with the family farms)
GUARANTEED_PRODUCTS: tuple[str, ...] = (*Products.model_fields, "family_farm")
GuaranteedProduct = Literal[GUARANTEED_PRODUCTS]


class RiskShares(Section):
    """How a guaranteed loan's loss (after recovery and insurance) is split; sums to 1."""

    guarantor: float = field(0.4, "share of loss", "Paid by the financing guarantor (4:3:2:1 rule)", ge=0, le=1)
    reguarantor: float = field(0.3, "share of loss", "Paid by the provincial re-guarantee fund", ge=0, le=1)
    bank: float = field(0.2, "share of loss", "Kept by the lending bank", ge=0, le=1)
    government: float = field(0.1, "share of loss", "Paid by the local government", ge=0, le=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> RiskShares:
        _check_shares(self.model_dump(), PARTIES, "risk shares")
        return self


class Guarantor(Section):
    """A government financing guarantor serving agriculture."""

    capital: float = field(40_000_000.0, "yuan", "Paid-in capital (net assets at start)", gt=0)
    fee_rate: float = field(
        0.008, "per year of guaranteed principal", "Guarantee fee (below 1% for policy guarantors)", ge=0, le=0.1
    )
    fee_subsidy_share: float = field(
        0.0, "share of fee", "Share of the fee paid by government, not borrower", ge=0, le=1
    )
    leverage_cap: float = field(
        15.0,
        "x net assets",
        "Outstanding guarantees at most this multiple of net assets "
        "(10x; 15x for guarantors serving mainly agriculture and small firms)",
        ge=1,
        le=50,
    )
    reserve_rate: float = field(
        0.01, "per year of outstanding liability", "Compensation reserve set aside", ge=0, le=0.2
    )
    insolvency_fallback: Literal["government", "bank"] = field(
        "government", "", "Who pays the guarantor's share once it is insolvent: government or bank"
    )
    tighten_from: float = field(
        0.7,
        "share of leverage cap",
        "Leverage, as a share of the cap, from which the guarantor prices up and asks for better "
        "borrowers (assumption)",
        gt=0,
        le=1,
    )
    stop_below_equity: float = field(
        0.5,
        "share of paid-in capital",
        "The guarantor writes no new guarantee while its net assets are below this share of its "
        "paid-in capital; stress rises as equity falls towards it (assumption)",
        ge=0,
        lt=1,
    )
    fee_markup: float = field(
        1.5,
        "x fee at full stress",
        "Fee rises to fee_rate x (1 + fee_markup x stress), stress in [0, 1] (assumption)",
        ge=0,
        le=10,
    )
    stress_margin: float = field(
        0.06,
        "per year of estimated return",
        "Extra estimated return the guarantor asks of a new borrower at full stress (assumption)",
        ge=0,
        le=1,
    )


class Reguarantor(Section):
    """The re-guarantee fund taking a share of guaranteed losses."""

    capital: float = field(
        200_000_000.0, "yuan", "Capital of the provincial re-guarantee fund (its county share)", gt=0
    )
    fee_rate: float = field(
        0.004, "per year of guaranteed principal", "Re-guarantee fee paid by the guarantor (0.3-0.5%)", ge=0, le=0.05
    )


class BankResponse(Section):
    """How the bank screens guaranteed applications, given the share of the loss it keeps (assumption)."""

    effort_elasticity: float = field(
        0.5,
        "elasticity",
        "Screening effort on a guaranteed loan is (bank's share)^elasticity of the effort on a loan it "
        "keeps whole; 0 makes the share irrelevant (assumption)",
        ge=0,
        le=5,
    )
    max_relaxation: float = field(
        0.10,
        "per year of estimated return",
        "How far the bank lowers its approval threshold at zero effort; it lowers it by this x (1 - effort) "
        "(assumption)",
        ge=0,
        le=2,
    )
    affordability_stretch: float = field(
        1.0,
        "share of the debt-service cap",
        "How far the bank stretches its debt-service cap at zero effort; cap x (1 + this x (1 - effort)) (assumption)",
        ge=0,
        le=5,
    )
    unscreened_noise: float = field(
        2.5,
        "x screening noise",
        "Screening noise at zero effort relative to full effort; noise x (1 + (this - 1) x (1 - effort)) (assumption)",
        ge=1,
        le=10,
    )


class Guarantee(Section):
    """Government financing guarantee with re-guarantee and the bank's response to retained risk."""

    enabled: bool = field(False, "", "Whether the guarantor covers loans")
    products: list[GuaranteedProduct] = field(["farm_business", "cooperative"], "", "Products the guarantor covers")
    risk_shares: RiskShares = RiskShares()
    guarantor: Guarantor = Guarantor()
    reguarantor: Reguarantor = Reguarantor()
    min_amount: float = field(
        0.0,
        "yuan",
        "Smallest household loan the programme guarantees (e.g. the microcredit ceiling: it serves "
        "farm loans above it)",
        ge=0,
    )
    bank_response: BankResponse = BankResponse()


class RiskFund(Section):
    """The county risk compensation fund backing poverty-relief microcredit."""

    enabled: bool = field(True, "", "Whether the county keeps a risk compensation fund")
    size: float = field(5_000_000.0, "yuan", "Fund at start (deposited with the bank)", ge=0)
    loan_multiple: float = field(10.0, "x fund", "Loans the fund backs, as a multiple of its balance", gt=0, le=50)
    coverage_share: float = field(0.5, "share of loss", "Share of a backed loan's loss the fund pays", ge=0, le=1)
    products: list[GuaranteedProduct] = field(["microcredit"], "", "Products the fund backs")
    replenishment: float = field(1_000_000.0, "yuan per year", "Budget paid into the fund each January", ge=0)
