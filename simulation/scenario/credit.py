"""Scenario sections of credit: products, banks, channels, liaison, demand and default rules."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from simulation.scenario.base import CropName, Section, _check_shares, field


class Product(Section):
    """A loan product's terms."""

    enabled: bool = field(True, "", "Whether banks offer this product")
    min_amount: float = field(2_000.0, "yuan", "Smallest loan", ge=0)
    ceiling: float = field(50_000.0, "yuan", "Largest loan per borrower", gt=0)
    term_months: int = field(36, "months", "Term of the loan", ge=1, le=120)
    rate: float = field(0.0345, "per year", "Interest rate charged (LPR 1-year 3.45% in 2023)", ge=0, le=0.5)
    repayment: Literal["equal_instalments", "bullet"] = field(
        "equal_instalments", "", "equal_instalments (monthly annuity) or bullet (all at maturity)"
    )
    interest_subsidy_share: float = field(
        0.0, "share of interest", "Interest paid by government, not borrower", ge=0, le=1
    )
    collateral_ratio: float = field(
        0.0, "x loan", "Productive assets the bank requires as collateral (waived for guaranteed loans)", ge=0, le=5
    )
    max_debt_service_share: float = field(
        0.5, "share of income", "Bank's cap on instalment over the applicant's monthly income", gt=0, le=1
    )

    @model_validator(mode="after")
    def _consistent(self) -> Product:
        if self.ceiling < self.min_amount:
            raise ValueError(f"ceiling ({self.ceiling:g}) is below min_amount ({self.min_amount:g})")
        return self


class WarehouseReceipt(Product):
    """The warehouse-receipt loan (仓单质押): stored grain pledged at harvest, repaid from its later sale."""

    enabled: bool = field(False, "", "Whether banks lend against grain stored in a warehouse at harvest")
    crop: CropName = field("grain", "", "The stored crop")
    loan_to_value: float = field(
        0.6, "share of harvest value", "Loan as a share of the stored harvest's value at the harvest price", gt=0, le=1
    )
    storage_months: int = field(6, "months", "Months the grain is stored before it is sold", ge=1, le=12)
    storage_cost: float = field(
        0.005, "share of value per month", "Warehouse fee per month, paid at the sale", ge=0, le=0.1
    )


class Products(Section):
    """The loan products on offer (cooperative and enterprise loans serve the value chain)."""

    microcredit: Product = Product()
    farm_business: Product = Product(
        min_amount=1_000, ceiling=300_000, term_months=36, rate=0.055, collateral_ratio=1.0
    )
    cooperative: Product = Product(
        min_amount=20_000, ceiling=2_000_000, term_months=12, rate=0.05, repayment="bullet", collateral_ratio=0.5
    )
    enterprise_working_capital: Product = Product(
        min_amount=500_000, ceiling=50_000_000, term_months=12, rate=0.045, repayment="bullet", collateral_ratio=0.5
    )
    warehouse_receipt: WarehouseReceipt = WarehouseReceipt(
        min_amount=1_000, ceiling=200_000, term_months=6, rate=0.045, repayment="bullet"
    )


class BankTerms(Section):
    """One bank: capital, cost structure and screening."""

    name: str = field("county_rcc", "", "Short name (rural credit cooperative, postal savings bank, ...)")
    village_share: float = field(
        1.0, "share", "Share of villages this bank serves; shares of all banks sum to 1", gt=0, le=1
    )
    capital: float = field(60_000_000.0, "yuan", "Equity allocated to the county's farm lending", gt=0)
    capital_adequacy_ratio: float = field(0.105, "share", "Minimum equity over loans (risk weight 100%)", gt=0, le=1)
    cost_of_funds: float = field(0.02, "per year", "Interest paid on the funds lent", ge=0, le=0.5)
    servicing_cost: float = field(300.0, "yuan per loan per year", "Staff and systems cost of a loan", ge=0)
    screening_noise: float = field(0.25, "sd of return", "Error of the bank's estimate of a project's return", ge=0)
    approval_threshold: float = field(
        0.10, "per year", "Least estimated project return the bank approves (above the loan rate)", ge=-1, le=2
    )


class Channel(Section):
    """How applications reach the bank."""

    enabled: bool = field(True, "", "Whether this channel is open")
    transaction_cost: float = field(150.0, "yuan per application", "Travel and paperwork paid by the applicant", ge=0)
    approval_lag_months: int = field(1, "months", "Months from application to disbursement", ge=0, le=12)


