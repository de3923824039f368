"""Scenario sections describing the county: people, farming, weather, work, health, transfers, spending."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from simulation.scenario.base import (
    CROPS,
    ByRegion,
    CropName,
    CropShares,
    CropSharesByRegion,
    RegionName,
    RegionShares,
    Section,
    field,
)


class Population(Section):
    """Who lives in the county: synthesised once per replicate from the population stream."""

    households: int = field(20_000, "households", "Number of farm households in the county", ge=1)
    households_per_village: int = field(300, "households", "Households per village (administrative village)", ge=1)
    region_shares: RegionShares = field(
        RegionShares(plain=0.40, hill=0.35, mountain=0.25), "share", "Share of villages in each region; sums to 1"
    )
    ex_poor_share: float = field(0.12, "share", "Households registered poor that exited poverty by 2020", ge=0, le=1)
    fringe_share: float = field(0.05, "share", "Non-registered households near the line (fringe, at risk)", ge=0, le=1)
    registration_noise: float = field(
        0.5, "log-sd", "Noise in who among low-income households was registered poor (vs fringe)", ge=0
    )
    mean_household_size: float = field(3.2, "persons", "Mean household size (1 + Poisson)", ge=1, le=8)
    labour_share: float = field(0.58, "share", "Probability that a member is of working age and able", ge=0, le=1)
    land_mu: ByRegion = field(
        ByRegion(plain=8.0, hill=6.0, mountain=4.0), "mu per household", "Mean contracted farmland per household"
    )
    crop_shares: CropSharesByRegion = field(
        CropSharesByRegion(
            plain=CropShares(grain=0.65, cash_crop=0.25, livestock=0.10),
            hill=CropShares(grain=0.45, cash_crop=0.35, livestock=0.20),
            mountain=CropShares(grain=0.35, cash_crop=0.30, livestock=0.35),
        ),
        "share",
        "Main crop of households by region",
    )
    productivity_sd: float = field(0.45, "log-sd", "Spread of household productivity (farm and wage)", ge=0, le=2)
    region_productivity: ByRegion = field(
        ByRegion(plain=1.0, hill=0.9, mountain=0.8), "multiplier", "Productivity by region"
    )
    elderly_household_share: float = field(
        0.15, "share", "Households with no member able to work (elderly, disabled)", ge=0, le=1
    )
    ex_poor_low_capacity_share: float = field(
        0.0,
        "share of ex-poor households",
        "Ex-poor households with little or no labour capacity (elderly, disabled, chronically ill): no one works, "
        "1-2 members, productivity x0.7, pensions and subsidies at transfers.low_capacity_basic_per_capita; "
        "they live mainly on transfers and the dibao decides whether they stay above the line",
        ge=0,
        le=1,
    )
    digital_access: ByRegion = field(
        ByRegion(plain=0.75, hill=0.6, mountain=0.45), "share", "Households with a smartphone and mobile payment"
    )
    institutions_sized_for: int = field(
        20_000,
        "households",
        "County size the institutions' capital is written for (banks, guarantor, re-guarantor, insurer, risk fund)",
        ge=1,
    )
    scale_institutions: bool = field(
        True,
        "",
        "Scale that capital (and the risk fund's replenishment) by households / institutions_sized_for, "
        "so a bigger county is the same economy, only bigger; false keeps the yuan as written",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Population:
        if self.ex_poor_share + self.fringe_share > 1:
            raise ValueError("ex_poor_share + fringe_share must not exceed 1")
        return self


class Horizon(Section):
    """How long a run lasts."""

    years: int = field(10, "years", "Simulated years (12 monthly steps each)", ge=1, le=100)
    spin_up_years: int = field(
        1, "years", "Years simulated before month 1 so savings, planting and dibao settle; not recorded", ge=0, le=5
    )


UpratingRule = Literal["cpi", "wages", "fixed"]


class Growth(Section):
    """Calendar and nominal growth: each January from 2021 wages, prices and transfers rise, lines are uprated."""

    start_year: int = field(
        2021, "calendar year", "Calendar year of months 1-12 (month 0 is the end of the year before)", ge=1990, le=2100
    )
    cpi: float = field(
        0.015, "share per year", "Consumer prices: subsistence, medical costs, project sizes", ge=-0.2, le=0.5
    )
    wages: float = field(0.065, "share per year", "Nominal migrant, local and enterprise wages", ge=-0.2, le=0.5)
    farm_prices: float = field(
        0.02, "share per year", "Nominal farm-gate prices (produce revenue, land rent)", ge=-0.2, le=0.5
    )
    input_prices: float = field(0.02, "share per year", "Prices of seed, fertiliser and feed", ge=-0.2, le=0.5)
    transfers: float = field(0.05, "share per year", "Pensions and farm subsidies per person", ge=-0.2, le=0.5)
    poverty_line: UpratingRule = field(
        "cpi", "", "How the poverty line is uprated each year: with cpi, with wages, or fixed"
    )
    monitoring_line: UpratingRule = field("wages", "", "How the monitoring line is uprated each year")
    dibao_standard: UpratingRule = field("wages", "", "How the dibao standard is uprated each year")
    low_capacity_transfers: UpratingRule = field(
        "cpi",
        "",
        "How the pensions of low-capacity households (transfers.low_capacity_basic_per_capita) are uprated: "
        "with cpi (their real value kept), with wages, or fixed",
    )


class Poverty(Section):
    """Poverty line, monitoring line and the relapse alarm."""

    line: float = field(
        4_000.0, "yuan per person per year", "Poverty line in 2020, uprated by growth.poverty_line from 2021", gt=0
    )
    monitoring_multiple: float = field(1.5, "x poverty line", "Monitoring line as a multiple of the poverty line", ge=1)
    deduct_medical_costs: bool = field(
        False,
        "",
        "Assess poverty on income net of out-of-pocket medical bills (the expenditure-adjusted view; "
        "the rules assess income and treat bills as rigid expenditure for monitoring)",
    )
    alarm_min_exited: int = field(
        50, "households", "Least exited households in a region or group for its relapse rate to raise the alarm", ge=1
    )
    large_scale_relapse_threshold: float = field(
        0.10,
        "share per year",
        "Relapse rate of the ex-poor cohort, in the county or any region, that counts as large-scale relapse",
        gt=0,
        le=1,
    )


class Crop(Section):
    """One crop's calendar and economics per mu (livestock: per mu-equivalent of herd)."""

    plant_month: int = field(4, "month of year", "Month inputs are bought", ge=1, le=12)
    harvest_month: int = field(9, "month of year", "Month produce is sold", ge=1, le=12)
    input_cost_per_mu: float = field(450.0, "yuan per mu", "Seed, fertiliser, feed and hired services", ge=0)
    revenue_per_mu: float = field(1_300.0, "yuan per mu", "Expected gross revenue at price index 1", ge=0)
    price_volatility: float = field(0.04, "log-sd per month", "Monthly volatility of this crop's price", ge=0, le=1)


