"""Credit: the loan book's schedule, arrears and default, and the market's flows through the ledger."""

import numpy as np
import pytest

from simulation.engine.model import ValueChainModel
from simulation.instruments.credit.book import (
    ACTIVE,
    BULLET,
    CLOSED,
    EQUAL_INSTALMENTS,
    NONPERFORMING,
    PENDING,
    WRITTEN_OFF,
    LoanBook,
    annuity_payment,
    debtors_of,
)
from simulation.scenario.loading import Scenario, ScenarioError, scenario_from_dict


def one_loan(book: LoanBook, principal=12_000.0, rate=0.06, term=12, repayment=EQUAL_INSTALMENTS, subsidy=0.0):
    rows = book.add(
        borrower_kind=np.array([0]),
        borrower=np.array([0]),
        bank=np.array([0]),
        product=np.array([0]),
        channel=np.array([0]),
        principal=np.array([principal]),
        rate=np.array([rate]),
        subsidy_share=np.array([subsidy]),
        term=np.array([term]),
        repayment=np.array([repayment]),
        start=np.array([0]),
        status=np.array([PENDING]),
    )
    book.disburse(rows, month=0)
    return rows


def small_scenario(**sets) -> Scenario:
    data = {
        "name": "credit_test",
        "description": "small county",
        "population": {"households": 1500},
        "horizon": {"years": 2},
    }
    for key, value in sets.items():
        node = data
        *path, last = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return scenario_from_dict(data)


def test_borrower_who_cannot_pay_goes_30_60_90_days_past_due_then_defaults():
    book = LoanBook()
    row = one_loan(book)
    seen = []
    for month in range(1, 5):
        due = book.due_this_month(month)
        book.apply_payments(due, np.zeros(due.rows.size), default_days=90, month=month)
        seen.append((int(book.dpd[row][0]), int(book.status[row][0])))
    assert seen[:3] == [(30, ACTIVE), (60, ACTIVE), (90, NONPERFORMING)]
    assert book.default_month[row][0] == 3


def test_paying_every_instalment_closes_the_loan_with_zero_balance():
    book = LoanBook()
    row = one_loan(book, term=12)
    for month in range(1, 13):
        due = book.due_this_month(month)
        book.apply_payments(due, due.total, default_days=90, month=month)
    assert book.status[row][0] == CLOSED
    assert book.balance[row][0] == 0.0
    assert book.dpd[row][0] == 0


def test_annuity_payment_repays_principal_and_interest():
    payment = annuity_payment(np.array([12_000.0]), np.array([0.12]), np.array([12]))[0]
    balance = 12_000.0
    for _ in range(12):
        balance = balance * 1.01 - payment
    assert abs(balance) < 1e-6


def test_bullet_loan_owes_interest_monthly_and_principal_at_maturity():
    book = LoanBook()
    one_loan(book, principal=6_000.0, rate=0.12, term=3, repayment=BULLET)
    first = book.due_this_month(1)
    assert first.principal[0] == 0.0
    assert first.interest[0] == pytest.approx(60.0)
    last = book.due_this_month(3)
    assert last.principal[0] == pytest.approx(6_000.0)


def test_subsidised_share_of_interest_is_owed_by_government_not_borrower():
    book = LoanBook()
    one_loan(book, principal=12_000.0, rate=0.06, subsidy=1.0)
    due = book.due_this_month(1)
    assert due.interest[0] == pytest.approx(0.0)
    assert due.subsidy[0] == pytest.approx(60.0)


def test_interest_subsidy_is_paid_by_government_to_the_bank():
    sc = small_scenario(
        **{"credit.products.microcredit.interest_subsidy_share": 1.0, "credit.demand.opportunity_rate": 0.2}
    )
    model = ValueChainModel(sc, seed=4)
    model.run_for(12)
    totals = model.ledger.totals
    bank = model.banks[0].sector
    subsidy = sum(v for (kind, payer, payee), v in totals.items() if kind == "interest_subsidy")
    assert subsidy > 0
    assert all(payer == "government" and payee == bank for (kind, payer, payee) in totals if kind == "interest_subsidy")
    assert model.government.spent["interest_subsidy"] == pytest.approx(subsidy)


