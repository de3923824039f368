"""Household rules, on households built by hand: poverty status, income window, consumption, land, dibao."""

from __future__ import annotations

import mesa
import numpy as np
import pytest
from small_county import small_scenario

from agents.government import DIBAO_STATES, GOVERNMENT, Government
from agents.households import (
    CAUSES,
    HOUSEHOLDS,
    Households,
)
from agents.households import (
    COHORT_EX_POOR as EX_POOR,
)
from agents.households import (
    COHORT_GENERAL as GENERAL,
)
from agents.households import (
    COHORT_MONITORED as MONITORED,
)
from simulation.engine.ledger import Ledger

LINE = 4_000.0
GRAIN = 0
SUBSISTENCE_PER_CAPITA = 330.0  # the default consumption.subsistence_per_capita


def county(n: int, cash: list[float] | None = None, **dotted) -> tuple[Households, Ledger]:
    """``n`` blank households (size 1, no land, no assets) whose cash is a ledger sector."""
    hh = Households(n, small_scenario(households=n, **dotted))
    if cash is not None:
        hh.cash[:] = cash
    ledger = Ledger()
    ledger.open_array_sector(HOUSEHOLDS, hh.cash)
    return hh, ledger


def with_history(
    income_pc: list[float], cohort: list[int], above_before: list[bool], size: list[float] | None = None
) -> Households:
    """Households of the given cohorts (0 ex-poor, 1 monitored, 2 general), above the line or not last time."""
    hh, _ = county(len(income_pc))
    hh.size[:] = size if size is not None else 1.0
    hh.income_12m[:] = np.array(income_pc) * hh.size
    hh.cohort[:] = cohort
    hh.poor[:] = ~np.array(above_before)
    return hh


def live_month(hh: Households, month: int, farm_income: float) -> None:
    """A month in which every household earns ``farm_income`` and nothing else."""
    hh.reset_month()
    hh.farm_month[:] = farm_income
    hh.close_month(month)


# ---------------------------------------------------------------- relapse and new poverty


def test_ex_poor_household_above_the_line_last_time_and_below_now_relapses():
    hh = with_history([3_500.0], cohort=[EX_POOR], above_before=[True])

    assessment = hh.assess_poverty(LINE)

    assert assessment.relapses.tolist() == [True]
    assert assessment.new_poor.tolist() == [False]
    assert hh.relapsed[0] and hh.poor[0]


def test_ex_poor_household_still_above_the_line_is_not_a_relapse():
    hh = with_history([4_200.0], cohort=[EX_POOR], above_before=[True])

    assessment = hh.assess_poverty(LINE)

    assert not assessment.relapses[0]
    assert assessment.relapse_base[0] and not hh.relapsed[0]


def test_never_registered_household_falling_below_the_line_is_new_poor_not_a_relapse():
    for cohort in (MONITORED, GENERAL):
        hh = with_history([3_000.0], cohort=[cohort], above_before=[True])

        assessment = hh.assess_poverty(LINE)

        assert not assessment.relapses[0] and not hh.relapsed[0]
        assert assessment.new_poor[0] and assessment.new_poor_base[0]


def test_household_already_below_the_line_last_time_neither_relapses_nor_becomes_new_poor():
    hh = with_history([3_000.0, 3_000.0], cohort=[EX_POOR, GENERAL], above_before=[False, False])

    assessment = hh.assess_poverty(LINE)

    assert not assessment.relapses.any() and not assessment.new_poor.any()
    assert not assessment.relapse_base.any() and not assessment.new_poor_base.any()


def test_only_the_ex_poor_household_that_falls_below_the_line_relapses_in_a_mixed_county():
    hh = with_history(
        [3_500.0, 4_500.0, 3_000.0, 3_000.0, 9_000.0],
        cohort=[EX_POOR, EX_POOR, GENERAL, EX_POOR, MONITORED],
        above_before=[True, True, True, False, True],
    )

    assessment = hh.assess_poverty(LINE)

    assert assessment.relapses.tolist() == [True, False, False, False, False]
    assert assessment.new_poor.tolist() == [False, False, True, False, False]
    assert assessment.relapse_base.tolist() == [True, True, False, False, False]
    assert assessment.new_poor_base.tolist() == [False, False, True, False, True]


def test_relapse_is_judged_on_income_per_person():
    # the same 10,000 yuan a year: 3,333 per person for three people, 5,000 for two
    hh = with_history([10_000 / 3, 5_000.0], cohort=[EX_POOR, EX_POOR], above_before=[True, True], size=[3.0, 2.0])
    assert hh.income_12m.tolist() == pytest.approx([10_000.0, 10_000.0])

    assessment = hh.assess_poverty(LINE)

    assert assessment.relapses.tolist() == [True, False]


