"""Risk sharing: the loss waterfall, the guarantor's leverage cap and insolvency, fiscal accounts."""

import mesa
import numpy as np
import pytest

from agents.government import GOVERNMENT, Government
from agents.guarantor import GUARANTOR, REGUARANTOR, RISK_FUND, Guarantor, Reguarantor, RiskFund
from simulation.engine.ledger import Ledger
from simulation.engine.metrics import BUDGET_LINE_NAMES
from simulation.engine.model import ValueChainModel
from simulation.instruments.risk_sharing import LossWaterfall
from simulation.scenario.county import Transfers
from simulation.scenario.loading import ScenarioError, scenario_from_dict
from simulation.scenario.risk import Guarantee
from simulation.scenario.risk import RiskFund as RiskFundTerms

BANK = "bank_test"


class Holder:
    cash = 0.0


def waterfall(guarantor_capital=1e9, fallback="government", shares=None):
    model = mesa.Model(rng=1)
    ledger = Ledger()
    terms = Guarantee.model_validate(
        {
            "enabled": True,
            "guarantor": {"capital": guarantor_capital, "insolvency_fallback": fallback},
            **({"risk_shares": shares} if shares else {}),
        }
    )
    government = Government(model, Transfers(), ledger)
    guarantor = Guarantor(model, terms.guarantor, ledger)
    reguarantor = Reguarantor(model, terms.reguarantor, ledger)
    fund = RiskFund(model, RiskFundTerms(size=1_000_000, coverage_share=0.5), ledger)
    bank = Holder()
    for name, holder in (
        (GOVERNMENT, government),
        (GUARANTOR, guarantor),
        (REGUARANTOR, reguarantor),
        (RISK_FUND, fund),
        (BANK, bank),
    ):
        ledger.open_scalar_sector(name, holder)
    return LossWaterfall(terms, guarantor, reguarantor, fund, government), ledger, bank


def test_waterfall_splits_a_guaranteed_loss_exactly_by_the_shares():
    flow, ledger, bank = waterfall()
    kept = flow.allocate(BANK, guaranteed_loss=1_000.0, backed_loss=0.0, other_loss=0.0)
    assert kept == pytest.approx(200.0)
    assert flow.month.by_party["guarantor"] == pytest.approx(400.0)
    assert flow.month.by_party["reguarantor"] == pytest.approx(300.0)
    assert flow.month.by_party["government"] == pytest.approx(100.0)
    assert bank.cash == pytest.approx(800.0)  # the other parties paid the bank
    assert ledger.close_month() < 1e-9


def test_waterfall_follows_other_shares():
    flow, _, bank = waterfall(shares={"guarantor": 0.5, "reguarantor": 0.1, "bank": 0.3, "government": 0.1})
    kept = flow.allocate(BANK, guaranteed_loss=2_000.0, backed_loss=0.0, other_loss=0.0)
    assert kept == pytest.approx(600.0)
    assert flow.month.by_party["guarantor"] == pytest.approx(1_000.0)
    assert bank.cash == pytest.approx(1_400.0)


def test_risk_fund_pays_its_coverage_share_of_a_backed_loss_and_unbacked_loss_stays_with_the_bank():
    flow, _, bank = waterfall()
    kept = flow.allocate(BANK, guaranteed_loss=0.0, backed_loss=1_000.0, other_loss=300.0)
    assert flow.month.by_party["risk_fund"] == pytest.approx(500.0)
    assert kept == pytest.approx(800.0)
    assert bank.cash == pytest.approx(500.0)


def test_insolvent_guarantor_share_falls_to_government_when_configured():
    flow, ledger, _ = waterfall(guarantor_capital=100.0, fallback="government")
    flow.allocate(BANK, guaranteed_loss=1_000.0, backed_loss=0.0, other_loss=0.0)
    assert flow.guarantor.insolvent
    assert flow.month.by_party["guarantor"] == pytest.approx(100.0)
    assert flow.government.spent["guarantor_fallback"] == pytest.approx(300.0)
    assert flow.guarantor.room() == 0.0
    assert ledger.close_month() < 1e-9


def test_insolvent_guarantor_share_falls_to_the_bank_when_configured():
    flow, _, _ = waterfall(guarantor_capital=100.0, fallback="bank")
    kept = flow.allocate(BANK, guaranteed_loss=1_000.0, backed_loss=0.0, other_loss=0.0)
    assert kept == pytest.approx(200.0 + 300.0)
    assert flow.government.spent["guarantor_fallback"] == 0.0


def test_guarantor_at_its_cap_has_no_room():
    flow, _, _ = waterfall(guarantor_capital=1_000.0)
    flow.guarantor.outstanding = flow.guarantor.terms.leverage_cap * flow.guarantor.equity
    assert flow.guarantor.room() == 0.0


def county(**guarantee):
    return scenario_from_dict(
        {
            "name": "rs",
            "description": "risk sharing test",
            "population": {"households": 2000},
            "horizon": {"years": 3},
            "credit": {"demand": {"farm_opportunity_rate": 0.05}},
            "guarantee": {"enabled": True, **guarantee},
        }
    )


def test_guarantor_refuses_new_guarantees_at_its_leverage_cap_and_never_passes_it():
    sc = county(guarantor={"capital": 100_000.0, "leverage_cap": 2.0})
    series = ValueChainModel(sc, seed=3).run_to_end()
    assert series["guarantees_refused"].sum() > 0
    assert (series["guarantor_leverage"] <= 2.0 + 1e-9).all()


def test_guarantee_raises_farm_credit_coverage():
    with_guarantee = ValueChainModel(county(), seed=5).run_to_end()
    without = ValueChainModel(county(), seed=5)
    without.params.guarantee.enabled = False
    without = ValueChainModel(without.params, seed=5).run_to_end()
    assert with_guarantee["farm_credit_coverage"].mean() > without["farm_credit_coverage"].mean()


def test_fiscal_cost_equals_the_sum_of_budget_lines_and_the_ledger_balances():
    series = ValueChainModel(county(guarantor={"fee_subsidy_share": 0.5}), seed=2).run_to_end()
    assert series["fiscal_guarantee_fee_subsidy"].sum() > 0
    lines = series[[f"fiscal_{line}" for line in BUDGET_LINE_NAMES]].sum(axis=1)
    np.testing.assert_allclose(series["fiscal_cost"], lines, rtol=1e-12)
    assert series["ledger_imbalance"].abs().max() < 1e-3


@pytest.mark.parametrize(
    ("guarantee", "named"),
    [
        ({"risk_shares": {"guarantor": 0.5, "reguarantor": 0.3, "bank": 0.2, "government": 0.1}}, "risk_shares"),
        ({"guarantor": {"fee_rate": -0.01}}, "guarantee.guarantor.fee_rate"),
        ({"guarantor": {"leverage_cap": 0.5}}, "guarantee.guarantor.leverage_cap"),
        ({"guarantor": {"insolvency_fallback": "nobody"}}, "guarantee.guarantor"),
        ({"products": ["tractors"]}, "guarantee"),
    ],
)
def test_bad_risk_sharing_input_names_the_key(guarantee, named):
    with pytest.raises(ScenarioError) as err:
        county(**guarantee)
    assert named in str(err.value)
    assert "\n" not in str(err.value)


def test_a_budget_line_with_no_flow_is_a_float_zero_so_runs_share_one_table_schema():
    flows = Ledger().month
    assert isinstance(flows.paid(kind="risk_sharing", payer=GOVERNMENT), float)
