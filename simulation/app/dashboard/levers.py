"""The dashboard's levers: which scenario keys a planner moves, their ranges and their rules.

A lever is one scenario key (``credit.products.microcredit.ceiling``) shown as a slider,
a switch or a number. The page holds the levers' values; this module turns them into
overrides of the scenario the page started from, keeps the risk shares summing to 1 and
the premium subsidies at most 1 in total, and saves a lever set as a scenario file that
``extends:`` the starting file and holds only the keys that differ from it.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from simulation.outputs.results import write_atomic
from simulation.scenario.loading import Scenario, apply_overrides, load_scenario


@dataclass(frozen=True)
class Lever:
    """One scenario key a planner moves on the page.

    Attributes:
        key: dotted scenario key.
        label: what the planner reads beside the control.
        kind: ``slider`` (a number in [low, high]), ``switch`` (on/off) or ``count`` (an integer).
        low: smallest value offered (sliders and counts).
        high: largest value offered.
        step: slider step; values are rounded to it.
        group: the panel section the lever sits in.
    """

    key: str
    label: str
    kind: str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.01
    group: str = ""

    @property
    def dom_id(self) -> str:
        """The page element's id (dots are not allowed in Dash ids used in CSS selectors)."""
        return "lever-" + self.key.replace(".", "-").replace("_", "-")

    def coerce(self, value: Any) -> Any:
        """A value from the page as the scenario expects it (bool, int, or a float on the slider's step)."""
        if self.kind == "switch":
            return bool(value)
        if self.kind == "count":
            return int(value)
        decimals = max(0, -math.floor(math.log10(self.step)))
        return round(float(value), decimals)


RISK_SHARES = tuple(f"guarantee.risk_shares.{p}" for p in ("guarantor", "reguarantor", "bank", "government"))
PREMIUM_SUBSIDIES = tuple(f"insurance.agricultural.{level}_subsidy" for level in ("central", "province", "county"))
HOUSEHOLDS = "population.households"

LEVERS: tuple[Lever, ...] = (
    Lever(
        "credit.products.microcredit.interest_subsidy_share",
        "Interest subsidy (share of microcredit interest paid by government)",
        "slider",
        group="Credit",
    ),
    Lever(
        "credit.products.microcredit.ceiling",
        "Microcredit ceiling (yuan per borrower)",
        "slider",
        10_000,
        100_000,
        5_000,
        group="Credit",
    ),
    Lever("credit.channels.online.enabled", "Online lending channel", "switch", group="Credit"),
    Lever("credit.channels.liaison.enabled", "Grassroots liaison with village committees", "switch", group="Credit"),
    Lever("guarantee.enabled", "Financing guarantee on farm and cooperative loans", "switch", group="Risk sharing"),
    Lever(RISK_SHARES[0], "Guarantor's share of losses", "slider", group="Risk sharing"),
    Lever(RISK_SHARES[1], "Re-guarantee fund's share", "slider", group="Risk sharing"),
    Lever(RISK_SHARES[2], "Bank's share", "slider", group="Risk sharing"),
    Lever(RISK_SHARES[3], "Local government's share", "slider", group="Risk sharing"),
    Lever("insurance.agricultural.enabled", "Agricultural insurance", "switch", group="Insurance"),
    Lever(PREMIUM_SUBSIDIES[0], "Premium subsidy: central (share of premium)", "slider", group="Insurance"),
    Lever(PREMIUM_SUBSIDIES[1], "Premium subsidy: province", "slider", group="Insurance"),
    Lever(PREMIUM_SUBSIDIES[2], "Premium subsidy: county", "slider", group="Insurance"),
    Lever("insurance.anti_poverty.enabled", "Anti-poverty insurance", "switch", group="Insurance"),
    Lever(
        "insurance.anti_poverty.coverage_share",
        "Anti-poverty cover (share of households, lowest incomes first)",
        "slider",
        group="Insurance",
    ),
    Lever("monitoring.enabled", "Dynamic monitoring and early warning", "switch", group="Monitoring"),
    Lever(
        "monitoring.review_rate",
        "Monitoring reviews (share of households reviewed a month)",
        "slider",
        group="Monitoring",
    ),
    Lever(HOUSEHOLDS, "Households", "count", 300, 500_000, 100, group="Run"),
)
LEVER_KEYS = tuple(lever.key for lever in LEVERS)
BY_KEY = {lever.key: lever for lever in LEVERS}
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SHARE_DECIMALS = 2


