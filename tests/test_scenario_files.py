"""The shipped scenario files: all valid, the baseline the defaults but its fitted keys, policies small diffs."""

from pathlib import Path

import pytest
import yaml

from simulation.scenario.loading import Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FILES = sorted(p for p in SCENARIOS.glob("*.yaml") if p.stem not in ("uncertainties", "levers"))  # explore's spaces


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_shipped_scenario_is_valid_and_named_after_its_file(path):
    sc = load_scenario(path)
    assert sc.name == path.stem


def _leaves(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            out |= _leaves(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_baseline_file_states_the_schema_defaults_except_the_fitted_keys_each_with_its_provenance():
    baseline = load_scenario(SCENARIOS / "baseline.yaml").model_dump(mode="json")
    defaults = Scenario(name="baseline", description="x").model_dump(mode="json")
    baseline.pop("description"), defaults.pop("description")
    assert set(_leaves(baseline)) == set(_leaves(defaults))
    differ = sorted(k for k, v in _leaves(baseline).items() if _leaves(defaults)[k] != v)
    lines = (SCENARIOS / "baseline.yaml").read_text().splitlines()
    fitted_lines = [line for line in lines if "# fitted: trial" in line and not line.lstrip().startswith("#")]
    assert len(fitted_lines) == len(differ), differ
    for key in differ:
        leaf = key.rsplit(".", 1)[-1]
        assert any(line.strip().startswith(f"{leaf}:") for line in fitted_lines), f"{key} differs without provenance"


@pytest.mark.parametrize("path", [p for p in FILES if p.name != "baseline.yaml"], ids=lambda p: p.name)
def test_policy_files_extend_another_file(path):
    assert "extends" in yaml.safe_load(path.read_text())
