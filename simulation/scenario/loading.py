"""The scenario: every parameter of a run, in one pydantic schema.

A scenario file is YAML. ``extends: other.yaml`` inherits another file (a path relative to
the file, else a shipped scenario's name such as ``baseline``) and then overrides it, so a
policy file is a small diff over the baseline.
Nothing in agrifin reads a raw dict: the model receives a validated :class:`Scenario`.

Each field states its unit and meaning; the defaults are the default county, and
``scenarios/baseline.yaml`` cites the source of each number (keys of ``docs/sources.md``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from simulation.scenario.base import CROPS, GROUPS, REGIONS, ByGroup, ByRegion, Section, check_scenario_name, field
from simulation.scenario.county import (
    Assets,
    Consumption,
    Farming,
    Growth,
    Health,
    Horizon,
    Labour,
    Population,
    Poverty,
    Transfers,
    Weather,
)
from simulation.scenario.credit import BankTerms, Credit, Product
from simulation.scenario.custom_outcomes import CustomOutcome, check_outcomes
from simulation.scenario.differentiation import check_overrides
from simulation.scenario.errors import problems_of
from simulation.scenario.family_farms import FamilyFarmTerms, LandMarketTerms
from simulation.scenario.file import MAX_EXTENDS, ScenarioFileError, parse_yaml, parsed_yaml, read_text
from simulation.scenario.insurance import Insurance
from simulation.scenario.monitoring import Monitoring
from simulation.scenario.risk import Guarantee, RiskFund
from simulation.scenario.shipped import find_scenario
from simulation.scenario.value_chain import ValueChain

log = logging.getLogger(__name__)

__all__ = [
    "CROPS",
    "GROUPS",
    "REGIONS",
    "BankTerms",
    "ByGroup",
    "ByRegion",
    "Credit",
    "Product",
    "Scenario",
    "ScenarioError",
    "Transfers",
    "field",
    "load_scenario",
    "scenario_from_dict",
]


class ScenarioError(ValueError):
    """A scenario file, key or override that cannot be used; the message is one line."""

    def __init__(self, source: str, key: str, problem: str, more: tuple[tuple[str, str], ...] = ()) -> None:
        self.source, self.key, self.problem, self.more = source, key, problem, more
        super().__init__("\n".join(self.lines))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[str, str, str, tuple[tuple[str, str], ...]]]:
        """Rebuilt from its parts, so it crosses to another process (a pool's worker, Dask) whole."""
        return type(self), (self.source, self.key, self.problem, self.more)

    @property
    def lines(self) -> list[str]:
        """One line per problem, ``file: key: problem``, the first problem first."""
        return [
            f"{self.source}: {key}: {problem}" if key else f"{self.source}: {problem}" for key, problem in self.problems
        ]

    @property
    def problems(self) -> list[tuple[str, str]]:
        """Every ``(key, problem)`` found (at least one)."""
        return [(self.key, self.problem), *self.more]


class Scenario(Section):
    """A complete, validated set of parameters for one county."""

    name: str = Field(
        min_length=1,
        description="Short name used in results (the `scenario` column) and in file names: letters, digits, "
        "'_', '-' and '.' (not first)",
    )
    description: str = Field(min_length=1, description="What this scenario represents or changes")
    population: Population = Population()
    horizon: Horizon = Horizon()
    growth: Growth = Growth()
    poverty: Poverty = Poverty()
    farming: Farming = Farming()
    weather: Weather = Weather()
    labour: Labour = Labour()
    health: Health = Health()
    transfers: Transfers = Transfers()
    consumption: Consumption = Consumption()
    assets: Assets = Assets()
    credit: Credit = Credit()
    guarantee: Guarantee = Guarantee()
    risk_fund: RiskFund = RiskFund()
    insurance: Insurance = Insurance()
    monitoring: Monitoring = Monitoring()
    value_chain: ValueChain = ValueChain()
    family_farms: FamilyFarmTerms = FamilyFarmTerms()
    land_market: LandMarketTerms = LandMarketTerms()
    regions: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Overrides of some policy parameters by region (plain, hill, mountain)"
    )
    groups: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Overrides of some policy parameters by group (ex_poor, fringe, general)"
    )
    outcomes: list[CustomOutcome] = Field(
        default_factory=list,
        description="Outcomes of one's own, each one more summary column: an expression over the summary "
        "metrics or a 'module:function' of the model (simulation/scenario/custom_outcomes.py)",
    )

    @field_validator("name")
    @classmethod
    def _name_is_a_file_name(cls, name: str) -> str:
        return check_scenario_name(name)

    @model_validator(mode="after")
    def _outcomes(self) -> Scenario:
        check_outcomes(self.outcomes)
        return self

    @model_validator(mode="after")
    def _differentiation(self) -> Scenario:
        check_overrides(self.regions, REGIONS, "regions")
        check_overrides(self.groups, GROUPS, "groups")
        base = self.model_dump(mode="json", exclude={"regions", "groups", "outcomes"})
        for what, overrides in (("regions", self.regions), ("groups", self.groups)):
            for name, tree in overrides.items():
                try:
                    Scenario.model_validate(deep_merge(base, tree))
                except ValidationError as err:
                    key, message = _first_error(err)
                    raise ValueError(f"{what}.{name}.{key}: {message}") from None
        return self

    @property
    def months(self) -> int:
        """Number of monthly steps in the horizon."""
        return 12 * self.horizon.years

    def content_hash(self) -> str:
        """Stable hash of the resolved parameters (for provenance)."""
        text = json.dumps(self.model_dump(mode="json", exclude=self._unused()), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_yaml(self) -> str:
        """The resolved scenario as YAML, loadable again with :func:`load_scenario`."""
        return yaml.safe_dump(self.model_dump(mode="json", exclude=self._unused()), sort_keys=False, allow_unicode=True)

    def _unused(self) -> set[str]:
        """Optional sections left out of the hash and the YAML when empty (so older hashes stay valid)."""
        return set() if self.outcomes else {"outcomes"}


# --------------------------------------------------------------------------- loading


def _read_yaml(path: Path, source: str, encoding: str | None = None) -> dict[str, Any]:
    try:
        data = copy.deepcopy(parsed_yaml(read_text(path, encoding)))
    except FileNotFoundError:
        raise ScenarioError(source, "", "file not found") from None
    except OSError as err:
        raise ScenarioError(source, "", f"cannot read file ({err.strerror})") from None
    except ScenarioFileError as err:
        raise ScenarioError(source, err.key, err.problem) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(source, "", "a scenario file must be a mapping of keys to values")
    return data


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Override nested keys of ``base`` with those of ``override`` (neither is modified)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve(path: Path, chain: tuple[Path, ...], encoding: str | None = None) -> dict[str, Any]:
    source = str(path)
    if path.resolve() in chain:
        raise ScenarioError(source, "extends", "extends cycle: " + " -> ".join(p.name for p in (*chain, path)))
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(source, "extends", f"more than {MAX_EXTENDS} files in one extends chain")
    data = _read_yaml(path, source, encoding)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(source, "extends", "must be a file name (string)")
    found, tried = find_scenario(parent, relative_to=path)
    if not found.is_file():
        where = " or ".join(str(t) for t in tried)
        raise ScenarioError(source, "extends", f"{parent!r}: file not found (tried {where})")
    log.debug("%s extends %s", path, found)
    base = _resolve(found, (*chain, path.resolve()), encoding)
    # a child names and describes itself; it never inherits those two
    base.pop("name", None)
    base.pop("description", None)
    return deep_merge(base, data)


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``key.path=value``; the value is read as YAML (numbers, booleans, lists)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ScenarioError("--set", text, "expected KEY.PATH=VALUE, e.g. population.households=5000")
    try:
        value = parse_yaml(raw) if raw.strip() else ""
    except ScenarioFileError:
        raise ScenarioError("--set", key, f"cannot read value {raw!r}") from None
    return key, value


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any], source: str = "--set") -> dict[str, Any]:
    """Set dotted keys in a raw scenario mapping (before validation)."""
    result = copy.deepcopy(data)
    for dotted, value in overrides.items():
        node = result
        parts = dotted.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise ScenarioError(source, dotted, f"{part!r} is a value, not a section")
            node = child
        node[parts[-1]] = value
    return result


