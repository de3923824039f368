"""Dynamic monitoring: early warning on households at risk, and the responses to a flag.

A household is truly at risk when its rolling 12-month per-capita net income is below the
monitoring line. Each month the system flags a household truly at risk — once it has been
at risk for ``detection_lag_months`` — with chance ``recall`` (which may differ by region
and group), and flags a household not at risk with chance ``false_positive_rate``.
Data shared by the emergency department make households in a disaster region detectable
at once and with certainty; agriculture data do the same for households with a crop loss,
with their own recall. A flagged household stays monitored until its income is back above
the monitoring line. Responses, each paid through the ledger: monthly assistance closing
part of the gap to the monitoring line, restructuring of loans in arrears, enrolment in
anti-poverty insurance, and job placement.
"""

from __future__ import annotations

import numpy as np

from agents.government import Government
from agents.households import REST_OF_WORLD, Households
from simulation.credit import CreditMarket
from simulation.differentiation import Differentiation
from simulation.insurance import InsuranceMarket
from simulation.scenario import Scenario


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
        self.months_at_risk = np.zeros(n, np.int16)
        self.monitored = np.zeros(n, bool)
        self.first_flag = np.full(n, -1, np.int32)  # month first flagged since the last assessment
        self.at_risk = np.zeros(n, bool)
        self.month_stats: dict[str, float] = {}

    @property
    def monitoring_line(self) -> float:
        """Per-capita income below which a household is at risk (yuan per person per year)."""
        return self.params.poverty.line * self.params.poverty.monitoring_multiple

    def monitor(
        self, month: int, region_loss: np.ndarray, detection_draw: np.ndarray, placement_draw: np.ndarray
    ) -> None:
        """Update who is at risk, flag households, and respond to those monitored."""
        hh = self.households
        self.at_risk = hh.income_pc < self.monitoring_line
        self.months_at_risk += np.int16(1)  # in place: one more month at risk, or back to 0
        self.months_at_risk *= self.at_risk
        self.month_stats = dict.fromkeys(("assistance", "restructured", "placements", "new_flags"), 0.0)
        if not self.terms.enabled:
            return
        new_flags = self.detect(region_loss, detection_draw)
        flagged_now = np.flatnonzero(new_flags)  # few
        self.first_flag[flagged_now[self.first_flag[flagged_now] < 0]] = month
        self.monitored &= self.at_risk
        self.monitored |= new_flags
        self.month_stats["new_flags"] = float(flagged_now.size)
        self.respond(month, placement_draw)

    def detect(self, region_loss: np.ndarray, draw: np.ndarray) -> np.ndarray:
        """This month's flags: true risks detected with the recall, false alarms at the false-positive rate."""
        hh, terms, sharing = self.households, self.terms, self.terms.data_sharing
        # households not at risk are flagged by false alarms; those at risk (a minority) are looked at one by one
        flags = draw < terms.false_positive_rate
        risk = np.flatnonzero(self.at_risk)
        recall = self.differentiation.values("monitoring.recall")[risk]
        detectable = self.months_at_risk[risk] > terms.detection_lag_months
        if sharing.emergency and (region_loss > 0).any():
            # the emergency department reports households in a disaster region the same month
            hit = (region_loss > 0)[hh.region[risk]]
            detectable |= hit
            recall = np.where(hit, 1.0, recall)
        if sharing.agriculture:
            # the agriculture department reports harvest losses
            lost = hh.crop_loss_month[risk] > 0
            detectable |= lost
            recall = np.where(lost, np.maximum(recall, sharing.agriculture_recall), recall)
        flags[risk] = detectable & (draw[risk] < recall)
        return flags

    def respond(self, month: int, placement_draw: np.ndarray) -> None:
        """Assistance, loan restructuring, insurance enrolment and job placement for monitored households."""
        hh, responses = self.households, self.terms.responses
        flagged = np.flatnonzero(self.monitored)
        self.government.pay_to("monitoring_operations", REST_OF_WORLD, self.terms.operating_cost * hh.n)
        if flagged.size == 0:
            return
        share = self.differentiation.values("monitoring.responses.assistance_share")[flagged]
        gap = np.maximum(self.monitoring_line - hh.income_pc_of(flagged), 0.0)
        assistance = share * gap * hh.size[flagged] / 12.0
        self.month_stats["assistance"] = self.government.pay_households("assistance", hh, assistance, flagged)
        if responses.extend_loans:
            self.month_stats["restructured"] = float(
                self.credit.restructure_arrears(flagged, responses.extension_months, month)
            )
        if responses.enrol_anti_poverty_insurance:
            self.insurance.enrol_households(flagged)
        rate = self.differentiation.values("monitoring.responses.job_placement_rate")
        jobless = flagged[hh.jobless_months[flagged] > 0]
        placed = jobless[placement_draw[jobless] < rate[jobless]]
        hh.jobless_months[placed] = 0
        self.government.pay_to("job_placement", REST_OF_WORLD, responses.placement_cost * placed.size)
        self.month_stats["placements"] = float(placed.size)

    def lead_time(self, relapses: np.ndarray, month: int) -> tuple[float, float]:
        """At an assessment: share of relapses flagged beforehand, and their mean months of warning."""
        flagged_before = relapses & (self.first_flag >= 0)
        share = float(flagged_before.sum() / relapses.sum()) if relapses.any() else 0.0
        lead = float(np.mean(month - self.first_flag[flagged_before])) if flagged_before.any() else 0.0
        self.first_flag = np.where(self.monitored, self.first_flag, -1)
        return share, lead

    def measure(self) -> dict[str, float]:
        """Monitoring outcomes of the month."""
        true_flags = float((self.monitored & self.at_risk).sum())
        flagged = float(self.monitored.sum())
        at_risk = float(self.at_risk.sum())
        return {
            "flagged_households": flagged,
            "new_flags": self.month_stats.get("new_flags", 0.0),
            "monitoring_precision": true_flags / flagged if flagged else 0.0,
            "monitoring_recall": true_flags / at_risk if at_risk else 0.0,
            "assistance_paid": self.month_stats.get("assistance", 0.0),
            "loans_restructured": self.month_stats.get("restructured", 0.0),
            "job_placements": self.month_stats.get("placements", 0.0),
        }
