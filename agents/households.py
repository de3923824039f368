"""Farm households as arrays: one row per household, no Python loop on the monthly path.

State is declared once in :class:`Households`; the monthly rules are short methods that
read as the economic rule they implement, each moving money through the ledger handed
in by the model. Population synthesis lives in ``agents/population.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Protocol

import numpy as np

if TYPE_CHECKING:
    from simulation.scenario import Scenario

HOUSEHOLDS = "households"
REST_OF_WORLD = "rest_of_world"


class Payments(Protocol):
    """What households need of the ledger: a way to move money between sectors."""

    def pay(self, kind, payer, payee, amount, payer_rows=None, payee_rows=None) -> float: ...  # noqa: D102


class Assessment(NamedTuple):
    """Outcome of an annual poverty assessment, as boolean masks over households."""

    relapses: np.ndarray
    exited_before: np.ndarray
    newly_poor: np.ndarray


class Households:
    """State of every household in the county, one array element per household.

    Static traits: ``region``, ``village``, ``group``, ``size``, ``labour``, ``land``,
    ``crop``, ``productivity``, ``digital``, ``migrants``. Dynamic state: ``cash``,
    ``assets``, ``planted``, ``jobless_months``, ``sick_months``, the rolling 12-month
    income buffer and the poverty history (``ever_poor``, ``exited``, ``poor``).
    """

    def __init__(self, n: int, scenario: Scenario) -> None:
        self.n = n
        self.params = scenario
        # static traits (filled by population synthesis)
        self.region = np.zeros(n, np.int8)
        self.village = np.zeros(n, np.int32)
        self.group = np.zeros(n, np.int8)
        self.size = np.ones(n, np.float64)
        self.labour = np.zeros(n, np.float64)
        self.migrants = np.zeros(n, np.float64)
        self.land = np.zeros(n, np.float64)
        self.crop = np.zeros(n, np.int8)
        self.productivity = np.ones(n, np.float64)
        self.farms_own_land = np.ones(n, bool)
        self.enterprise_job = np.zeros(n, bool)  # one member works for the leading enterprise
        self.digital = np.zeros(n, bool)
        # money and productive capital
        self.cash = np.zeros(n, np.float64)
        self.assets = np.zeros(n, np.float64)
        # production and work
        self.planted = np.zeros(n, np.float64)  # share of land planted this season
        self.season_inputs = np.zeros(n, np.float64)  # input cost of the season, charged at harvest
        self.jobless_months = np.zeros(n, np.int16)
        self.sick_months = np.zeros(n, np.int16)
        self.medical_due = np.zeros(n, np.float64)
        self.unmet_need = np.zeros(n, np.float64)
        self.distress_sold_month = 0.0  # book value of assets sold in distress this month (yuan)
        # income: this month by source, and the rolling 12 months
        self.income_month = np.zeros(n, np.float64)
        self.income_ring = np.zeros((12, n), np.float64)
        self.income_12m = np.zeros(n, np.float64)
        self.farm_month = np.zeros(n, np.float64)
        self.wage_month = np.zeros(n, np.float64)
        self.transfer_month = np.zeros(n, np.float64)
        self.dibao_year = np.zeros(n, np.float64)
        self.insurance_month = np.zeros(n, np.float64)
        # harvest outcome of this month, read by insurance
        self.harvested_now = np.zeros(n, bool)
        self.yield_shortfall = np.zeros(n, np.float64)  # 1 - yield factor at this month's harvest
        self.crop_loss_month = np.zeros(n, np.float64)  # yuan of produce lost to weather and luck
        # insurance cover
        self.ag_insured = np.zeros(n, bool)  # agricultural policy for the current crop year
        self.insured_value = np.zeros(n, np.float64)
        self.ap_insured = np.zeros(n, bool)  # anti-poverty insurance for the year
        self.hardship_year = np.zeros(n, np.float64)  # medical and crop losses since the last assessment
        self.ap_paid_year = np.zeros(n, np.float64)
        # poverty history, updated at the annual assessment
        self.poor = np.zeros(n, bool)
        self.ever_poor = np.zeros(n, bool)
        self.exited = np.zeros(n, bool)
        self.relapsed = np.zeros(n, bool)
        self.dibao = np.zeros(n, bool)
        self.dibao_base_pc = np.zeros(n, np.float64)
        # credit: financed investment, what falls due next, credit record
        self.invested = np.zeros(n, np.float64)
        self.invest_return = np.zeros(n, np.float64)
        self.pending_return = np.zeros(n, np.float64)
        self.loan_due = np.zeros(n, np.float64)
        self.blacklisted = np.zeros(n, bool)
        self.assessed_income_pc = np.zeros(n, np.float64)
        self._input_bill: np.ndarray | None = None  # cache of input_bill(), see decide_land_use

    # ------------------------------------------------------------------ derived measures
    @property
    def income_pc(self) -> np.ndarray:
        """Rolling 12-month per-capita net income (yuan per person per year)."""
        return self.income_12m / self.size

    def income_pc_of(self, rows: np.ndarray) -> np.ndarray:
        """``income_pc`` of ``rows`` only (the same figures, without dividing for every household)."""
        return self.income_12m[rows] / self.size[rows]

    def subsistence(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Monthly subsistence spending of each household, or of ``rows`` (yuan)."""
        size = self.size if rows is None else self.size[rows]
        return self.params.consumption.subsistence_per_capita * size

    def input_bill(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Cost of a full season's inputs on the land the household (or each of ``rows``) farms itself (yuan)."""
        if self._input_bill is None:  # land, crop and land use are fixed after synthesis (decide_land_use resets it)
            cost_per_mu = np.array([c.input_cost_per_mu for c in self.params.farming.crops.in_order()])
            self._input_bill = self.land * cost_per_mu[self.crop] * self.farms_own_land
        return self._input_bill.copy() if rows is None else self._input_bill[rows]

    def decide_land_use(self) -> None:
        """Farm the land only when expected revenue covers the inputs; otherwise lease it out."""
        crops = self.params.farming.crops.in_order()
        revenue = np.array([c.revenue_per_mu for c in crops])[self.crop] * self.productivity
        cost = np.array([c.input_cost_per_mu for c in crops])[self.crop]
        self.farms_own_land = revenue > cost + self.params.farming.land_rent_per_mu
        self._input_bill = None

    def buffer(self) -> np.ndarray:
        """Cash a household aims to hold: a precautionary reserve plus next season's input bill (yuan)."""
        return self.params.consumption.buffer_months * self.subsistence() + self.input_bill()

    def workers_available(self) -> np.ndarray:
        """Working members this month (a sick worker stays home)."""
        return np.maximum(self.labour - (self.sick_months > 0), 0.0)

    # ------------------------------------------------------------------ production
    def buy_inputs(self, month_of_year: int, ledger: Payments) -> None:
        """At planting, buy inputs for as much land as cash allows (credit relaxes this)."""
        crops = self.params.farming.crops.in_order()
        plants_now = np.array([c.plant_month == month_of_year for c in crops])[self.crop] & self.farms_own_land
        if not plants_now.any():
            return
        rows = np.flatnonzero(plants_now)
        need = self.input_bill(rows)
        # inputs are paid from cash beyond one month of subsistence
        affordable = np.maximum(self.cash[rows] - self.subsistence(rows), 0.0)
        spend = np.minimum(need, affordable)
        self.planted[rows] = np.divide(spend, need, out=np.zeros_like(spend), where=need > 0)
        ledger.pay("farm_inputs", HOUSEHOLDS, REST_OF_WORLD, spend, payer_rows=rows)
        self.season_inputs[rows] = spend

    def harvesting(self, month_of_year: int) -> np.ndarray:
        """Households whose crop is harvested in this month of the year (1..12)."""
        crops = self.params.farming.crops.in_order()
        return np.flatnonzero(np.array([c.harvest_month == month_of_year for c in crops])[self.crop])

    def harvest(self, rows: np.ndarray, yield_factor: np.ndarray, price: np.ndarray) -> np.ndarray:
        """Bring in the planted share of ``rows``' land, valued at the crop's spot price.

        Farm net income is recognised at the sale (:meth:`receive_sales`): revenue less the
        season's input cost (accrual over the production cycle), so the rolling 12-month
        income does not swing with the calendar gap between planting and harvest.

        Args:
            rows: the harvesting households (:meth:`harvesting`).
            yield_factor: for each of ``rows``, weather and luck (1 = an ordinary season).
            price: price index per crop (order of CROPS).

        Returns:
            The value of each row's produce at the spot price.
        """
        if rows.size == 0:
            return np.zeros(0)
        crops = self.params.farming.crops.in_order()
        revenue_per_mu = np.array([c.revenue_per_mu for c in crops])[self.crop[rows]]
        sales = (
            self.land[rows]
            * self.planted[rows]
            * revenue_per_mu
            * self.productivity[rows]
            * yield_factor
            * price[self.crop[rows]]
        )
        self.harvested_now[rows] = True
        self.yield_shortfall[rows] = np.maximum(1.0 - yield_factor, 0.0)
        self.crop_loss_month[rows] = np.divide(
            sales * self.yield_shortfall[rows],
            yield_factor,
            out=np.zeros(rows.size),
            where=yield_factor > 0,
        )
        return sales

    def receive_sales(self, rows: np.ndarray, proceeds: np.ndarray) -> None:
        """Book the season's farm net income (proceeds less the season's inputs); the season ends.

        The money itself was paid by the buyer through the ledger (spot market, cooperative
        or enterprise), possibly net of a deducted loan repayment, which still counts as the
        household's income.
        """
        self.farm_month[rows] += proceeds - self.season_inputs[rows]
        self.planted[rows] = 0.0
        self.season_inputs[rows] = 0.0

    def earn_asset_income(self, ledger: Payments) -> None:
        """Productive assets yield a monthly net income and wear out; leased-out land earns its rent."""
        rent = self.params.farming.land_rent_per_mu / 12.0
        income = self.assets * self.params.assets.monthly_return + rent * self.land * ~self.farms_own_land
        self.assets *= 1.0 - self.params.assets.depreciation / 12.0
        ledger.pay("asset_income", REST_OF_WORLD, HOUSEHOLDS, income)
        self.farm_month += income

    def invest(self, rows: np.ndarray, amount: np.ndarray, ledger: Payments) -> None:
        """Spend loan money on the project (livestock, greenhouse, tools); its return blends in."""
        if rows.size == 0:
            return
        ledger.pay("financed_investment", HOUSEHOLDS, REST_OF_WORLD, amount, payer_rows=rows)
        total = self.invested[rows] + amount
        self.invest_return[rows] = (
            self.invested[rows] * self.invest_return[rows] + amount * self.pending_return[rows]
        ) / total
        self.invested[rows] = total

    def earn_investment_income(self, loss_by_region: np.ndarray, depreciation: float, ledger: Payments) -> None:
        """Financed assets yield their project's return, cut by this year's disaster; they wear out."""
        rows = np.flatnonzero(self.invested > 0)
        if rows.size == 0:
            return
        income = self.invested[rows] * self.invest_return[rows] / 12.0 * (1.0 - loss_by_region[self.region[rows]])
        ledger.pay("financed_investment_income", REST_OF_WORLD, HOUSEHOLDS, income, payee_rows=rows)
        self.farm_month[rows] += income
        self.invested[rows] *= 1.0 - depreciation / 12.0

    # ------------------------------------------------------------------ labour
    def update_jobs(self, job_draw: np.ndarray) -> None:
        """Migrant work stops with a monthly chance and resumes after a search."""
        labour = self.params.labour
        employed = self.jobless_months == 0
        loses = employed & (self.migrants > 0) & (job_draw < labour.job_loss_probability)
        recovers = ~employed & (job_draw < 1.0 / max(labour.job_search_months, 1.0))
        self.jobless_months[~employed] += 1
        self.jobless_months[recovers] = 0
        self.jobless_months[loses] = 1

    def earn_wages(self, ledger: Payments) -> None:
        """Migrant and local wages; a sick or jobless worker earns nothing that month."""
        labour = self.params.labour
        available = self.workers_available()
        migrants = np.minimum(self.migrants, available) * (self.jobless_months == 0)
        # a member employed by the leading enterprise is paid by it, not as a casual local worker
        locals_ = np.maximum(available - np.minimum(self.migrants, available) - self.enterprise_job, 0.0)
        wages = self.productivity * (
            migrants * labour.migrant_wage + locals_ * labour.local_wage * labour.local_work_months / 12.0
        )
        ledger.pay("wages_migrant_local", REST_OF_WORLD, HOUSEHOLDS, wages)
        self.wage_month += wages

    # ------------------------------------------------------------------ health
    def fall_ill(self, event_draw: np.ndarray, cost_draw: np.ndarray) -> None:
        """Serious illness: an out-of-pocket bill due this month and months without work."""
        health = self.params.health
        ill = event_draw < health.event_probability
        sigma = health.cost_sd_log
        mu = np.log(max(health.cost_mean, 1e-9)) - 0.5 * sigma**2
        sick = np.flatnonzero(ill)  # the bill is worked out for the few who fall ill
        self.medical_due = np.zeros(self.n)
        self.medical_due[sick] = np.exp(mu + sigma * cost_draw[sick]) * (1.0 - health.reimbursement_share)
        self.sick_months = np.where(ill & (self.labour > 0), health.sick_months, np.maximum(self.sick_months - 1, 0))

    # ------------------------------------------------------------------ consumption
    def consume(self, ledger: Payments) -> None:
        """Pay medical bills and spend; sell productive assets in distress when cash runs out.

        Spending is subsistence plus a share of cash above the precautionary buffer.
        When cash does not cover the bill and subsistence, assets are sold at a discount
        (the poverty-trap channel); need still unmet after that is recorded, not paid.
        """
        rules = self.params.consumption
        buffer = self.buffer() + self.loan_due
        planned = (
            self.subsistence() + self.medical_due + rules.spend_share_above_buffer * np.maximum(self.cash - buffer, 0.0)
        )
        self.sell_assets(np.maximum(planned - self.cash, 0.0), ledger)
        spend = np.minimum(planned, np.maximum(self.cash, 0.0))
        self.unmet_need = planned - spend
        ledger.pay("consumption_medical", HOUSEHOLDS, REST_OF_WORLD, spend)
        invest = rules.invest_share_above_buffer * np.maximum(self.cash - 2.0 * buffer, 0.0)
        self.assets += invest
        ledger.pay("asset_purchases", HOUSEHOLDS, REST_OF_WORLD, invest)

    def sell_assets(self, shortfall: np.ndarray, ledger: Payments, rows: np.ndarray | None = None) -> None:
        """Distress sale: sell productive assets at a discount to raise ``shortfall`` yuan of cash (or all).

        ``shortfall`` is per household, or per household of ``rows`` (ascending) when given.
        """
        short = np.flatnonzero(shortfall > 0)
        if short.size == 0:
            return
        in_distress = short if rows is None else rows[short]
        keep = 1.0 - self.params.assets.distress_sale_discount
        wanted = shortfall[short] / max(keep, 1e-9)
        # own assets go first, then those financed by a loan
        from_own = np.minimum(self.assets[in_distress], wanted)
        from_financed = np.minimum(self.invested[in_distress], wanted - from_own)
        self.assets[in_distress] -= from_own
        self.invested[in_distress] -= from_financed
        self.distress_sold_month += float(from_own.sum() + from_financed.sum())
        ledger.pay(
            "distress_asset_sales", REST_OF_WORLD, HOUSEHOLDS, (from_own + from_financed) * keep, payee_rows=in_distress
        )

    # ------------------------------------------------------------------ poverty status
    def close_month(self, month: int) -> None:
        """Roll this month's net income into the 12-month window.

        With ``poverty.deduct_medical_costs`` the out-of-pocket medical bill is a rigid
        expenditure deducted from net income, as the relapse-monitoring rules count a
        sudden rise in expenditure (illness is the main cause of poverty in the registry).
        """
        self.income_month = self.farm_month + self.wage_month + self.transfer_month + self.insurance_month
        if self.params.poverty.deduct_medical_costs:
            self.income_month = self.income_month - self.medical_due
        slot = month % 12
        self.income_12m += self.income_month - self.income_ring[slot]
        self.income_ring[slot] = self.income_month

    def reset_month(self) -> None:
        """Clear this month's income by source before the month's phases run."""
        self.farm_month[:] = 0.0
        self.wage_month[:] = 0.0
        self.transfer_month[:] = 0.0
        self.insurance_month[:] = 0.0
        self.harvested_now[:] = False
        self.crop_loss_month[:] = 0.0
        self.distress_sold_month = 0.0

    def start_poverty_history(self, line: float, registered_poor: np.ndarray) -> None:
        """The first assessment: registered-poor households above the line have exited poverty."""
        self.poor = self.income_pc < line
        self.ever_poor = registered_poor | self.poor
        self.exited = self.ever_poor & ~self.poor
        self.relapsed[:] = False
        self.assessed_income_pc = self.income_pc.copy()

    def assess_poverty(self, line: float) -> Assessment:
        """Annual assessment on rolling 12-month per-capita income.

        A relapse is a household that had exited poverty (poor once, not poor at the last
        assessment) and is below the line now; a household below the line that was never
        poor is newly poor.
        """
        poor_now = self.income_pc < line
        exited_before = self.exited.copy()
        relapses = exited_before & poor_now
        newly_poor = poor_now & ~self.ever_poor
        self.relapsed |= relapses
        self.ever_poor |= poor_now
        self.exited = self.ever_poor & ~poor_now
        self.poor = poor_now
        self.assessed_income_pc = self.income_pc.copy()
        return Assessment(relapses, exited_before, newly_poor)