def read_value(scenario: Scenario, key: str) -> Any:
    """The value of a dotted key in a validated scenario."""
    node: Any = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return node


def lever_values(scenario: Scenario) -> dict[str, Any]:
    """Every lever's value in ``scenario``."""
    return {key: BY_KEY[key].coerce(read_value(scenario, key)) for key in LEVER_KEYS}


def lever_range(lever: Lever, start: Any) -> tuple[float, float]:
    """The slider's range, widened to hold the starting value when a scenario file sets one outside it."""
    return min(lever.low, float(start)), max(lever.high, float(start))


def balance_shares(values: dict[str, float], moved: str) -> dict[str, float]:
    """Keep shares summing to 1: the moved one stays, the others share the rest in their proportions.

    When the others are all zero they split the rest equally. Shares are rounded to two
    decimals and the rounding remainder goes to the largest of the others.
    """
    chosen = min(max(float(values[moved]), 0.0), 1.0)
    others = [k for k in values if k != moved]
    rest = 1.0 - chosen
    total = sum(max(float(values[k]), 0.0) for k in others)
    if total > 0:
        scaled = {k: rest * max(float(values[k]), 0.0) / total for k in others}
    else:
        scaled = dict.fromkeys(others, rest / len(others))
    balanced = {k: round(v, SHARE_DECIMALS) for k, v in scaled.items()}
    largest = max(others, key=lambda k: balanced[k])
    balanced[largest] = round(balanced[largest] + rest - sum(balanced.values()), SHARE_DECIMALS)
    balanced[moved] = round(chosen, SHARE_DECIMALS)
    return {k: balanced[k] for k in values}


def cap_total(values: dict[str, float], moved: str, cap: float = 1.0) -> dict[str, float]:
    """Keep shares at most ``cap`` in total by lowering the moved one (premium subsidies)."""
    others = sum(float(v) for k, v in values.items() if k != moved)
    capped = dict(values)
    capped[moved] = round(max(0.0, min(float(values[moved]), cap - others)), SHARE_DECIMALS)
    return capped


def overrides_for(values: dict[str, Any]) -> dict[str, Any]:
    """The lever values as dotted-key overrides, each in the type the scenario expects."""
    return {key: BY_KEY[key].coerce(value) for key, value in values.items() if key in BY_KEY}


def changed_levers(start: Scenario, values: dict[str, Any]) -> dict[str, Any]:
    """The levers whose value differs from the scenario the page started from."""
    before = lever_values(start)
    after = overrides_for(values)
    return {key: value for key, value in after.items() if not _same(before[key], value)}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def describe_changes(changes: dict[str, Any]) -> str:
    """One line naming each changed key and its new value."""
    if not changes:
        return "no lever changed"
    return "; ".join(f"{key} = {_show(value)}" for key, value in changes.items())


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass
class SavedScenario:
    """Where a lever set was saved and what it changed."""

    path: Path
    changes: dict[str, Any]


def save_lever_set(
    source: Path,
    start: Scenario,
    values: dict[str, Any],
    name: str,
    folder: Path,
    seed: int,
    encoding: str | None = None,
) -> SavedScenario:
    """Write the lever set as ``<folder>/<name>.yaml``: ``extends:`` the source, only the changed keys.

    Raises:
        ValueError: a name that is not a plain file name or a file that already exists.
        ScenarioError: a lever set the schema rejects (checked before anything is written).
    """
    if not SAFE_NAME.fullmatch(name):
        raise ValueError(f"name {name!r}: use letters, digits, '_', '-' or '.' (it names the file and the scenario)")
    folder = Path(folder)
    path = folder / f"{name}.yaml"
    if path.exists():
        raise ValueError(f"{path} already exists; choose another name")
    load_scenario(source, overrides_for(values), encoding)
    changes = changed_levers(start, values)
    folder.mkdir(parents=True, exist_ok=True)
    extends = Path(os.path.relpath(Path(source).resolve(), folder.resolve())).as_posix()
    header = {
        "extends": extends,
        "name": name,
        "description": f"Levers set in the agrifin dashboard over {start.name}: {describe_changes(changes)}.",
    }
    body = apply_overrides({}, changes)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f"# Saved from the agrifin dashboard on {stamp}: a diff over {extends}.\n"
        f"# The page ran it with seed {seed}: agrifin run {path.name} --seed {seed}\n"
        + yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=1000)
        + (yaml.safe_dump(body, sort_keys=False, allow_unicode=True) if body else "")
    )
    write_atomic(path, text)
    return SavedScenario(path, changes)
