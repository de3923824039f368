"""The scenario: every parameter of a run, in one pydantic schema.

A scenario file is YAML. ``extends: other.yaml`` inherits another file (path relative to
the file) and then overrides it, so a policy file is a small diff over the baseline.
Nothing in agrifin reads a raw dict: the model receives a validated :class:`Scenario`.

Each field states its unit and meaning; the defaults are the default county of
DESIGN.md section 3, and ``scenarios/baseline.yaml`` cites the source of each number.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

REGIONS = ("plain", "hill", "mountain")
GROUPS = ("ex_poor", "fringe", "general")
CROPS = ("grain", "cash_crop", "livestock")
SHARE_TOLERANCE = 1e-6


class ScenarioError(ValueError):
    """A scenario file, key or override that cannot be used; the message is one line."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source, self.key, self.problem = source, key, problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")


def field(default: Any, unit: str, description: str, **limits: Any) -> Any:
    """A documented parameter: its unit and meaning go into the JSON schema."""
    return Field(default, description=f"{description} [{unit}]", json_schema_extra={"unit": unit}, **limits)


class Section(BaseModel):
    """A block of parameters: unknown keys are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _check_shares(shares: dict[str, float], keys: tuple[str, ...], name: str) -> None:
    missing = [k for k in keys if k not in shares]
    if missing:
        raise ValueError(f"{name} needs a share for each of {', '.join(keys)} (missing {', '.join(missing)})")
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{name} must sum to 1, got {total:.6g}")


class ByRegion(Section):
    """One number per region (plain, hill, mountain)."""

    plain: float = Field(ge=0)
    hill: float = Field(ge=0)
    mountain: float = Field(ge=0)

    def as_array(self) -> list[float]:
        """Values in the order of REGIONS."""
        return [self.plain, self.hill, self.mountain]


class RegionShares(ByRegion):
    """Shares of the county in each region; they sum to 1."""

    @model_validator(mode="after")
    def _sums_to_one(self) -> RegionShares:
        _check_shares(self.model_dump(), REGIONS, "region shares")
        return self


class ByGroup(Section):
    """One number per household group (ex-poor, fringe, general)."""

    ex_poor: float = Field(ge=0)
    fringe: float = Field(ge=0)
    general: float = Field(ge=0)

    def as_array(self) -> list[float]:
        """Values in the order of GROUPS."""
        return [self.ex_poor, self.fringe, self.general]


class CropShares(Section):
    """Shares of households growing each crop; they sum to 1."""

    grain: float = Field(ge=0, le=1)
    cash_crop: float = Field(ge=0, le=1)
    livestock: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> CropShares:
        _check_shares(self.model_dump(), CROPS, "crop shares")
        return self

    def as_array(self) -> list[float]:
        """Shares in the order of CROPS."""
        return [self.grain, self.cash_crop, self.livestock]


class CropSharesByRegion(Section):
    """Crop shares for each region."""

    plain: CropShares
    hill: CropShares
    mountain: CropShares

    def as_matrix(self) -> list[list[float]]:
        """Rows in the order of REGIONS, columns in the order of CROPS."""
        return [self.plain.as_array(), self.hill.as_array(), self.mountain.as_array()]


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
    digital_access: ByRegion = field(
        ByRegion(plain=0.75, hill=0.6, mountain=0.45), "share", "Households with a smartphone and mobile payment"
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


class Poverty(Section):
    """Poverty line, monitoring line and the relapse alarm."""

    line: float = field(
        4_000.0, "yuan per person per year", "Poverty line (2,300 at 2010 prices, ~4,000 in 2020)", gt=0
    )
    monitoring_multiple: float = field(1.5, "x poverty line", "Monitoring line as a multiple of the poverty line", ge=1)
    large_scale_relapse_threshold: float = field(
        0.05, "share per year", "Relapse rate in any region or group that counts as large-scale relapse", gt=0, le=1
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


class Weather(Section):
    """Region disasters (drought, flood, hail), spatially correlated across regions."""

    disaster_probability: ByRegion = field(
        ByRegion(plain=0.06, hill=0.10, mountain=0.15), "per year", "Chance of a disaster season in each region"
    )
    loss_fraction_mean: float = field(0.35, "share of harvest", "Mean yield loss in a disaster season", ge=0, le=1)
    loss_fraction_sd: float = field(0.15, "share of harvest", "Spread of the yield loss in a disaster", ge=0, le=0.5)
    regional_correlation: float = field(0.5, "correlation", "Correlation of disasters across regions", ge=0, le=1)
    village_noise_sd: float = field(0.08, "log-sd", "Village-level spread of yields in a season", ge=0, le=1)


class Labour(Section):
    """Migrant and local wage work."""

    migrant_wage: float = field(3_000.0, "yuan per month", "Monthly wage of a migrant worker at productivity 1", ge=0)
    migrant_participation: float = field(0.35, "share", "Share of working-age members who work away", ge=0, le=1)
    local_wage: float = field(1_800.0, "yuan per month", "Monthly local casual wage at productivity 1", ge=0)
    local_work_months: float = field(4.0, "months per year", "Months of local wage work per labourer", ge=0, le=12)
    job_loss_probability: float = field(0.012, "per month", "Chance a household's migrant work stops", ge=0, le=1)
    job_search_months: float = field(4.0, "months", "Mean months without migrant work after a loss", ge=0)


class Health(Section):
    """Serious illness and injury: out-of-pocket cost and lost work."""

    event_probability: float = field(0.006, "per household per month", "Chance of a serious illness", ge=0, le=1)
    cost_mean: float = field(22_000.0, "yuan", "Mean total medical cost of an event (lognormal)", ge=0)
    cost_sd_log: float = field(0.8, "log-sd", "Spread of medical cost", ge=0, le=3)
    reimbursement_share: float = field(0.55, "share", "Share reimbursed by rural medical insurance", ge=0, le=1)
    sick_months: int = field(5, "months", "Months a sick worker cannot work", ge=0, le=36)


class Transfers(Section):
    """Government transfers: basic per-capita payments and the minimum living guarantee (dibao)."""

    basic_per_capita: float = field(180.0, "yuan per person per month", "Pensions and farm subsidies", ge=0)
    dibao_standard: float = field(5_000.0, "yuan per person per year", "Income guaranteed to enrolled households", ge=0)
    dibao_takeup: float = field(0.6, "share", "Chance an eligible household is enrolled at the assessment", ge=0, le=1)


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
    distress_sale_discount: float = field(0.45, "share", "Value lost when assets are sold in distress", ge=0, le=1)
    initial_cash_months: float = field(3.0, "months of subsistence", "Mean cash held at start", ge=0)


class Product(Section):
    """A loan product's terms."""

    enabled: bool = field(True, "", "Whether banks offer this product")
    min_amount: float = field(2_000.0, "yuan", "Smallest loan", ge=0)
    ceiling: float = field(50_000.0, "yuan", "Largest loan per borrower", gt=0)
    term_months: int = field(36, "months", "Term of the loan", ge=1, le=120)
    rate: float = field(0.0345, "per year", "Interest rate charged (LPR 1-year 3.45% in 2023)", ge=0, le=0.5)
    repayment: str = field("equal_instalments", "", "equal_instalments (monthly annuity) or bullet (all at maturity)")
    interest_subsidy_share: float = field(
        0.0, "share of interest", "Interest paid by government, not borrower", ge=0, le=1
    )
    risk_compensation_share: float = field(
        0.0, "share of loss", "Share of a written-off loss paid by the county risk compensation fund", ge=0, le=1
    )
    max_debt_service_share: float = field(
        0.5, "share of income", "Bank's cap on instalment over the applicant's monthly income", gt=0, le=1
    )

    @model_validator(mode="after")
    def _consistent(self) -> Product:
        if self.ceiling < self.min_amount:
            raise ValueError(f"ceiling ({self.ceiling:g}) is below min_amount ({self.min_amount:g})")
        if self.repayment not in ("equal_instalments", "bullet"):
            raise ValueError("repayment must be equal_instalments or bullet")
        return self


