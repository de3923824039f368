"""The warehouse-receipt loan (仓单质押): grain stored at harvest is pledged, sold later, and repays the loan.

At the stored crop's harvest a household whose harvest no contract claims may put it in a
warehouse instead of selling at the harvest price. It does so when the sale expected after
``storage_months`` beats selling now by more than the warehouse fee and the loan's
interest: the log price index mean-reverts (``log p' = phi log p``), so the expected sale
price is ``p ** (phi ** k)`` and a harvest-time glut is worth waiting out. The bank lends
``loan_to_value`` of the harvest's value against the receipt (within its lending room,
best expected gain first) and the loan is paid out in the lending phase the same month; a
household the bank does not finance sells now. The stored harvest counts as income at its
harvest value (what was produced); after ``storage_months`` the grain is sold at that
month's price, the fee is paid, the price change less the fee is income then, and the bullet
loan falls due in the same month's servicing, paid from the sale. A default goes down the
usual waterfall (the borrower's assets are the recovery).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

import numpy as np

from agents.households import HOUSEHOLDS, REST_OF_WORLD
from agents.state import State
from simulation.engine.registry import LOAN_PRODUCTS, LoanProduct, Metric
from simulation.instruments.credit.book import ACTIVE, BULLET, HOUSEHOLD, NONPERFORMING, PENDING, WORKING_CAPITAL
from simulation.scenario.base import CROPS

if TYPE_CHECKING:
    from simulation.engine.month import MonthContext
    from simulation.instruments.credit.market import CreditMarket

NAME = "warehouse_receipt"
BRANCH = 0  # the receipt is pledged at the branch
STATES = (
    State("stored_quantity", np.float64, 0, "stored grain, as its value at price index 1 (yuan)"),
    State("stored_value", np.float64, 0, "value of the stored grain at the harvest price (yuan)"),
    State("stored_until", np.int32, -1, "month the stored grain is sold (-1: nothing stored)"),
)
STATS: WeakKeyDictionary[CreditMarket, dict[str, float]] = WeakKeyDictionary()  # this month's, by market
METRICS = (
    Metric("grain_stored_value", "yuan", "Value at harvest of the grain held in warehouses", "last_year"),
    Metric("warehouse_receipt_loans", "loans", "Warehouse-receipt loans granted this month", "sum"),
    Metric("stored_grain_sales", "yuan", "Stored grain sold this month (at the month's price)", "sum"),
    Metric("warehouse_fees", "yuan", "Warehouse fees paid on the grain sold this month", "sum"),
)


def store_or_sell(
    credit: CreditMarket, context: MonthContext, rows: np.ndarray, value: np.ndarray, free: np.ndarray
) -> np.ndarray:
    """Sell the grain whose storage ends this month; of this month's harvests, pledge those worth storing."""
    terms, hh = credit.terms[LOAN_PRODUCTS.index(NAME)], credit.households
    STATS[credit] = dict.fromkeys(("warehouse_loans", "stored_sales", "warehouse_fees"), 0.0)
    if not terms.enabled:
        return np.zeros(rows.size, bool)
    crop = CROPS.index(terms.crop)
    sell_stored_grain(credit, context.month, context.prices.index[crop])
    price = context.prices.index[crop]
    months = terms.storage_months
    # the expected sale price after the storage months (the log index mean-reverts), against today's
    expected_gain = price ** (context.prices.phi**months - 1.0) - 1.0
    loan = np.minimum(terms.loan_to_value * value, terms.ceiling)
    costs = terms.storage_cost * months + terms.loan_to_value * terms.rate * months / 12.0
    worth = free & (hh.crop[rows] == crop) & ~hh.blacklisted[rows] & (loan >= terms.min_amount)
    worth &= expected_gain > costs
    candidates = np.flatnonzero(worth)
    stored = np.zeros(rows.size, bool)
    if candidates.size == 0:
        return stored
    book = credit.book
    outstanding = book.outstanding_by("bank", len(credit.banks), (PENDING, ACTIVE, NONPERFORMING))
    for bank in credit.banks:
        mine = candidates[credit.bank_of_household[rows[candidates]] == bank.index]
        gain = np.full(mine.size, expected_gain - costs)
        room = bank.lending_room(float(outstanding[bank.index]))
        stored[mine] = bank.approve(gain, loan[mine], np.ones(mine.size, bool), room, np.zeros(mine.size))
    pledged = rows[stored]
    book.add(
        borrower_kind=np.full(pledged.size, HOUSEHOLD),
        borrower=pledged,
        bank=credit.bank_of_household[pledged],
        product=np.full(pledged.size, LOAN_PRODUCTS.index(NAME)),
        channel=np.full(pledged.size, BRANCH),
        principal=loan[stored],
        rate=np.full(pledged.size, terms.rate),
        insured=np.zeros(pledged.size, bool),
        subsidy_share=np.full(pledged.size, terms.interest_subsidy_share),
        term=np.full(pledged.size, months),
        repayment=np.full(pledged.size, BULLET),
        purpose=np.full(pledged.size, WORKING_CAPITAL),
        start=np.full(pledged.size, context.month),
        status=np.full(pledged.size, PENDING),
        guaranteed=np.zeros(pledged.size, bool),
        backed=np.zeros(pledged.size, bool),
        chain=np.zeros(pledged.size, bool),
    )
    hh.stored_quantity[pledged] = value[stored] / price
    hh.stored_value[pledged] = value[stored]
    hh.stored_until[pledged] = context.month + months
    STATS[credit]["warehouse_loans"] = float(pledged.size)
    return stored


def sell_stored_grain(credit: CreditMarket, month: int, price: float) -> None:
    """Grain whose storage ends is sold at this month's price; the fee is paid; the price change is farm income.

    The harvest value was the household's income when it was stored (``ValueChain.offer_storage``).
    """
    hh, terms = credit.households, credit.terms[LOAN_PRODUCTS.index(NAME)]
    due = np.flatnonzero(hh.stored_until == month)
    if due.size == 0:
        return
    proceeds = hh.stored_quantity[due] * price
    fee = terms.storage_cost * terms.storage_months * hh.stored_value[due]
    credit.ledger.pay("stored_grain_sales", REST_OF_WORLD, HOUSEHOLDS, proceeds, payee_rows=due)
    credit.ledger.pay("warehouse_fees", HOUSEHOLDS, REST_OF_WORLD, fee, payer_rows=due)
    hh.book_income("farm", proceeds - hh.stored_value[due] - fee, due)
    hh.stored_quantity[due] = 0.0
    hh.stored_value[due] = 0.0
    hh.stored_until[due] = -1
    STATS[credit]["stored_sales"] = float(proceeds.sum())
    STATS[credit]["warehouse_fees"] = float(fee.sum())


def measure(credit: CreditMarket) -> dict[str, float]:
    """Warehouse-receipt outcomes of the month."""
    stats = STATS.get(credit, {})
    return {
        "grain_stored_value": float(credit.households.stored_value.sum()),
        "warehouse_receipt_loans": stats.get("warehouse_loans", 0.0),
        "stored_grain_sales": stats.get("stored_sales", 0.0),
        "warehouse_fees": stats.get("warehouse_fees", 0.0),
    }


LOAN_PRODUCTS.register(
    LoanProduct(
        NAME,
        "credit.products.warehouse_receipt",
        "warehouse-receipt loans",
        at_harvest=store_or_sell,
        states=STATES,
        metrics=METRICS,
        measure=measure,
    )
)
