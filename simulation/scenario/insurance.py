"""Scenario sections of insurance: agricultural, anti-poverty and credit-linked cover, and the insurer."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from simulation.scenario.base import CropName, Section, field


class AgriculturalInsurance(Section):
    """Crop and livestock insurance bought at planting, with fiscal premium subsidies."""

    enabled: bool = field(False, "", "Whether farmers are offered agricultural insurance")
    kind: Literal["yield", "index"] = field(
        "yield", "", "yield (indemnity on the household's own loss) or index (on the region's weather)"
    )
    coverage_level: float = field(
        0.7, "share of expected revenue", "Insured value per mu as a share of expected revenue", gt=0, le=1
    )
    premium_rate: float = field(0.06, "share of insured value", "Premium per season", ge=0, le=1)
    deductible: float = field(
        0.2,
        "share of harvest",
        "Yield loss below which nothing is paid (yield cover) or the regional loss that triggers the index",
        ge=0,
        lt=1,
    )
    central_subsidy: float = field(0.40, "share of premium", "Paid by central government (35-45%)", ge=0, le=1)
    province_subsidy: float = field(0.25, "share of premium", "Paid by the province (at least 25%)", ge=0, le=1)
    county_subsidy: float = field(0.10, "share of premium", "Paid by the county (the rest of the ~75%)", ge=0, le=1)
    base_uptake: float = field(
        0.45, "share", "Chance a farmer insures when paying the reference 25% of the premium", ge=0, le=1
    )
    price_elasticity: float = field(
        1.0, "elasticity", "How uptake falls as the farmer's share of the premium rises above 25%", ge=0, le=5
    )
    payout_boost: float = field(
        0.4,
        "share per share of village paid",
        "Rise in uptake per share of the village's insured farmers paid a claim in the last year",
        ge=0,
        le=2,
    )

    @model_validator(mode="after")
    def _consistent(self) -> AgriculturalInsurance:
        if self.central_subsidy + self.province_subsidy + self.county_subsidy > 1:
            raise ValueError("premium subsidy shares must not exceed 1 in total")
        return self

    @property
    def farmer_share(self) -> float:
        """Share of the premium the farmer pays."""
        return 1.0 - self.central_subsidy - self.province_subsidy - self.county_subsidy


class AntiPovertyInsurance(Section):
    """Anti-poverty insurance (防贫保险), bought by government for the most vulnerable."""

    enabled: bool = field(False, "", "Whether the county buys anti-poverty insurance")
    premium_per_person: float = field(
        50.0, "yuan per insured person per year", "Premium paid by government (Wei county, Hebei, 2017)", ge=0
    )
    coverage_share: float = field(
        0.10,
        "share of households",
        "Lowest-income households enrolled at each assessment (about 10% of the rural population in Wei county)",
        ge=0,
        le=1,
    )
    warning_line: float = field(
        5_000.0, "yuan per year", "Hardship cost (medical, disaster) above which the cover pays", ge=0
    )
    income_multiple: float = field(
        1.5, "x poverty line", "Paid only if per-capita income is at or below this multiple", ge=0
    )
    payout_share: float = field(
        0.5,
        "share of cost above the line",
        "Share of the hardship cost above the warning line that is paid (Wei county paid 9,000 of 18,000 yuan)",
        ge=0,
        le=1,
    )
    cap: float = field(30_000.0, "yuan per household per year", "Most the cover pays a household in a year", ge=0)


class CreditLinkedInsurance(Section):
    """Insured borrowers get better credit; claims repay arrears first."""

    enabled: bool = field(False, "", "Whether banks link credit terms to agricultural insurance")
    rate_discount: float = field(0.01, "per year", "Lower interest rate for an insured borrower", ge=0, le=0.2)
    score_bonus: float = field(
        0.05, "per year of estimated return", "Added to an insured applicant's score", ge=0, le=1
    )


class Insurer(Section):
    """The insurer's capital and its catastrophe cover."""

    capital: float = field(50_000_000.0, "yuan", "Capital allocated to the county's business", gt=0)
    catastrophe_cover: Literal["reinsurance", "government", "none"] = field(
        "reinsurance", "", "Who pays claims beyond the stop-loss in a year: reinsurance, government or none"
    )
    reinsurance_premium_share: float = field(
        0.08,
        "share of premiums",
        "Premiums ceded to the reinsurer for the stop-loss cover (reinsurance only)",
        ge=0,
        le=1,
    )
    stop_loss_ratio: float = field(
        1.5,
        "x premiums of the year",
        "Claims above this share of the year's premiums are recovered from the catastrophe cover",
        gt=0,
        le=10,
    )


class PriceInsuranceFutures(Section):
    """Insurance + futures (保险+期货): a price-index cover for a cash crop, the insurer hedged on futures.

    Sold at planting; at harvest it pays the insured value times the shortfall of the
    harvest-month price index below the insured price. The insurer buys put options on the
    crop's futures for a share of the cover (at a cost per yuan insured) and is paid that
    share of the claims back by the futures market.
    """

    enabled: bool = field(False, "", "Whether farmers of the crop are offered price insurance")
    crop: CropName = field("cash_crop", "", "The crop insured (its price index is the trigger)")
    insured_price: float = field(
        0.95, "price index", "Insured price: claims pay when the harvest-month index is below it", gt=0, le=2
    )
    coverage_level: float = field(
        0.8, "share of expected revenue", "Insured value as a share of expected revenue at index 1", gt=0, le=1
    )
    premium_rate: float = field(0.05, "share of insured value", "Premium per season", ge=0, le=1)
    premium_subsidy: float = field(
        0.7, "share of premium", "Paid by government (pilot subsidies by the exchange and local budgets)", ge=0, le=1
    )
    base_uptake: float = field(0.5, "share", "Chance a farmer of the crop insures when offered", ge=0, le=1)
    hedge_ratio: float = field(
        0.9, "share of cover", "Share of the price risk the insurer passes to the futures market", ge=0, le=1
    )
    hedge_cost: float = field(
        0.04, "share of hedged value", "Cost of the put options per yuan of hedged value, per season", ge=0, le=1
    )


class Insurance(Section):
    """The insurance package."""

    agricultural: AgriculturalInsurance = AgriculturalInsurance()
    anti_poverty: AntiPovertyInsurance = AntiPovertyInsurance()
    credit_linked: CreditLinkedInsurance = CreditLinkedInsurance()
    price_futures: PriceInsuranceFutures = PriceInsuranceFutures()
    insurer: Insurer = Insurer()

    @model_validator(mode="after")
    def _linked_needs_cover(self) -> Insurance:
        if self.credit_linked.enabled and not self.agricultural.enabled:
            raise ValueError("credit_linked needs agricultural insurance enabled")
        return self
