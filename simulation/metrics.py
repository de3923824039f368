"""Outcome measures: the formulas, and the registry of every reported metric.

Poverty measures are over persons (each household weighted by its size) on rolling
12-month per-capita net income. Each metric declares how a run is summarised
(``sum`` over the horizon, mean over the ``last_year``, mean over the annual
``assessments``, the ``last`` month's value, ``max`` or ``min``). Relapse and new poverty are counted
on the cohorts fixed at month 0 (``simulation/outcomes.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Metric:
    """A reported outcome: its unit, meaning and how a run is summarised."""

    name: str
    unit: str
    description: str
    summary: str  # "sum" | "last_year" | "assessments" | "last" | "max" | "min"
    built: bool = True  # False: the mechanism behind it is not simulated yet (always 0)


METRICS: tuple[Metric, ...] = (
    Metric(
        "relapse_rate",
        "share per year",
        "Annual relapse hazard: ex-poor cohort households above the line at the previous assessment and "
        "below it at this one, over those above it (assessment months only; 0 in other months)",
        "assessments",
    ),
    Metric(
        "relapse_count",
        "households",
        "Ex-poor cohort households relapsing at this assessment (0 in other months)",
        "sum",
    ),
    Metric(
        "ever_relapsed_share",
        "share of households",
        "Ex-poor cohort households that have relapsed at least once since month 0",
        "last",
    ),
    Metric(
        "cohort_poverty_rate",
        "share of persons",
        "Persons of the ex-poor cohort below the poverty line (rolling 12-month income)",
        "last_year",
    ),
    Metric(
        "new_poor_count",
        "households",
        "Never-registered households (monitored and general cohorts) above the line at the previous "
        "assessment and below it at this one (0 in other months)",
        "sum",
    ),
    Metric(
        "new_poor_rate",
        "share per year",
        "new_poor_count over the never-registered households above the line at the previous assessment "
        "(assessment months only)",
        "assessments",
    ),
    Metric(
        "poverty_person_years",
        "person-years",
        "Persons below the poverty line, whole county, counted as 1/12 of a person-year each month",
        "sum",
    ),
    Metric(
        "cohort_income_pc",
        "yuan per person per year",
        "Mean rolling 12-month per-capita net income of the ex-poor cohort (its December value is the calendar "
        "year's income; the official figure for registered and lifted-out people)",
        "last_year",
    ),
    Metric(
        "dibao_share",
        "share of persons",
        "Persons in households enrolled in the minimum living guarantee (dibao)",
        "last_year",
    ),
    Metric("poverty_headcount", "share of persons", "FGT(0): persons below the poverty line", "last_year"),
    Metric("poverty_gap", "share of line", "FGT(1): mean shortfall below the line, over all persons", "last_year"),
    Metric("poverty_severity", "share of line squared", "FGT(2): squared shortfall, over all persons", "last_year"),
    Metric(
        "poverty_headcount_net_of_medical",
        "share of persons",
        "Expenditure-adjusted: persons whose income less 12 months of out-of-pocket medical bills is under the line",
        "last_year",
    ),
    Metric("at_risk_share", "share of persons", "Persons below the monitoring line (including the poor)", "last_year"),
    Metric("calendar_year", "year", "Calendar year of the month (2021 for months 1-12 by default)", "max"),
    Metric(
        "poverty_line", "yuan per person per year", "Poverty line of the year (uprated by growth rules)", "last_year"
    ),
    Metric("mean_income_pc", "yuan per person per year", "Mean rolling 12-month per-capita net income", "last_year"),
    Metric(
        "farm_income_pc", "yuan per person per year", "Farm and asset net income this month, annualised", "last_year"
    ),
    Metric("wage_income_pc", "yuan per person per year", "Wage income this month, annualised", "last_year"),
    Metric(
        "transfer_income_pc", "yuan per person per year", "Government transfers this month, annualised", "last_year"
    ),
    Metric("gini", "index 0-1", "Gini of per-capita income over persons (incomes floored at 0)", "last_year"),
    Metric("distress_sales", "yuan", "Productive assets sold in distress (book value)", "sum"),
    Metric(
        "unmet_need_share",
        "share of households",
        "Households that could not pay subsistence and medical bills",
        "last_year",
    ),
    Metric("disaster_regions", "regions", "Regions hit by a disaster season this year", "last_year"),
    Metric(
        "credit_coverage",
        "share",
        "Microcredit-eligible households (ex-poor or below the monitoring line, "
        "or with a written-off loan) that have a loan of any product",
        "last_year",
    ),
    Metric(
        "farm_credit_coverage", "share", "Households farming their land that have a farm business loan", "last_year"
    ),
    Metric("borrower_share", "share of households", "Households with a live loan", "last_year"),
    Metric("loans_outstanding", "yuan", "Principal outstanding, all products", "last_year"),
    Metric("loans_outstanding_microcredit", "yuan", "Principal outstanding: poverty-relief microcredit", "last_year"),
    Metric("loans_outstanding_farm_business", "yuan", "Principal outstanding: farm business loans", "last_year"),
    Metric("loans_outstanding_cooperative", "yuan", "Principal outstanding: cooperative loans", "last_year"),
    Metric(
        "loans_outstanding_enterprise_working_capital",
        "yuan",
        "Principal outstanding: enterprise loans",
        "last_year",
    ),
    Metric(
        "npl_ratio",
        "share",
        "Non-performing loans (defaulted, not yet written off) over loans outstanding",
        "last_year",
    ),
    Metric(
        "bank_profit",
        "yuan",
        "Banks' profit this month (interest and subsidy less funding, servicing and provision charges)",
        "sum",
    ),
    Metric("bank_equity", "yuan", "Banks' equity", "last_year"),
    Metric("credit_losses_bank", "yuan", "Written-off losses borne by banks", "sum"),
    Metric("interest_subsidy_paid", "yuan", "Interest paid by government on performing subsidised loans", "sum"),
    Metric("loan_defaults", "loans", "Loans reaching the default threshold of days past due", "sum"),
    Metric("loans_disbursed", "loans", "Loans paid out", "sum"),
    Metric("repayment_rate", "share", "Paid over due this month (scheduled and arrears)", "last_year"),
    Metric(
        "guarantor_equity", "yuan", "Financing guarantor's net assets (cash less compensation reserve)", "last_year"
    ),
    Metric("guarantor_leverage", "x net assets", "Guarantees outstanding over the guarantor's net assets", "last_year"),
    Metric("guarantor_insolvent", "0/1", "1 once the guarantor's net assets are gone", "max"),
    Metric("guarantee_outstanding", "yuan", "Principal of live and pending loans the guarantor covers", "last_year"),
    Metric(
        "guarantees_refused",
        "applications",
        "Applications the bank would take with a guarantee that the guarantor turned away (margin asked under "
        "stress, leverage cap, equity floor)",
        "sum",
    ),
    Metric("guaranteed_loans", "loans", "Guaranteed loans paid out (households, cooperatives, enterprises)", "sum"),
    Metric("guaranteed_disbursed", "yuan", "Principal of guaranteed loans paid out", "sum"),
    Metric("guaranteed_defaults", "loans", "Guaranteed loans reaching the default threshold", "sum"),
    Metric(
        "guaranteed_default_rate",
        "share",
        "Guaranteed loans defaulting over guaranteed loans paid out (summary: over the whole run)",
        "last_year",
    ),
    Metric(
        "guaranteed_coverage",
        "share",
        "Households farming their own land with a live guaranteed loan, over those households",
        "last_year",
    ),
    Metric("guarantee_fee_rate", "per year of principal", "Fee the guarantor charges on new guarantees", "max"),
    Metric("guarantor_stress", "0-1", "Guarantor's stress: leverage near the cap or equity towards its floor", "max"),
    Metric("guarantor_equity_min", "yuan", "Lowest net assets of the guarantor over the run", "min"),
    Metric("credit_losses_guarantor", "yuan", "Written-off losses paid by the guarantor", "sum"),
    Metric("credit_losses_reguarantor", "yuan", "Written-off losses paid by the re-guarantee fund", "sum"),
    Metric(
        "credit_losses_government",
        "yuan",
        "Written-off losses paid by local government (its risk share and any fallback for an insolvent guarantor)",
        "sum",
    ),
    Metric("credit_losses_risk_fund", "yuan", "Written-off losses paid by the county risk compensation fund", "sum"),
    Metric("risk_fund_balance", "yuan", "County risk compensation fund balance", "last_year"),
    Metric("insurance_premiums", "yuan", "Premiums written this month (agricultural, all payers; anti-poverty)", "sum"),
    Metric("insurance_claims", "yuan", "Claims paid this month (including those repaying arrears)", "sum"),
    Metric("insurance_loss_ratio", "share", "Claims over premiums (summary: over the whole run)", "last_year"),
    Metric(
        "insured_share", "share", "Farming households holding agricultural cover for the current season", "last_year"
    ),
    Metric("premium_subsidy_paid", "yuan", "Agricultural premium subsidy paid by government", "sum"),
    Metric("agricultural_claims", "yuan", "Agricultural insurance claims paid", "sum"),
    Metric("anti_poverty_claims", "yuan", "Anti-poverty insurance payouts", "sum"),
    Metric("anti_poverty_insured", "share of households", "Households covered by anti-poverty insurance", "last_year"),
    Metric("insurer_equity", "yuan", "Insurer's capital plus underwriting result", "last_year"),
    Metric(
        "flagged_households",
        "households",
        "Households monitored (flagged and not yet back above the monitoring line)",
        "last_year",
    ),
    Metric("new_flags", "flags", "Flags raised this month (a household already monitored may be flagged again)", "sum"),
    Metric(
        "monitoring_precision", "share", "Monitored households truly at risk (below the monitoring line)", "last_year"
    ),
    Metric("monitoring_recall", "share", "Households at risk that are monitored", "last_year"),
    Metric(
        "relapses_flagged_share",
        "share",
        "Relapses at the assessment that had been flagged beforehand (0 in other months)",
        "assessments",
    ),
    Metric(
        "monitoring_lead_months",
        "months",
        "Mean months from first flag to the assessment, over flagged relapses (0 in other months)",
        "assessments",
    ),
    Metric("assistance_paid", "yuan", "Targeted assistance paid to monitored households", "sum"),
    Metric("loans_restructured", "loans", "Loans in arrears restructured for monitored households", "sum"),
    Metric("job_placements", "households", "Monitored households placed in a job", "sum"),
    Metric("loans_diverted", "loans", "Investment loans spent on consumption (detected or not)", "sum"),
    Metric("diversions_caught", "loans", "Diversions detected by loan-use monitoring", "sum"),
    Metric("enterprise_defaults", "enterprises", "Leading enterprises defaulting this month", "sum"),
    Metric("enterprises_active", "enterprises", "Leading enterprises still operating", "last_year"),
    Metric("enterprise_cash", "yuan", "Cash of the leading enterprises", "last_year"),
    Metric("contract_share", "share", "Farming households selling under an active contract", "last_year"),
    Metric(
        "contracted_income_pc",
        "yuan per person per year",
        "Mean per-capita income of households under an active contract",
        "last_year",
    ),
    Metric("coop_loans_outstanding", "yuan", "Cooperatives' loans outstanding (on-lent as input credit)", "last_year"),
    Metric("side_selling", "households", "Contracted farmers who side-sold (and lost the contract)", "sum"),
    Metric("joint_liability_paid", "yuan", "Paid by cooperative members for other members' unpaid credit", "sum"),
    Metric("contract_purchases", "yuan", "Produce bought by enterprises under contract", "sum"),
    Metric("property_income_pc", "yuan per person per year", "Land rent received this month, annualised", "last_year"),
    Metric("family_farms", "farms", "Family farms operating (not failed)", "last_year"),
    Metric("family_farm_land", "mu", "Land operated by family farms (own and rented in)", "last_year"),
    Metric(
        "family_farm_income",
        "yuan per farm per year",
        "Mean net income of an operating family farm over the last 12 months (after wages, rent, interest, wear)",
        "last_year",
    ),
    Metric("family_farm_failures", "farms", "Family farms failing this month (unpaid rent or a defaulted loan)", "sum"),
    Metric("farm_hired_months", "labour months", "Local labour months hired by family farms this month", "sum"),
    Metric("wages_from_farms", "yuan", "Wages family farms paid local workers this month", "sum"),
    Metric("ex_poor_farm_wage_income", "yuan", "Of which paid to ex-poor cohort households", "sum"),
    Metric("households_renting_out", "households", "Households leasing their land to a family farm", "last_year"),
    Metric(
        "land_transferred_share", "share of land", "Land leased to family farms over all households' land", "last_year"
    ),
    Metric("rent_per_mu", "yuan per mu per year", "Mean rent of the leases to family farms, by area", "last_year"),
    Metric("rent_from_farms", "yuan", "Rent family farms paid their lessors this month", "sum"),
    Metric("ex_poor_rent_income", "yuan", "Of which paid to ex-poor cohort households", "sum"),
    Metric("family_farm_loans_outstanding", "yuan", "Principal outstanding: family-farm loans", "last_year"),
    Metric("family_farm_credit_disbursed", "yuan", "Family-farm loans paid out this month", "sum"),
    Metric("family_farm_loans", "loans", "Family-farm loans paid out this month", "sum"),
    Metric("fiscal_cost", "yuan", "Government outlays this month, all budget lines", "sum"),
    Metric(
        "large_scale_relapse",
        "0/1",
        "1 when, at an assessment, the ex-poor cohort's relapse rate in the county or any region passes the threshold",
        "max",
    ),
    Metric("ledger_imbalance", "yuan", "Largest unexplained cash change of any sector this month", "max"),
)
METRIC_NAMES = tuple(m.name for m in METRICS)
MAIN_METRICS = (
    "poverty_person_years",
    "cohort_poverty_rate",
    "relapse_rate",
    "ever_relapsed_share",
    "new_poor_rate",
    "relapse_count",
    "poverty_headcount",
    "at_risk_share",
    "mean_income_pc",
    "gini",
    "fiscal_cost",
)


def fgt(income_pc: np.ndarray, weights: np.ndarray, line: float, alpha: int) -> float:
    """Foster-Greer-Thorbecke index: weighted mean of ((line - y) / line)^alpha over the poor, incomes floored at 0."""
    poor = np.flatnonzero(income_pc < line)  # the poor are few: only their gaps are computed
    gap = (line - np.maximum(income_pc[poor], 0.0)) / line
    return float(np.sum(weights[poor] * gap**alpha) / np.sum(weights))


PACKED_WEIGHTS = 8  # integer weights 1..8 (household sizes) ride in the 3 lowest bits of the sort key


def gini(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Gini index of ``values`` (floored at 0), each counted ``weights`` times.

    The Lorenz curve needs the values in order with their weights. With no weights, or
    integer weights from 1 to 8 (household sizes), the weight rides in the three lowest
    bits of the value's bit pattern and one plain sort orders both (several times faster
    than an argsort and two gathers); the value then carries an error below 8 units in
    the last place (relative 2e-15), far below any reported digit. Other weights take
    the argsort.
    """
    y = np.maximum(np.asarray(values, np.float64), 0.0)
    y += 0.0  # -0.0 becomes +0.0, whose bit pattern sorts first
    sorted_values = _sorted_with_small_weights(y, weights)
    if sorted_values is None:
        w = np.asarray(weights, np.float64)
        order = np.argsort(y)  # ties may fall in any order: the index does not depend on it
        y, w = y[order], w[order]
    else:
        y, w = sorted_values
    if y.size == 0:
        return 0.0
    wy = y * w
    np.cumsum(wy, out=wy)
    total_w, total_wy = float(np.sum(w, dtype=np.float64)), wy[-1]
    if total_wy <= 0:
        return 0.0
    # area under the Lorenz curve by trapezoids, one per person-group: previous + this cumulative share
    trapezoids = wy.copy()
    trapezoids[1:] += wy[:-1]
    trapezoids *= w
    lorenz_area = np.sum(trapezoids) / (2.0 * total_w * total_wy)
    return float(1.0 - 2.0 * lorenz_area)


