"""Family farms, the village land-transfer market and the family-farm loan."""

from __future__ import annotations

import numpy as np
import pytest
from small_county import pre_calibration_scenario, small_scenario

from agents.family_farms import FAMILY_FARMS, FamilyFarms
from agents.households import ENTERPRISE_LOSS, HOUSEHOLDS, REST_OF_WORLD, Households
from simulation.engine.ledger import Ledger
from simulation.engine.model import ValueChainModel
from simulation.instruments.credit.family_farm import FAMILY_FARM
from simulation.instruments.land_market import LandMarket
from simulation.scenario.loading import ScenarioError

GRAIN = 0


def one_village(labour: list[float], cash: float = 10_000.0) -> tuple[Households, FamilyFarms, LandMarket, Ledger]:
    """A plain village of grain households with 10 mu each; household 0 runs the family farm.

    Grain: revenue 1,300 and inputs 450 per mu, so farming a mu is worth 850 a year to a
    household of productivity 1 (asked with the 25% attachment premium: 1,062.5), 255 to one
    with nobody at home (asked: 318.75, below the outside rent of 400, so it asks 400).
    """
    n = len(labour)
    scenario = pre_calibration_scenario(households=n)  # the hand-computed rents use these crop figures
    hh = Households(n, scenario)
    hh.crop[:] = GRAIN
    hh.land[:] = 10.0
    hh.labour[:] = labour
    hh.cash[:] = cash
    hh.decide_land_use()
    draw = np.ones(n)
    draw[0] = 0.0  # household 0 runs the farm
    farms = FamilyFarms(hh, scenario.family_farms, draw)
    ledger = Ledger()
    ledger.open_array_sector(HOUSEHOLDS, hh.cash)
    ledger.open_array_sector(FAMILY_FARMS, farms.cash)
    return hh, farms, LandMarket(scenario, hh, farms, ledger), ledger


def test_a_household_with_no_labour_rents_out_its_land_when_the_rent_beats_farming_it():
    # household 1 has nobody to farm; household 2 has two workers at home and the same land
    hh, farms, market, _ = one_village([2, 0, 2])

    signed = market.clear(year=1, want=np.array([100.0]), bid=np.array([900.0]))

    assert farms.m == 1 and farms.operator.tolist() == [0]
    assert signed.tolist() == [1]
    assert market.lease_farm.tolist() == [-1, 0, -1]
    assert farms.rented_mu.tolist() == [10.0]
    assert market.rent[0] == pytest.approx(400.0)  # the last accepted ask
    assert hh.farms_own_land.tolist() == [False, False, True]


def test_no_household_rents_out_when_the_farm_bids_less_than_farming_or_outside_tenants_pay():
    _, farms, market, _ = one_village([2, 0, 2])

    market.clear(year=1, want=np.array([100.0]), bid=np.array([350.0]))

    assert market.lease_farm.tolist() == [-1, -1, -1]
    assert farms.rented_mu.tolist() == [0.0]


def test_households_rent_out_cheapest_ask_first_until_the_farm_has_what_it_wants():
    # three idle households ask 400; a farmer of productivity 0.9 asks 1.25 * (1,170 - 450) = 900
    hh, _, market, _ = one_village([2, 0, 2, 0, 0])
    hh.productivity[2] = 0.9

    market.clear(year=1, want=np.array([15.0]), bid=np.array([1_000.0]))

    assert market.lease_farm.tolist() == [-1, 0, -1, 0, -1]  # 10 mu, then 10 more to cover the 15 wanted


def test_rent_moves_through_the_ledger_from_the_farm_to_its_lessors_as_property_income():
    hh, farms, market, ledger = one_village([2, 0, 0])
    market.clear(year=1, want=np.array([100.0]), bid=np.array([900.0]))
    before = hh.cash.copy()

    defaulted = market.collect_rent(np.array([True]))

    assert defaulted.size == 0
    assert ledger.month.paid(kind="land_rent", payer=FAMILY_FARMS, payee=HOUSEHOLDS) == pytest.approx(8_000.0)
    assert (hh.cash - before).tolist() == pytest.approx([0.0, 4_000.0, 4_000.0])
    assert hh.property_month.tolist() == pytest.approx([0.0, 4_000.0, 4_000.0])
    assert farms.cash[0] == pytest.approx(10_000.0 * 1.5 * 0 + farms.terms.start_cash_per_mu * farms.target[0] - 8_000)
    assert ledger.close_month() == pytest.approx(0.0)


