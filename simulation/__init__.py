"""agrifin's engine: scenario schema, model, ledger, metrics, runner, results, charts and CLI.

The public names are imported on first use (PEP 562), so a command that only reads a
scenario file does not pay for the model, Mesa, pandas' plotting or Dask.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulation.engine.model import ValueChainModel
    from simulation.experiments.runner import RunResult, run
    from simulation.scenario.loading import Scenario, ScenarioError, load_scenario

_HOMES = {
    "RunResult": "simulation.experiments.runner",
    "run": "simulation.experiments.runner",
    "Scenario": "simulation.scenario.loading",
    "ScenarioError": "simulation.scenario.loading",
    "ValueChainModel": "simulation.engine.model",
    "load_scenario": "simulation.scenario.loading",
}

__all__ = ["RunResult", "Scenario", "ScenarioError", "ValueChainModel", "load_scenario", "run"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module 'simulation' has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