def _sorted_with_small_weights(y: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray] | None:
    """``y`` (non-negative, modified) sorted with its weights by one sort of packed keys; None if they do not fit.

    The weights come back as small integers (uint8), which numpy widens exactly when they multiply.
    """
    if weights is None:
        y.sort()
        return y, np.ones(y.size, np.uint8)
    weights = np.asarray(weights)
    if weights.size == 0 or not (weights.min() >= 1 and weights.max() <= PACKED_WEIGHTS):  # NaN fails too
        return None
    codes = weights.astype(np.uint8)
    if not np.array_equal(codes, weights):
        return None
    low_bits = np.uint64(PACKED_WEIGHTS - 1)
    keys = y.view(np.uint64)  # non-negative floats sort as their bit patterns do
    keys &= ~low_bits
    keys |= codes - np.uint8(1)
    keys.sort()
    codes = (keys & low_bits).astype(np.uint8)
    codes += np.uint8(1)
    keys &= ~low_bits
    return keys.view(np.float64), codes


def share_below(mask_of: np.ndarray, among: np.ndarray) -> float:
    """Share of ``among`` for which ``mask_of`` holds (0 when ``among`` is empty)."""
    n = int(among.sum())
    return float((mask_of & among).sum() / n) if n else 0.0


def rate_by_category(hit: np.ndarray, among: np.ndarray, category: np.ndarray, k: int) -> np.ndarray:
    """Per-category share of ``among`` for which ``hit`` holds (np.bincount, no loop)."""
    denominators = np.bincount(category, weights=among, minlength=k)
    numerators = np.bincount(category, weights=hit & among, minlength=k)
    return np.divide(numerators, denominators, out=np.zeros(k), where=denominators > 0)


