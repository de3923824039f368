"""Scenario sections of dynamic monitoring, early warning and responses."""

from __future__ import annotations

from pydantic import model_validator

from simulation.schema_base import Section, field


class DataSharing(Section):
    """Data the monitoring system receives from other departments."""

    emergency: bool = field(
        False,
        "",
        "Emergency department: households in a disaster region are known the same "
        "month (detected with certainty, no lag)",
    )
    agriculture: bool = field(
        False,
        "",
        "Agriculture department: harvest losses are known at harvest (recall of "
        "households with a crop loss raised to agriculture_recall)",
    )
    agriculture_recall: float = field(
        0.9, "share", "Recall for households with a crop loss when agriculture data are shared", ge=0, le=1
    )


class LoanUse(Section):
    """Monitoring of loan use (diversion itself is a household behaviour: credit.demand.diversion_probability)."""

    monitored: bool = field(False, "", "Whether banks check loan use with transaction data")
    detection_rate: float = field(0.8, "share", "Chance a diversion is detected when loan use is monitored", ge=0, le=1)
    response: str = field(
        "counselling", "", "counselling (the household invests after all) or recall (the loan falls due at once)"
    )

    @model_validator(mode="after")
    def _response(self) -> LoanUse:
        if self.response not in ("counselling", "recall"):
            raise ValueError("response must be counselling or recall")
        return self


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
    """Dynamic monitoring: detection of households at risk, with stated recall, false positives and lag."""

    enabled: bool = field(False, "", "Whether the county runs dynamic monitoring")
    recall: float = field(0.6, "share per month", "Chance a household truly at risk is flagged in a month", ge=0, le=1)
    false_positive_rate: float = field(0.01, "share per month", "Chance a household not at risk is flagged", ge=0, le=1)
    detection_lag_months: int = field(
        2, "months", "Months a household must have been at risk before it can be detected", ge=0, le=24
    )
    operating_cost: float = field(
        2.0, "yuan per household per month", "Cost of the monitoring system (data, staff)", ge=0
    )
    data_sharing: DataSharing = DataSharing()
    loan_use: LoanUse = LoanUse()
    responses: Responses = Responses()