def test_a_family_farm_that_cannot_pay_its_rent_defaults_and_its_lessors_lose_the_rent():
    hh, farms, market, ledger = one_village([2, 0, 0])
    market.clear(year=1, want=np.array([100.0]), bid=np.array([900.0]))
    ledger.pay("test_drain", FAMILY_FARMS, REST_OF_WORLD, farms.cash - 2_000.0, payer_rows=np.array([0]))

    defaulted = market.collect_rent(np.array([True]))

    assert defaulted.tolist() == [0]
    assert hh.property_month.tolist() == pytest.approx([0.0, 1_000.0, 1_000.0])  # 2,000 shared pro rata
    assert hh.shock_loss[ENTERPRISE_LOSS].tolist() == pytest.approx([0.0, 3_000.0, 3_000.0])
    assert farms.cash[0] == pytest.approx(0.0)


def small_model(households: int = 1_500, **dotted) -> ValueChainModel:
    return ValueChainModel(small_scenario(households=households, years=3, **dotted), seed=3)


def test_a_failed_farm_ends_its_leases_and_its_lessors_and_workers_lose_income_to_enterprise_loss():
    model = small_model()
    sector, hh = model.family_farms, model.households
    leased = np.bincount(sector.market.lease_farm[sector.market.lease_farm >= 0], minlength=sector.farms.m)
    farm = int(np.argmax(leased))
    lessors = np.flatnonzero(sector.market.lease_farm == farm)
    assert lessors.size > 0
    hh.forget_shocks()
    model.ledger.pay("test_drain", FAMILY_FARMS, REST_OF_WORLD, sector.farms.cash[farm], payer_rows=np.array([farm]))
    paying = np.zeros(sector.farms.m, bool)
    paying[farm] = True

    sector.fail(sector.market.collect_rent(paying), model.month)

    assert not sector.farms.active[farm]
    assert (sector.market.lease_farm[lessors] == -1).all()
    assert not hh.land_with_farm[lessors].any()
    assert not hh.land_with_farm[sector.farms.operator[farm]]
    assert sector.farms.operated[farm] == 0.0
    assert (hh.causes_of(lessors) == ENTERPRISE_LOSS).all()
    workers = sector.workers[sector.worker_village == sector.farms.village[farm]]
    assert (hh.shock_loss[ENTERPRISE_LOSS, workers] > 0).all()  # they lose the farm's wages
    assert model.ledger.close_month() < 1e-6


@pytest.mark.parametrize("overrides", [{}, {"family_farms__credit__enabled": True}])
def test_land_operated_sums_to_land_owned_in_every_village(overrides):
    model = small_model(**overrides)
    for _ in range(14):
        model.step()
    hh, farms = model.households, model.family_farms.farms
    villages = model.n_villages
    owned = np.bincount(hh.village, weights=hh.land, minlength=villages)
    by_households = np.bincount(hh.village, weights=hh.land * ~hh.land_with_farm, minlength=villages)
    by_farms = np.bincount(farms.village, weights=farms.operated, minlength=villages)

    assert farms.rented_mu.sum() > 0
    assert by_households + by_farms == pytest.approx(owned)


def test_family_farm_credit_is_lent_against_cash_flows_and_the_guarantee_covers_it():
    model = small_model(
        family_farms__credit__enabled=True,
        guarantee__enabled=True,
        guarantee__products=["family_farm"],
        guarantee__min_amount=0.0,
    )
    without = small_model()
    book = model.loans
    rows = np.flatnonzero(book.view("borrower_kind") == FAMILY_FARM)
    assert rows.size > 0  # lent in the spin-up's December, for January's land market
    assert book.guaranteed[rows].any()

    model.step(), without.step()  # January: the land market

    assert model.family_farms.farms.rented_mu.sum() > without.family_farms.farms.rented_mu.sum()


def test_no_family_farm_loan_is_made_when_the_product_is_off():
    model = small_model()

    assert not (model.loans.view("borrower_kind") == FAMILY_FARM).any()


def test_family_farm_section_refuses_a_rent_ceiling_below_its_floor():
    with pytest.raises(ScenarioError, match="rent_max"):
        small_scenario(land_market__rent_min=800.0, land_market__rent_max=500.0)


def test_family_farm_section_refuses_an_unknown_rent_timing():
    with pytest.raises(ScenarioError, match="rent_timing"):
        small_scenario(land_market__rent_timing="monthly")


@pytest.mark.parametrize(("timing", "paid_in"), [("in_advance", {1}), ("after_harvest", {9, 10})])
def test_rent_is_paid_once_a_year_in_advance_or_after_the_farms_harvest(timing, paid_in):
    model = small_model(land_market__rent_timing=timing)
    months = set()
    for _ in range(12):
        model.step()
        if model.records[-1]["rent_from_farms"] > 0:
            months.add(model.month_of_year)

    assert months == paid_in