def test_relapsed_household_that_recovers_can_relapse_again_and_stays_ever_relapsed():
    hh = with_history([3_500.0], cohort=[EX_POOR], above_before=[True])
    hh.assess_poverty(LINE)

    hh.income_12m[:] = 6_000.0
    recovered = hh.assess_poverty(LINE)
    assert not recovered.relapses[0] and not recovered.relapse_base[0] and hh.relapsed[0]

    hh.income_12m[:] = 2_000.0
    assert hh.assess_poverty(LINE).relapses[0]


def test_relapse_follows_the_rolling_income_once_enough_low_months_accumulate():
    # 500 a month (6,000 a year) before; 200 a month after: below 4,000 after the 7th low month
    hh = with_history([6_000.0], cohort=[EX_POOR], above_before=[True])
    hh.income_ring[:] = 500.0
    for month in range(1, 7):
        live_month(hh, month, 200.0)
    assert hh.income_pc[0] == pytest.approx(4_200.0)
    assert not hh.assess_poverty(LINE).relapses[0]

    live_month(hh, 7, 200.0)

    assert hh.income_pc[0] == pytest.approx(3_900.0)
    assert hh.assess_poverty(LINE).relapses[0]


def test_fixing_the_cohorts_takes_the_first_assessment_with_no_relapse_yet():
    hh, _ = county(3)
    hh.income_12m[:] = [5_000.0, 3_000.0, 3_000.0]

    hh.fix_cohorts(np.array([EX_POOR, EX_POOR, GENERAL]), LINE)

    assert hh.cohort.tolist() == [EX_POOR, EX_POOR, GENERAL]
    assert hh.poor.tolist() == [False, True, True]
    assert not hh.relapsed.any()


def test_medical_bills_are_not_income_unless_the_expenditure_adjusted_view_is_chosen():
    hh = with_history([4_500.0], cohort=[EX_POOR], above_before=[True])
    hh.medical_12m[:] = 1_000.0
    assert not hh.assess_poverty(LINE).relapses[0]
    assert hh.income_pc_net_of_medical[0] == pytest.approx(3_500.0)

    adjusted = with_history([4_500.0], cohort=[EX_POOR], above_before=[True])
    adjusted.params.poverty.deduct_medical_costs = True
    adjusted.medical_12m[:] = 1_000.0
    assert adjusted.assess_poverty(LINE).relapses[0]


def test_relapse_is_attributed_to_the_risk_type_that_cost_the_most_income():
    hh = with_history([3_000.0, 3_000.0, 3_000.0], cohort=[EX_POOR] * 3, above_before=[True] * 3)
    hh.shock_loss[CAUSES.index("illness"), 0] = 2_000.0
    hh.shock_loss[CAUSES.index("price_fall"), 0] = 500.0
    hh.shock_loss[CAUSES.index("job_loss"), 1] = 100.0

    causes = hh.causes_of(np.array([0, 1, 2]))

    assert [CAUSES[c] for c in causes] == ["illness", "job_loss", "other"]


# ---------------------------------------------------------------- rolling income window


def test_rolling_income_sums_exactly_the_last_12_months():
    hh, _ = county(2)
    earned: list[np.ndarray] = []
    for month in range(-11, 31):  # the spin-up year, then 30 recorded months
        hh.reset_month()
        this_month = np.array([month + 100.0, 7.0 * month + 1_000.0])
        hh.farm_month[:] = this_month
        hh.close_month(month)
        earned.append(this_month)

        assert hh.income_12m == pytest.approx(np.sum(earned[-12:], axis=0), rel=1e-12)


def test_month_income_adds_farm_wage_and_transfer_income():
    hh, _ = county(1)
    hh.farm_month[:] = 100.0
    hh.wage_month[:] = 20.0
    hh.transfer_month[:] = 3.0

    hh.close_month(1)

    assert hh.income_month[0] == pytest.approx(123.0)
    assert hh.income_12m[0] == pytest.approx(123.0)


# ---------------------------------------------------------------- consumption and distress sales


def test_household_short_of_cash_sells_assets_at_the_distress_discount():
    hh, ledger = county(1, cash=[200.0])
    hh.size[:] = 2.0
    hh.assets[:] = 10_000.0
    hh.medical_due[:] = 1_000.0
    need = 2 * SUBSISTENCE_PER_CAPITA + 1_000.0  # 1,660 against 200 in cash
    keep = 1.0 - 0.45

    hh.consume(ledger)

    shortfall = need - 200.0
    assert hh.assets[0] == pytest.approx(10_000.0 - shortfall / keep)
    assert ledger.month.paid(kind="distress_asset_sales") == pytest.approx(shortfall)
    assert hh.cash[0] == pytest.approx(0.0, abs=1e-9)
    assert hh.unmet_need[0] == pytest.approx(0.0, abs=1e-9)
    assert ledger.close_month() == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("discount", [0.0, 0.2, 0.8])
