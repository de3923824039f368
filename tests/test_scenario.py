"""Scenario files: errors users see are one line naming the file and the key; extends and overrides work."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from simulation.scenario.loading import Scenario, ScenarioError, load_scenario, parse_override, scenario_from_dict

HEADER = "name: test\ndescription: a scenario written by a test\n"
CROP_SHARES_OVER_ONE = """\
population:
  crop_shares:
    plain: {grain: 0.65, cash_crop: 0.25, livestock: 0.10}
    hill: {grain: 0.50, cash_crop: 0.35, livestock: 0.20}
    mountain: {grain: 0.35, cash_crop: 0.30, livestock: 0.35}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def scenario_error(path: Path, **kwargs) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, **kwargs)
    return caught.value


def assert_one_line_naming(error: ScenarioError, *names: str) -> None:
    message = str(error)
    assert "\n" not in message, f"not one line: {message!r}"
    for name in names:
        assert name in message, f"{name!r} not named in {message!r}"


# ---------------------------------------------------------------- errors in files


def test_missing_file_is_a_one_line_error_naming_the_file(tmp_path):
    error = scenario_error(tmp_path / "nowhere.yaml")

    assert_one_line_naming(error, str(tmp_path / "nowhere.yaml"), "not found")


def test_yaml_syntax_error_names_the_file_and_the_line(tmp_path):
    path = write(tmp_path, "broken.yaml", HEADER + "population: [1, 2\n")

    error = scenario_error(path)

    assert_one_line_naming(error, str(path), "line 4", "YAML syntax error")


@pytest.mark.parametrize(
    ("body", "key", "problem"),
    [
        ("population:\n  housholds: 5000\n", "population.housholds", "unknown key"),
        ("colour: blue\n", "colour", "unknown key"),
        ("population:\n  households: many\n", "population.households", "valid integer"),
        ("poverty:\n  line: [4000]\n", "poverty.line", "valid number"),
        ("population:\n  households: -5\n", "population.households", "greater than or equal to 1"),
        ("transfers:\n  dibao_takeup: 1.5\n", "transfers.dibao_takeup", "less than or equal to 1"),
        (
            "population:\n  region_shares: {plain: 0.5, hill: 0.3, mountain: 0.3}\n",
            "population.region_shares",
            "must sum to 1",
        ),
        (CROP_SHARES_OVER_ONE, "population.crop_shares.hill", "must sum to 1"),
        (
            "population:\n  region_shares: {plain: 0.6, hill: 0.4}\n",
            "population.region_shares.mountain",
            "required key is missing",
        ),
    ],
    ids=[
        "unknown-key",
        "unknown-section",
        "wrong-type-int",
        "wrong-type-float",
        "negative-households",
        "share-above-one",
        "region-shares",
        "crop-shares",
        "region-missing",
    ],
)
def test_invalid_value_is_a_one_line_error_naming_file_and_key(tmp_path, body, key, problem):
    path = write(tmp_path, "bad.yaml", HEADER + body)

    error = scenario_error(path)

    assert_one_line_naming(error, str(path), key, problem)
    assert error.key == key


def test_missing_name_is_an_error_naming_the_key(tmp_path):
    path = write(tmp_path, "nameless.yaml", "description: no name\n")

    assert_one_line_naming(scenario_error(path), str(path), "name", "required")


def test_file_that_is_not_a_mapping_is_an_error(tmp_path):
    path = write(tmp_path, "list.yaml", "- 1\n- 2\n")

    assert_one_line_naming(scenario_error(path), str(path), "mapping")


def test_extends_cycle_is_a_one_line_error_naming_the_chain(tmp_path):
    a = write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\ndescription: a\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\ndescription: b\n")

    error = scenario_error(a)

    assert_one_line_naming(error, "a.yaml", "extends", "cycle", "a.yaml -> b.yaml -> a.yaml")
    assert error.key == "extends"


def test_file_extending_itself_is_a_cycle(tmp_path):
    path = write(tmp_path, "self.yaml", "extends: self.yaml\n" + HEADER)

    assert_one_line_naming(scenario_error(path), str(path), "extends", "cycle")


def test_extends_of_a_missing_file_names_the_missing_file(tmp_path):
    path = write(tmp_path, "child.yaml", "extends: parent.yaml\n" + HEADER)

    assert_one_line_naming(scenario_error(path), str(tmp_path / "parent.yaml"), "not found")


# ---------------------------------------------------------------- --set overrides


@pytest.mark.parametrize(
    "text",
    ["population.households", "=5000", "population..households=5000", ".households=5", "population.=5"],
    ids=["no-equals", "no-key", "empty-middle-part", "empty-first-part", "empty-last-part"],
)
def test_malformed_set_is_a_one_line_error_naming_the_option_and_the_text(text):
    with pytest.raises(ScenarioError) as caught:
        parse_override(text)

    assert_one_line_naming(caught.value, "--set", text, "KEY.PATH=VALUE")


def test_set_value_that_is_not_yaml_is_an_error_naming_the_key():
    with pytest.raises(ScenarioError) as caught:
        parse_override("population.households=[1,")

    assert_one_line_naming(caught.value, "--set", "population.households", "cannot read value")


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("population.households=5000", "population.households", 5000),
        ("poverty.line = 4500.5", "poverty.line", 4500.5),
        ("name=reform", "name", "reform"),
        ("flag=true", "flag", True),
    ],
)
def test_set_reads_its_value_as_yaml(text, key, value):
    assert parse_override(text) == (key, value)


