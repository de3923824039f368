"""The ledger: every yuan moves between named sectors through :meth:`Ledger.pay`.

A sector is an account holding cash: an array (one row per household or cooperative) or a
scalar (an institution). ``pay`` moves the money and records the flow under a kind
(``"consumption"``, ``"dibao"``, ``"loan_repayment"``…). At the end of each month
:meth:`Ledger.close_month` checks that each sector's cash changed by exactly its recorded
flows, and that total cash inside the county changed only by flows with the rest of the
world; the largest discrepancy is reported as ``ledger_imbalance`` (yuan).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

REST_OF_WORLD = "rest_of_world"


# Rows paying (or paid) are updated in place when they are few: in order and distinct, below this share of
# the sector; in any order (summed per row first), below the smaller one. More rows go through one bincount.
SPARSE_SHARE, UNORDERED_SPARSE_SHARE = 1 / 4, 1 / 32


class ArrayAccount:
    """Cash held row by row (households, cooperatives): a float64 array."""

    def __init__(self, cash: np.ndarray) -> None:
        self.cash = cash

    def total(self) -> float:
        """Cash of the whole sector."""
        return float(self.cash.sum())

    def move(self, amount: np.ndarray | float, rows: np.ndarray | None, sign: float) -> None:
        """Add ``sign * amount`` to the given rows (all rows when ``rows`` is None).

        A row listed several times gets the sum of its amounts, added in the order listed,
        then added to its cash once. A few rows are updated in place; many rows, through one
        dense ``np.bincount``. Both give every row exactly the same cash.
        """
        cash = self.cash
        if rows is None:
            if sign > 0:
                cash += amount
            else:
                cash -= amount
            return
        rows = np.asarray(rows)
        amount = np.asarray(amount, dtype=np.float64)
        if amount.shape != rows.shape:
            amount = np.broadcast_to(amount, rows.shape)
        ordered = rows.size < 2 or bool(np.all(rows[1:] > rows[:-1]))
        if rows.size >= (SPARSE_SHARE if ordered else UNORDERED_SPARSE_SHARE) * cash.size:
            cash += sign * np.bincount(rows, weights=amount, minlength=cash.size)
            return
        if not ordered:  # repeated or unordered rows: each row's amounts summed in the order listed
            rows, which = np.unique(rows, return_inverse=True)
            amount = np.bincount(which, weights=amount, minlength=rows.size)
        if sign > 0:
            cash[rows] += amount
        else:
            cash[rows] -= amount


class ScalarAccount:
    """Cash of one institution, read and written through its ``cash`` attribute."""

    def __init__(self, holder: object) -> None:
        self.holder = holder

    def total(self) -> float:
        """Cash of the institution."""
        return float(self.holder.cash)

    def move(self, total: float, sign: float) -> None:
        """Add ``sign * total`` to the institution's cash."""
        self.holder.cash += sign * total


class RestOfWorld:
    """Markets, migrant employers and higher government: an unlimited counterparty."""

    cash = 0.0

    def total(self) -> float:
        """Not counted: the rest of the world's cash is outside the county."""
        return 0.0

    def move(self, total: float, sign: float) -> None:
        """Nothing to move: the amount is only recorded."""


@dataclass
class MonthFlows:
    """Flows recorded in one month, by (kind, payer, payee), and net by sector."""

    by_kind: dict[tuple[str, str, str], float] = field(default_factory=lambda: defaultdict(float))
    net: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def paid(self, payer: str | None = None, payee: str | None = None, kind: str | None = None) -> float:
        """Sum of the flows matching the given payer, payee and kind (None matches all)."""
        return float(
            sum(
                v
                for (k, a, b), v in self.by_kind.items()
                if (kind is None or k == kind) and (payer is None or a == payer) and (payee is None or b == payee)
            )
        )


class LedgerImbalanceError(RuntimeError):
    """Cash changed without a recorded flow: a bug in the model, never a user error."""