def test_distress_sale_loses_the_configured_share_of_asset_value(discount):
    hh, ledger = county(1, cash=[0.0], assets__distress_sale_discount=discount)
    hh.assets[:] = 50_000.0

    hh.consume(ledger)

    sold = 50_000.0 - hh.assets[0]
    assert ledger.month.paid(kind="distress_asset_sales") == pytest.approx(sold * (1.0 - discount))
    assert ledger.month.paid(kind="distress_asset_sales") == pytest.approx(SUBSISTENCE_PER_CAPITA)


def test_household_out_of_assets_records_unmet_need():
    hh, ledger = county(1, cash=[200.0])
    hh.size[:] = 2.0
    hh.assets[:] = 500.0
    hh.medical_due[:] = 1_000.0
    need = 2 * SUBSISTENCE_PER_CAPITA + 1_000.0

    hh.consume(ledger)

    raised = 500.0 * (1.0 - 0.45)
    assert hh.assets[0] == 0.0
    assert hh.unmet_need[0] == pytest.approx(need - 200.0 - raised)
    assert hh.cash[0] == pytest.approx(0.0, abs=1e-9)
    assert ledger.close_month() == pytest.approx(0.0, abs=1e-9)


def test_household_with_enough_cash_sells_no_assets():
    hh, ledger = county(1, cash=[1_000.0])  # more than subsistence, less than twice the buffer
    hh.assets[:] = 10_000.0

    hh.consume(ledger)

    assert hh.assets[0] == 10_000.0
    assert ledger.month.paid(kind="distress_asset_sales") == 0.0
    assert hh.unmet_need[0] == 0.0
    assert hh.cash[0] == pytest.approx(1_000.0 - SUBSISTENCE_PER_CAPITA)


# ---------------------------------------------------------------- land use and farming


def two_grain_farms(productivity: list[float], cash: float = 100_000.0) -> tuple[Households, Ledger]:
    """Two grain households with 10 mu each (grain: revenue 1,300, inputs 450, rent 400 per mu)."""
    hh, ledger = county(2, cash=[cash, cash])
    hh.crop[:] = GRAIN
    hh.land[:] = 10.0
    hh.size[:] = 2.0
    hh.productivity[:] = productivity
    hh.decide_land_use()
    return hh, ledger


def test_household_whose_revenue_does_not_cover_inputs_and_rent_leases_land_out_and_buys_no_inputs():
    # 0.5 * 1,300 = 650 < 450 + 400 = 850: lease out; 1.0 * 1,300 = 1,300 > 850: farm
    hh, ledger = two_grain_farms([0.5, 1.0])
    grain_planting = hh.params.farming.crops.grain.plant_month

    hh.buy_inputs(grain_planting, ledger)

    assert hh.farms_own_land.tolist() == [False, True]
    assert hh.planted.tolist() == [0.0, 1.0]
    assert hh.cash.tolist() == [100_000.0, 100_000.0 - 4_500.0]
    assert ledger.month.paid(kind="farm_inputs") == pytest.approx(4_500.0)


def test_leased_out_land_earns_rent_as_property_income_and_farmed_land_does_not():
    hh, ledger = two_grain_farms([0.5, 1.0])

    hh.earn_asset_income(ledger)

    assert hh.property_month.tolist() == pytest.approx([400.0 / 12 * 10, 0.0])
    assert hh.farm_month.tolist() == pytest.approx([0.0, 0.0])
    assert ledger.month.paid(kind="land_rent") == pytest.approx(400.0 / 12 * 10)


def test_inputs_are_bought_only_from_cash_beyond_one_month_of_subsistence():
    hh, ledger = two_grain_farms([1.0, 1.0], cash=2_000.0)

    hh.buy_inputs(hh.params.farming.crops.grain.plant_month, ledger)

    affordable = 2_000.0 - 2 * SUBSISTENCE_PER_CAPITA
    assert hh.cash.tolist() == pytest.approx([2 * SUBSISTENCE_PER_CAPITA] * 2)
    assert hh.planted.tolist() == pytest.approx([affordable / 4_500.0] * 2)


