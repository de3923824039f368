"""agrifin's engine: scenario schema, model, ledger, metrics, runner, results, charts and CLI."""

from simulation.model import ValueChainModel
from simulation.runner import RunResult, run
from simulation.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["RunResult", "Scenario", "ScenarioError", "ValueChainModel", "load_scenario", "run"]
__version__ = "0.1.0"
