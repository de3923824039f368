"""The JSON schema of scenario files, as editors and other tools read it.

``agrifin schema`` prints it; a copy ships beside the scenario files
(``scenarios/scenario.schema.json``, inside the wheel ``simulation/scenarios/``), and every
shipped file names it on its first line (``# yaml-language-server: $schema=scenario.schema.json``),
so an editor with a YAML language server completes keys, shows units and flags bad choices.

The schema describes one file, not the resolved scenario: ``extends`` is allowed, and a
section's keys are all optional because a policy file overrides a few of them. Rules that
span the whole resolved scenario (shares that sum to 1, ceilings above floors, overrides by
region or group) are checked by ``agrifin validate``.
"""

from __future__ import annotations

from typing import Any

from simulation.scenario.loading import Scenario

SCHEMA_FILE = "scenario.schema.json"
SCHEMA_ID = "urn:agrifin:scenario-file"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
POINTER = f"# yaml-language-server: $schema={SCHEMA_FILE}"
EXTENDS = {
    "type": "string",
    "description": "The file this one inherits, relative to this file, or a shipped scenario's name (baseline)",
}


def _optional_keys(node: Any) -> None:
    """Drop ``required`` inside sections (a policy file sets a few keys of a section)."""
    if isinstance(node, dict):
        node.pop("required", None)
        for value in node.values():
            _optional_keys(value)
    elif isinstance(node, list):
        for value in node:
            _optional_keys(value)


def scenario_json_schema() -> dict[str, Any]:
    """The JSON schema (draft 2020-12) of a scenario file: enums for every choice, units, limits, ``extends``."""
    schema = Scenario.model_json_schema()
    _optional_keys(schema.get("$defs", {}))
    for section in schema["properties"].values():
        _optional_keys(section)
    schema["properties"] = {"extends": EXTENDS, **schema["properties"]}
    return {"$schema": DIALECT, "$id": SCHEMA_ID, **schema}
