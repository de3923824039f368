"""The columns ``Households`` owns: traits, money, work, income by source and poverty history.

Columns kept by a mechanism are declared by it (insurance cover in
``simulation/insurance_*.py``, the credit record in ``simulation/instruments/credit/market.py``, dibao in
``agents/government.py``). Income is booked by source through ``Households.book_income``.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np

from agents.state import State

COHORTS = ("ex_poor", "monitored", "general")  # cohorts fixed at month 0, as the monitoring system counts them
COHORT_EX_POOR, COHORT_MONITORED, COHORT_GENERAL = 0, 1, 2
# the monitoring system's risk types, by which a fall below the line is attributed
CAUSES = ("illness", "disaster", "job_loss", "price_fall", "enterprise_loss", "debt_distress", "other")
ILLNESS, DISASTER, JOB_LOSS, PRICE_FALL, ENTERPRISE_LOSS, DEBT_DISTRESS, OTHER = range(len(CAUSES))
HOUSEHOLDS = "households"  # the households' ledger sector
REST_OF_WORLD = "rest_of_world"
# sources of net income, in the order they are summed each month
INCOME_SOURCES = ("farm", "wage", "transfer", "insurance", "property")


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


HOUSEHOLD_STATES: tuple[State, ...] = (
    # static traits (filled by population synthesis)
    State("region", np.int8, 0, "region code: plain, hill, mountain"),
    State("village", np.int32, 0, "village index"),
    State("group", np.int8, 0, "registration group at synthesis: ex_poor, fringe, general"),
    State("size", np.float64, 1, "household members (persons)"),
    State("labour", np.float64, 0, "working-age members (persons)"),
    State("migrants", np.float64, 0, "members working as migrants (persons)"),
    State("land", np.float64, 0, "land contracted (mu)"),
    State("crop", np.int8, 0, "main crop code"),
    State("productivity", np.float64, 1, "farm productivity factor"),
    State("farms_own_land", bool, True, "farms its own land this year"),
    State("land_with_farm", bool, False, "operated by a family farm (its operator's, or leased to one)"),
    State("enterprise_job", bool, False, "one member works for the leading enterprise"),
    State("digital", bool, False, "smartphone and mobile payment (can apply online)"),
    State("low_capacity", bool, False, "ex-poor with little or no labour capacity, living on transfers"),
    # money and productive capital
    State("cash", np.float64, 0, "cash on hand (yuan)"),
    State("assets", np.float64, 0, "productive assets, book value (yuan)"),
    # production and work
    State("planted", np.float64, 0, "share of land planted this season"),
    State("season_inputs", np.float64, 0, "input cost of the season, charged at harvest (yuan)"),
    State("jobless_months", np.int16, 0, "months left without local or migrant work"),
    State("sick_months", np.int16, 0, "months left of an illness"),
    State("medical_due", np.float64, 0, "out-of-pocket medical bill due this month (yuan)"),
    State("medical_12m", np.float64, 0, "out-of-pocket bills of the last 12 months (yuan)"),
    State("shock_loss", np.float32, 0, "yuan lost to each risk type since the assessment", rows=len(CAUSES)),
    State("unmet_need", np.float64, 0, "subsistence and medical bills left unpaid this month (yuan)"),
    # income: this month by source, and the rolling 12 months
    State("income_month", np.float64, 0, "net income this month (yuan)"),
    State("income_ring", np.float64, 0, "net income of each of the last 12 months (yuan)", rows=12),
    State("income_12m", np.float64, 0, "net income of the last 12 months (yuan)"),
    State("farm_month", np.float64, 0, "farm and asset net income this month (yuan)"),
    State("wage_month", np.float64, 0, "wages this month (yuan)"),
    State("transfer_month", np.float64, 0, "government transfers this month (yuan)"),
    State("property_month", np.float64, 0, "land rent this month (yuan)"),
    State("insurance_month", np.float64, 0, "insurance claims paid this month (yuan)"),
    # harvest outcome of this month, read by insurance
    State("harvested_now", bool, False, "harvested this month"),
    State("yield_shortfall", np.float64, 0, "1 - yield factor at this month's harvest"),
    State("crop_loss_month", np.float64, 0, "yuan of produce lost to weather and luck"),
    # cohort (fixed at month 0) and poverty history, updated at the annual assessment
    State("cohort", np.int8, COHORT_GENERAL, "cohort fixed at month 0"),
    State("poor", bool, False, "below the line at the last assessment"),
    State("relapsed", bool, False, "ex-poor cohort: relapsed at least once"),
    State("assessed_income_pc", np.float64, 0, "per-capita income at the last assessment (yuan per person)"),
    # financed investment and what falls due next (the household's own view of its loans)
    State("invested", np.float64, 0, "financed investment in place (yuan)"),
    State("invest_return", np.float64, 0, "annual return of the financed investment"),
    State("pending_return", np.float64, 0, "return of the project an approved loan will finance"),
    State("loan_due", np.float64, 0, "loan instalments falling due next month (yuan)"),
)