def summarise(series: dict[str, np.ndarray], assessment: np.ndarray) -> dict[str, float]:
    """Collapse one run's monthly series into its summary row (see each metric's ``summary``)."""
    row: dict[str, float] = {}
    for name, values in series.items():
        metric = METRIC_BY_NAME.get(name)
        how = metric.summary if metric else ("sum" if name.startswith("fiscal_") else "last_year")
        if how == "sum":
            row[name] = float(np.sum(values))
        elif how == "max":
            row[name] = float(np.max(values))
        elif how == "min":
            row[name] = float(np.min(values))
        elif how == "last":
            row[name] = float(values[-1])
        elif how == "assessments":
            row[name] = float(np.mean(values[assessment])) if assessment.any() else float("nan")
        else:
            row[name] = float(np.mean(values[-12:]))
    if "guaranteed_loans" in series:
        loans = float(np.sum(series["guaranteed_loans"]))
        row["guaranteed_default_rate"] = float(np.sum(series["guaranteed_defaults"])) / loans if loans else 0.0
    if "insurance_premiums" in series:
        premiums = float(np.sum(series["insurance_premiums"]))
        row["insurance_loss_ratio"] = float(np.sum(series["insurance_claims"])) / premiums if premiums else 0.0
    return row


METRIC_BY_NAME = {m.name: m for m in METRICS}
