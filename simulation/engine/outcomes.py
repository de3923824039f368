"""Outcomes counted on the cohorts fixed at month 0, the causes of relapse, and the county's scale.

Relapse is counted the way the monitoring system counts it: on fixed cohorts set at month 0
(``ex_poor``: registered poor that had exited by end 2020; ``monitored``: the monitoring
objects at start by the rule's observable criteria; ``general``: everyone else), so a policy
that keeps the ex-poor below the line can never look like one that prevents relapse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agents.households import CAUSES, COHORT_EX_POOR, COHORT_GENERAL, COHORT_MONITORED, COHORTS, Assessment
from agents.population import GROUP_FRINGE
from simulation.engine.registry import Metric

if TYPE_CHECKING:
    from agents.households import Households
    from simulation.scenario.loading import Scenario

CAUSE_COLUMNS = ("year", "cohort", "event", "cause", "count")


def county_cohorts(hh: Households, scenario: Scenario, registered_poor: np.ndarray) -> np.ndarray:
    """Each household's cohort at month 0 (codes of ``COHORTS``).

    Registered poor households form the ex-poor cohort. Of the others, the monitoring objects
    by the 2020 rule's observable criteria are: fringe households (registered as such), and
    households below the monitoring line or whose out-of-pocket medical bills of the last 12
    months exceed ``monitoring.rigid_expenditure_share`` of their income (sudden hardship).
    """
    rigid = hh.medical_12m > scenario.monitoring.rigid_expenditure_share * np.maximum(hh.income_12m, 0.0)
    at_risk = (hh.income_pc < hh.levels.monitoring_line) | rigid | (hh.group == GROUP_FRINGE)
    cohort = np.where(at_risk, COHORT_MONITORED, COHORT_GENERAL)
    return np.where(registered_poor, COHORT_EX_POOR, cohort).astype(np.int8)


# what the cohorts report each month (relapse and new poverty on the cohorts fixed at month 0)
COHORT_METRICS: tuple[Metric, ...] = (
    Metric(
        "relapse_rate",
        "share per year",
        "Annual relapse hazard: ex-poor cohort households above the line at the previous assessment and "
        "below it at this one, over those above it (assessment months only; 0 in other months)",
        "assessments",
        better="lower",
    ),
    Metric(
        "relapse_count",
        "households",
        "Ex-poor cohort households relapsing at this assessment (0 in other months)",
        "sum",
        better="lower",
    ),
    Metric(
        "ever_relapsed_share",
        "share of households",
        "Ex-poor cohort households that have relapsed at least once since month 0",
        "last",
        better="lower",
    ),
    Metric(
        "cohort_poverty_rate",
        "share of persons",
        "Persons of the ex-poor cohort below the poverty line (rolling 12-month income)",
        "last_year",
        better="lower",
    ),
    Metric(
        "new_poor_count",
        "households",
        "Never-registered households (monitored and general cohorts) above the line at the previous "
        "assessment and below it at this one (0 in other months)",
        "sum",
        better="lower",
    ),
    Metric(
        "new_poor_rate",
        "share per year",
        "new_poor_count over the never-registered households above the line at the previous assessment "
        "(assessment months only)",
        "assessments",
        better="lower",
    ),
    Metric(
        "poverty_person_years",
        "person-years",
        "Persons below the poverty line, whole county, counted as 1/12 of a person-year each month",
        "sum",
        better="lower",
    ),
    Metric(
        "cohort_income_pc",
        "yuan per person per year",
        "Mean rolling 12-month per-capita net income of the ex-poor cohort (its December value is the calendar "
        "year's income; the official figure for registered and lifted-out people)",
        "last_year",
        better="higher",
    ),
)


class CohortOutcomes:
    """The headline poverty outcomes on the fixed cohorts, and relapse causes by assessment."""

    def __init__(self, households: Households) -> None:
        self.households = households
        self.ex_poor = households.cohort == COHORT_EX_POOR
        self.ex_poor_persons = max(float(households.size[self.ex_poor].sum()), 1.0)
        self.ex_poor_households = max(int(self.ex_poor.sum()), 1)
        self.persons = float(households.size.sum())
        self.cause_rows: list[tuple[int, str, str, str, int]] = []
        self.no_relapses = np.zeros(households.n, bool)
        self.new_year()

    def new_year(self) -> None:
        """After an assessment: who can relapse until the next, and how many have ever relapsed."""
        hh = self.households
        self.relapse_base = self.ex_poor & ~hh.poor
        self.ever_relapsed = int(np.count_nonzero(hh.relapsed & self.ex_poor))

    def measure(self, assessment: Assessment | None, line: float, income_pc: np.ndarray) -> dict[str, float]:
        """This month's cohort outcomes (relapse and new poverty only in assessment months, else 0).

        ``income_pc`` is the households' rolling per-capita income (``Households.income_pc``).
        """
        hh = self.households
        assessed = hh.assessed_income if hh.params.poverty.deduct_medical_costs else income_pc
        poor = np.flatnonzero(assessed < line)  # few: sums run over them only
        persons_poor = hh.size[poor]
        outcomes = {
            "ever_relapsed_share": self.ever_relapsed / self.ex_poor_households,
            "cohort_income_pc": float(hh.income_12m[self.ex_poor].sum() / self.ex_poor_persons),
            "cohort_poverty_rate": float(persons_poor[self.ex_poor[poor]].sum() / self.ex_poor_persons),
            "poverty_person_years": float(persons_poor.sum() / 12.0),
            "relapse_rate": 0.0,
            "relapse_count": 0.0,
            "new_poor_count": 0.0,
            "new_poor_rate": 0.0,
        }
        if assessment is not None:
            relapses, new_poor = int(assessment.relapses.sum()), int(assessment.new_poor.sum())
            outcomes.update(
                relapse_rate=relapses / max(int(assessment.relapse_base.sum()), 1),
                relapse_count=float(relapses),
                new_poor_count=float(new_poor),
                new_poor_rate=new_poor / max(int(assessment.new_poor_base.sum()), 1),
            )
        return outcomes

    def headcount_net_of_medical(self, line: float, income_pc: np.ndarray) -> float:
        """Share of persons whose income less 12 months of out-of-pocket medical bills is below the line."""
        hh = self.households
        billed = np.flatnonzero(hh.medical_12m > 0)  # a few percent of households in a year
        net = income_pc[billed] - hh.medical_12m[billed] / hh.size[billed]
        pushed_below = billed[(net < line) & (income_pc[billed] >= line)]
        persons = hh.size[income_pc < line].sum() + hh.size[pushed_below].sum()
        return float(persons / self.persons)

    def record_causes(self, assessment: Assessment, calendar_year: int) -> None:
        """Attribute this assessment's relapses and new poor to risk types, by cohort."""
        hh = self.households
        for event, mask in (("relapse", assessment.relapses), ("new_poor", assessment.new_poor)):
            rows = np.flatnonzero(mask)
            cohorts = (COHORT_EX_POOR,) if event == "relapse" else (COHORT_MONITORED, COHORT_GENERAL)
            counts = np.bincount(
                hh.cohort[rows].astype(np.int64) * len(CAUSES) + hh.causes_of(rows),
                minlength=len(COHORTS) * len(CAUSES),
            ).reshape(len(COHORTS), len(CAUSES))
            for cohort in cohorts:
                for cause, name in enumerate(CAUSES):
                    self.cause_rows.append((calendar_year, COHORTS[cohort], event, name, int(counts[cohort, cause])))

    def causes_table(self) -> pd.DataFrame:
        """One row per (calendar year, cohort, event, cause): the count of households."""
        table = pd.DataFrame(self.cause_rows, columns=list(CAUSE_COLUMNS))
        return table.astype({"year": np.int64, "count": np.int64})


def scaled_to_county(scenario: Scenario) -> Scenario:
    """The scenario with the institutions' capital scaled to the county's size (``population.scale_institutions``).

    Banks', guarantor's, re-guarantor's and insurer's capital and the risk fund's size and
    replenishment are written for ``population.institutions_sized_for`` households; a county
    of another size gets them in proportion, so it is the same economy, only bigger.
    """
    pop = scenario.population
    factor = pop.households / pop.institutions_sized_for if pop.scale_institutions else 1.0
    if factor == 1.0:
        return scenario

    def scaled(section, **fields):
        return section.model_copy(update={k: getattr(section, k) * factor for k in fields})

    g, ins = scenario.guarantee, scenario.insurance
    return scenario.model_copy(
        update={
            "credit": scenario.credit.model_copy(
                update={"banks": [scaled(b, capital=1) for b in scenario.credit.banks]}
            ),
            "guarantee": g.model_copy(
                update={"guarantor": scaled(g.guarantor, capital=1), "reguarantor": scaled(g.reguarantor, capital=1)}
            ),
            "insurance": ins.model_copy(update={"insurer": scaled(ins.insurer, capital=1)}),
            "risk_fund": scaled(scenario.risk_fund, size=1, replenishment=1),
        }
    )
