"""The vulnerable lower tail of the ex-poor, and loans serviced only from cash beyond a subsistence reserve."""

from __future__ import annotations

import numpy as np
import pytest
from small_county import pre_calibration_scenario

from agents.levels import PriceLevels
from agents.population import GROUP_EX_POOR, synthesize_households
from simulation.engine.model import ValueChainModel
from simulation.instruments.credit.repayment import repayment_capacity

TAIL = {"population__ex_poor_share": 0.2, "population__ex_poor_low_capacity_share": 0.4}


def test_low_capacity_households_are_ex_poor_with_nobody_at_work_and_one_or_two_members():
    sc = pre_calibration_scenario(households=4000, **TAIL)
    hh = synthesize_households(sc, np.random.default_rng(1))
    low = hh.low_capacity
    assert (hh.group[low] == GROUP_EX_POOR).all()
    assert (hh.labour[low] == 0).all() and (hh.migrants[low] == 0).all()
    assert set(np.unique(hh.size[low])) == {1.0, 2.0}
    share = low.sum() / (hh.group == GROUP_EX_POOR).sum()
    assert share == pytest.approx(0.4, abs=0.05)


def test_without_a_low_capacity_share_synthesis_draws_nothing_more():
    plain = synthesize_households(pre_calibration_scenario(households=1000), np.random.default_rng(2))
    zero = synthesize_households(
        pre_calibration_scenario(households=1000, population__ex_poor_low_capacity_share=0.0), np.random.default_rng(2)
    )
    assert not zero.low_capacity.any()
    np.testing.assert_array_equal(plain.income_12m, zero.income_12m)


def test_low_capacity_households_are_paid_their_own_pension_level_through_the_ledger():
    sc = pre_calibration_scenario(households=2000, transfers__low_capacity_basic_per_capita=90.0, **TAIL)
    model = ValueChainModel(sc, seed=3)
    hh = model.households
    hh.reset_month()
    hh.dibao[:] = False
    model.government.pay_transfers(hh)
    low = hh.low_capacity
    uprated = hh.levels.transfers
    np.testing.assert_allclose(hh.transfer_month[low], 90.0 * uprated * hh.size[low])
    np.testing.assert_allclose(hh.transfer_month[~low], sc.transfers.basic_per_capita * uprated * hh.size[~low])


def _low_capacity_poverty(takeup: float, seed: int) -> tuple[float, float]:
    withdrawn = {"ex_poor": {"transfers": {"dibao_takeup": takeup}}}
    model = ValueChainModel(pre_calibration_scenario(households=3000, years=3, groups=withdrawn, **TAIL), seed=seed)
    model.run_to_end()
    low = model.households.low_capacity
    return float(model.households.poor[low].mean()), float(model.households.dibao[low].mean())


def test_the_dibao_decides_whether_low_capacity_households_stay_above_the_line():
    for seed in (4, 5):
        poor_with, on_dibao = _low_capacity_poverty(1.0, seed)
        poor_without, none = _low_capacity_poverty(0.0, seed)
        assert on_dibao > 0.3 and none == 0.0
        assert poor_without > poor_with + 0.2


def _debtor(cash: float, assets: float):
    model = ValueChainModel(pre_calibration_scenario(households=50), seed=6)
    hh = model.households
    hh.cash[:2], hh.assets[:2], hh.invested[:2] = cash, assets, 0.0
    return hh, model.ledger, np.array([0, 1]), np.array([3000.0, 3000.0])


def test_a_borrower_keeps_its_reserve_and_sells_assets_only_for_the_stated_share_of_the_gap():
    sc = pre_calibration_scenario(households=50, credit__repayment_reserve_months=2.0, credit__asset_sale_share=0.0)
    hh, ledger, debtors, owed = _debtor(cash=4000.0, assets=20_000.0)
    reserve = 2.0 * hh.subsistence(debtors)
    terms = sc.credit
    paid = repayment_capacity(hh, debtors, owed, terms, ledger)
    np.testing.assert_allclose(paid, 4000.0 - reserve)
    assert (hh.assets[:2] == 20_000.0).all()
    terms = pre_calibration_scenario(
        households=50, credit__repayment_reserve_months=2.0, credit__asset_sale_share=0.5
    ).credit
    gap = owed - (4000.0 - reserve)
    paid = repayment_capacity(hh, debtors, owed, terms, ledger)
    np.testing.assert_allclose(paid, 4000.0 - reserve + 0.5 * gap)
    sold = gap * 0.5 / (1.0 - sc.assets.distress_sale_discount)
    np.testing.assert_allclose(hh.assets[:2], 20_000.0 - sold)


def test_borrowers_who_protect_their_reserve_and_assets_default_more_often():
    def defaults(**credit):
        sc = pre_calibration_scenario(
            households=3000,
            years=3,
            credit__demand__project_failure_rate=0.3,
            **{f"credit__{k}": v for k, v in credit.items()},
        )
        return sum(ValueChainModel(sc, seed=s).run_to_end()["loan_defaults"].sum() for s in (7, 8))

    selling = defaults()
    protecting = defaults(repayment_reserve_months=8.0, asset_sale_share=0.0)
    assert protecting > 2 * max(selling, 1.0)


@pytest.mark.parametrize(("rule", "level"), [("cpi", 1.02**3), ("wages", 1.1**3), ("fixed", 1.0)])
def test_low_capacity_pensions_follow_their_own_uprating_rule_not_the_transfers_growth(rule, level):
    sc = pre_calibration_scenario(
        households=1000,
        growth__cpi=0.02,
        growth__wages=0.1,
        growth__transfers=0.12,
        growth__low_capacity_transfers=rule,
        transfers__low_capacity_basic_per_capita=100.0,
        **TAIL,
    )
    hh = synthesize_households(sc, np.random.default_rng(9))
    hh.levels = PriceLevels.of_year(sc, 3)
    paid = hh.basic_per_capita()
    np.testing.assert_allclose(paid[hh.low_capacity], 100.0 * level)
    np.testing.assert_allclose(paid[~hh.low_capacity], sc.transfers.basic_per_capita * 1.12**3)
