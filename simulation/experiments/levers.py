"""Uncertainties and levers of exploratory modelling, read from ``scenarios/uncertainties.yaml`` and ``levers.yaml``.

An *entry* names one dimension of the space explored: a range of numbers or a list of
choices, the scenario key(s) it sets, its unit and what it means. Uncertainties are what
nobody controls (droughts, prices, illness); levers what a planner sets (subsidies,
channels, guarantees). A file holds one mapping, ``uncertainties:`` or ``levers:``, of
entries by name::

    uncertainties:
      drought_frequency:
        keys: [weather.disaster_probability.plain, weather.disaster_probability.hill]
        scale: true            # the value multiplies each key's value in the base scenario
        range: [0.5, 2.5]
        unit: x base scenario
        description: How often a disaster season strikes, relative to the base county.
      price_fall:
        choices:               # each choice a label and the keys it sets (dotted, any value)
          none: {}
          year3: {farming.price_shocks: [{month: 33, crops: [cash_crop], log_change: -0.4}]}
        description: A produce price collapse at the year-3 harvest, or none.
      guarantee:
        key: guarantee.enabled
        choices: [false, true] # plain values of the key

Every entry is checked against the scenario schema on the base scenario at both ends
of its range and at each choice, so a misspelt key or a value outside the schema's range
fails before anything runs: one line naming the file and the entry, exit status 2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.scenario.loading import Scenario, ScenarioError, apply_overrides, validate_scenario

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("uncertainties", "levers")
ENTRY_KEYS = {"key", "keys", "range", "choices", "scale", "integer", "with", "unit", "description"}
RESERVED = {"point", "future", "policy", "scenario", "replicate", "month"}
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass(frozen=True)
class Entry:
    """One uncertainty or lever: a range of numbers or a list of labelled choices, and the keys it sets."""

    name: str
    keys: tuple[str, ...]
    unit: str
    description: str
    low: float | None = None
    high: float | None = None
    integer: bool = False
    scale: bool = False
    choices: dict[str, dict[str, Any]] = field(default_factory=dict)  # label -> dotted overrides
    also: dict[str, Any] = field(default_factory=dict)  # ``with:``: keys set alongside any value

    @property
    def categorical(self) -> bool:
        """Whether the entry is a list of choices (not a range)."""
        return bool(self.choices)

    @property
    def labels(self) -> list[str]:
        """The choices' labels, in the order written."""
        return list(self.choices)

    def from_unit(self, unit: np.ndarray) -> np.ndarray:
        """Values for points of [0, 1): a range scaled (rounded for integers), a choice by equal slices."""
        unit = np.asarray(unit, np.float64)
        if self.categorical:
            index = np.minimum((unit * len(self.choices)).astype(np.int64), len(self.choices) - 1)
            return np.asarray(self.labels, dtype=object)[index]
        values = self.low + unit * (self.high - self.low)
        return np.round(values).astype(np.int64) if self.integer else values

    def overrides(self, value: Any, base: dict[str, Any]) -> dict[str, Any]:
        """The dotted keys this entry sets for ``value``, on the raw base scenario ``base``."""
        if self.categorical:
            return {**self.also, **self.choices[str(value)]}
        number = value.item() if isinstance(value, np.generic) else value
        if self.scale:
            return {**self.also, **{key: _get(base, key) * number for key in self.keys}}
        return {**self.also, **{key: number for key in self.keys}}

    def span(self) -> str:
        """The range or the choices, as written in tables."""
        if self.categorical:
            return " | ".join(self.labels)
        return f"{self.low:g} – {self.high:g}"


