"""Insurance: index and yield claims, the anti-poverty trigger, subsidies, claims repaying arrears."""

import numpy as np
import pytest

from simulation.engine.model import ValueChainModel
from simulation.instruments.credit.book import PENDING
from simulation.instruments.insurance.agricultural import settle_harvest_claims, uptake_chance
from simulation.instruments.insurance.anti_poverty import settle_anti_poverty_claims
from simulation.scenario.loading import ScenarioError, scenario_from_dict


def insured_county(**insurance):
    sections = {"agricultural": {"enabled": True}}
    for key, value in insurance.items():
        sections.setdefault(key, {}).update(value)
    return scenario_from_dict(
        {
            "name": "ins",
            "description": "insurance test",
            "population": {"households": 1500},
            "horizon": {"years": 2},
            "insurance": sections,
        }
    )


def harvest_month_model(kind="yield"):
    """A model advanced to just before a grain harvest, with everyone insured for the season."""
    model = ValueChainModel(insured_county(agricultural={"kind": kind}), seed=3)
    hh = model.households
    hh.ag_insured[:] = True
    hh.insured_value[:] = 10_000.0
    return model, hh


def test_index_payout_depends_only_on_the_region_weather():
    model, hh = harvest_month_model("index")
    model.weather.loss[:] = [0.0, 0.5, 0.8]
    hh.reset_month()
    hh.harvested_now[:] = True
    hh.yield_shortfall[:] = np.linspace(0.0, 0.9, hh.n)  # own losses differ, the index must not care
    settle_harvest_claims(model.insurance, model.weather.loss)
    deductible = model.params.insurance.agricultural.deductible
    expected = 10_000.0 * np.maximum(model.weather.loss[hh.region] - deductible, 0.0)
    np.testing.assert_allclose(hh.insurance_month, expected)


def test_yield_payout_follows_the_household_own_loss():
    model, hh = harvest_month_model("yield")
    hh.reset_month()
    hh.harvested_now[:] = True
    hh.yield_shortfall[:] = 0.5
    settle_harvest_claims(model.insurance, np.zeros(3))
    assert np.allclose(hh.insurance_month, 10_000.0 * (0.5 - model.params.insurance.agricultural.deductible))


@pytest.mark.parametrize(
    ("hardship", "income_pc", "paid"),
    [(20_000.0, 3_000.0, True), (20_000.0, 50_000.0, False), (1_000.0, 3_000.0, False)],
)
def test_anti_poverty_trigger_needs_both_hardship_and_low_income(hardship, income_pc, paid):
    model = ValueChainModel(insured_county(anti_poverty={"enabled": True}), seed=1)
    hh = model.households
    hh.reset_month()
    hh.ap_insured[:] = True
    hh.ap_paid_year[:] = 0.0
    hh.hardship_year[:] = hardship
    hh.income_12m[:] = income_pc * hh.size
    settle_anti_poverty_claims(model.insurance)
    ap = model.params.insurance.anti_poverty
    expected = min(ap.payout_share * max(hardship - ap.warning_line, 0.0), ap.cap) if paid else 0.0
    np.testing.assert_allclose(hh.insurance_month, expected)


def test_premium_subsidy_is_paid_by_government_to_the_insurer():
    model = ValueChainModel(insured_county(), seed=2)
    model.run_to_end()
    flows = model.ledger.totals
    subsidy = {k: v for k, v in flows.items() if k[0] == "premium_subsidy"}
    assert subsidy and all(payer == "government" and payee == "insurer" for (_, payer, payee) in subsidy)
    farmer = flows[("insurance_premiums", "households", "insurer")]
    ag = model.params.insurance.agricultural
    assert sum(subsidy.values()) == pytest.approx(farmer * (1 - ag.farmer_share) / ag.farmer_share, rel=1e-9)
    assert model.timeseries()["ledger_imbalance"].abs().max() < 1e-3