class Liaison(Section):
    """Grassroots liaison: regular contact between banks and village organisations."""

    enabled: bool = field(False, "", "Whether banks keep liaison with village committees")
    village_coverage: float = field(0.8, "share of villages", "Villages with a liaison officer", ge=0, le=1)
    screening_noise_factor: float = field(
        0.5, "multiplier", "Screening noise in covered villages relative to the bank's", ge=0, le=1
    )


class Channels(Section):
    """Branch and online channels and grassroots liaison."""

    branch: Channel = Channel()
    online: Channel = Channel(enabled=False, transaction_cost=10.0, approval_lag_months=0)
    liaison: Liaison = Liaison()


class CreditDemand(Section):
    """When households want credit."""

    awareness: float = field(0.35, "share", "Households who know the products (all do in liaison villages)", ge=0, le=1)
    opportunity_rate: float = field(0.03, "per month", "Chance a household sees a productive investment", ge=0, le=1)
    project_return_mean: float = field(0.32, "per year", "Mean gross return on a financed investment", ge=-1, le=3)
    project_return_sd: float = field(0.22, "per year", "Spread of project returns across households", ge=0, le=3)
    project_size: float = field(25_000.0, "yuan", "Typical size of an investment (capped by the product)", gt=0)
    depreciation: float = field(0.20, "per year", "Wear of financed assets (livestock, greenhouses, tools)", ge=0, le=1)
    project_failure_rate: float = field(
        0.05,
        "per year",
        "Chance a financed project fails (disease in the herd, a failed greenhouse, a market lost): "
        "the financed asset and its return are gone while the loan is still owed",
        ge=0,
        le=1,
    )
    farm_opportunity_rate: float = field(
        0.01, "per month", "Chance a farming household sees an expansion project (farm business loan)", ge=0, le=1
    )
    farm_project_size: float = field(60_000.0, "yuan", "Typical size of a farm expansion project", gt=0)
    diversion_probability: float = field(
        0.10, "share of loans", "Chance a household spends an investment loan on consumption instead", ge=0, le=1
    )
    working_capital: bool = field(
        True,
        "",
        "Households short of input cash apply for a farm loan (repaid at harvest) in time for planting (lag + 1 months "
        "ahead)",
    )


class Credit(Section):
    """Banks, products, channels, demand and the default rules."""

    banks: list[BankTerms] = field([BankTerms()], "", "One to three banks, each with its own terms")
    products: Products = Products()
    channels: Channels = Channels()
    demand: CreditDemand = CreditDemand()
    default_days: int = field(90, "days past due", "A loan defaults at this many days past due", ge=30, le=360)
    writeoff_months: int = field(6, "months", "Months after default before the loss is written off", ge=0, le=60)
    recovery_share: float = field(
        0.25,
        "share of exposure",
        "Share of a defaulted exposure recovered by selling the borrower's assets",
        ge=0,
        le=1,
    )
    repayment_reserve_months: float = field(
        1.0,
        "months of subsistence",
        "Cash a borrower keeps for subsistence before paying what falls due (instalments come out of the rest)",
        ge=0,
        le=24,
    )
    asset_sale_share: float = field(
        1.0,
        "share of the shortfall",
        "Share of a repayment shortfall a borrower raises by selling productive assets at the distress discount "
        "(1: sells whatever keeps the loan current; 0: services only from cash, so a failed project or a lost "
        "harvest leaves arrears)",
        ge=0,
        le=1,
    )
    provision_rates: list[float] = field(
        [0.01, 0.02, 0.25, 0.5, 1.0],
        "share of balance",
        "Provisions by risk class: normal, special mention (1-89 dpd), substandard, doubtful, loss",
    )

    @model_validator(mode="after")
    def _banks(self) -> Credit:
        if not 1 <= len(self.banks) <= 3:
            raise ValueError("banks: one to three banks")
        names = [b.name for b in self.banks]
        if len(set(names)) != len(names):
            raise ValueError("banks: names must differ")
        _check_shares({b.name: b.village_share for b in self.banks}, tuple(names), "banks village_share")
        if len(self.provision_rates) != 5 or any(not 0 <= r <= 1 for r in self.provision_rates):
            raise ValueError("provision_rates: five shares between 0 and 1")
        if not (self.channels.branch.enabled or self.channels.online.enabled):
            raise ValueError("channels: at least one of branch and online must be enabled")
        return self
