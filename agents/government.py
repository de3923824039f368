"""The county government: transfers, the minimum living guarantee and its budget lines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from agents.households import HOUSEHOLDS, REST_OF_WORLD
from agents.population import GROUP_EX_POOR
from agents.state import State

if TYPE_CHECKING:
    from agents.households import Households, Payments
    from simulation.scenario.loading import Scenario, Transfers

GOVERNMENT = "government"


@dataclass(frozen=True)
class BudgetLine:
    """A budget line the government pays under (a ledger kind), with its chart labels in English and Chinese.

    Declared by what pays under it (the government's own here; instruments declare theirs);
    its monthly spending is reported as the metric ``fiscal_<name>``.
    """

    name: str
    en: str
    zh: str


# The government's own budget lines (instruments declare theirs: credit.py, waterfall.py, insurance, monitoring)
GOVERNMENT_LINES = (
    BudgetLine("basic_transfers", "basic transfers", "基本转移支付"),
    BudgetLine("dibao", "dibao (minimum living guarantee)", "低保"),
    BudgetLine("medical_assistance", "medical assistance", "医疗救助"),
)


# the dibao record the government keeps on each household
DIBAO_STATES = (
    State("dibao", bool, False, "receives the minimum living guarantee (dibao)"),
    State("dibao_base_pc", np.float64, 0, "per-capita income without dibao at enrolment (yuan per person)"),
    State("dibao_year", np.float64, 0, "dibao top-ups paid since the last review (yuan)"),
)


class Government(mesa.Agent):
    """County government; each month's deficit is funded by higher levels (central transfers).

    Attributes:
        cash: county budget balance (yuan).
        spent: cumulative outlays by budget line (yuan).
    """

    def __init__(self, model: mesa.Model, transfers: Transfers, ledger: Payments) -> None:
        super().__init__(model)
        self.transfers = transfers
        self.ledger = ledger
        self.cash = 0.0
        self.spent: dict[str, float] = defaultdict(float)

    def pay_households(
        self, line: str, households: Households, amount: np.ndarray, rows: np.ndarray | None = None
    ) -> float:
        """Pay households under a budget line; the amount is also counted as their transfer income."""
        paid = self.ledger.pay(line, GOVERNMENT, HOUSEHOLDS, amount, payee_rows=rows)
        households.book_income("transfer", amount, rows)  # rows are distinct households
        self.spent[line] += paid
        return paid

    def pay_to(self, line: str, sector: str, amount: float) -> float:
        """Pay an institution under a budget line (a bank, the guarantor, the risk fund)."""
        paid = self.ledger.pay(line, GOVERNMENT, sector, amount)
        self.spent[line] += paid
        return paid

    def draw_central_funding(self) -> float:
        """Higher levels of government fund the county's outlays: the month's deficit is transferred in."""
        return self.ledger.pay("central_transfers", "rest_of_world", GOVERNMENT, max(-self.cash, 0.0))

    def pay_transfers(self, households: Households) -> None:
        """Monthly pensions and farm subsidies per person, and dibao top-ups to enrolled households."""
        basic = households.basic_per_capita()
        self.pay_households("basic_transfers", households, basic * households.size)
        enrolled = np.flatnonzero(households.dibao)
        if enrolled.size:
            gap = households.levels.dibao_standard - households.dibao_base_pc[enrolled]
            top_up = np.maximum(gap, 0.0) * households.size[enrolled] / 12.0
            self.pay_households("dibao", households, top_up, enrolled)
            households.dibao_year[enrolled] += top_up

    def enrol_dibao(
        self, households: Households, takeup_draw: np.ndarray, takeup: np.ndarray | float | None = None
    ) -> None:
        """At the annual assessment, review dibao: keep the still eligible, enrol some newly eligible.

        Eligible: per-capita income without dibao below the standard. Enrolled households
        stay while eligible; a newly eligible household enters with the take-up chance
        (exclusion errors are large: Golan, Sicular and Umapathi, World Development 2017).
        The benefit tops up the assessed income to the standard for the next 12 months.
        """
        base_pc = (households.income_12m - households.dibao_year) / households.size
        eligible = base_pc < households.levels.dibao_standard
        takeup = self.transfers.dibao_takeup if takeup is None else takeup
        households.dibao = eligible & (households.dibao | (takeup_draw < takeup))
        households.dibao_base_pc = base_pc
        households.dibao_year[:] = 0.0

    def pay_medical_assistance(self, households: Households, scenario: Scenario) -> float:
        """Medical assistance (the third layer): a share of this month's remaining bills of dibao households.

        With ``health.assistance_for_ex_poor`` the ex-poor (registered poor) are covered too.
        The government pays the providers; the household's bill falls by the same amount.
        """
        health = scenario.health
        billed = households.billed  # the few ill this month
        ex_poor = households.group[billed] == GROUP_EX_POOR
        covered = households.dibao[billed] | (health.assistance_for_ex_poor & ex_poor)
        rows = billed[covered]
        if rows.size == 0:
            return 0.0
        assistance = health.assistance_share * households.medical_due[rows]
        paid = self.ledger.pay("medical_assistance", GOVERNMENT, REST_OF_WORLD, float(assistance.sum()))
        households.medical_due[rows] -= assistance
        self.spent["medical_assistance"] += paid
        return paid
