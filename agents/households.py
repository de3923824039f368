"""Farm households as arrays: one row per household, no Python loop on the monthly path.

State is declared once in :class:`Households`; the monthly rules are short methods that
read as the economic rule they implement, each moving money through the ledger handed
in by the model. Population synthesis lives in ``agents/population.py``.
"""

from __future__ import annotations

from functools import reduce
from typing import TYPE_CHECKING, NamedTuple, Protocol

import numpy as np

from agents.household_states import CAUSES as CAUSES  # re-exported: households' names
from agents.household_states import COHORT_EX_POOR as COHORT_EX_POOR
from agents.household_states import COHORT_GENERAL as COHORT_GENERAL
from agents.household_states import COHORT_MONITORED as COHORT_MONITORED
from agents.household_states import COHORTS as COHORTS
from agents.household_states import HOUSEHOLD_STATES, INCOME_SOURCES
from agents.levels import PriceLevels
from agents.state import StateTable

if TYPE_CHECKING:
    import pandas as pd

    from simulation.scenario.loading import Scenario

HOUSEHOLDS = "households"
REST_OF_WORLD = "rest_of_world"

ILLNESS, DISASTER, JOB_LOSS, PRICE_FALL, ENTERPRISE_LOSS, DEBT_DISTRESS, OTHER = range(len(CAUSES))


class Payments(Protocol):
    """What households need of the ledger: a way to move money between sectors."""

    def pay(self, kind, payer, payee, amount, payer_rows=None, payee_rows=None) -> float: ...  # noqa: D102


class Assessment(NamedTuple):
    """Outcome of an annual poverty assessment, as boolean masks over households.

    ``relapse_base``: ex-poor cohort households above the line at the previous assessment;
    ``relapses``: those of them below it now. ``new_poor_base`` and ``new_poor``: the same
    for households never registered poor (the monitored and general cohorts).
    """

    relapses: np.ndarray
    relapse_base: np.ndarray
    new_poor: np.ndarray
    new_poor_base: np.ndarray


