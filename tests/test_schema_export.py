"""The exported JSON schema: shipped with the scenarios, named by each of them, and accepting all of them."""

import json

import jsonschema
import pytest
import yaml

from simulation.scenario.export import POINTER, SCHEMA_FILE, SCHEMA_ID, scenario_json_schema
from simulation.scenario.shipped import shipped_dir, shipped_names

SCHEMA = scenario_json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_the_shipped_schema_file_is_the_one_agrifin_exports():
    shipped = json.loads((shipped_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    assert shipped == SCHEMA, "regenerate it: agrifin schema -o scenarios/scenario.schema.json"


def test_the_schema_is_a_valid_draft_2020_12_schema_with_an_id():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"] == SCHEMA_ID
    assert "extends" in SCHEMA["properties"]


@pytest.mark.parametrize("name", shipped_names())
def test_every_shipped_scenario_names_the_schema_on_its_first_line_and_validates(name):
    text = (shipped_dir() / name).read_text(encoding="utf-8")
    assert text.splitlines()[0] == POINTER
    errors = [f"{'.'.join(map(str, e.path))}: {e.message}" for e in VALIDATOR.iter_errors(yaml.safe_load(text))]
    assert errors == []


def test_every_choice_is_an_enum_so_editors_reject_a_bad_one():
    bad = {"name": "x", "description": "x", "credit": {"products": {"microcredit": {"repayment": "balloon"}}}}
    errors = list(VALIDATOR.iter_errors(bad))
    assert errors and "balloon" in errors[0].message
    bad_crop = {"name": "x", "description": "x", "farming": {"price_shocks": [{"crops": ["rice"]}]}}
    assert list(VALIDATOR.iter_errors(bad_crop))


def test_unknown_keys_are_flagged_by_the_schema_too():
    assert list(VALIDATOR.iter_errors({"name": "x", "description": "x", "population": {"housholds": 5}}))