@dataclass(frozen=True)
class Space:
    """The entries of one file (uncertainties or levers), in the order written."""

    kind: str
    entries: tuple[Entry, ...]
    source: str

    @property
    def names(self) -> list[str]:
        """The entries' names (the columns of design tables)."""
        return [e.name for e in self.entries]

    def entry(self, name: str) -> Entry:
        """The entry called ``name``."""
        return next(e for e in self.entries if e.name == name)

    def sample(self, method: str, samples: int, seed: int) -> pd.DataFrame:
        """A Latin hypercube (``lhs``) or scrambled Sobol' (``sobol``) sample of ``samples`` points.

        Each column is one entry: numbers for ranges, labels for choices.
        """
        unit = unit_sample(method, samples, len(self.entries), seed)
        return self.table(unit)

    def table(self, unit: np.ndarray) -> pd.DataFrame:
        """The values of each entry for points of the unit cube (one row per point)."""
        import pandas as pd  # not at import: `agrifin validate` reads these files without pandas

        return pd.DataFrame({e.name: e.from_unit(unit[:, i]) for i, e in enumerate(self.entries)})

    def overrides(self, row: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
        """Every dotted key set by one design row (entries in order; a later entry wins on a shared key)."""
        found: dict[str, Any] = {}
        for entry in self.entries:
            if entry.name in row:
                found.update(entry.overrides(row[entry.name], base))
        return found


def unit_sample(method: str, samples: int, dimensions: int, seed: int) -> np.ndarray:
    """``samples`` points of the unit cube from scipy's quasi-Monte Carlo engines, reproducible from ``seed``.

    Raises:
        ScenarioError: a Sobol' sample whose size is not a power of 2 (its points balance only then).
    """
    from scipy.stats import qmc

    rng = np.random.default_rng(seed)
    if method == "sobol":
        if samples & (samples - 1):
            below = 1 << (samples.bit_length() - 1)
            raise ScenarioError("--scenarios", str(samples), f"Sobol needs a power of 2, e.g. {below} or {2 * below}")
        return qmc.Sobol(d=dimensions, scramble=True, rng=rng).random(samples)
    return qmc.LatinHypercube(d=dimensions, rng=rng).random(samples)


def _get(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _entry(name: Any, raw: Any, source: str, kind: str) -> Entry:
    """One entry read from its mapping; a problem names ``kind.name``."""
    where = f"{kind}.{name}"

    def bad(problem: str) -> ScenarioError:
        return ScenarioError(source, where, problem)

    if not isinstance(name, str) or not name or not set(name) <= _NAME_CHARS or name[0].isdigit():
        raise bad("an entry's name is lower-case letters, digits and '_' (a column name), not starting with a digit")
    from simulation.engine.metrics import METRIC_NAMES

    if name in METRIC_NAMES or name in RESERVED:
        raise bad("this name is an outcome's or a table column's; name the entry otherwise")
    if not isinstance(raw, dict):
        raise bad("expected a mapping with key(s), range or choices, unit and description")
    unknown = sorted(set(raw) - ENTRY_KEYS)
    if unknown:
        raise bad(f"unknown field {unknown[0]!r}; an entry has {', '.join(sorted(ENTRY_KEYS))}")
    if not isinstance(raw.get("description"), str) or not raw["description"].strip():
        raise bad("needs a description (what it represents)")
    keys = raw.get("keys", [raw["key"]] if "key" in raw else [])
    if "key" in raw and "keys" in raw:
        raise bad("give key or keys, not both")
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise bad("keys is a list of dotted scenario keys")
    has_range, has_choices = "range" in raw, "choices" in raw
    if has_range == has_choices:
        raise bad("give either range: [low, high] or choices")
    unit = str(raw.get("unit", "")) if raw.get("unit") is not None else ""
    also = raw.get("with", {})
    if not isinstance(also, dict) or not all(isinstance(k, str) and k for k in also):
        raise bad("with is a mapping of dotted scenario keys to the values set alongside the entry's")
    if has_range:
        span = raw["range"]
        if not keys:
            raise bad("a range needs the scenario key (key:) or keys (keys:) it sets")
        if not isinstance(span, list) or len(span) != 2 or not all(_number(v) for v in span):
            raise bad(f"range is [low, high], two numbers, got {span!r}")
        low, high = span
        if low >= high:
            raise bad(f"range low must be below high, got [{low:g}, {high:g}]")
        integer = raw.get("integer", all(isinstance(v, int) for v in span))
        scale = raw.get("scale", False)
        if not isinstance(integer, bool) or not isinstance(scale, bool):
            raise bad("integer and scale are true or false")
        return Entry(
            name, tuple(keys), unit, raw["description"].strip(), float(low), float(high), integer, scale, also=also
        )
    if "scale" in raw or "integer" in raw:
        raise bad("scale and integer belong to a range, not to choices")
    choices = raw["choices"]
    if isinstance(choices, list):
        if len(keys) != 1:
            raise bad("a list of choices sets one key (key:); for several keys give each choice's keys as a mapping")
        if not all(isinstance(v, bool | int | float | str) for v in choices):
            raise bad("each choice is a plain value (number, true/false or a name)")
        labels = [str(v).lower() if isinstance(v, bool) else str(v) for v in choices]
        mapping = {label: {keys[0]: value} for label, value in zip(labels, choices, strict=True)}
    elif isinstance(choices, dict) and not keys:
        if not all(isinstance(v, dict) for v in choices.values()):
            raise bad("each choice maps its label to the dotted keys it sets, e.g. {farming.price_shocks: []}")
        mapping = {str(label): dict(value) for label, value in choices.items()}
    else:
        raise bad("choices is a list of values of key:, or a mapping of labels to the keys each sets (without key:)")
    if len(mapping) < 2 or len(set(mapping)) != len(mapping):
        raise bad("give at least two different choices")
    set_keys = tuple(dict.fromkeys(k for value in mapping.values() for k in value))
    return Entry(name, tuple(keys) or set_keys, unit, raw["description"].strip(), choices=mapping, also=also)


def parse_space(data: Any, source: str, kind: str) -> Space:
    """The entries of a file's mapping ``{kind: {name: entry}}`` (not yet checked against a scenario)."""
    if not isinstance(data, dict) or set(data) != {kind}:
        raise ScenarioError(source, kind, f"the file holds one mapping, {kind}:, of entries by name")
    entries = data[kind]
    if not isinstance(entries, dict) or not entries:
        raise ScenarioError(source, kind, "give at least one entry")
    return Space(kind, tuple(_entry(name, raw, source, kind) for name, raw in entries.items()), source)


def check_space(space: Space, base: Scenario) -> None:
    """Set each entry's extremes (range ends, every choice) on ``base`` and validate; a problem names the entry.

    Raises:
        ScenarioError: an unknown key, a value outside the schema's range, or a scaled key
            that is not a number in the base scenario.
    """
    raw = base.model_dump(mode="json")
    for entry in space.entries:
        where = f"{space.kind}.{entry.name}"
        values = entry.labels if entry.categorical else [entry.from_unit(np.array([u]))[0] for u in (0.0, 1.0)]
        for value in values:
            try:
                overrides = entry.overrides(value, raw)
            except KeyError as err:
                raise ScenarioError(space.source, where, f"scale: key {err.args[0]} has no value in the base") from None
            except TypeError:
                raise ScenarioError(space.source, where, "scale: the scaled keys must be numbers") from None
            try:
                validate_scenario(apply_overrides(raw, overrides, space.source), space.source)
            except ScenarioError as err:
                shown = f"{value:g}" if isinstance(value, float) else str(value)
                raise ScenarioError(space.source, where, f"at {shown}: {err.key}: {err.problem}") from None


def load_space(path: str | Path, kind: str, base: Scenario) -> Space:
    """Read an uncertainties or levers file and check every entry on ``base``.

    Raises:
        ScenarioError: unreadable YAML, a malformed entry, or one the schema refuses (exit 2).
    """
    from simulation.scenario.file import ScenarioFileError, parse_yaml, read_text

    source = str(path)
    try:
        data = parse_yaml(read_text(Path(path)))
    except FileNotFoundError:
        raise ScenarioError(source, "", f"no such {kind} file") from None
    except OSError as err:
        raise ScenarioError(source, "", f"cannot read ({err.strerror or err})") from None
    except ScenarioFileError as err:
        raise ScenarioError(source, err.key, err.problem) from None
    space = parse_space(data, source, kind)
    check_space(space, base)
    return space


def space_kind(path: str | Path) -> str | None:
    """``uncertainties`` or ``levers`` when the file holds that one mapping (not a scenario), else None."""
    from simulation.scenario.file import ScenarioFileError, parse_yaml, read_text

    try:
        data = parse_yaml(read_text(Path(path)))
    except (ScenarioFileError, OSError):
        return None
    if isinstance(data, dict) and len(data) == 1 and next(iter(data)) in KINDS:
        return next(iter(data))
    return None


def shipped_space(kind: str) -> Path:
    """``scenarios/<kind>.yaml`` here, or the one agrifin ships."""
    from simulation.scenario.shipped import shipped_dir

    here = Path("scenarios") / f"{kind}.yaml"
    if here.is_file():
        return here
    folder = shipped_dir()
    return (folder / f"{kind}.yaml") if folder is not None else here


def point_scenarios(
    base: Scenario, spaces: Sequence[Space], design: pd.DataFrame, name: str, source: str
) -> list[Scenario]:
    """One validated scenario per design row (named ``name``): the base with each space's entries set."""
    raw = base.model_dump(mode="json")
    raw["name"] = name
    found = []
    for point, row in zip(design.index, design.to_dict("records"), strict=True):
        overrides: dict[str, Any] = {}
        for space in spaces:
            overrides.update(space.overrides(row, raw))
        try:
            found.append(validate_scenario(apply_overrides(raw, overrides, source), source))
        except ScenarioError as err:
            raise ScenarioError(source, err.key, f"{err.problem} (design point {point})") from None
    return found


def check_space_file(path: str | Path) -> str:
    """``agrifin validate`` of an uncertainties or levers file, on the shipped baseline: the line to print.

    Raises:
        ScenarioError: a bad entry (one line naming the file and the entry).
    """
    from simulation.scenario.loading import load_scenario

    kind = space_kind(path) or "uncertainties"
    space = load_space(path, kind, load_scenario("baseline"))
    return f"ok: {path} ({len(space.entries)} {kind}, checked on the baseline)"