class Households(StateTable):
    """State of every household in the county, one array element per household.

    Static traits: ``region``, ``village``, ``group``, ``size``, ``labour``, ``land``,
    ``crop``, ``productivity``, ``digital``, ``migrants``; the ``cohort`` fixed at month 0.
    Dynamic state: ``cash``, ``assets``, ``planted``, ``jobless_months``, ``sick_months``,
    the rolling 12-month income and medical-bill buffers, the income lost to each risk type
    since the last assessment (``shock_loss``) and the poverty history (``poor``, ``relapsed``).
    ``levels`` are the current year's prices, wages and lines (handed in by the model).
    """

    def __init__(self, n: int, scenario: Scenario) -> None:
        self.n = n
        self.params = scenario
        self.levels = PriceLevels.of_year(scenario, 0)
        self.declare(*HOUSEHOLD_STATES)
        self.billed = np.zeros(0, np.int64)  # the households billed this month (few)
        empty = (np.zeros(0, np.int64), np.zeros(0, np.float64))
        self.medical_bills = [empty] * 12  # (households, bills) of each of the last 12 months, sparse
        self.distress_sold_month = 0.0  # book value of assets sold in distress this month (yuan)
        self._input_bill: np.ndarray | None = None  # cache of input_bill(), see decide_land_use

    def book_income(self, source: str, amount: np.ndarray | float, rows: np.ndarray | None = None) -> None:
        """Count ``amount`` as this month's income from ``source`` (one of ``INCOME_SOURCES``), for ``rows`` or all.

        The money itself moves through the ledger; this is the household's income account.
        """
        column = getattr(self, f"{source}_month")
        if rows is None:
            column += amount
        else:
            column[rows] += amount

    def record_loss(self, cause: int, amount: np.ndarray | float, rows: np.ndarray) -> None:
        """Count income lost to a risk type (``CAUSES``) since the assessment, for attributing relapse."""
        self.shock_loss[cause, rows] += amount

    def surrender_assets(self, wanted: np.ndarray, ledger: Payments) -> np.ndarray:
        """Sell productive assets to raise ``wanted`` for a lender's recovery (own first, then financed ones).

        Sold at the distress discount; returns each household's proceeds (yuan).
        """
        keep = 1.0 - self.params.assets.distress_sale_discount
        from_own = np.minimum(self.assets, wanted / max(keep, 1e-9))
        from_financed = np.minimum(self.invested, wanted / max(keep, 1e-9) - from_own)
        proceeds = (from_own + from_financed) * keep
        self.assets -= from_own
        self.invested -= from_financed
        ledger.pay("forced_asset_sales", REST_OF_WORLD, HOUSEHOLDS, proceeds)
        return proceeds

    def place_in_jobs(self, rows: np.ndarray) -> None:
        """``rows`` find work again (a job placement)."""
        self.jobless_months[rows] = 0

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
        return self.params.consumption.subsistence_per_capita * self.levels.cpi * size

    def input_bill(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Cost of a full season's inputs on the land the household (or each of ``rows``) farms itself (yuan)."""
        if self._input_bill is None:  # land, crop and land use are fixed after synthesis (decide_land_use resets it)
            cost_per_mu = np.array([c.input_cost_per_mu for c in self.params.farming.crops.in_order()])
            self._input_bill = self.land * cost_per_mu[self.crop] * self.farms_own_land
        bill = self._input_bill if rows is None else self._input_bill[rows]
        return bill * self.levels.input_prices

    def decide_land_use(self, rows: np.ndarray | None = None) -> None:
        """Farm own land (all households', or ``rows``') if revenue covers inputs and rent; else lease it out."""
        crops = self.params.farming.crops.in_order()
        picked = slice(None) if rows is None else rows
        crop = self.crop[picked]
        revenue = np.array([c.revenue_per_mu for c in crops])[crop] * self.productivity[picked]
        farms = revenue > np.array([c.input_cost_per_mu for c in crops])[crop] + self.params.farming.land_rent_per_mu
        if rows is None:
            self.farms_own_land = farms
        else:
            self.land_with_farm[rows] = False
            self.farms_own_land[rows] = farms
        self._input_bill = None

    def give_land_to_farm(self, rows: np.ndarray) -> None:
        """``rows``' land is worked by a family farm: the household neither farms it nor leases it to outsiders."""
        self.farms_own_land[rows] = False
        self.land_with_farm[rows] = True
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

    def harvest(
        self, rows: np.ndarray, yield_factor: np.ndarray, price: np.ndarray, weather_loss: np.ndarray | None = None
    ) -> np.ndarray:
        """Bring in the planted share of ``rows``' land, valued at the crop's spot price.

        Farm net income is recognised at the sale (:meth:`receive_sales`): revenue less the
        season's input cost (accrual over the production cycle), so the rolling 12-month
        income does not swing with the calendar gap between planting and harvest.

        Args:
            rows: the harvesting households (:meth:`harvesting`).
            yield_factor: for each of ``rows``, weather and luck (1 = an ordinary season).
            price: price index per crop (order of CROPS).
            weather_loss: for each of ``rows``, the share of the harvest its region lost to a
                disaster this year (counted as income lost to disaster; 0 when not given).

        Returns:
            The value of each row's produce at the spot price.
        """
        if rows.size == 0:
            return np.zeros(0)
        crops = self.params.farming.crops.in_order()
        revenue_per_mu = np.array([c.revenue_per_mu for c in crops])[self.crop[rows]] * self.levels.farm_prices
        # a member sick in the harvest month: part of the harvest is not brought in
        sick = self.sick_months[rows] > 0
        health_factor = 1.0 - self.params.health.farm_output_loss * sick
        crop_price = price[self.crop[rows]]
        normal_value = self.land[rows] * self.planted[rows] * revenue_per_mu * self.productivity[rows]
        sales = normal_value * yield_factor * crop_price * health_factor
        at_ordinary_price = normal_value * yield_factor * health_factor
        self.shock_loss[ILLNESS, rows] += normal_value * yield_factor * crop_price * (1.0 - health_factor)
        self.shock_loss[PRICE_FALL, rows] += at_ordinary_price * np.maximum(1.0 - crop_price, 0.0)
        if weather_loss is not None:
            lost_share = np.divide(weather_loss, 1.0 - weather_loss, out=np.zeros(rows.size), where=weather_loss < 1)
            self.shock_loss[DISASTER, rows] += sales * lost_share
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
        self.book_income("farm", proceeds - self.season_inputs[rows], rows)
        self.planted[rows] = 0.0
        self.season_inputs[rows] = 0.0

    def earn_asset_income(self, ledger: Payments) -> None:
        """Productive assets yield a monthly net income and wear out; land leased to outside tenants earns its rent.

        The rent is property income; land with a family farm earns its rent from the farm
        (``simulation/instruments/land_market.py``).
        """
        rent = self.params.farming.land_rent_per_mu * self.levels.farm_prices / 12.0
        income = self.assets * self.params.assets.monthly_return
        lessors = np.flatnonzero(~(self.farms_own_land | self.land_with_farm))  # a minority
        rent_income = rent * self.land[lessors]
        self.assets *= 1.0 - self.params.assets.depreciation / 12.0
        ledger.pay("asset_income", REST_OF_WORLD, HOUSEHOLDS, income)
        ledger.pay("land_rent", REST_OF_WORLD, HOUSEHOLDS, rent_income, payee_rows=lessors)
        self.book_income("farm", income)
        self.book_income("property", rent_income, lessors)

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

    def fail_projects(self, failure_draw: np.ndarray) -> None:
        """Financed projects fail at the scenario's rate: the asset and its return are gone, the loan stays.

        The income the project would have earned in a year is counted as lost to debt distress.
        """
        monthly = 1.0 - (1.0 - self.params.credit.demand.project_failure_rate) ** (1.0 / 12.0)
        rows = np.flatnonzero(self.invested > 0)
        failed = rows[failure_draw[rows] < monthly]
        self.shock_loss[DEBT_DISTRESS, failed] += self.invested[failed] * self.invest_return[failed]
        self.invested[failed] = 0.0
        self.invest_return[failed] = 0.0

    def suffer_asset_damage(self, rows: np.ndarray, damage: np.ndarray) -> None:
        """A disaster destroys the share ``damage`` of ``rows``' productive assets (own and financed)."""
        hit = rows[damage > 0]
        if hit.size == 0:
            return
        share = damage[damage > 0]
        lost_income = (self.assets[hit] * 12.0 * self.params.assets.monthly_return + self.invested[hit]
                       * self.invest_return[hit]) * share  # fmt: skip
        self.shock_loss[DISASTER, hit] += lost_income
        self.assets[hit] *= 1.0 - share
        self.invested[hit] *= 1.0 - share

    def earn_investment_income(self, loss_by_region: np.ndarray, depreciation: float, ledger: Payments) -> None:
        """Financed assets yield their project's return, cut by this year's disaster; they wear out."""
        rows = np.flatnonzero(self.invested > 0)
        if rows.size == 0:
            return
        income = self.invested[rows] * self.invest_return[rows] / 12.0 * (1.0 - loss_by_region[self.region[rows]])
        ledger.pay("financed_investment_income", REST_OF_WORLD, HOUSEHOLDS, income, payee_rows=rows)
        self.book_income("farm", income, rows)
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
        migrant_wage = labour.migrant_wage * self.levels.wages * self.productivity
        local_wage = labour.local_wage * self.levels.wages * labour.local_work_months / 12.0 * self.productivity
        wages = migrants * migrant_wage + locals_ * local_wage
        ledger.pay("wages_migrant_local", REST_OF_WORLD, HOUSEHOLDS, wages)
        self.book_income("wage", wages)
        # wages lost: to illness (a sick member), and to job loss (a migrant without work)
        sick = np.flatnonzero(self.sick_months > 0)
        sick_migrants = np.minimum(self.migrants[sick], 1.0) * (self.jobless_months[sick] == 0)
        self.shock_loss[ILLNESS, sick] += np.where(sick_migrants > 0, migrant_wage[sick], local_wage[sick]) * (
            self.labour[sick] > 0
        )
        jobless = np.flatnonzero(self.jobless_months > 0)
        self.shock_loss[JOB_LOSS, jobless] += (
            np.minimum(self.migrants[jobless], available[jobless]) * migrant_wage[jobless]
        )

    # ------------------------------------------------------------------ health
    def fall_ill(self, event_draw: np.ndarray, cost_draw: np.ndarray) -> None:
        """Serious illness: a bill due this month, net of the insurance layers, and months without work.

        Basic medical insurance reimburses its share of the cost; critical-illness insurance
        pays its share of what is left above its deductible. Medical assistance (the third
        layer) is paid by the government in the support phase.
        """
        health = self.params.health
        ill = event_draw < health.event_probability
        sigma = health.cost_sd_log
        mu = np.log(max(health.cost_mean * self.levels.cpi, 1e-9)) - 0.5 * sigma**2
        sick = np.flatnonzero(ill)  # the bill is worked out for the few who fall ill
        self.medical_due = np.zeros(self.n)
        after_basic = np.exp(mu + sigma * cost_draw[sick]) * (1.0 - health.reimbursement_share)
        above = np.maximum(after_basic - health.critical_illness_deductible * self.levels.cpi, 0.0)
        self.medical_due[sick] = after_basic - health.critical_illness_share * above
        self.billed = sick
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
        # a sale forced by a medical bill is lost to illness; by a loan falling due, to debt; else to low income
        short = np.flatnonzero(planned > self.cash)
        cause = np.where(self.medical_due[short] > 0, ILLNESS, np.where(self.loan_due[short] > 0, DEBT_DISTRESS, OTHER))
        self.sell_assets(planned[short] - self.cash[short], ledger, short, cause)
        spend = np.minimum(planned, np.maximum(self.cash, 0.0))
        self.unmet_need = planned - spend
        ledger.pay("consumption_medical", HOUSEHOLDS, REST_OF_WORLD, spend)
        invest = rules.invest_share_above_buffer * np.maximum(self.cash - 2.0 * buffer, 0.0)
        self.assets += invest
        ledger.pay("asset_purchases", HOUSEHOLDS, REST_OF_WORLD, invest)

    def sell_assets(
        self, shortfall: np.ndarray, ledger: Payments, rows: np.ndarray | None = None, cause: np.ndarray | int = -1
    ) -> None:
        """Distress sale: sell productive assets at a discount to raise ``shortfall`` yuan of cash (or all).

        ``shortfall`` is per household, or per household of ``rows`` (ascending) when given.
        The income the assets sold would have earned in a year is lost to ``cause`` (a risk
        type, per household like ``shortfall``; default debt distress).
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
        lost = from_own * 12.0 * self.params.assets.monthly_return + from_financed * self.invest_return[in_distress]
        risk = np.broadcast_to(np.where(np.asarray(cause) < 0, DEBT_DISTRESS, cause), shortfall.shape)[short]
        self.shock_loss[risk, in_distress] += lost
        self.assets[in_distress] -= from_own
        self.invested[in_distress] -= from_financed
        self.distress_sold_month += float(from_own.sum() + from_financed.sum())
        ledger.pay(
            "distress_asset_sales", REST_OF_WORLD, HOUSEHOLDS, (from_own + from_financed) * keep, payee_rows=in_distress
        )

    # ------------------------------------------------------------------ poverty status
    def close_month(self, month: int) -> None:
        """Roll this month's net income and out-of-pocket medical bill into their 12-month windows.

        Medical bills are not income: they drain cash (and so assets and future income) and
        the monitoring system sees them as rigid expenditure. With
        ``poverty.deduct_medical_costs`` the poverty test uses income net of them instead
        (:attr:`assessed_income`).
        """
        self.income_month = reduce(np.add, (getattr(self, f"{source}_month") for source in INCOME_SOURCES))
        slot = month % 12
        self.income_12m += self.income_month - self.income_ring[slot]
        self.income_ring[slot] = self.income_month
        # the bills are few: the window moves on the households billed a year ago and this month only
        old_rows, old_bills = self.medical_bills[slot]
        self.medical_12m[old_rows] -= old_bills
        bills = self.medical_due[self.billed]
        self.medical_12m[self.billed] += bills
        self.medical_bills[slot] = (self.billed, bills)

    @property
    def income_pc_net_of_medical(self) -> np.ndarray:
        """Rolling 12-month per-capita income less out-of-pocket medical bills (the expenditure-adjusted view)."""
        return (self.income_12m - self.medical_12m) / self.size

    @property
    def assessed_income(self) -> np.ndarray:
        """The per-capita income the poverty test uses (net of medical bills with ``deduct_medical_costs``)."""
        return self.income_pc_net_of_medical if self.params.poverty.deduct_medical_costs else self.income_pc

    def reset_month(self) -> None:
        """Clear this month's income by source before the month's phases run."""
        for source in INCOME_SOURCES:
            getattr(self, f"{source}_month")[:] = 0.0
        self.harvested_now[:] = False
        self.crop_loss_month[:] = 0.0
        self.distress_sold_month = 0.0

    def fix_cohorts(self, cohort: np.ndarray, line: float) -> None:
        """Month 0: the cohorts are fixed and the first assessment is taken (nobody has relapsed yet)."""
        self.cohort = cohort.astype(np.int8)
        self.poor = self.assessed_income < line
        self.relapsed[:] = False
        self.assessed_income_pc = self.income_pc.copy()
        self.shock_loss[:] = 0.0

    def assess_poverty(self, line: float) -> Assessment:
        """Annual assessment on rolling 12-month per-capita income, counted on the fixed cohorts.

        A relapse is an ex-poor cohort household above the line at the previous assessment and
        below it now; a never-registered household doing the same has newly fallen into poverty.
        """
        poor_now = self.assessed_income < line
        was_above = ~self.poor
        ex_poor = self.cohort == COHORT_EX_POOR
        relapse_base = ex_poor & was_above
        new_poor_base = ~ex_poor & was_above
        assessment = Assessment(relapse_base & poor_now, relapse_base, new_poor_base & poor_now, new_poor_base)
        self.relapsed |= assessment.relapses
        self.poor = poor_now
        self.assessed_income_pc = self.income_pc.copy()
        return assessment

    def causes_of(self, rows: np.ndarray) -> np.ndarray:
        """The risk type that cost each of ``rows`` the most income since the last assessment (``other`` if none)."""
        if rows.size == 0:
            return np.zeros(0, np.int64)
        losses = self.shock_loss[:OTHER, rows]
        return np.where(losses.max(axis=0) > 0, losses.argmax(axis=0), OTHER)

    def forget_shocks(self) -> None:
        """After an assessment, the income lost to each risk type is counted afresh."""
        self.shock_loss[:] = 0.0

    def to_frame(self) -> pd.DataFrame:
        """One row per household: traits, money, income, poverty history, cover and credit (a copy).

        The columns, their units and meanings are listed in ``agents.household_table.COLUMNS``.
        """
        from agents.household_table import household_frame

        return household_frame(self)
