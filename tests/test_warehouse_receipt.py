"""Warehouse-receipt loans (仓单质押): grain pledged at harvest, sold later, the loan repaid from the sale."""

from __future__ import annotations

import pytest

from simulation.engine.model import ValueChainModel
from simulation.engine.registry import LOAN_PRODUCTS
from simulation.instruments.credit.book import CLOSED
from tests.small_county import small_scenario

GRAIN_GLUT = [{"month": 7, "crops": ["grain"], "log_change": -0.3}]  # grain is harvested in month 9


def stored_county(**dotted):
    return small_scenario(
        households=1500,
        years=2,
        credit__products__warehouse_receipt__enabled=True,
        **{"farming.price_shocks": GRAIN_GLUT, **dotted},
    )


@pytest.fixture(scope="module")
def glut_run():
    model = ValueChainModel(stored_county(), seed=1)
    return model, model.run_to_end()


def test_grain_is_pledged_at_a_low_harvest_price_and_sold_after_the_storage_months(glut_run):
    _, records = glut_run
    loans = records.set_index("month")["warehouse_receipt_loans"]
    sales = records.set_index("month")["stored_grain_sales"]
    assert loans[9] > 0
    assert sales[9 + 6] > 0 and sales.drop(9 + 6).loc[:20].eq(0).all()


def test_the_sale_repays_the_loans_against_the_receipts(glut_run):
    model, records = glut_run
    book, code = model.loans, LOAN_PRODUCTS.index("warehouse_receipt")
    first = (book.view("product") == code) & (book.view("start") == 9)
    assert first.any()
    repaid = (book.view("status")[first] == CLOSED).mean()
    assert repaid > 0.9
    assert (
        records.set_index("month")["loans_outstanding_warehouse_receipt"][15]
        < 0.05 * records.set_index("month")["loans_outstanding_warehouse_receipt"][14]
    )


def test_stored_grain_sells_at_the_later_price_and_the_books_balance(glut_run):
    _, records = glut_run
    at = records.set_index("month")
    assert at["stored_grain_sales"][15] > at["grain_stored_value"][14]  # the price has recovered since the glut
    assert records["ledger_imbalance"].abs().max() < 1e-3


def test_nobody_stores_when_storage_costs_more_than_the_expected_recovery():
    expensive = stored_county(**{"credit.products.warehouse_receipt.storage_cost": 0.1})
    records = ValueChainModel(expensive, seed=1).run_to_end()
    assert records["warehouse_receipt_loans"].sum() == 0


def test_warehouse_receipt_loans_are_off_in_the_baseline():
    records = ValueChainModel(small_scenario(households=300), seed=1).run_to_end()
    assert records["warehouse_receipt_loans"].sum() == 0 and records["grain_stored_value"].sum() == 0
