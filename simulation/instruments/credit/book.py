"""The loan book: every loan as a row of arrays, and the rules of its schedule.

A loan is pending (approved, awaiting disbursement), active, non-performing (defaulted
at the configured days past due, awaiting write-off), closed (repaid), or written off.
Each month :meth:`LoanBook.due_this_month` says what every live loan owes (scheduled
interest and principal plus arrears); :meth:`LoanBook.apply_payments` books what was
paid, updates arrears and days past due, and moves loans to non-performing. Nothing
here loops over loans in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PENDING, ACTIVE, NONPERFORMING, CLOSED, WRITTEN_OFF = 0, 1, 2, 3, 4
HOUSEHOLD, COOPERATIVE, ENTERPRISE = 0, 1, 2
EQUAL_INSTALMENTS, BULLET = 0, 1
INVESTMENT, WORKING_CAPITAL = 0, 1
DAYS_PER_MONTH = 30

_FIELDS = {
    "borrower_kind": np.int8,
    "borrower": np.int64,
    "bank": np.int8,
    "product": np.int8,
    "channel": np.int8,
    "purpose": np.int8,  # INVESTMENT or WORKING_CAPITAL
    "principal": np.float64,
    "rate": np.float64,  # annual rate charged
    "subsidy_share": np.float64,  # share of interest paid by government
    "term": np.int16,  # months
    "repayment": np.int8,
    "start": np.int32,  # month of disbursement (or planned disbursement when pending)
    "balance": np.float64,  # principal outstanding
    "instalment": np.float64,  # scheduled monthly payment of an annuity
    "arrears": np.float64,  # overdue amount (interest and principal)
    "dpd": np.int16,  # days past due
    "status": np.int8,
    "default_month": np.int32,
    "guaranteed": np.bool_,  # covered by the financing guarantor
    "backed": np.bool_,  # backed by the county risk compensation fund
    "chain": np.bool_,  # order financing: repaid by deduction from the buyer's purchase payment
    "insured": np.bool_,
    "restructured": np.int8,
    "loss": np.float64,  # exposure left after recovery at write-off (borne by the waterfall)
}


def annuity_payment(principal: np.ndarray, annual_rate: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Monthly payment that repays ``principal`` over ``months`` at ``annual_rate``."""
    r = np.asarray(annual_rate, np.float64) / 12.0
    months = np.asarray(months, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(r > 0, r / (1.0 - (1.0 + r) ** -months), 1.0 / months)
    return principal * factor


def debtors_of(borrower: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct households among ``borrower`` (rows below ``n``), ascending, and each loan's place among them.

    ``debtors[of_loan]`` is ``borrower``. Marks in an array of ``n`` flags instead of a sort,
    so it costs one pass over the households and two over the loans.
    """
    marked = np.zeros(n, bool)
    marked[borrower] = True
    debtors = np.flatnonzero(marked)
    place = np.empty(n, np.intp)
    place[debtors] = np.arange(debtors.size)
    return debtors, place[borrower]


@dataclass
class Due:
    """What the live loans owe this month, split into interest and principal (arrears included)."""

    rows: np.ndarray  # loan rows with something due
    interest: np.ndarray  # the borrower's share of interest, plus overdue interest
    principal: np.ndarray
    subsidy: np.ndarray  # the government's share of this month's interest

    @property
    def total(self) -> np.ndarray:
        """Interest plus principal due per loan."""
        return self.interest + self.principal


class LoanBook:
    """All loans of the county, one row each, in arrays that grow as loans are made."""

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        for name, dtype in _FIELDS.items():
            setattr(self, name, np.zeros(capacity, dtype))
        self.overdue_interest = np.zeros(capacity, np.float64)
        # Rows that may still be pending, active or non-performing, ascending: every row not yet
        # seen closed or written off. Those two statuses are final (no rule reopens a loan), so a
        # search for live statuses need only look here, not through the whole history of the book.
        self._maybe_live = np.zeros(0, np.int64)

    @property
    def capacity(self) -> int:
        """Rows allocated."""
        return self.status.size

    def _grow(self, needed: int) -> None:
        new = max(self.capacity * 2, self.size + needed)
        for name in (*_FIELDS, "overdue_interest"):
            old = getattr(self, name)
            grown = np.zeros(new, old.dtype)
            grown[: self.size] = old[: self.size]
            setattr(self, name, grown)

    def add(self, **columns: np.ndarray) -> np.ndarray:
        """Append loans (one element per loan in each column); return their rows."""
        count = int(np.size(columns["borrower"]))
        if self.size + count > self.capacity:
            self._grow(count)
        rows = np.arange(self.size, self.size + count)
        for name, values in columns.items():
            getattr(self, name)[rows] = values
        self.size += count
        self._maybe_live = np.concatenate([self._maybe_live, rows])
        return rows

    def view(self, name: str) -> np.ndarray:
        """The used part of a column."""
        return getattr(self, name)[: self.size]

    def rows_with(self, *statuses: int) -> np.ndarray:
        """Rows whose status is one of ``statuses``, ascending."""
        if max(statuses) <= NONPERFORMING:  # live statuses only: search the rows not yet known to be finished
            rows, status = self._live_with_status()
        else:
            rows, status = None, self.view("status")
        match = status == statuses[0]
        for other in statuses[1:]:  # a few comparisons cost less than np.isin's set-up on a small book
            match |= status == other
        return np.flatnonzero(match) if rows is None else rows[match]

    def live_rows(self) -> np.ndarray:
        """Rows of loans pending, active or non-performing, ascending."""
        return self._live_with_status()[0]

    def _live_with_status(self) -> tuple[np.ndarray, np.ndarray]:
        """The live rows and their statuses, dropping from the search the finished loans it finds."""
        rows = self._maybe_live
        status = self.status[rows]
        live = status <= NONPERFORMING
        if not live.all():
            rows, status = rows[live], status[live]
            self._maybe_live = rows
        return rows, status

    def disburse(self, rows: np.ndarray, month: int) -> None:
        """Pending loans become active; their schedule starts now."""
        self.status[rows] = ACTIVE
        self.start[rows] = month
        self.balance[rows] = self.principal[rows]
        annuity = self.repayment[rows] == EQUAL_INSTALMENTS
        self.instalment[rows] = np.where(
            annuity, annuity_payment(self.principal[rows], self.rate[rows], self.term[rows]), 0.0
        )

    def due_this_month(self, month: int, kind: int | None = HOUSEHOLD) -> Due:
        """Scheduled interest and principal of live loans plus their arrears.

        Interest accrues monthly on the balance. An annuity pays its instalment; a bullet
        loan pays interest monthly and all principal in its last month. Non-performing
        loans owe their arrears (collection goes on until write-off). Government pays the
        subsidised share of interest on performing loans; the borrower owes the rest.
        Only loans of borrowers of ``kind`` (households by default; None for all).
        """
        rows = self.rows_with(ACTIVE, NONPERFORMING)
        if kind is not None:
            rows = rows[self.borrower_kind[rows] == kind]
        balance = self.balance[rows]
        interest = balance * self.rate[rows] / 12.0
        age = month - self.start[rows]
        matures = age >= self.term[rows]
        scheduled_principal = np.where(
            self.repayment[rows] == EQUAL_INSTALMENTS,
            np.minimum(np.maximum(self.instalment[rows] - interest, 0.0), balance),
            0.0,
        )
        scheduled_principal = np.where(matures, balance, scheduled_principal)
        active = self.status[rows] == ACTIVE
        subsidy = np.where(active, interest * self.subsidy_share[rows], 0.0)
        borrower_interest = np.where(active, interest, 0.0) - subsidy + self.overdue_interest[rows]
        principal = np.where(active, scheduled_principal, 0.0) + (self.arrears[rows] - self.overdue_interest[rows])
        return Due(rows, borrower_interest, np.minimum(principal, balance), subsidy)

    def apply_payments(self, due: Due, paid: np.ndarray, default_days: int, month: int) -> np.ndarray:
        """Book payments (interest first), update arrears and days past due.

        Returns:
            Rows of loans that defaulted this month (reached ``default_days``).
        """
        rows = due.rows
        to_interest = np.minimum(paid, due.interest)
        to_principal = np.minimum(paid - to_interest, due.principal)
        self.balance[rows] -= to_principal
        self.overdue_interest[rows] = due.interest - to_interest
        self.arrears[rows] = self.overdue_interest[rows] + (due.principal - to_principal)
        behind = self.arrears[rows] > 1e-6
        self.dpd[rows] = np.where(behind, self.dpd[rows] + DAYS_PER_MONTH, 0)
        # a non-performing loan whose arrears are cleared is performing again
        cured = rows[(self.status[rows] == NONPERFORMING) & ~behind]
        self.status[cured] = ACTIVE
        repaid = (self.balance[rows] <= 1e-6) & ~behind
        self.status[rows[repaid]] = CLOSED
        self.balance[rows[repaid]] = 0.0
        defaults = rows[(self.status[rows] == ACTIVE) & (self.dpd[rows] >= default_days)]
        self.status[defaults] = NONPERFORMING
        self.default_month[defaults] = month
        return defaults

    def prepay(self, rows: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Pay loans off early (overdue interest first, then principal); return the interest part paid."""
        to_interest = np.minimum(amount, self.overdue_interest[rows])
        to_principal = np.minimum(amount - to_interest, self.balance[rows])
        self.overdue_interest[rows] -= to_interest
        self.balance[rows] -= to_principal
        self.arrears[rows] = np.maximum(self.arrears[rows] - to_interest - to_principal, 0.0)
        paid_off = rows[self.balance[rows] <= 1e-6]
        self.balance[paid_off] = 0.0
        self.arrears[paid_off] = 0.0
        self.dpd[paid_off] = 0
        self.status[paid_off] = CLOSED
        return to_interest

    def pay_arrears(self, available: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pay borrowers' arrears out of ``available`` (yuan per household), overdue interest first.

        Returns:
            The loan rows paid, the amount paid on each, and the interest part of it.
        """
        rows = self.rows_with(ACTIVE, NONPERFORMING)
        rows = rows[(self.arrears[rows] > 1e-9) & (self.borrower_kind[rows] == HOUSEHOLD)]
        borrower = self.borrower[rows]
        owed = np.bincount(borrower, weights=self.arrears[rows], minlength=available.size)
        share = np.divide(np.minimum(available, owed), owed, out=np.zeros(available.size), where=owed > 0)
        paid = self.arrears[rows] * share[borrower]
        to_interest = np.minimum(paid, self.overdue_interest[rows])
        self.overdue_interest[rows] -= to_interest
        self.balance[rows] -= paid - to_interest
        self.arrears[rows] -= paid
        cleared = rows[self.arrears[rows] <= 1e-6]
        self.arrears[cleared] = 0.0
        self.dpd[cleared] = 0
        self.status[cleared] = ACTIVE
        return rows, paid, to_interest

    def exposure(self, rows: np.ndarray) -> np.ndarray:
        """Principal outstanding plus overdue interest of the given loans."""
        return self.balance[rows] + self.overdue_interest[rows]

    def write_off(self, rows: np.ndarray, loss: np.ndarray) -> None:
        """Remove defaulted loans from the book, keeping the loss that the waterfall allocated."""
        self.loss[rows] = loss
        self.status[rows] = WRITTEN_OFF
        self.balance[rows] = 0.0
        self.arrears[rows] = 0.0
        self.overdue_interest[rows] = 0.0

    def extend(self, rows: np.ndarray, extra_months: int, month: int) -> None:
        """Restructure: overdue interest joins the balance and a new schedule runs ``extra_months`` longer.

        An action for the monitoring responses; the loan is performing again afterwards.
        """
        live = rows[np.isin(self.status[rows], (ACTIVE, NONPERFORMING))]
        remaining = np.maximum(self.term[live] - (month - self.start[live]), 1)
        self.balance[live] += self.overdue_interest[live]
        self.arrears[live] = 0.0
        self.overdue_interest[live] = 0.0
        self.dpd[live] = 0
        self.status[live] = ACTIVE
        self.start[live] = month
        self.term[live] = remaining + extra_months
        self.instalment[live] = np.where(
            self.repayment[live] == EQUAL_INSTALMENTS,
            annuity_payment(self.balance[live], self.rate[live], self.term[live]),
            0.0,
        )
        self.restructured[live] += 1

    def call_due(self, rows: np.ndarray, month: int) -> None:
        """Recall loans: their whole balance falls due at the next servicing."""
        self.term[rows] = np.maximum(month - self.start[rows], 0)

    def risk_class(self, rows: np.ndarray) -> np.ndarray:
        """Five-category class: 0 normal, 1 special mention, 2 substandard, 3 doubtful, 4 loss."""
        dpd = self.dpd[rows]
        return np.select([dpd == 0, dpd < 90, dpd < 180, dpd < 360], [0, 1, 2, 3], 4).astype(np.int8)

    def outstanding_by(self, key: str, k: int, statuses: tuple[int, ...] = (ACTIVE, NONPERFORMING)) -> np.ndarray:
        """Principal outstanding summed by a small integer column (bank, product, ...)."""
        rows = self.rows_with(*statuses)
        return np.bincount(getattr(self, key)[rows], weights=self.balance[rows], minlength=k)
