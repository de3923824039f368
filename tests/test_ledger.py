"""The ledger: every yuan moves through pay, and the books balance at the end of each month."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from small_county import small_scenario

from agents.government import GOVERNMENT
from agents.households import HOUSEHOLDS
from simulation.engine.ledger import REST_OF_WORLD, ArrayAccount, Ledger, LedgerImbalanceError
from simulation.engine.model import ValueChainModel

ROWS = 5


class Institution:
    """Anything with a ``cash`` attribute can be a scalar sector."""

    def __init__(self, cash: float = 0.0) -> None:
        self.cash = cash


def books(cash: list[float] | None = None, institution_cash: float = 0.0) -> tuple[Ledger, np.ndarray, Institution]:
    ledger = Ledger()
    households = np.array(cash if cash is not None else [100.0] * ROWS, dtype=np.float64)
    bank = Institution(institution_cash)
    ledger.open_array_sector("households", households)
    ledger.open_scalar_sector("bank", bank)
    return ledger, households, bank


def test_pay_moves_cash_from_rows_to_an_institution_and_records_the_flow():
    ledger, households, bank = books([100.0, 200.0, 300.0, 400.0, 500.0])

    moved = ledger.pay("loan_repayment", "households", "bank", np.array([10.0, 30.0]), payer_rows=np.array([1, 3]))

    assert moved == 40.0
    assert households.tolist() == [100.0, 190.0, 300.0, 370.0, 500.0]
    assert bank.cash == 40.0
    assert ledger.month.paid(kind="loan_repayment", payer="households", payee="bank") == 40.0
    assert ledger.month.net["households"] == -40.0
    assert ledger.month.net["bank"] == 40.0


def test_pay_to_the_same_row_twice_adds_both_amounts():
    ledger, households, bank = books(institution_cash=1_000.0)

    ledger.pay("disbursement", "bank", "households", np.array([5.0, 7.0, 1.0]), payee_rows=np.array([2, 2, 0]))

    assert households.tolist() == [101.0, 100.0, 112.0, 100.0, 100.0]
    assert bank.cash == 987.0


def test_pay_without_rows_charges_every_row_its_own_amount():
    ledger, households, _ = books()

    moved = ledger.pay("consumption", "households", REST_OF_WORLD, np.arange(ROWS, dtype=np.float64))

    assert moved == 10.0
    assert households.tolist() == [100.0, 99.0, 98.0, 97.0, 96.0]


def test_close_month_is_balanced_after_recorded_flows():
    ledger, households, bank = books(institution_cash=500.0)
    ledger.pay("wages", REST_OF_WORLD, "households", np.full(ROWS, 30.0))
    ledger.pay("deposit", "households", "bank", np.array([20.0]), payer_rows=np.array([4]))
    ledger.pay("fees", "bank", REST_OF_WORLD, 12.5)

    assert ledger.close_month() == pytest.approx(0.0, abs=1e-9)
    assert households.sum() == pytest.approx(5 * 100.0 + 150.0 - 20.0)
    assert bank.cash == pytest.approx(500.0 + 20.0 - 12.5)


def test_cash_changed_without_a_flow_raises_ledger_imbalance():
    ledger, households, _ = books()
    households[2] += 1.0

    with pytest.raises(LedgerImbalanceError, match="out of balance by 1 yuan"):
        ledger.close_month()


def test_institution_cash_changed_without_a_flow_raises_ledger_imbalance():
    ledger, _, bank = books()
    bank.cash -= 50.0

    with pytest.raises(LedgerImbalanceError):
        ledger.close_month()


def test_money_moved_between_rows_without_a_flow_raises_ledger_imbalance():
    # the sector total is unchanged, but row totals are not checked: the sector's net must match
    ledger, households, _ = books()
    ledger.pay("wages", REST_OF_WORLD, "households", np.full(ROWS, 1.0))
    households[0] += 1.0

    with pytest.raises(LedgerImbalanceError):
        ledger.close_month()


def test_close_month_tolerates_rounding_within_the_relative_tolerance():
    ledger, households, _ = books([1e9] * ROWS)
    households[0] += 1.0  # 1 yuan on 5e9: 2e-10 relative, within 1e-6

    assert ledger.close_month() == pytest.approx(1.0)


def test_close_month_starts_a_new_month_and_keeps_running_totals():
    ledger, _, _ = books()
    ledger.pay("wages", REST_OF_WORLD, "households", np.full(ROWS, 2.0))
    ledger.close_month()
    ledger.pay("wages", REST_OF_WORLD, "households", np.full(ROWS, 3.0))

    assert ledger.closed.paid(kind="wages") == 10.0
    assert ledger.month.paid(kind="wages") == 15.0
    ledger.close_month()
    assert ledger.totals[("wages", REST_OF_WORLD, "households")] == 25.0


# ---------------------------------------------------------------- property: the books always balance

SECTORS = ("households", "bank", REST_OF_WORLD)
amounts = st.floats(min_value=0.0, max_value=1e7, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def payment(draw: st.DrawFn) -> dict:
    """One payment between two of the three sectors; the household side pays or receives row by row."""
    payer, payee = draw(st.sampled_from(SECTORS)), draw(st.sampled_from(SECTORS))
    pay = {"kind": draw(st.sampled_from(["wages", "repayment", "dibao"])), "payer": payer, "payee": payee}
    if "households" not in (payer, payee):
        return pay | {"amount": draw(amounts)}
    size = draw(st.integers(1, 2 * ROWS))
    pay["amount"] = np.array(draw(st.lists(amounts, min_size=size, max_size=size)))
    for side in ("payer", "payee"):
        if pay[side] == "households":
            every_row_in_order = size == ROWS and draw(st.booleans())
            rows = st.lists(st.integers(0, ROWS - 1), min_size=size, max_size=size)
            pay[f"{side}_rows"] = None if every_row_in_order else np.array(draw(rows))
    return pay


def expected_change(pay: dict, sector: str) -> np.ndarray | float:
    """What the payment does to a sector, computed the slow, obvious way."""
    change = np.zeros(ROWS) if sector == "households" else 0.0
    for side, sign in (("payer", -1.0), ("payee", 1.0)):
        if pay[side] != sector:
            continue
        if sector == "households":
            rows = pay[f"{side}_rows"]
            for i, value in enumerate(pay["amount"]):
                change[i if rows is None else rows[i]] += sign * value
        else:
            change += sign * float(np.sum(pay["amount"]))
    return change


@settings(max_examples=150, deadline=None)
@given(
    months=st.lists(st.lists(payment(), max_size=12), min_size=1, max_size=4),
    opening=st.lists(amounts, min_size=ROWS, max_size=ROWS),
)
def test_random_payments_among_rows_an_institution_and_the_world_keep_the_books_balanced(months, opening):
    ledger, households, bank = books(list(opening), institution_cash=1e6)
    expected_households, expected_bank = np.array(opening), 1e6

    for payments in months:
        for pay in payments:
            ledger.pay(**pay)
            expected_households = expected_households + expected_change(pay, "households")
            expected_bank += expected_change(pay, "bank")

        scale = max(1.0, np.abs(households).sum(), abs(bank.cash), np.abs(expected_households).sum())
        assert ledger.close_month() <= 1e-6 * scale
        np.testing.assert_allclose(households, expected_households, rtol=1e-9, atol=1e-6 * scale)
        assert bank.cash == pytest.approx(expected_bank, rel=1e-9, abs=1e-6 * scale)


# ---------------------------------------------------------------- a scalar amount for many rows
# A scalar paid by (or to) an array sector is paid by (or to) each of its rows, and both sides move the same total.


def test_scalar_amount_paid_by_every_household_reaches_the_institution_in_full():
    ledger, households, bank = books()

    ledger.pay("fee", "households", "bank", 5.0)

    assert households.sum() == 5 * 100.0 - 5 * 5.0
    ledger.close_month()
    assert bank.cash == 5 * 5.0


def test_scalar_amount_paid_to_chosen_rows_is_recorded_once_per_row():
    ledger, households, _ = books()

    moved = ledger.pay("grant", REST_OF_WORLD, "households", 5.0, payee_rows=np.array([0, 1]))

    assert households.tolist() == [105.0, 105.0, 100.0, 100.0, 100.0]
    ledger.close_month()
    assert moved == 10.0


# ---------------------------------------------------------------- the books of a whole run


def test_two_year_run_closes_every_month_without_imbalance(monkeypatch):
    closed_months = []
    close_month = Ledger.close_month

    def counting_close(self: Ledger) -> float:
        imbalance = close_month(self)
        closed_months.append(imbalance)
        return imbalance

    monkeypatch.setattr(Ledger, "close_month", counting_close)
    scenario = small_scenario(households=1_000, years=2)

    model = ValueChainModel(scenario, seed=11)
    series = model.run_to_end()

    assert len(closed_months) == 12 * (scenario.horizon.spin_up_years + 2)
    assert len(series) == 24
    scale = max(abs(model.ledger.cash_of(HOUSEHOLDS)), abs(model.ledger.cash_of(GOVERNMENT)))
    assert (series["ledger_imbalance"] <= 1e-6 * scale).all()


def test_recorded_flows_explain_every_yuan_households_and_government_gained_over_a_run():
    model = ValueChainModel(small_scenario(households=800, years=2, horizon__spin_up_years=0), seed=5)
    opening_households = model.households.cash.sum()

    series = model.run_to_end()

    flows = model.ledger.totals
    into_households = sum(v for (_, payer, payee), v in flows.items() if payee == HOUSEHOLDS)
    out_of_households = sum(v for (_, payer, payee), v in flows.items() if payer == HOUSEHOLDS)
    assert model.households.cash.sum() - opening_households == pytest.approx(into_households - out_of_households)
    # higher levels fund the county's outlays: central transfers = fiscal cost + what the county still holds
    central = flows[("central_transfers", REST_OF_WORLD, "government")]
    assert central - series["fiscal_cost"].sum() == pytest.approx(model.government.cash, abs=1e-3)


# ---------------------------------------------------------------- a few rows are moved in place, exactly as densely
SECTOR_ROWS = 256  # in place below 64 ordered rows or 8 unordered ones, dense above


@settings(max_examples=200, deadline=None)
@given(
    opening=st.lists(amounts, min_size=SECTOR_ROWS, max_size=SECTOR_ROWS),
    rows=st.lists(st.integers(0, SECTOR_ROWS - 1), max_size=80),
    sorted_unique=st.booleans(),
    sign=st.sampled_from([-1.0, 1.0]),
    data=st.data(),
)
def test_moving_a_few_rows_in_place_gives_the_same_cash_as_one_dense_bincount(opening, rows, sorted_unique, sign, data):
    rows = np.array(sorted(set(rows)) if sorted_unique else rows, dtype=np.int64)
    amount = np.array(data.draw(st.lists(amounts, min_size=rows.size, max_size=rows.size)), dtype=np.float64)
    cash = np.array(opening)
    dense = cash + sign * np.bincount(rows, weights=amount, minlength=SECTOR_ROWS)  # the dense rule, for reference

    ArrayAccount(cash).move(amount, rows, sign)

    assert np.array_equal(cash, dense)
