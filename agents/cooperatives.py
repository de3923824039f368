"""Farmer cooperatives as arrays: one row per cooperative, a membership index on households."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from agents.households import Households, Payments
    from simulation.scenario.value_chain import Cooperatives as CooperativeTerms

COOPERATIVES = "cooperatives"
HOUSEHOLDS = "households"


def form_cooperatives(households: Households, terms: CooperativeTerms, draw: np.ndarray) -> tuple[np.ndarray, int]:
    """Farming households join with the membership share; each village's members form cooperatives.

    Cooperatives have ``members_per_coop`` members. Returns each household's cooperative
    (-1 for none) and the number of cooperatives.
    """
    member = households.farms_own_land & (draw < terms.membership_share)
    rows = np.flatnonzero(member)
    coop = np.full(households.n, -1, np.int64)
    if rows.size == 0:
        return coop, 0
    village = households.village[rows]
    # households are stored village by village, so members' rank within their village is a running count
    first_of_village = np.searchsorted(village, village, side="left")
    chunk = (np.arange(rows.size) - first_of_village) // terms.members_per_coop
    key = village.astype(np.int64) * (households.n + 1) + chunk
    _, coop[rows] = np.unique(key, return_inverse=True)
    return coop, int(coop.max()) + 1


class Cooperatives:
    """Every cooperative of the county: cash, members, on-lent input credit.

    Attributes:
        cash: one float per cooperative (yuan).
        members: member households per cooperative.
        of_household: each household's cooperative, -1 for none.
        owed_by_member: input credit each household owes its cooperative (yuan).
    """

    def __init__(self, households: Households, terms: CooperativeTerms, draw: np.ndarray) -> None:
        self.terms = terms
        self.of_household, self.n = form_cooperatives(households, terms, draw)
        self.is_member = self.of_household >= 0
        self.members = np.bincount(self.of_household[self.is_member], minlength=self.n)
        self.cash = np.full(self.n, terms.capital, np.float64)
        self.owed_by_member = np.zeros(households.n, np.float64)
        self.liability_paid_year = np.zeros(households.n, np.float64)

    def share_shortfall(
        self, rows: np.ndarray, shortfall: np.ndarray, households: Households, ledger: Payments
    ) -> float:
        """Joint liability: other members of each cooperative cover members' unpaid credit, up to a cap each.

        Args:
            rows: members who could not repay.
            shortfall: what each of them still owes (yuan).
            households: the county's households (their cash pays the cover).
            ledger: the ledger the contributions go through.

        Returns:
            The total covered by the other members (paid members -> cooperative through the ledger).
        """
        if rows.size == 0 or self.terms.joint_liability_cap <= 0:
            return 0.0
        coop = self.of_household[rows]
        unpaid_by_coop = np.bincount(coop, weights=shortfall, minlength=self.n)
        payers = self.is_member & (households.cash > 0)
        payers[rows] = False
        payer_rows = np.flatnonzero(payers)
        count = np.bincount(self.of_household[payer_rows], minlength=self.n)
        per_payer = np.divide(unpaid_by_coop, count, out=np.zeros(self.n), where=count > 0)
        room = np.maximum(self.terms.joint_liability_cap - self.liability_paid_year[payer_rows], 0.0)
        contribution = np.minimum(
            np.minimum(per_payer[self.of_household[payer_rows]], room), households.cash[payer_rows]
        )
        ledger.pay(
            "joint_liability",
            HOUSEHOLDS,
            COOPERATIVES,
            contribution,
            payer_rows=payer_rows,
            payee_rows=self.of_household[payer_rows],
        )
        self.liability_paid_year[payer_rows] += contribution
        covered_by_coop = np.bincount(self.of_household[payer_rows], weights=contribution, minlength=self.n)
        # the cover clears the defaulters' debts pro rata within each cooperative
        cleared_share = np.divide(covered_by_coop, unpaid_by_coop, out=np.zeros(self.n), where=unpaid_by_coop > 0)
        self.owed_by_member[rows] -= shortfall * cleared_share[coop]
        return float(contribution.sum())