class Crops(Section):
    """The three crop types of the county."""

    grain: Crop = Crop(plant_month=4, harvest_month=9, input_cost_per_mu=450, revenue_per_mu=1_300)
    cash_crop: Crop = Crop(
        plant_month=3, harvest_month=10, input_cost_per_mu=1_100, revenue_per_mu=3_000, price_volatility=0.07
    )
    livestock: Crop = Crop(
        plant_month=1, harvest_month=12, input_cost_per_mu=1_500, revenue_per_mu=3_200, price_volatility=0.06
    )

    def in_order(self) -> list[Crop]:
        """Crops in the order of CROPS."""
        return [self.grain, self.cash_crop, self.livestock]


class PriceShock(Section):
    """A scheduled jump of a crop's log price index (stress scenarios); it then mean-reverts."""

    month: int = field(1, "month of the run", "Month the shock hits (1 = first recorded month)", ge=1)
    crops: list[CropName] = field(list(CROPS), "", "Crops hit")
    log_change: float = field(-0.3, "log points", "Change of the log price index (-0.3 is about -26%)", ge=-3, le=3)


class Farming(Section):
    """Crop calendars, yields and prices."""

    crops: Crops = Crops()
    land_rent_per_mu: float = field(
        400.0, "yuan per mu per year", "Rent for land leased out by households that do not farm it", ge=0
    )
    yield_noise_sd: float = field(0.15, "log-sd", "Household-specific yield luck at harvest", ge=0, le=2)
    price_mean_reversion: float = field(
        0.92, "AR(1) coefficient per month", "Persistence of the log produce price index", ge=0, lt=1
    )
    price_shocks: list[PriceShock] = field([], "", "Scheduled price shocks (uncertainties of a stress scenario)")


class ScheduledDisaster(Section):
    """A disaster season that happens for sure in a given year and regions."""

    year: int = field(3, "year of the run", "Year hit (1 = the first recorded year)", ge=1)
    regions: list[RegionName] = field(["hill", "mountain"], "", "Regions hit")
    loss_fraction: float = field(0.6, "share of harvest", "Yield loss that season", ge=0, le=1)


class Weather(Section):
    """Region disasters (drought, flood, hail), spatially correlated across regions."""

    disaster_probability: ByRegion = field(
        ByRegion(plain=0.06, hill=0.10, mountain=0.15), "per year", "Chance of a disaster season in each region"
    )
    loss_fraction_mean: float = field(0.35, "share of harvest", "Mean yield loss in a disaster season", ge=0, le=1)
    loss_fraction_sd: float = field(0.15, "share of harvest", "Spread of the yield loss in a disaster", ge=0, le=0.5)
    regional_correlation: float = field(0.5, "correlation", "Correlation of disasters across regions", ge=0, le=1)
    village_noise_sd: float = field(0.08, "log-sd", "Village-level spread of yields in a season", ge=0, le=1)
    scheduled_disasters: list[ScheduledDisaster] = field(
        [], "", "Disasters that happen for sure (uncertainties of a stress scenario), on top of the random ones"
    )
    asset_damage: float = field(
        0.3,
        "x harvest loss fraction",
        "Share of productive assets destroyed in a disaster season, per unit of the harvest lost "
        "(livestock, orchards, sheds): the scar a disaster leaves on later income",
        ge=0,
        le=1,
    )