class Products(Section):
    """The loan products on offer (cooperative and enterprise loans serve the value chain)."""

    microcredit: Product = Product()
    farm_business: Product = Product(
        min_amount=1_000, ceiling=200_000, term_months=10, rate=0.055, repayment="bullet", max_debt_service_share=1.0
    )
    cooperative: Product = Product(min_amount=20_000, ceiling=2_000_000, term_months=12, rate=0.05, repayment="bullet")
    enterprise_working_capital: Product = Product(
        min_amount=500_000, ceiling=50_000_000, term_months=12, rate=0.045, repayment="bullet"
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
    working_capital: bool = field(True, "", "Households short of input cash apply for a farm loan before planting")


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


class Scenario(Section):
    """A complete, validated set of parameters for one county."""

    name: str = Field(min_length=1, description="Short name used in results (the `scenario` column)")
    description: str = Field(min_length=1, description="What this scenario represents or changes")
    population: Population = Population()
    horizon: Horizon = Horizon()
    poverty: Poverty = Poverty()
    farming: Farming = Farming()
    weather: Weather = Weather()
    labour: Labour = Labour()
    health: Health = Health()
    transfers: Transfers = Transfers()
    consumption: Consumption = Consumption()
    assets: Assets = Assets()
    credit: Credit = Credit()

    @property
    def months(self) -> int:
        """Number of monthly steps in the horizon."""
        return 12 * self.horizon.years

    def content_hash(self) -> str:
        """Stable hash of the resolved parameters (for provenance)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_yaml(self) -> str:
        """The resolved scenario as YAML, loadable again with :func:`load_scenario`."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


# --------------------------------------------------------------------------- loading


def _read_yaml(path: Path, source: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(source, "", "file not found") from None
    except OSError as err:
        raise ScenarioError(source, "", f"cannot read file ({err.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else "YAML"
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ScenarioError(source, line, f"YAML syntax error: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(source, "", "a scenario file must be a mapping of keys to values")
    return data


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Override nested keys of ``base`` with those of ``override`` (neither is modified)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    source = str(path)
    if path.resolve() in chain:
        raise ScenarioError(source, "extends", "extends cycle: " + " -> ".join(p.name for p in (*chain, path)))
    data = _read_yaml(path, source)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(source, "extends", "must be a file name (string)")
    base = _resolve((path.parent / parent), (*chain, path.resolve()))
    # a child names and describes itself; it never inherits those two
    base.pop("name", None)
    base.pop("description", None)
    return deep_merge(base, data)


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``key.path=value``; the value is read as YAML (numbers, booleans, lists)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ScenarioError("--set", text, "expected KEY.PATH=VALUE, e.g. population.households=5000")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        raise ScenarioError("--set", key, f"cannot read value {raw!r}") from None
    return key, value


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any], source: str = "--set") -> dict[str, Any]:
    """Set dotted keys in a raw scenario mapping (before validation)."""
    result = json.loads(json.dumps(data))  # deep copy of plain data
    for dotted, value in overrides.items():
        node = result
        parts = dotted.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise ScenarioError(source, dotted, f"{part!r} is a value, not a section")
            node = child
        node[parts[-1]] = value
    return result


def _first_error(err: ValidationError) -> tuple[str, str]:
    errors = err.errors()
    first = errors[0]
    key = ".".join(str(p) for p in first["loc"] if p not in ("function-after",)) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "required key is missing"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return key, message + more


def validate_scenario(data: dict[str, Any], source: str) -> Scenario:
    """Build a :class:`Scenario` from a raw mapping, turning errors into one-line messages."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        key, message = _first_error(err)
        raise ScenarioError(source, key, message) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a scenario file (following ``extends:``) and apply dotted-key overrides.

    Args:
        path: the YAML file.
        overrides: ``{"population.households": 5000, ...}``, applied after inheritance.

    Raises:
        ScenarioError: a missing or unreadable file, bad YAML, an ``extends`` cycle, an
            unknown key, a wrong type, or a value out of range.
    """
    path = Path(path)
    data = _resolve(path, ())
    if overrides:
        data = apply_overrides(data, overrides)
    return validate_scenario(data, str(path))


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate a plain mapping (e.g. a resolved scenario sent to a worker)."""
    return validate_scenario(data, source)
