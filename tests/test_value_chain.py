"""Value chain: chain-embedded repayment, joint liability, enterprise failure and its contagion."""

import numpy as np
import pytest
from small_county import PRE_CALIBRATION, nested

from simulation.engine.model import ValueChainModel
from simulation.scenario.loading import ScenarioError, scenario_from_dict


def chain_county(households=2000, years=2, **value_chain):
    return scenario_from_dict(
        {
            "name": "vc",
            "description": "value chain test",
            # a county where loans default (the calibrated one rarely does)
            **nested({**PRE_CALIBRATION, "population.households": households, "horizon.years": years}),
            "value_chain": {"enabled": True, **value_chain},
        }
    )


def test_deducted_repayment_never_exceeds_the_sale_proceeds():
    model = ValueChainModel(chain_county(), seed=1)
    book, credit = model.loans, model.credit
    chain = book.rows_with(1, 2)
    chain = chain[book.chain[chain]]
    if chain.size == 0:
        pytest.skip("no order-financing loan at this point of the run")  # pragma: no cover
    borrowers = np.unique(book.borrower[chain])
    owed = np.bincount(
        book.borrower[chain], weights=book.balance[chain] + book.overdue_interest[chain], minlength=model.households.n
    )[borrowers]
    proceeds = owed * np.linspace(0.1, 2.0, borrowers.size)  # some sales too small to cover the loan
    left = credit.deduct_chain_repayments(borrowers, proceeds, model.value_chain.enterprises[0].sector)
    deducted = proceeds - left
    assert (deducted <= proceeds + 1e-9).all()
    assert (left >= -1e-9).all()
    np.testing.assert_allclose(deducted, np.minimum(owed, proceeds))


def test_contracted_farmers_hold_order_financing_loans_repaid_at_harvest():
    series = ValueChainModel(chain_county(years=2), seed=2).run_to_end()
    assert series["contract_share"].iloc[0] > 0
    assert series["chain_loans_outstanding"].max() > 0
    assert series["contract_purchases"].sum() > 0


def test_joint_liability_moves_money_among_members_through_the_ledger():
    model = ValueChainModel(chain_county(), seed=3)
    coops, hh, ledger = model.value_chain.coops, model.households, model.ledger
    members = np.flatnonzero(coops.is_member)
    coop = coops.of_household[members[0]]
    same = members[coops.of_household[members] == coop]
    defaulter, others = same[:1], same[1:]
    coops.owed_by_member[defaulter] = 3_000.0
    hh.cash[others] = np.maximum(hh.cash[others], 1_000.0)
    cash_before, coop_before = hh.cash[others].copy(), coops.cash[coop]
    covered = coops.share_shortfall(defaulter, np.array([3_000.0]), hh, ledger)
    assert covered > 0
    assert hh.cash[others].sum() == pytest.approx(cash_before.sum() - covered)
    assert coops.cash[coop] == pytest.approx(coop_before + covered)
    assert ledger.month.paid(kind="joint_liability", payer="households", payee="cooperatives") == pytest.approx(covered)
    assert (cash_before - hh.cash[others] <= coops.terms.joint_liability_cap + 1e-9).all()
    assert coops.owed_by_member[defaulter][0] == pytest.approx(3_000.0 - covered, abs=1e-6)


def test_enterprise_default_stops_its_wages_and_contracts_the_next_month():
    model = ValueChainModel(chain_county(years=2, enterprises=[{"fail_year": 1}]), seed=4)
    model.run_to_end()
    series = model.timeseries()
    failed = int(series.loc[series["enterprise_defaults"] > 0, "month"].iloc[0])
    after = series[series["month"] > failed]
    assert (after["contract_share"] == 0).all()
    flows = [model.ledger.closed]  # last month's flows
    assert flows[0].paid(kind="enterprise_wages") == 0.0
    assert not model.households.enterprise_job.any()
    assert series["ledger_imbalance"].abs().max() < 1e-3


def test_enterprise_failure_raises_npl():
    healthy = ValueChainModel(chain_county(years=3), seed=5).run_to_end()
    failing = ValueChainModel(chain_county(years=3, enterprises=[{"fail_year": 2}]), seed=5).run_to_end()
    assert failing["npl_ratio"].iloc[-12:].mean() > healthy["npl_ratio"].iloc[-12:].mean()
    assert failing["enterprise_defaults"].sum() == 1
    assert failing["ledger_imbalance"].abs().max() < 1e-3


def test_contracted_households_earn_more_than_the_same_households_without_the_chain():
    with_chain = ValueChainModel(chain_county(years=3), seed=6)
    contracted = with_chain.value_chain.active_contracts().copy()
    with_chain.run_to_end()
    data = chain_county(years=3).model_dump()
    data["value_chain"]["enabled"] = False
    without = ValueChainModel(scenario_from_dict(data), seed=6)
    without.run_to_end()
    assert contracted.any()
    assert with_chain.households.income_pc[contracted].mean() > without.households.income_pc[contracted].mean()


@pytest.mark.parametrize(
    ("value_chain", "named"),
    [
        ({"enterprises": []}, "value_chain"),
        ({"enterprises": [{"price_rule": "haggle"}]}, "value_chain.enterprises.0"),
        ({"enterprises": [{"price_floor": 1.2, "price_cap": 1.0}]}, "value_chain.enterprises.0"),
        ({"cooperatives": {"members_per_coop": 1}}, "value_chain.cooperatives.members_per_coop"),
    ],
)
def test_bad_value_chain_input_names_the_key(value_chain, named):
    with pytest.raises(ScenarioError) as err:
        chain_county(**value_chain)
    assert named in str(err.value) and "\n" not in str(err.value)