class Labour(Section):
    """Migrant and local wage work."""

    migrant_wage: float = field(3_000.0, "yuan per month", "Monthly wage of a migrant worker at productivity 1", ge=0)
    migrant_participation: float = field(0.35, "share", "Share of working-age members who work away", ge=0, le=1)
    local_wage: float = field(1_800.0, "yuan per month", "Monthly local casual wage at productivity 1", ge=0)
    local_work_months: float = field(4.0, "months per year", "Months of local wage work per labourer", ge=0, le=12)
    job_loss_probability: float = field(0.012, "per month", "Chance a household's migrant work stops", ge=0, le=1)
    job_search_months: float = field(4.0, "months", "Mean months without migrant work after a loss", ge=0)


class Health(Section):
    """Serious illness and injury: the bill, the medical security layers, and lost work and output."""

    event_probability: float = field(0.004, "per household per month", "Chance of a serious illness", ge=0, le=1)
    cost_mean: float = field(22_000.0, "yuan", "Mean total medical cost of an event in 2020 (lognormal)", ge=0)
    cost_sd_log: float = field(0.8, "log-sd", "Spread of medical cost", ge=0, le=3)
    reimbursement_share: float = field(
        0.55, "share", "Share of the cost reimbursed by basic medical insurance (first layer)", ge=0, le=1
    )
    critical_illness_deductible: float = field(
        12_000.0,
        "yuan (2020)",
        "Out-of-pocket cost after basic insurance above which critical-illness insurance pays (second layer)",
        ge=0,
    )
    critical_illness_share: float = field(
        0.6,
        "share",
        "Share of the out-of-pocket cost above the deductible paid by critical-illness insurance",
        ge=0,
        le=1,
    )
    assistance_share: float = field(
        0.7,
        "share",
        "Medical assistance (third layer, paid by government): share of the remaining bill of dibao households "
        "and, when assistance_for_ex_poor, of the ex-poor",
        ge=0,
        le=1,
    )
    assistance_for_ex_poor: bool = field(True, "", "Medical assistance also covers the ex-poor cohort")
    farm_output_loss: float = field(
        0.3, "share of harvest", "Harvest lost when a member is sick in the harvest month", ge=0, le=1
    )
    sick_months: int = field(5, "months", "Months a sick worker cannot work", ge=0, le=36)


class Transfers(Section):
    """Government transfers: basic per-capita payments and the minimum living guarantee (dibao)."""

    basic_per_capita: float = field(180.0, "yuan per person per month", "Pensions and farm subsidies", ge=0)
    dibao_standard: float = field(5_000.0, "yuan per person per year", "Income guaranteed to enrolled households", ge=0)
    dibao_takeup: float = field(0.6, "share", "Chance an eligible household is enrolled at the assessment", ge=0, le=1)
    low_capacity_basic_per_capita: float = field(
        120.0,
        "yuan per person per month",
        "Pensions and subsidies of a low-capacity household (population.ex_poor_low_capacity_share), in place of "
        "basic_per_capita: a residents' basic pension without the farm subsidies and earnings of working families",
        ge=0,
    )


class Consumption(Section):
    """Spending rules: subsistence, a buffer-stock rule and productive investment."""

    subsistence_per_capita: float = field(330.0, "yuan per person per month", "Food, fuel, clothing minimum", ge=0)
    buffer_months: float = field(4.0, "months of subsistence", "Precautionary cash households aim to hold", ge=0)
    spend_share_above_buffer: float = field(0.08, "share per month", "Cash above buffer spent each month", ge=0, le=1)
    invest_share_above_buffer: float = field(
        0.02, "share per month", "Cash above twice the buffer invested in productive assets", ge=0, le=1
    )


class Assets(Section):
    """Productive assets (livestock, tools, machinery): income, and the distress-sale channel."""

    value_at_productivity_1: float = field(
        20_000.0, "yuan", "Mean productive assets at start of a household of productivity 1", ge=0
    )
    value_sd_log: float = field(0.6, "log-sd", "Spread of productive assets around that mean", ge=0, le=3)
    monthly_return: float = field(0.008, "share per month", "Net income produced by productive assets", ge=0, le=0.1)
    depreciation: float = field(0.05, "per year", "Wear of households' own productive assets", ge=0, le=1)
    distress_sale_discount: float = field(0.45, "share", "Value lost when assets are sold in distress", ge=0, le=1)
    initial_cash_months: float = field(3.0, "months of subsistence", "Mean cash held at start", ge=0)
