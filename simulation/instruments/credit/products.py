"""The banks' loan products, registered in lending order (their codes in the loan book).

Household products are lent by the credit market's lending loop: microcredit first, then
the farm business loan (an expansion project, then working capital before planting), so
capital rationing falls on later applications. Cooperative and enterprise loans are lent
by the value chain and family-farm loans by the family-farm sector; they are registered
here too, so every product has one code, one terms section and one place in
``guarantee.products``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from simulation.engine.registry import LOAN_PRODUCTS, LoanProduct

if TYPE_CHECKING:
    from simulation.instruments.credit.market import CreditMarket


class LendingRound(NamedTuple):
    """The month's full-length draws and calendar that every household demand rule reads."""

    opportunity: np.ndarray  # one uniform per household: does a project show up this month
    project_return: np.ndarray  # the project's true annual return
    screening_noise: np.ndarray  # the bank's estimation error, standard normal
    month: int
    month_of_year: int
    order_financed: np.ndarray  # households whose contract backs an order-financing loan this month


def microcredit_demand(market: CreditMarket, lending: LendingRound, has_loan: np.ndarray):
    """Eligible households with a worthwhile project (``CreditDemand.microcredit_demand``)."""
    return market.microcredit_demand(lending.opportunity, lending.project_return, has_loan)


def microcredit_pricing(market: CreditMarket):
    """Microcredit's rate and subsidised share, per household (they may differ by region and group)."""
    values = market.differentiation.values
    return values("credit.products.microcredit.rate"), values("credit.products.microcredit.interest_subsidy_share")


def farm_expansion_demand(market: CreditMarket, lending: LendingRound, has_loan: np.ndarray):
    """Farming households with an expansion project worth the rate (``CreditDemand.farm_investment_demand``)."""
    return market.farm_investment_demand(lending.opportunity, lending.project_return, has_loan)


def working_capital_demand(market: CreditMarket, lending: LendingRound, has_loan: np.ndarray):
    """Farming households short of the coming planting's input cash (when working-capital loans are offered)."""
    if not market.credit.demand.working_capital:
        return None
    return market.working_capital_demand(lending.month_of_year, has_loan, lending.order_financed)


LOAN_PRODUCTS.register(
    LoanProduct(
        "microcredit",
        "credit.products.microcredit",
        "poverty-relief microcredit",
        demands=(microcredit_demand,),
        pricing=microcredit_pricing,
    )
)
LOAN_PRODUCTS.register(
    LoanProduct(
        "farm_business",
        "credit.products.farm_business",
        "farm business loans",
        demands=(farm_expansion_demand, working_capital_demand),
    )
)
LOAN_PRODUCTS.register(
    LoanProduct("cooperative", "credit.products.cooperative", "cooperative loans", borrower="institution")
)
LOAN_PRODUCTS.register(
    LoanProduct(
        "enterprise_working_capital",
        "credit.products.enterprise_working_capital",
        "enterprise loans",
        borrower="institution",
    )
)
LOAN_PRODUCTS.register(
    LoanProduct(
        "family_farm", "family_farms.credit", "family-farm loans", borrower="family_farm", reports_outstanding=False
    )
)