def test_approved_loan_is_in_the_bank_book_and_the_ledger():
    sc = small_scenario(**{"credit.demand.opportunity_rate": 0.2})
    model = ValueChainModel(sc, seed=2)
    model.run_for(3)
    book = model.loans
    disbursed = book.rows_with(ACTIVE, NONPERFORMING, CLOSED, WRITTEN_OFF)
    assert disbursed.size > 0
    paid_out = sum(
        v
        for (kind, payer, payee), v in model.ledger.totals.items()
        if kind == "loan_disbursement" and payer == model.banks[0].sector and payee == "households"
    )
    # everything disbursed since the start of the spin-up went through the ledger
    assert paid_out == pytest.approx(book.principal[disbursed].sum())


def test_loan_book_stays_consistent_through_a_run_with_defaults():
    sc = small_scenario(**{"credit.demand.opportunity_rate": 0.3, "health.event_probability": 0.05, "horizon.years": 3})
    model = ValueChainModel(sc, seed=9)
    model.run_to_end()
    book = model.loans
    balance, status = book.view("balance"), book.view("status")
    assert (balance >= -1e-9).all()
    assert (balance[np.isin(status, (CLOSED, WRITTEN_OFF))] == 0).all()
    assert (book.view("arrears") >= -1e-9).all()
    assert (status == WRITTEN_OFF).any(), "the stressed county should write off some loans"
    assert np.abs(model.timeseries()["ledger_imbalance"]).max() < 1e-3


def test_live_loans_are_found_without_scanning_finished_ones_and_match_a_full_scan():
    sc = small_scenario(**{"credit.demand.opportunity_rate": 0.3, "health.event_probability": 0.05, "horizon.years": 3})
    model = ValueChainModel(sc, seed=9)
    book = model.loans
    for _ in range(36):
        model.step()
        status = book.view("status")
        for statuses in (
            (PENDING,),
            (ACTIVE,),
            (NONPERFORMING,),
            (ACTIVE, NONPERFORMING),
            (PENDING, ACTIVE, NONPERFORMING),
        ):
            np.testing.assert_array_equal(book.rows_with(*statuses), np.flatnonzero(np.isin(status, statuses)))
    finished = np.isin(book.view("status"), (CLOSED, WRITTEN_OFF))
    assert finished.any() and (~finished).any()
    assert book.live_rows().size == (~finished).sum()  # the finished loans have been dropped from the search
    np.testing.assert_array_equal(book.rows_with(CLOSED, WRITTEN_OFF), np.flatnonzero(finished))


def test_debtors_are_the_distinct_borrowers_in_order():
    borrower = np.array([7, 2, 7, 0, 2, 9])
    debtors, of_loan = debtors_of(borrower, 12)
    np.testing.assert_array_equal(debtors, [0, 2, 7, 9])
    np.testing.assert_array_equal(debtors[of_loan], borrower)


def test_illness_wave_raises_defaults():
    calm = ValueChainModel(small_scenario(**{"credit.demand.opportunity_rate": 0.3}), seed=5)
    sick = ValueChainModel(
        small_scenario(**{"credit.demand.opportunity_rate": 0.3, "health.event_probability": 0.08}), seed=5
    )
    assert sick.run_to_end()["loan_defaults"].sum() > calm.run_to_end()["loan_defaults"].sum()


def test_disaster_years_raise_loan_defaults():
    calm = ValueChainModel(
        small_scenario(
            **{
                "credit.demand.opportunity_rate": 0.3,
                "horizon.years": 3,
                "weather.disaster_probability": {"plain": 0, "hill": 0, "mountain": 0},
            }
        ),
        seed=6,
    )
    drought = ValueChainModel(
        small_scenario(
            **{
                "credit.demand.opportunity_rate": 0.3,
                "horizon.years": 3,
                "weather.disaster_probability": {"plain": 0.9, "hill": 0.9, "mountain": 0.9},
                "weather.loss_fraction_mean": 0.7,
            }
        ),
        seed=6,
    )
    assert drought.run_to_end()["loan_defaults"].sum() > calm.run_to_end()["loan_defaults"].sum()


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("credit.products.microcredit.ceiling", 100, "credit.products.microcredit"),
        ("credit.products.microcredit.interest_subsidy_share", 1.5, "interest_subsidy_share"),
        ("credit.products.farm_business.rate", -0.01, "rate"),
        ("credit.products.microcredit.term_months", 0, "term_months"),
    ],
)
def test_inconsistent_credit_terms_are_rejected_naming_the_key(key, value, named):
    with pytest.raises(ScenarioError) as err:
        small_scenario(**{key: value})
    assert named in str(err.value)
    assert "\n" not in str(err.value)


def test_scenario_without_credit_section_gets_default_products():
    sc = Scenario(name="x", description="y")
    assert sc.credit.products.microcredit.ceiling == 50_000
    assert sc.credit.products.microcredit.term_months == 36