def test_harvest_income_is_sales_less_the_seasons_inputs():
    hh, ledger = two_grain_farms([1.0, 1.0])
    grain = hh.params.farming.crops.grain
    hh.buy_inputs(grain.plant_month, ledger)
    hh.reset_month()

    rows = hh.harvesting(grain.harvest_month)
    value = hh.harvest(rows, np.array([1.0, 0.5]), np.array([1.2, 1.0, 1.0]))

    sales = 10 * grain.revenue_per_mu * 1.2 * np.array([1.0, 0.5])
    assert rows.tolist() == [0, 1]
    assert value.tolist() == pytest.approx(sales.tolist())
    # the buyer (spot market, cooperative or enterprise) pays; the household books the season
    hh.receive_sales(rows, value)
    assert hh.farm_month.tolist() == pytest.approx((sales - 4_500.0).tolist())
    assert hh.planted.tolist() == [0.0, 0.0]


# ---------------------------------------------------------------- dibao


def county_with_government(n: int, **dotted) -> tuple[Households, Ledger, Government]:
    hh, ledger = county(n, **dotted)
    government = Government(mesa.Model(rng=np.random.default_rng(0)), hh.params.transfers, ledger)
    hh.declare(*DIBAO_STATES)  # the government's record on households
    ledger.open_scalar_sector(GOVERNMENT, government)
    return hh, ledger, government


def test_enrolled_household_stays_enrolled_while_eligible_and_leaves_when_not():
    hh, _, government = county_with_government(4)
    hh.income_12m[:] = [3_000.0, 6_000.0, 3_000.0, 3_000.0]  # standard 5,000 per person
    hh.dibao[:] = [True, True, False, False]
    takeup_draw = np.array([0.9, 0.9, 0.9, 0.1])  # take-up chance 0.6

    government.enrol_dibao(hh, takeup_draw)

    assert hh.dibao.tolist() == [True, False, False, True]


def test_dibao_top_up_brings_income_to_the_standard():
    hh, ledger, government = county_with_government(
        1, transfers__basic_per_capita=0.0, transfers__dibao_standard=5_000.0
    )
    hh.size[:] = 2.0
    hh.income_ring[:] = 500.0  # 6,000 a year: 3,000 per person, standard 5,000
    hh.income_12m[:] = 6_000.0
    government.enrol_dibao(hh, np.zeros(1))
    assert hh.dibao[0]

    for month in range(1, 13):
        hh.reset_month()
        hh.farm_month[:] = 500.0
        government.pay_transfers(hh)
        hh.close_month(month)

    assert hh.income_pc[0] == pytest.approx(5_000.0)
    assert hh.dibao_year[0] == pytest.approx(2 * (5_000.0 - 3_000.0))
    assert government.spent["dibao"] == pytest.approx(4_000.0)
    assert government.cash == pytest.approx(-4_000.0)
    assert ledger.close_month() == pytest.approx(0.0, abs=1e-9)


def test_dibao_income_does_not_make_an_enrolled_household_ineligible():
    hh, _, government = county_with_government(1, transfers__basic_per_capita=0.0, transfers__dibao_standard=5_000.0)
    hh.income_ring[:] = 250.0  # 3,000 a year for one person
    hh.income_12m[:] = 3_000.0
    government.enrol_dibao(hh, np.zeros(1))
    for month in range(1, 13):
        hh.reset_month()
        hh.farm_month[:] = 250.0
        government.pay_transfers(hh)
        hh.close_month(month)
    assert hh.income_pc[0] == pytest.approx(5_000.0)

    government.enrol_dibao(hh, np.ones(1))  # no new take-up this time: only staying counts

    assert hh.dibao[0]
    assert hh.dibao_base_pc[0] == pytest.approx(3_000.0)


def test_dibao_top_up_is_paid_by_government_through_the_ledger_as_transfer_income():
    hh, ledger, government = county_with_government(
        2, transfers__basic_per_capita=0.0, transfers__dibao_standard=5_000.0
    )
    hh.income_12m[:] = [2_600.0, 8_000.0]
    government.enrol_dibao(hh, np.zeros(2))
    hh.reset_month()

    government.pay_transfers(hh)

    top_up = (5_000.0 - 2_600.0) / 12
    assert hh.transfer_month.tolist() == pytest.approx([top_up, 0.0])
    assert ledger.month.paid(payer=GOVERNMENT, payee=HOUSEHOLDS, kind="dibao") == pytest.approx(top_up)
    assert ledger.close_month() == pytest.approx(0.0, abs=1e-9)


def test_basic_transfers_are_paid_per_person():
    hh, ledger, government = county_with_government(2, transfers__basic_per_capita=180.0)
    hh.size[:] = [1.0, 4.0]
    hh.income_12m[:] = 100_000.0  # far above the dibao standard

    government.pay_transfers(hh)

    assert hh.transfer_month.tolist() == pytest.approx([180.0, 720.0])
    assert ledger.month.paid(kind="basic_transfers") == pytest.approx(900.0)