def _first_error(err: ValidationError) -> tuple[str, str]:
    problems = problems_of(err, Scenario)
    key, message = problems[0]
    more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
    return key, message + more


def validate_scenario(data: dict[str, Any], source: str) -> Scenario:
    """Build a :class:`Scenario` from a raw mapping; every problem becomes one line of the error."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        (key, message), *more = problems_of(err, Scenario)
        raise ScenarioError(source, key, message, tuple(more)) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None, encoding: str | None = None) -> Scenario:
    """Load a scenario file (following ``extends:``) and apply dotted-key overrides.

    Args:
        path: the YAML file.
        overrides: ``{"population.households": 5000, ...}``, applied after inheritance.
        encoding: the files' text encoding (default: UTF-8, or Chinese GB18030 when detected).

    Raises:
        ScenarioError: a missing, unreadable, binary or wrongly encoded file, bad or
            duplicate-keyed YAML, a document beyond the limits of
            :mod:`simulation.scenario.file`, an ``extends`` cycle or too long a chain, an
            unknown key, a wrong type, or a value out of range.
    """
    path, _ = find_scenario(path)  # a path, or a shipped scenario's bare name ("baseline")
    log.debug("reading scenario %s", path)
    data = _resolve(path, (), encoding)
    if overrides:
        data = apply_overrides(data, overrides)
    return validate_scenario(data, str(path))


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate a plain mapping (e.g. a resolved scenario sent to a worker)."""
    return validate_scenario(data, source)
