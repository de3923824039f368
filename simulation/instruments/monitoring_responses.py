"""The monitoring system's responses to flagged households, in the order they are given.

Each response is registered in ``simulation.engine.registry.RESPONSES`` and paid through the
ledger: monthly assistance closing part of the observed gap to the monitoring line,
restructuring of loans in arrears, enrolment in anti-poverty insurance, and job placement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.households import REST_OF_WORLD
from simulation.engine.registry import RESPONSES, BudgetLine, Response
from simulation.instruments.insurance.anti_poverty import enrol_households

if TYPE_CHECKING:
    from simulation.instruments.monitoring import MonitoringSystem


def assist(system: MonitoringSystem, flagged: np.ndarray, month: int, placement_draw: np.ndarray) -> None:
    """Assistance closes part of the gap seen at the household's last review (share by region and group)."""
    hh = system.households
    share = system.differentiation.values("monitoring.responses.assistance_share")[flagged]
    gap = np.maximum(system.monitoring_line - system.observed_income[flagged], 0.0)
    assistance = share * gap * hh.size[flagged] / 12.0
    system.month_stats["assistance"] = system.government.pay_households("assistance", hh, assistance, flagged)


def restructure_loans(system: MonitoringSystem, flagged: np.ndarray, month: int, placement_draw: np.ndarray) -> None:
    """Loans in arrears of flagged households are extended."""
    months = system.terms.responses.extension_months
    system.month_stats["restructured"] = float(system.credit.restructure_arrears(flagged, months, month))


def enrol_in_insurance(system: MonitoringSystem, flagged: np.ndarray, month: int, placement_draw: np.ndarray) -> None:
    """Flagged households are enrolled in anti-poverty insurance (government pays the premium)."""
    enrol_households(system.insurance, flagged)


def place_in_jobs(system: MonitoringSystem, flagged: np.ndarray, month: int, placement_draw: np.ndarray) -> None:
    """Jobless flagged households are placed in work at the placement rate (by region and group)."""
    hh, responses = system.households, system.terms.responses
    rate = system.differentiation.values("monitoring.responses.job_placement_rate")
    jobless = flagged[hh.jobless_months[flagged] > 0]
    placed = jobless[placement_draw[jobless] < rate[jobless]]
    hh.place_in_jobs(placed)
    system.government.pay_to("job_placement", REST_OF_WORLD, responses.placement_cost * placed.size)
    system.month_stats["placements"] = float(placed.size)


RESPONSES.register(Response("assistance", assist, budget_lines=(BudgetLine("assistance", "assistance", "帮扶救助"),)))
RESPONSES.register(Response("loan_extension", restructure_loans, applies=lambda terms: terms.responses.extend_loans))
RESPONSES.register(
    Response(
        "anti_poverty_enrolment",
        enrol_in_insurance,
        applies=lambda terms: terms.responses.enrol_anti_poverty_insurance,
    )
)
RESPONSES.register(
    Response("job_placement", place_in_jobs, budget_lines=(BudgetLine("job_placement", "job placement", "就业帮扶"),))
)
