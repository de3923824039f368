"""Shipped scenarios are found by bare name, from any folder, and in ``extends``."""

from pathlib import Path

import pytest

from simulation.scenario.loading import ScenarioError, load_scenario
from simulation.scenario.shipped import find_scenario, shipped_names


def test_every_shipped_scenario_is_listed_and_baseline_is_among_them():
    names = shipped_names()
    assert "baseline.yaml" in names
    assert all(n.endswith(".yaml") for n in names)


def test_a_bare_name_loads_the_shipped_file_from_another_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_scenario("baseline").name == load_scenario("baseline.yaml").name == "baseline"


def test_extends_falls_back_to_a_shipped_name_when_no_file_is_beside_it(tmp_path):
    policy = tmp_path / "my_policy.yaml"
    policy.write_text("extends: baseline.yaml\nname: my_policy\ndescription: mine\npopulation:\n  households: 500\n")
    sc = load_scenario(policy)
    assert sc.name == "my_policy" and sc.population.households == 500


def test_a_file_beside_the_policy_wins_over_the_shipped_one(tmp_path):
    (tmp_path / "baseline.yaml").write_text("name: local_base\ndescription: local\npopulation:\n  households: 700\n")
    policy = tmp_path / "p.yaml"
    policy.write_text("extends: baseline.yaml\nname: p\ndescription: p\n")
    assert load_scenario(policy).population.households == 700


def test_a_missing_parent_names_the_extending_file_the_key_and_the_paths_tried(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text("extends: nowhere.yaml\nname: p\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(policy)
    text = str(err.value)
    assert str(policy) in text and "extends" in text and "nowhere.yaml" in text
    path, tried = find_scenario("nowhere.yaml", relative_to=policy)
    assert not path.is_file() and tried[0] == tmp_path / "nowhere.yaml" and len(tried) == 2


def test_a_path_with_folders_is_never_taken_for_a_shipped_name(tmp_path):
    path, tried = find_scenario(Path("sub") / "baseline.yaml", relative_to=tmp_path / "x.yaml")
    assert not path.is_file() and tried == [tmp_path / "sub" / "baseline.yaml"]
