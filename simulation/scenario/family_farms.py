"""Scenario sections of family farms (家庭农场), their loan product and the land-transfer market (土地流转)."""

from __future__ import annotations

from pydantic import model_validator

from simulation.scenario.base import ByRegion, Section, field


class FamilyFarmCredit(Section):
    """The banks' loan product for family farms: against land-use rights, machinery and contracts."""

    enabled: bool = field(False, "", "Whether banks offer family-farm loans (off in the baseline: farms self-finance)")
    min_amount: float = field(20_000.0, "yuan", "Smallest loan", ge=0)
    ceiling: float = field(1_000_000.0, "yuan", "Largest loan per farm; assumption", gt=0)
    term_months: int = field(36, "months", "Term (equal monthly instalments)", ge=1, le=120)
    rate: float = field(0.05, "per year", "Interest rate charged; assumption (LPR plus a margin)", ge=0, le=0.5)
    interest_subsidy_share: float = field(0.0, "share of interest", "Interest paid by government", ge=0, le=1)
    loan_to_value: float = field(
        0.6,
        "x collateral",
        "Largest loan over the collateral: machinery plus the mortgaged land-use rights (rent times "
        "land_right_years on the land operated); a guarantee stands in for it",
        ge=0,
        le=5,
    )
    land_right_years: float = field(
        3.0, "years of rent", "Value of a mu of land-use right as collateral, in years of its rent; assumption", ge=0
    )
    min_debt_service_cover: float = field(
        1.3,
        "x annual debt service",
        "Screening on cash flows: the bank's estimate of the farm's annual net cash flow at the planned size "
        "must cover this multiple of its annual debt service; assumption",
        ge=0,
        le=10,
    )
    screening_noise: float = field(
        0.15, "share of revenue per mu", "Sd of the bank's error on the farm's margin per mu; assumption", ge=0, le=2
    )


class FamilyFarmTerms(Section):
    """Registered family farms: larger farms formed at population synthesis that grow by renting land."""

    enabled: bool = field(True, "", "Whether the county has family farms")
    share: ByRegion = field(
        ByRegion(plain=0.015, hill=0.01, mountain=0.005),
        "share of households",
        "Households operating a registered family farm, by region; assumption: more on the plain, where land "
        "consolidates more easily",
    )
    min_productivity: float = field(
        1.0,
        "productivity",
        "Least productivity of a household that runs a family farm (the better farmers register one); assumption",
        ge=0,
    )
    target_mu: ByRegion = field(
        ByRegion(plain=150.0, hill=80.0, mountain=40.0),
        "mu",
        "Land a family farm aims to operate (own plus rented in), by region; assumption",
    )
    productivity_gain: float = field(
        0.15,
        "share of revenue per mu",
        "Higher output per mu than its operator farming alone (seed, timing, mechanised work); assumption",
        ge=0,
        le=2,
    )
    input_cost_saving: float = field(
        0.15,
        "share of input cost per mu",
        "Economies of scale: input cost per mu saved at the target size (in proportion below it); assumption",
        ge=0,
        lt=1,
    )
    labour_months_per_mu: float = field(
        0.12, "months per mu per season", "Hired local labour without machines; assumption", ge=0, le=5
    )
    mechanised_labour_saving: float = field(
        0.6, "share", "Labour saved when the land is fully mechanised; assumption", ge=0, le=1
    )
    machinery_per_mu: float = field(400.0, "yuan per mu", "Machinery for full mechanisation of a mu; assumption", ge=0)
    machinery_depreciation: float = field(0.1, "per year", "Wear of the farm's machinery; assumption", ge=0, le=1)
    wage: float = field(
        2_000.0, "yuan per month", "Monthly wage of a hired local farm worker (2020 level, uprated); assumption", ge=0
    )
    start_cash_per_mu: float = field(
        500.0, "yuan per mu of target size", "Cash at formation (working capital); assumption", ge=0
    )
    start_machinery_share: float = field(
        0.3, "share", "Mechanisation of its own land at formation; assumption", ge=0, le=1
    )
    payout_share: float = field(
        0.6,
        "share",
        "Share of cash above its reserve (next season's inputs, a year's rent and debt service) the farm pays "
        "its operator household after the harvest; assumption",
        ge=0,
        le=1,
    )
    credit: FamilyFarmCredit = FamilyFarmCredit()


class LandMarketTerms(Section):
    """The per-village land-rental market (土地流转): households rent out, family farms rent in."""

    enabled: bool = field(True, "", "Whether land changes hands between households and family farms")
    month: int = field(
        1, "month of year", "Month leases are decided each year (before the first planting)", ge=1, le=12
    )
    rent_min: float = field(
        200.0, "yuan per mu per year", "Floor of the village clearing rent (2020 level, uprated); assumption", ge=0
    )
    rent_max: float = field(
        1_200.0, "yuan per mu per year", "Ceiling of the village clearing rent (2020 level, uprated); assumption", ge=0
    )
    contract_years: int = field(5, "years", "Length of a lease; assumption", ge=1, le=30)
    rent_timing: str = field(
        "in_advance", "", "in_advance (paid in the lease month each year) or after_harvest (paid at the farm's sale)"
    )
    attachment_premium: float = field(
        0.25,
        "share",
        "What a household farming its land asks above the return of farming it before renting it out; assumption",
        ge=0,
        le=5,
    )
    no_labour_return: float = field(
        0.3,
        "share",
        "Share of the farming return kept by a household with nobody working at home (elderly, or all away) "
        "when it farms with hired help; assumption",
        ge=0,
        le=1,
    )

    @model_validator(mode="after")
    def _consistent(self) -> LandMarketTerms:
        if self.rent_max < self.rent_min:
            raise ValueError(f"rent_max: {self.rent_max:g} is below rent_min ({self.rent_min:g})")
        if self.rent_timing not in ("in_advance", "after_harvest"):
            raise ValueError(f"rent_timing: {self.rent_timing!r} is not in_advance or after_harvest")
        return self
