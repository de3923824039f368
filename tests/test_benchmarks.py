"""The benchmark scripts size the county they time correctly (no timings are asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_model  # noqa: E402

INTEGRATED = str(REPO / "scenarios" / "integrated_system.yaml")


def institution_capital(scenario) -> list[float]:
    """The six yuan stocks that do not grow with the population, banks first."""
    return [
        *(bank.capital for bank in scenario.credit.banks),
        scenario.guarantee.guarantor.capital,
        scenario.guarantee.reguarantor.capital,
        scenario.risk_fund.size,
        scenario.risk_fund.replenishment,
        scenario.insurance.insurer.capital,
    ]


def test_institutions_grow_with_the_county_unless_fixed() -> None:
    from simulation.engine.outcomes import scaled_to_county

    written = bench_model.build_scenario(INTEGRATED, 20_000, 12, scaled=False)
    scaled = scaled_to_county(bench_model.build_scenario(INTEGRATED, 50_000, 24, scaled=True))
    fixed = scaled_to_county(bench_model.build_scenario(INTEGRATED, 50_000, 24, scaled=False))
    assert scaled.population.households == fixed.population.households == 50_000
    assert scaled.horizon.years == 2
    assert institution_capital(scaled) == pytest.approx([2.5 * x for x in institution_capital(written)])
    assert institution_capital(fixed) == institution_capital(written)
    # everything else is the scenario as written
    assert scaled.credit.products == written.credit.products
    assert scaled.value_chain == written.value_chain


def test_a_scaled_child_run_reports_its_economy() -> None:
    result = bench_model.run_child(600, 3, INTEGRATED, seed=1, scaled=True)
    assert result["records"] == 3
    assert result["institutions_scaled"] is True
    assert 0.0 <= result["borrower_share"] <= 1.0
    assert result["loans_per_household"] >= 0.0
    assert set(result["phases_s"]) == {bench_model.RESET, *bench_model.PHASES, bench_model.OTHER}
