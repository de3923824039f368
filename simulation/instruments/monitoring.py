"""Dynamic monitoring: early warning on households at risk, and the responses to a flag.

The system never sees true income. Each month a share of households is reviewed
(``review_rate``, which may differ by region and group: village cadres' visits and income
declarations) and their income is observed with a reporting error. Shared data bring more
households under review: the emergency department's (every household of a region hit by a
disaster this year), the agriculture department's (households with a harvest loss, with
``agriculture_recall``), medical insurance's (households billed this month, whose
out-of-pocket bills of the last 12 months are then seen as rigid expenditure) and the
banks' (households with a loan in arrears, which then count as at risk). A review that sees
observed income below the monitoring line (or seen bills above ``rigid_expenditure_share``
of observed income, or arrears) flags the household once it has looked at risk for
``detection_lag_months`` (data-sharing reviews flag at once); a review that sees no risk
lifts the flag. Precision and recall against true income emerge and are measured. Responses,
each paid through the ledger: monthly assistance closing part of the observed gap to the
monitoring line, restructuring of loans in arrears, enrolment in anti-poverty insurance,
and job placement.
"""

from __future__ import annotations

import numpy as np

import simulation.instruments.monitoring_responses  # noqa: F401  (registers the responses, in order)
from agents.government import BudgetLine, Government
from agents.households import REST_OF_WORLD, Households
from simulation.engine.month import MonthContext
from simulation.engine.registry import RESPONSES, Metric
from simulation.instruments.credit.market import CreditMarket
from simulation.instruments.insurance.market import InsuranceMarket
from simulation.scenario.differentiation import Differentiation
from simulation.scenario.loading import Scenario

# what government pays to run the monitoring system (its responses declare theirs)
MONITORING_LINES = (BudgetLine("monitoring_operations", "monitoring operations", "监测运行"),)
# what the monitoring system reports each month
MONITORING_METRICS: tuple[Metric, ...] = (
    Metric(
        "flagged_households",
        "households",
        "Households monitored (flagged and not yet back above the monitoring line)",
        "last_year",
    ),
    Metric("new_flags", "flags", "Flags raised this month (a household already monitored may be flagged again)", "sum"),
    Metric(
        "monitoring_precision",
        "share",
        "Monitored households truly at risk (below the monitoring line)",
        "last_year",
        better="higher",
    ),
    Metric("monitoring_recall", "share", "Households at risk that are monitored", "last_year", better="higher"),
    Metric(
        "relapses_flagged_share",
        "share",
        "Relapses at the assessment that had been flagged beforehand (0 in other months)",
        "assessments",
        better="higher",
    ),
    Metric(
        "monitoring_lead_months",
        "months",
        "Mean months from first flag to the assessment, over flagged relapses (0 in other months)",
        "assessments",
        better="higher",
    ),
    Metric("assistance_paid", "yuan", "Targeted assistance paid to monitored households", "sum"),
    Metric("loans_restructured", "loans", "Loans in arrears restructured for monitored households", "sum"),
    Metric("job_placements", "households", "Monitored households placed in a job", "sum"),
)


