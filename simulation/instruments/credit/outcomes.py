"""What the credit market reports each month: coverage, balances by product, loan quality, banks, risk sharing.

The metrics are declared here with their summary rules (the per-product balances from
``LOAN_PRODUCTS``) and computed by :func:`credit_outcomes` from the credit market.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.engine.registry import LOAN_PRODUCTS, Metric
from simulation.instruments.credit.book import ACTIVE, HOUSEHOLD, NONPERFORMING
from simulation.instruments.credit.demand import FARM_BUSINESS, MICROCREDIT

if TYPE_CHECKING:
    from simulation.instruments.credit.market import CreditMarket


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


# what the credit market reports each month (the per-product balances come from LOAN_PRODUCTS)
CREDIT_METRICS: tuple[Metric, ...] = (
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
    Metric(
        "npl_ratio",
        "share",
        "Non-performing loans (defaulted, not yet written off) over loans outstanding",
        "last_year",
        better="lower",
    ),
    Metric(
        "npl_ratio_microcredit", "share", "Non-performing share of the microcredit balance", "last_year", better="lower"
    ),
    Metric(
        "npl_ratio_chain",
        "share",
        "Non-performing share of the value-chain loan balance (cooperatives, enterprises)",
        "last_year",
        better="lower",
    ),
    Metric("chain_loans_outstanding", "yuan", "Balance of value-chain loans (cooperatives, enterprises)", "last_year"),
    Metric(
        "bank_profit",
        "yuan",
        "Banks' profit this month (interest and subsidy less funding, servicing and provision charges)",
        "sum",
    ),
    Metric("bank_equity", "yuan", "Banks' equity", "last_year", better="higher"),
    Metric("credit_losses_bank", "yuan", "Written-off losses borne by banks", "sum", better="lower"),
    Metric("interest_subsidy_paid", "yuan", "Interest paid by government on performing subsidised loans", "sum"),
    Metric("loan_defaults", "loans", "Loans reaching the default threshold of days past due", "sum", better="lower"),
    Metric("loans_disbursed", "loans", "Loans paid out", "sum"),
    Metric("repayment_rate", "share", "Paid over due this month (scheduled and arrears)", "last_year", better="higher"),
    Metric("guaranteed_loans", "loans", "Guaranteed loans paid out (households, cooperatives, enterprises)", "sum"),
    Metric("guaranteed_disbursed", "yuan", "Principal of guaranteed loans paid out", "sum"),
    Metric("guaranteed_defaults", "loans", "Guaranteed loans reaching the default threshold", "sum", better="lower"),
    Metric(
        "guaranteed_default_rate",
        "share",
        "Guaranteed loans defaulting over guaranteed loans paid out (summary: over the whole run)",
        "last_year",
        better="lower",
    ),
    Metric(
        "guaranteed_coverage",
        "share",
        "Households farming their own land with a live guaranteed loan, over those households",
        "last_year",
    ),
    Metric("loans_diverted", "loans", "Investment loans spent on consumption (detected or not)", "sum", better="lower"),
    Metric("diversions_caught", "loans", "Diversions detected by loan-use monitoring", "sum"),
)
CREDIT_METRICS += tuple(
    Metric(f"loans_outstanding_{product.name}", "yuan", f"Principal outstanding: {product.label}", "last_year")
    for product in LOAN_PRODUCTS
    if product.reports_outstanding
)


def credit_outcomes(market: CreditMarket) -> dict[str, float]:
    """The credit market's outcomes of the month: coverage, balances, quality, the banks, risk sharing."""
    book, hh = market.book, market.households
    market.refresh_risk_exposure()
    live = book.rows_with(ACTIVE, NONPERFORMING)
    balance = book.balance[live]
    outstanding = float(balance.sum())
    npl = float(balance[book.status[live] == NONPERFORMING].sum())
    eligible = market.microcredit_eligible()
    of_households = live[book.borrower_kind[live] == HOUSEHOLD]
    borrowers = np.zeros(hh.n, bool)
    borrowers[book.borrower[of_households]] = True
    by_product = np.bincount(book.product[live], weights=balance, minlength=len(LOAN_PRODUCTS))
    farm_borrowers = np.zeros(hh.n, bool)
    farm_borrowers[book.borrower[of_households[book.product[of_households] == FARM_BUSINESS]]] = True
    guaranteed_borrowers = np.zeros(hh.n, bool)
    guaranteed_borrowers[book.borrower[of_households[book.guaranteed[of_households]]]] = True
    chain = book.chain[live]
    micro = book.product[live] == MICROCREDIT
    nonperforming = book.status[live] == NONPERFORMING
    return {
        "credit_coverage": float((borrowers & eligible).sum() / max(eligible.sum(), 1)),
        "borrower_share": float(borrowers.mean()),
        "farm_credit_coverage": float(farm_borrowers.sum() / max(hh.farms_own_land.sum(), 1)),
        "loans_outstanding": outstanding,
        **{
            f"loans_outstanding_{product.name}": float(by_product[code])
            for code, product in enumerate(LOAN_PRODUCTS)
            if product.reports_outstanding
        },
        "npl_ratio": npl / outstanding if outstanding > 0 else 0.0,
        "npl_ratio_microcredit": _share(balance[micro & nonperforming].sum(), balance[micro].sum()),
        "npl_ratio_chain": _share(balance[chain & nonperforming].sum(), balance[chain].sum()),
        "chain_loans_outstanding": float(balance[chain].sum()),
        "bank_profit": float(sum(b.profit_month for b in market.banks)),
        "bank_equity": float(sum(b.equity for b in market.banks)),
        "credit_losses_bank": float(sum(b.losses_month for b in market.banks)),
        "interest_subsidy_paid": market.month_stats.get("interest_subsidy_paid", 0.0),
        "loan_defaults": market.month_stats.get("defaults", 0.0),
        "guaranteed_defaults": market.month_stats.get("guaranteed_defaults", 0.0),
        "guaranteed_loans": market.month_stats.get("guaranteed_loans", 0.0),
        "guaranteed_disbursed": market.month_stats.get("guaranteed_disbursed", 0.0),
        "guaranteed_default_rate": _share(
            market.month_stats.get("guaranteed_defaults", 0.0), market.month_stats.get("guaranteed_loans", 0.0)
        ),
        "guaranteed_coverage": float(guaranteed_borrowers.sum() / max(hh.farms_own_land.sum(), 1)),
        "loans_disbursed": market.month_stats.get("disbursed", 0.0),
        **market.waterfall.measure(),
        "loans_diverted": market.month_stats.get("diverted", 0.0),
        "diversions_caught": market.month_stats.get("diversions_caught", 0.0),
        "repayment_rate": market.month_stats["repaid"] / market.month_stats["due"]
        if market.month_stats.get("due")
        else 1.0,
    }