class Ledger:
    """Moves money between named sectors and checks the books every month."""

    def __init__(self, relative_tolerance: float = 1e-6) -> None:
        self.accounts: dict[str, ArrayAccount | ScalarAccount | RestOfWorld] = {REST_OF_WORLD: RestOfWorld()}
        self.relative_tolerance = relative_tolerance
        self.month = MonthFlows()
        self.totals: dict[tuple[str, str, str], float] = defaultdict(float)
        self._opening: dict[str, float] = {}
        self.closed = MonthFlows()
        self.last_imbalance = 0.0

    def open_array_sector(self, name: str, cash: np.ndarray) -> None:
        """Register a sector whose cash is an array (one row per member)."""
        self.accounts[name] = ArrayAccount(cash)
        self._opening[name] = self.accounts[name].total()

    def open_scalar_sector(self, name: str, holder: object) -> None:
        """Register an institution whose cash is its ``cash`` attribute."""
        self.accounts[name] = ScalarAccount(holder)
        self._opening[name] = self.accounts[name].total()

    def pay(
        self,
        kind: str,
        payer: str,
        payee: str,
        amount: np.ndarray | float,
        payer_rows: np.ndarray | None = None,
        payee_rows: np.ndarray | None = None,
    ) -> float:
        """Move ``amount`` from ``payer`` to ``payee`` and record it under ``kind``.

        Args:
            kind: what the money is for (a budget line, a loan flow, a market sale).
            payer: name of the paying sector.
            payee: name of the receiving sector.
            amount: a scalar, or one amount per row.
            payer_rows: for an array sector, the row paying each amount (None: all rows,
                in order).
            payee_rows: likewise for the receiving sector.

        Returns:
            The total moved, in yuan.
        """
        amount = self._per_row(amount, payer, payer_rows, payee, payee_rows)
        if isinstance(amount, float | int):
            total = float(amount)
        else:  # one amount per row
            amount = np.asarray(amount, dtype=np.float64)
            total = float(amount.sum())
        for name, rows, sign in ((payer, payer_rows, -1.0), (payee, payee_rows, +1.0)):
            account = self.accounts[name]
            if isinstance(account, ArrayAccount):
                account.move(amount, rows, sign)
            else:
                account.move(total, sign)
        if total != 0.0:
            self.month.by_kind[(kind, payer, payee)] += total
            self.month.net[payer] -= total
            self.month.net[payee] += total
        return total

    def _per_row(self, amount, payer: str, payer_rows, payee: str, payee_rows) -> np.ndarray | float:
        """A scalar paid by (or to) an array sector is paid by (or to) each of its rows."""
        if np.ndim(amount) > 0:
            return amount
        for name, rows in ((payer, payer_rows), (payee, payee_rows)):
            account = self.accounts[name]
            if isinstance(account, ArrayAccount):
                return np.full(account.cash.size if rows is None else np.size(rows), float(amount))
        return amount

    def close_month(self) -> float:
        """Check the month's books, start a new month, and return the imbalance in yuan.

        Raises:
            LedgerImbalanceError: a sector's cash moved by more than the tolerance
                without a recorded flow, or a flow or a sector's cash is not finite
                (NaN or infinite: no comparison can check it).
        """
        self._check_finite()
        worst = 0.0
        scale = 1.0
        closing: dict[str, float] = {}
        for name, account in self.accounts.items():
            if name == REST_OF_WORLD:
                continue
            closing[name] = account.total()
            change = closing[name] - self._opening[name]
            worst = max(worst, abs(change - self.month.net.get(name, 0.0)))
            scale = max(scale, abs(closing[name]), abs(self._opening[name]))
        inside = sum(closing.values()) - sum(self._opening.values())
        worst = max(worst, abs(inside + self.month.net.get(REST_OF_WORLD, 0.0)))
        if not worst <= self.relative_tolerance * scale:  # NaN fails too
            raise LedgerImbalanceError(f"ledger out of balance by {worst:.6g} yuan")
        for key, value in self.month.by_kind.items():
            self.totals[key] += value
        self.closed = self.month
        self.month = MonthFlows()
        self._opening = closing
        self.last_imbalance = worst
        return worst

    def _check_finite(self) -> None:
        """Refuse a month whose flows or cash hold NaN or infinity, naming the first found."""
        for (kind, payer, payee), value in self.month.by_kind.items():
            if not math.isfinite(value):
                raise LedgerImbalanceError(f"ledger: the {kind} flow from {payer} to {payee} is {value} (not finite)")
        for name, account in self.accounts.items():
            total = account.total()
            if not math.isfinite(total):
                raise LedgerImbalanceError(f"ledger: the cash of {name} is {total} (not finite)")

    def cash_of(self, sector: str) -> float:
        """Current cash of a sector."""
        return self.accounts[sector].total()
