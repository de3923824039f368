"""Farm households as arrays: one row per household, no Python loop on the monthly path.

The households' own columns are declared once in ``agents/household_states.py`` (mechanisms
declare theirs); the monthly rules are short methods that read as the economic rule they
implement, each moving money through the ledger handed in by the model. Work, health and
consumption are here; farming and assets in ``household_farming.py``; the poverty record
(income windows, cohorts, the assessment) in ``household_poverty.py``. Population synthesis
lives in ``agents/population.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.household_farming import Farming
from agents.household_poverty import PovertyRecord
from agents.household_states import CAUSES as CAUSES  # re-exported: households' names
from agents.household_states import COHORT_EX_POOR as COHORT_EX_POOR
from agents.household_states import COHORT_GENERAL as COHORT_GENERAL
from agents.household_states import COHORT_MONITORED as COHORT_MONITORED
from agents.household_states import COHORTS as COHORTS
from agents.household_states import DEBT_DISTRESS as DEBT_DISTRESS
from agents.household_states import DISASTER as DISASTER
from agents.household_states import ENTERPRISE_LOSS as ENTERPRISE_LOSS
from agents.household_states import HOUSEHOLD_STATES
from agents.household_states import HOUSEHOLDS as HOUSEHOLDS
from agents.household_states import ILLNESS as ILLNESS
from agents.household_states import JOB_LOSS as JOB_LOSS
from agents.household_states import OTHER as OTHER
from agents.household_states import PRICE_FALL as PRICE_FALL
from agents.household_states import REST_OF_WORLD as REST_OF_WORLD
from agents.household_states import Assessment as Assessment
from agents.household_states import Payments as Payments
from agents.levels import PriceLevels
from agents.state import StateTable

if TYPE_CHECKING:
    import pandas as pd

    from simulation.scenario.loading import Scenario


class Households(StateTable, Farming, PovertyRecord):
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

    def basic_per_capita(self) -> np.ndarray:
        """Pensions and subsidies per member this year, at the year's levels (yuan per person per month).

        Low-capacity households get ``transfers.low_capacity_basic_per_capita`` (uprated by
        ``growth.low_capacity_transfers``), the others ``transfers.basic_per_capita`` (uprated
        by ``growth.transfers``).
        """
        transfers, levels = self.params.transfers, self.levels
        return np.where(
            self.low_capacity,
            transfers.low_capacity_basic_per_capita * levels.low_capacity_transfers,
            transfers.basic_per_capita * levels.transfers,
        )

    def subsistence(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Monthly subsistence spending of each household, or of ``rows`` (yuan)."""
        size = self.size if rows is None else self.size[rows]
        return self.params.consumption.subsistence_per_capita * self.levels.cpi * size

    def buffer(self) -> np.ndarray:
        """Cash a household aims to hold: a precautionary reserve plus next season's input bill (yuan)."""
        return self.params.consumption.buffer_months * self.subsistence() + self.input_bill()

    def workers_available(self) -> np.ndarray:
        """Working members this month (a sick worker stays home)."""
        return np.maximum(self.labour - (self.sick_months > 0), 0.0)

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

    def to_frame(self) -> pd.DataFrame:
        """One row per household: traits, money, income, poverty history, cover and credit (a copy).

        The columns, their units and meanings are listed in ``agents.household_table.COLUMNS``.
        """
        from agents.household_table import household_frame

        return household_frame(self)
