"""Small scenarios for tests: a county of a few hundred households that runs in a fraction of a second."""

from __future__ import annotations

from typing import Any

from simulation.scenario import Scenario, apply_overrides, scenario_from_dict

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
