"""What a borrowing household can pay when instalments fall due (the household side of loan servicing).

A borrower keeps ``credit.repayment_reserve_months`` of subsistence for itself and pays
what falls due out of the cash beyond it. When that is short, it raises
``credit.asset_sale_share`` of the gap by selling productive assets at the distress
discount (own assets first, then financed ones). What is still short becomes arrears,
which age into default (``credit.default_days``). So a loan defaults when the borrower's
ordinary cash after subsistence does not cover it: a failed project, a lost harvest or an
illness leaves a poor borrower in arrears unless it sells the assets it lives from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from agents.households import Households, Payments
    from simulation.scenario.credit import Credit


def repayment_capacity(
    households: Households, debtors: np.ndarray, owed: np.ndarray, credit: Credit, ledger: Payments
) -> np.ndarray:
    """Cash each of ``debtors`` (ascending) can pay towards ``owed`` this month, after any distress sale (yuan).

    Args:
        households: the county's households (their cash and assets change with a distress sale).
        debtors: the households with something falling due, ascending.
        owed: what falls due for each of them (yuan).
        credit: the scenario's credit section (reserve and asset-sale rules).
        ledger: the payments ledger the sale proceeds go through.

    Returns:
        Cash available for repayment per debtor (yuan, at least 0; may exceed ``owed``).
    """
    reserve = credit.repayment_reserve_months * households.subsistence(debtors)
    shortfall = owed - np.maximum(households.cash[debtors] - reserve, 0.0)
    households.sell_assets(credit.asset_sale_share * shortfall, ledger, debtors)
    return np.maximum(households.cash[debtors] - reserve, 0.0)
