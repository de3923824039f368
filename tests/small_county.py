"""Small scenarios for tests: a county of a few hundred households that runs in a fraction of a second."""

from __future__ import annotations

from typing import Any

from simulation.scenario.loading import Scenario, apply_overrides, scenario_from_dict

SMALL_HOUSEHOLDS = 500


def small_scenario(name: str = "small", households: int = SMALL_HOUSEHOLDS, years: int = 1, **dotted: Any) -> Scenario:
    """A valid scenario with a small county; extra keys override defaults (``transfers__dibao_takeup=0.2``)."""
    data = {
        "name": name,
        "description": "small county for tests",
        "population": {"households": households},
        "horizon": {"years": years},
    }
    overrides = {key.replace("__", "."): value for key, value in dotted.items()}
    return scenario_from_dict(apply_overrides(data, overrides), source="tests")


# The schema's defaults of the keys that `agrifin calibrate` fitted (scenarios/calibration/): the
# pre-calibration county, in which poverty, relapse and loan default are frequent enough for
# mechanism tests at a few thousand households. The shipped baseline (scenarios/baseline.yaml)
# carries the fitted values; tests that need the pre-calibration county set these explicitly.
PRE_CALIBRATION: dict[str, Any] = {
    "population.ex_poor_share": 0.12,
    "population.registration_noise": 0.5,
    "population.productivity_sd": 0.45,
    "labour.migrant_participation": 0.35,
    "labour.migrant_wage": 3000.0,
    "labour.local_work_months": 4.0,
    "farming.crops.grain.revenue_per_mu": 1300.0,
    "farming.crops.cash_crop.revenue_per_mu": 3000.0,
    "farming.crops.livestock.revenue_per_mu": 3200.0,
    "assets.monthly_return": 0.008,
    "assets.depreciation": 0.05,
    "consumption.invest_share_above_buffer": 0.02,
    "consumption.spend_share_above_buffer": 0.08,
    "transfers.basic_per_capita": 180.0,
    "transfers.dibao_takeup": 0.6,
    "transfers.dibao_standard": 5000.0,
    "health.event_probability": 0.004,
    "weather.loss_fraction_mean": 0.35,
    "growth.wages": 0.065,
    "growth.transfers": 0.05,
    "credit.demand.project_failure_rate": 0.05,
    "credit.demand.diversion_probability": 0.1,
}


def nested(flat: dict[str, Any]) -> dict[str, Any]:
    """Every section of the schema's defaults (name and description aside) with the dotted keys set.

    Starting from the full defaults matters: a partial section (e.g. one crop's revenue) would
    otherwise take its class defaults, not the county's.
    """
    base = Scenario(name="defaults", description="defaults").model_dump(mode="json")
    base.pop("name"), base.pop("description")
    return apply_overrides(base, flat)


def pre_calibration_scenario(households: int = SMALL_HOUSEHOLDS, years: int = 1, **dotted: Any) -> Scenario:
    """``small_scenario`` in the pre-calibration county (:data:`PRE_CALIBRATION`), with extra keys."""
    keys = {**PRE_CALIBRATION, "population.households": households, "horizon.years": years}
    keys |= {key.replace("__", "."): value for key, value in dotted.items()}
    return scenario_from_dict({"name": "small", "description": "pre-calibration county for tests", **nested(keys)})
