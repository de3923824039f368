"""The shipped scenario files: all valid, the baseline equal to the schema's defaults, policies small diffs."""

from pathlib import Path

import pytest
import yaml

from simulation.scenario import Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FILES = sorted(p for p in SCENARIOS.glob("*.yaml") if p.stem not in ("uncertainties", "levers"))  # explore's spaces


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_shipped_scenario_is_valid_and_named_after_its_file(path):
    sc = load_scenario(path)
    assert sc.name == path.stem


def test_baseline_file_states_exactly_the_schema_defaults():
    baseline = load_scenario(SCENARIOS / "baseline.yaml").model_dump(mode="json")
    defaults = Scenario(name="baseline", description="x").model_dump(mode="json")
    baseline.pop("description"), defaults.pop("description")
    assert baseline == defaults


@pytest.mark.parametrize("path", [p for p in FILES if p.name != "baseline.yaml"], ids=lambda p: p.name)
def test_policy_files_extend_another_file(path):
    assert "extends" in yaml.safe_load(path.read_text())