class MonitoringSystem:
    """The county's monitoring and assistance system (run by the government)."""

    def __init__(
        self,
        scenario: Scenario,
        households: Households,
        government: Government,
        credit: CreditMarket,
        insurance: InsuranceMarket,
        differentiation: Differentiation,
    ) -> None:
        self.params = scenario
        self.terms = scenario.monitoring
        self.households = households
        self.government = government
        self.credit = credit
        self.insurance = insurance
        self.differentiation = differentiation
        n = households.n
        self.seen_at_risk_since = np.full(n, -1, np.int32)  # month reviews first showed risk (-1: not at risk)
        self.monitored = np.zeros(n, bool)
        self.observed_income = np.zeros(n)  # per-capita income seen at the last review that found a risk
        self.first_flag = np.full(n, -1, np.int32)  # month first flagged since the last assessment
        self.at_risk = np.zeros(n, bool)
        self.warning = (0.0, 0.0)  # at the last assessment: share of relapses flagged beforehand, mean months
        self.month_stats: dict[str, float] = {}

    @property
    def monitoring_line(self) -> float:
        """Per-capita income below which a household is at risk (yuan per person per year)."""
        return self.households.levels.monitoring_line

    def monitor(self, context: MonthContext) -> None:
        """The month's reviews and responses, on full-length draws (detection, placement, reporting error)."""
        s, n = context.streams, self.households.n
        detection, placement = s.monitoring.random(n), s.monitoring.random(n)
        error = s.report_error.standard_normal(n, dtype=np.float32)
        self.review(context.month, context.weather.loss, detection, placement, error)

    def review(
        self,
        month: int,
        region_loss: np.ndarray,
        detection_draw: np.ndarray,
        placement_draw: np.ndarray,
        report_error: np.ndarray,
    ) -> None:
        """Review households, flag or unflag them on what is observed, and respond to those monitored.

        ``report_error`` is a standard normal per household (the reporting error of a review).
        """
        hh = self.households
        self.at_risk = hh.income_pc < self.monitoring_line  # the truth, for measuring recall and precision only
        self.month_stats = dict.fromkeys(("assistance", "restructured", "placements", "new_flags"), 0.0)
        if not self.terms.enabled:
            return
        reviewed, at_once = self.reviews(region_loss, detection_draw)
        sd = self.terms.income_report_error_sd
        observed = hh.income_pc_of(reviewed) * np.exp(sd * report_error[reviewed] - 0.5 * sd**2)
        looks = self.looks_at_risk(reviewed, observed)
        risky, clear = reviewed[looks], reviewed[~looks]
        self.observed_income[risky] = observed[looks]  # kept for assistance while the household is monitored
        self.seen_at_risk_since[clear] = -1
        self.monitored[clear] = False
        since = self.seen_at_risk_since[risky]
        self.seen_at_risk_since[risky] = np.where(since < 0, month, since)
        ripe = (month - self.seen_at_risk_since[risky] >= self.terms.detection_lag_months) | at_once[looks]
        flagged_now = risky[ripe & ~self.monitored[risky]]
        self.monitored[flagged_now] = True
        self.first_flag[flagged_now[self.first_flag[flagged_now] < 0]] = month
        self.month_stats["new_flags"] = float(flagged_now.size)
        self.respond(month, placement_draw)

    def reviews(self, region_loss: np.ndarray, draw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The households reviewed this month (ascending), and which of them came through shared data."""
        hh, sharing = self.households, self.terms.data_sharing
        routine = draw < self.differentiation.values("monitoring.review_rate")
        shared = np.zeros(hh.n, bool)
        if sharing.emergency and (region_loss > 0).any():
            shared |= (region_loss > 0)[hh.region]  # a region hit by a disaster this year
        if sharing.agriculture:
            lost = np.flatnonzero(hh.crop_loss_month > 0)
            shared[lost[draw[lost] < sharing.agriculture_recall]] = True
        if sharing.health:
            shared[hh.billed] = True
        self.in_arrears = np.zeros(0, np.int64)
        if sharing.credit:
            self.in_arrears = self.credit.households_in_arrears()
            shared[self.in_arrears] = True
        reviewed = np.flatnonzero(routine | shared)
        return reviewed, shared[reviewed]

    def looks_at_risk(self, reviewed: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """Of the reviewed households, those whose observed situation (``observed`` income) shows a risk of poverty."""
        hh, sharing = self.households, self.terms.data_sharing
        looks = observed < self.monitoring_line
        if reviewed.size == 0:
            return looks
        if sharing.health:  # bills seen through medical insurance data: rigid expenditure
            income = np.maximum(observed * hh.size[reviewed], 0.0)
            looks |= hh.medical_12m[reviewed] > self.terms.rigid_expenditure_share * income
        if sharing.credit:  # reviewed is ascending: the households in arrears are found by a binary search
            at = np.minimum(np.searchsorted(reviewed, self.in_arrears), max(reviewed.size - 1, 0))
            looks[at[reviewed[at] == self.in_arrears]] = True
        return looks

    def respond(self, month: int, placement_draw: np.ndarray) -> None:
        """Assistance, loan restructuring, insurance enrolment and job placement for monitored households."""
        hh = self.households
        flagged = np.flatnonzero(self.monitored)
        self.government.pay_to("monitoring_operations", REST_OF_WORLD, self.terms.operating_cost * hh.n)
        if flagged.size == 0:
            return
        for response in RESPONSES:
            if response.applies(self.terms):
                response.respond(self, flagged, month, placement_draw)

    def lead_time(self, relapses: np.ndarray, month: int) -> tuple[float, float]:
        """At an assessment: share of relapses flagged beforehand, and their mean months of warning (kept)."""
        flagged_before = relapses & (self.first_flag >= 0)
        share = float(flagged_before.sum() / relapses.sum()) if relapses.any() else 0.0
        lead = float(np.mean(month - self.first_flag[flagged_before])) if flagged_before.any() else 0.0
        self.first_flag = np.where(self.monitored, self.first_flag, -1)
        self.warning = (share, lead)
        return share, lead

    def measure(self, assessed: bool = False) -> dict[str, float]:
        """Monitoring outcomes of the month (the warning given before relapses in an assessment month only)."""
        true_flags = float((self.monitored & self.at_risk).sum())
        flagged = float(self.monitored.sum())
        at_risk = float(self.at_risk.sum())
        return {
            "flagged_households": flagged,
            "new_flags": self.month_stats.get("new_flags", 0.0),
            "monitoring_precision": true_flags / flagged if flagged else 0.0,
            "monitoring_recall": true_flags / at_risk if at_risk else 0.0,
            "relapses_flagged_share": self.warning[0] if assessed else 0.0,
            "monitoring_lead_months": self.warning[1] if assessed else 0.0,
            "assistance_paid": self.month_stats.get("assistance", 0.0),
            "loans_restructured": self.month_stats.get("restructured", 0.0),
            "job_placements": self.month_stats.get("placements", 0.0),
        }
