"""Insurance + futures (保险+期货): price cover sold at planting, claims when the harvest price falls, hedged."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.engine.model import ValueChainModel
from simulation.instruments.insurance.price_futures import sell_price_cover, settle_price_claims
from simulation.scenario.base import CROPS
from tests.small_county import small_scenario


def priced_county(**dotted):
    return small_scenario(households=400, insurance__price_futures__enabled=True, **dotted)


def test_the_cover_pays_the_shortfall_below_the_insured_price_and_the_hedge_pays_its_share_back():
    model = ValueChainModel(priced_county(), seed=1)
    market, hh = model.insurance, model.households
    terms = model.params.insurance.price_futures
    market.month_stats = {"price_claims": 0.0, "hedge_payoff": 0.0}
    hh.price_insured[:3] = True
    hh.price_insured_value[:3] = [10_000.0, 20_000.0, 0.0]
    cash, insurer = hh.cash[:3].copy(), model.insurer.cash

    settle_price_claims(market, price=0.76)  # 20% below the insured 0.95

    shortfall = (terms.insured_price - 0.76) / terms.insured_price
    np.testing.assert_allclose(hh.cash[:3] - cash, [10_000.0 * shortfall, 20_000.0 * shortfall, 0.0])
    paid = 30_000.0 * shortfall
    assert model.insurer.cash - insurer == pytest.approx(-paid + terms.hedge_ratio * paid)
    assert not hh.price_insured[:3].any()


def test_no_claim_when_the_harvest_price_is_at_or_above_the_insured_price():
    model = ValueChainModel(priced_county(), seed=1)
    market, hh = model.insurance, model.households
    market.month_stats = {"price_claims": 0.0, "hedge_payoff": 0.0}
    hh.price_insured[:5] = True
    hh.price_insured_value[:5] = 10_000.0
    cash = hh.cash.copy()
    settle_price_claims(market, price=1.0)
    assert (hh.cash == cash).all()


def test_growers_buy_cover_at_planting_and_government_pays_the_subsidised_share():
    model = ValueChainModel(priced_county(**{"insurance.price_futures.base_uptake": 1.0}), seed=1)
    market, hh = model.insurance, model.households
    market.month_stats = {"price_premiums": 0.0, "hedge_cost": 0.0}
    hh.planted[:] = 1.0
    spent = model.government.spent["price_insurance_subsidy"]
    revenue = model.params.farming.crops.cash_crop.revenue_per_mu
    sell_price_cover(market, np.zeros(hh.n), revenue)
    growers = (hh.crop == CROPS.index("cash_crop")) & hh.farms_own_land
    assert hh.price_insured[growers].mean() > 0.9 and not hh.price_insured[~growers].any()
    premium = market.month_stats["price_premiums"]
    subsidy = model.government.spent["price_insurance_subsidy"] - spent
    assert subsidy == pytest.approx(model.params.insurance.price_futures.premium_subsidy * premium)


def test_a_price_fall_at_harvest_is_paid_in_a_whole_run_and_the_books_balance():
    shock = [{"month": 9, "crops": ["cash_crop"], "log_change": -0.4}]
    records = ValueChainModel(priced_county(**{"farming.price_shocks": shock}), seed=1).run_to_end()
    assert records["price_insurance_premiums"].sum() > 0
    assert records["price_insurance_claims"].sum() > 0
    assert records["futures_hedge_payoff"].sum() == pytest.approx(0.9 * records["price_insurance_claims"].sum())
    assert records["fiscal_price_insurance_subsidy"].sum() > 0
    assert records["ledger_imbalance"].abs().max() < 1e-6 * records["insurance_premiums"].sum() + 1e-3


def test_price_insurance_is_off_in_the_baseline():
    records = ValueChainModel(small_scenario(households=300), seed=1).run_to_end()
    assert (records[["price_insurance_premiums", "price_insurance_claims"]] == 0).all().all()