def test_claim_repays_arrears_first_under_credit_linked_cover():
    model = ValueChainModel(insured_county(credit_linked={"enabled": True}), seed=4)
    book, hh = model.loans, model.households
    rows = book.rows_with(1, 2)  # active or non-performing
    assert rows.size, "the spin-up should have made some loans"
    row = rows[0]
    borrower = int(book.borrower[row])
    book.arrears[row], book.overdue_interest[row], book.dpd[row] = 500.0, 100.0, 60
    balance_before, cash_before = book.balance[row], hh.cash[borrower]
    payout = np.zeros(hh.n)
    payout[borrower] = 800.0
    hh.reset_month()
    model.insurance.pay_claims(payout, "ag_claims")
    assert book.arrears[row] == 0.0 and book.dpd[row] == 0
    assert book.balance[row] == pytest.approx(balance_before - 400.0)  # 100 interest, 400 principal
    assert hh.cash[borrower] == pytest.approx(cash_before + 300.0)
    assert hh.insurance_month[borrower] == pytest.approx(800.0)


def test_without_credit_link_the_whole_claim_reaches_the_household():
    model = ValueChainModel(insured_county(), seed=4)
    hh = model.households
    cash_before = hh.cash.copy()
    payout = np.zeros(hh.n)
    payout[:10] = 800.0
    model.insurance.pay_claims(payout, "ag_claims")
    np.testing.assert_allclose(hh.cash - cash_before, payout)


def test_uptake_falls_with_the_farmer_price_and_rises_after_village_payouts():
    cheap = ValueChainModel(insured_county(), seed=1).insurance
    dear = ValueChainModel(
        insured_county(agricultural={"central_subsidy": 0.2, "province_subsidy": 0.1, "county_subsidy": 0.0}), seed=1
    ).insurance
    assert uptake_chance(dear).mean() < uptake_chance(cheap).mean()
    before = uptake_chance(cheap).copy()
    cheap.village_paid_share[:] = 0.5
    assert (uptake_chance(cheap) >= before).all() and uptake_chance(cheap).mean() > before.mean()


def test_drought_year_brings_a_spike_of_claims():
    sc = insured_county()
    sc.weather.scheduled_disasters = [{"year": 2, "regions": ["plain", "hill", "mountain"], "loss_fraction": 0.7}]
    series = ValueChainModel(scenario_from_dict(sc.model_dump()), seed=5).run_to_end()
    by_year = series.groupby((series["month"] - 1) // 12)["insurance_claims"].sum()
    assert by_year[1] > 3 * by_year[0]


def test_insurance_reduces_relapse_in_a_drought():
    data = insured_county().model_dump()
    data["weather"]["scheduled_disasters"] = [{"year": 2, "regions": ["hill", "mountain"], "loss_fraction": 0.7}]
    insured = scenario_from_dict(data)
    data["insurance"]["agricultural"]["enabled"] = False
    uninsured = scenario_from_dict(data)
    relapses = [
        ValueChainModel(sc, seed=s).run_to_end()["relapse_count"].sum() for sc in (insured, uninsured) for s in (1, 2)
    ]
    assert relapses[0] + relapses[1] < relapses[2] + relapses[3]


@pytest.mark.parametrize(
    ("insurance", "named"),
    [
        ({"agricultural": {"kind": "weather"}}, "insurance.agricultural"),
        ({"agricultural": {"central_subsidy": 0.6, "province_subsidy": 0.5}}, "insurance.agricultural"),
        ({"agricultural": {"premium_rate": -0.1}}, "premium_rate"),
        ({"agricultural": {"enabled": False}, "credit_linked": {"enabled": True}}, "insurance"),
    ],
)
def test_bad_insurance_input_names_the_key(insurance, named):
    with pytest.raises(ScenarioError) as err:
        insured_county(**insurance)
    assert named in str(err.value)
    assert "\n" not in str(err.value)


def test_no_pending_loan_is_marked_insured_without_credit_link():
    model = ValueChainModel(insured_county(), seed=2)
    model.run_for(6)
    book = model.loans
    assert not book.view("insured")[book.view("status") != PENDING].any()
