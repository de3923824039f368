"""The family-farm loan: demand from expansion plans, screening on cash flows, guarantee, servicing.

Each year, the month before the land market, an active farm without a live farm loan plans
to grow to its target size: machinery, a year's rent and the inputs for the new land, the
inputs for the land it has, and the rent it owes, less its cash. It asks for that (within
the product's ceiling, and within ``loan_to_value`` of its collateral — machinery plus its
mortgaged land-use rights — unless a guarantee stands in). The bank estimates the farm's
margin per mu with noise (stream ``family_farm_screening``, one draw per farm a year) and
lends when the estimated annual cash flow at the planned size covers
``min_debt_service_cover`` times the annual debt service; with ``family_farm`` among
``guarantee.products`` the guarantor covers applications that pass, best first, within its
room, and the bank screens them with the effort its retained share buys. Loans are monthly
annuities paid from the farm's cash; a loan 90 days past due defaults and the farm fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import simulation.instruments.credit.products  # noqa: F401  (registers the products)
from agents.bank import best_first_within
from agents.family_farms import FAMILY_FARMS, FamilyFarms
from simulation.engine.registry import LOAN_PRODUCTS
from simulation.instruments.credit.book import (
    ACTIVE,
    EQUAL_INSTALMENTS,
    INVESTMENT,
    NONPERFORMING,
    PENDING,
    annuity_payment,
)

if TYPE_CHECKING:
    from simulation.instruments.credit.market import CreditMarket
    from simulation.scenario.loading import Scenario

FAMILY_FARM = 3  # borrower kind in the loan book (after household, cooperative, enterprise)
FAMILY_FARM_PRODUCT = LOAN_PRODUCTS.index("family_farm")  # its code in the loan book
PRODUCT_NAME = "family_farm"


class FamilyFarmLending:
    """The banks' family-farm product, on the county's loan book."""

    def __init__(self, scenario: Scenario, farms: FamilyFarms, credit: CreditMarket) -> None:
        self.params = scenario
        self.terms = scenario.family_farms.credit
        self.farms = farms
        self.credit = credit
        self.book = credit.book
        self.ledger = credit.ledger
        self.bank_of_farm = credit.bank_of_household[farms.operator]
        self.stats: dict[str, float] = {}

    # ------------------------------------------------------------------ lending
    def live_rows(self) -> np.ndarray:
        """Loan rows of family farms that are active or non-performing."""
        book = self.book
        rows = book.rows_with(ACTIVE, NONPERFORMING)
        return rows[book.borrower_kind[rows] == FAMILY_FARM]

    def annual_service(self) -> np.ndarray:
        """Each farm's scheduled debt service over a year (yuan)."""
        rows = self.live_rows()
        return np.bincount(self.book.borrower[rows], weights=12.0 * self.book.instalment[rows], minlength=self.farms.m)

    def lend(self, month: int, need: np.ndarray, margin: np.ndarray, revenue: np.ndarray, draw: np.ndarray, size):
        """Applications of farms with an expansion need, screening, guarantee and disbursement.

        Args:
            month: month of the run.
            need: yuan each farm lacks for its plan (0 for none).
            margin: each farm's true expected margin per mu a year, less the rent it expects.
            revenue: each farm's revenue per mu at an ordinary price (scales the bank's error).
            draw: one standard normal number per farm (stream ``family_farm_screening``).
            size: the mu each farm would operate after the plan.
        """
        t, farms, book = self.terms, self.farms, self.book
        if not t.enabled or farms.m == 0:
            return
        has_loan = np.zeros(farms.m, bool)
        has_loan[book.borrower[self.live_rows()]] = True
        amount = np.minimum(need, t.ceiling)
        applies = farms.active & ~has_loan & (amount >= t.min_amount)
        rows = np.flatnonzero(applies)
        if rows.size == 0:
            return
        amount = amount[rows]
        rent = self.rent_of(rows)
        collateral = farms.machinery[rows] + t.land_right_years * rent * farms.operated[rows]
        within_value = amount <= t.loan_to_value * collateral
        service = 12.0 * annuity_payment(amount, t.rate * (1.0 - t.interest_subsidy_share), t.term_months)
        noise = t.screening_noise * revenue[rows] * draw[rows]
        cover = size[rows] * (margin[rows] + noise) / np.maximum(service, 1e-9)
        lax_cover = size[rows] * (margin[rows] + noise * self.credit.guaranteed_noise()) / np.maximum(service, 1e-9)
        guaranteed = self.offer_guarantees(lax_cover, amount)
        passes = np.where(guaranteed, lax_cover, cover) >= t.min_debt_service_cover
        acceptable = passes & (within_value | guaranteed)
        outstanding = book.outstanding_by("bank", len(self.credit.banks), (PENDING, ACTIVE, NONPERFORMING))
        approved = np.zeros(rows.size, bool)
        for bank in self.credit.banks:  # one to three banks
            mine = self.bank_of_farm[rows] == bank.index
            approved[mine] = best_first_within(
                cover[mine], amount[mine], acceptable[mine], bank.lending_room(float(outstanding[bank.index]))
            )
        self.disburse(rows[approved], amount[approved], guaranteed[approved], month)
        self.stats["applications"] = float(rows.size)

    def rent_of(self, rows: np.ndarray) -> np.ndarray:
        """The last clearing rent of each farm's village (set by the sector before lending)."""
        return self.village_rent[self.farms.village[rows]]

    def offer_guarantees(self, lax_cover: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """The guarantor covers the applications that pass its margin, best first, within its room."""
        guarantor = self.credit.waterfall.guarantor
        if guarantor is None or PRODUCT_NAME not in self.params.guarantee.products:
            return np.zeros(amount.size, bool)
        self.credit.refresh_risk_exposure()
        wanted = lax_cover >= self.terms.min_debt_service_cover
        candidates = wanted & (lax_cover >= self.terms.min_debt_service_cover * (1.0 + guarantor.margin_now()))
        offered = best_first_within(lax_cover, amount, candidates, guarantor.room())
        guarantor.outstanding += float(amount[offered].sum())
        guarantor.refused_month += int((wanted & ~offered).sum())
        return offered

    def disburse(self, farms_: np.ndarray, amount: np.ndarray, guaranteed: np.ndarray, month: int) -> None:
        """Book and pay out the approved loans; the borrowers pay the guarantee fees."""
        t, book, count = self.terms, self.book, farms_.size
        if count == 0:
            return
        rows = book.add(
            borrower_kind=np.full(count, FAMILY_FARM),
            borrower=farms_,
            bank=self.bank_of_farm[farms_],
            product=np.full(count, FAMILY_FARM_PRODUCT),
            principal=amount,
            rate=np.full(count, t.rate),
            subsidy_share=np.full(count, t.interest_subsidy_share),
            term=np.full(count, t.term_months),
            repayment=np.full(count, EQUAL_INSTALMENTS),
            purpose=np.full(count, INVESTMENT),
            start=np.full(count, month),
            status=np.full(count, PENDING),
            guaranteed=guaranteed,
        )
        book.disburse(rows, month)
        self.credit.count_guaranteed(rows)
        for bank in self.credit.banks:
            mine = book.bank[rows] == bank.index
            self.ledger.pay("loan_disbursement", bank.sector, FAMILY_FARMS, amount[mine], payee_rows=farms_[mine])
        self.credit.charge_guarantee_fees(rows, payer=FAMILY_FARMS)  # the farm pays; the guarantor re-guarantees
        self.stats["disbursed"] = float(amount.sum())
        self.stats["loans"] = float(count)

    # ------------------------------------------------------------------ servicing
    def service(self, month: int) -> np.ndarray:
        """Farms pay what falls due from their cash; returns the farms whose loan defaulted this month."""
        book, farms, credit = self.book, self.farms, self.credit
        due = book.due_this_month(month, kind=FAMILY_FARM)
        if due.rows.size == 0:
            return np.zeros(0, np.int64)
        borrower = book.borrower[due.rows]
        owed = np.bincount(borrower, weights=due.total, minlength=farms.m)
        share = np.divide(np.minimum(np.maximum(farms.cash, 0.0), owed), owed, out=np.zeros(farms.m), where=owed > 0)
        paid = due.total * share[borrower]
        interest = np.minimum(paid, due.interest)
        subsidy = due.subsidy * (share[borrower] >= 1.0 - 1e-12)
        for bank in credit.banks:
            mine = book.bank[due.rows] == bank.index
            self.ledger.pay("loan_payments", FAMILY_FARMS, bank.sector, paid[mine], payer_rows=borrower[mine])
            credit.interest_received_early[bank.index] += float(interest[mine].sum())
            credit.interest_received_early[bank.index] += credit.government.pay_to(
                "interest_subsidy", bank.sector, float(subsidy[mine].sum())
            )
        farms.income_month -= np.bincount(borrower, weights=interest, minlength=farms.m)
        defaults = book.apply_payments(due, paid, self.params.credit.default_days, month)
        credit.count_defaults(defaults)
        return np.unique(book.borrower[defaults])

    def recover(self, failed: np.ndarray, month: int) -> None:
        """A failed farm's loans default now; the cash it raised goes to the bank first."""
        book, farms, credit = self.book, self.farms, self.credit
        gone = np.zeros(farms.m, bool)
        gone[failed] = True
        rows = self.live_rows()
        rows = rows[gone[book.borrower[rows]]]
        if rows.size == 0:
            return
        borrower = book.borrower[rows]
        owed = book.exposure(rows)
        total = np.bincount(borrower, weights=owed, minlength=farms.m)
        share = np.divide(np.minimum(np.maximum(farms.cash, 0.0), total), total, out=np.zeros(farms.m), where=total > 0)
        paid = owed * share[borrower]
        interest = book.prepay(rows, paid)
        for bank in credit.banks:
            mine = book.bank[rows] == bank.index
            self.ledger.pay("loan_recovery", FAMILY_FARMS, bank.sector, paid[mine], payer_rows=borrower[mine])
            credit.interest_received_early[bank.index] += float(interest[mine].sum())
        still = rows[book.status[rows] == ACTIVE]
        book.status[still] = NONPERFORMING
        book.default_month[still] = month
        credit.count_defaults(still)

    def measure(self) -> dict[str, float]:
        """Family-farm credit outcomes of the month."""
        rows = self.live_rows()
        stats = self.stats
        self.stats = {}
        return {
            "family_farm_loans_outstanding": float(self.book.balance[rows].sum()),
            "family_farm_credit_disbursed": stats.get("disbursed", 0.0),
            "family_farm_loans": stats.get("loans", 0.0),
        }