def test_dotted_overrides_apply_after_loading(tmp_path):
    path = write(tmp_path, "base.yaml", HEADER + "population:\n  households: 900\n")

    scenario = load_scenario(path, overrides={"population.households": 400, "transfers.dibao_takeup": 0.25})

    assert scenario.population.households == 400
    assert scenario.transfers.dibao_takeup == 0.25
    assert scenario.transfers.dibao_standard == Scenario(name="x", description="y").transfers.dibao_standard


def test_override_with_an_unknown_key_is_an_error_naming_the_key(tmp_path):
    path = write(tmp_path, "base.yaml", HEADER)

    error = scenario_error(path, overrides={"transfers.dibao_take_up": 0.5})

    assert_one_line_naming(error, "transfers.dibao_take_up", "unknown key")


def test_override_below_a_value_is_an_error_naming_the_key(tmp_path):
    path = write(tmp_path, "base.yaml", HEADER + "population:\n  households: 900\n")

    error = scenario_error(path, overrides={"population.households.plain": 1})

    assert_one_line_naming(error, "population.households.plain", "not a section")


def test_override_on_a_file_with_a_date_value_is_a_one_line_error_not_a_crash(tmp_path):
    path = write(tmp_path, "dated.yaml", "name: dated\ndescription: 2020-06-01\n")

    error = scenario_error(path, overrides={"population.households": 500})

    assert_one_line_naming(error, str(path), "description")


# ---------------------------------------------------------------- extends


def test_extends_inherits_the_parent_and_the_child_overrides_it(tmp_path):
    write(
        tmp_path,
        "baseline.yaml",
        "name: baseline\ndescription: the county\n"
        "population:\n  households: 800\n"
        "transfers:\n  dibao_takeup: 0.7\n  dibao_standard: 4500\n",
    )
    child = write(
        tmp_path,
        "policy.yaml",
        "extends: baseline.yaml\nname: policy\ndescription: more take-up\ntransfers:\n  dibao_takeup: 0.9\n",
    )

    scenario = load_scenario(child)

    assert scenario.name == "policy"
    assert scenario.description == "more take-up"
    assert scenario.population.households == 800
    assert scenario.transfers.dibao_takeup == 0.9
    assert scenario.transfers.dibao_standard == 4500


def test_extends_is_relative_to_the_extending_file(tmp_path):
    write(tmp_path, "baseline.yaml", HEADER + "population:\n  households: 700\n")
    child = write(tmp_path, "policies/reform.yaml", "extends: ../baseline.yaml\nname: reform\ndescription: r\n")

    assert load_scenario(child).population.households == 700


def test_extends_chain_of_three_files_applies_each_in_order(tmp_path):
    write(tmp_path, "a.yaml", "name: a\ndescription: a\nhorizon:\n  years: 4\npoverty:\n  line: 4100\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\ndescription: b\npoverty:\n  line: 4200\n")
    c = write(tmp_path, "c.yaml", "extends: b.yaml\nname: c\ndescription: c\nhorizon:\n  years: 2\n")

    scenario = load_scenario(c)

    assert (scenario.name, scenario.horizon.years, scenario.poverty.line) == ("c", 2, 4200)


def test_child_that_does_not_name_itself_does_not_inherit_the_parents_name(tmp_path):
    write(tmp_path, "baseline.yaml", "name: baseline\ndescription: the county\n")
    child = write(tmp_path, "policy.yaml", "extends: baseline.yaml\ndescription: unnamed\n")

    assert_one_line_naming(scenario_error(child), str(child), "name", "required")


# ---------------------------------------------------------------- the schema in Python


def test_resolved_scenario_written_as_yaml_loads_back_identical(tmp_path):
    scenario = load_scenario(
        write(tmp_path, "base.yaml", HEADER), overrides={"population.households": 1234, "weather.loss_fraction_sd": 0.1}
    )

    again = load_scenario(write(tmp_path, "resolved.yaml", scenario.to_yaml()))

    assert again == scenario
    assert again.content_hash() == scenario.content_hash()


def test_content_hash_changes_with_any_parameter():
    a = Scenario(name="a", description="d")
    b = Scenario(name="a", description="d")
    assert a.content_hash() == b.content_hash()

    b.labour.migrant_wage += 1

    assert a.content_hash() != b.content_hash()


def test_changing_one_scenario_leaves_the_defaults_of_another_alone():
    default = Scenario(name="probe", description="d").farming.crops.grain.revenue_per_mu
    first = Scenario(name="first", description="d")
    first.population.households = 300
    first.farming.crops.grain.revenue_per_mu = 1.0

    second = Scenario(name="second", description="d")

    assert second.population.households == 20_000
    assert second.farming.crops.grain.revenue_per_mu == default != 1.0


def test_assigning_an_invalid_value_in_python_is_refused():
    scenario = Scenario(name="a", description="d")

    with pytest.raises(pydantic.ValidationError):
        scenario.population.households = 0


def test_scenario_from_dict_names_its_source_in_errors():
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"name": "x", "description": "y", "horizon": {"years": 0}}, source="worker payload")

    assert_one_line_naming(caught.value, "worker payload", "horizon.years")
