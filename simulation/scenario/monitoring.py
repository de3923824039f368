"""Scenario sections of dynamic monitoring, early warning and responses."""

from __future__ import annotations

from typing import Literal

from simulation.scenario.base import Section, field


class DataSharing(Section):
    """Data the monitoring system receives from other departments and the banks."""

    emergency: bool = field(
        False,
        "",
        "Emergency department: every household in a disaster region is reviewed the month the disaster is known",
    )
    agriculture: bool = field(
        False, "", "Agriculture department: households with a harvest loss are reviewed at harvest (agriculture_recall)"
    )
    agriculture_recall: float = field(
        0.9, "share", "Share of households with a crop loss the agriculture data reach", ge=0, le=1
    )
    health: bool = field(
        False,
        "",
        "Medical insurance data: households with large out-of-pocket bills are reviewed, and their bills "
        "(rigid expenditure) are seen",
    )
    credit: bool = field(False, "", "Banks' data: households with loans in arrears are reviewed")


class LoanUse(Section):
    """Monitoring of loan use (diversion itself is a household behaviour: credit.demand.diversion_probability)."""

    monitored: bool = field(False, "", "Whether banks check loan use with transaction data")
    detection_rate: float = field(0.8, "share", "Chance a diversion is detected when loan use is monitored", ge=0, le=1)
    response: Literal["counselling", "recall"] = field(
        "counselling", "", "counselling (the household invests after all) or recall (the loan falls due at once)"
    )


class Responses(Section):
    """What happens to a flagged household."""

    assistance_share: float = field(
        0.5,
        "share of the gap",
        "Monthly assistance: this share of the gap between the household's income and the monitoring line",
        ge=0,
        le=1,
    )
    extend_loans: bool = field(True, "", "Restructure flagged borrowers' loans that are in arrears")
    extension_months: int = field(12, "months", "Months added to a restructured loan", ge=0, le=60)
    enrol_anti_poverty_insurance: bool = field(
        True, "", "Enrol flagged households in anti-poverty insurance (when the county buys it)"
    )
    job_placement_rate: float = field(
        0.3, "per month", "Chance a flagged household without migrant work is placed in a job", ge=0, le=1
    )
    placement_cost: float = field(800.0, "yuan per placement", "Cost of a job placement paid by government", ge=0)


class Monitoring(Section):
    """Dynamic monitoring: households flagged from what the system can observe, never from true income."""

    enabled: bool = field(False, "", "Whether the county runs dynamic monitoring")
    review_rate: float = field(
        0.4,
        "share per month",
        "Chance a household's situation is reviewed in a month (village cadres' visits, income declarations)",
        ge=0,
        le=1,
    )
    income_report_error_sd: float = field(
        0.25, "log-sd", "Error of the income a review observes (reported, not true, income)", ge=0, le=3
    )
    rigid_expenditure_share: float = field(
        0.5,
        "x observed income",
        "Out-of-pocket medical bills over the last 12 months, as a share of observed income, that flag a "
        "household seen to bear them (rigid expenditure)",
        ge=0,
    )
    detection_lag_months: int = field(
        2, "months", "Months a household must have looked at risk in reviews before it is flagged", ge=0, le=24
    )
    operating_cost: float = field(
        2.0, "yuan per household per month", "Cost of the monitoring system (data, staff)", ge=0
    )
    data_sharing: DataSharing = DataSharing()
    loan_use: LoanUse = LoanUse()
    responses: Responses = Responses()
