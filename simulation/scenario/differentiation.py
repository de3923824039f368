"""Strategies differentiated by region and household group.

A scenario may override some policy parameters for a region or a household group, beside
the default they override::

    regions:
      mountain:
        monitoring: {review_rate: 0.9}
    groups:
      ex_poor:
        credit: {products: {microcredit: {interest_subsidy_share: 1.0}}}

:class:`Differentiation` turns such a parameter into one value per household: the
default, then the region's value, then the group's (a group override wins over a region
override). Only the parameters in ``DIFFERENTIABLE`` may differ; the code reads them
through :meth:`Differentiation.values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from simulation.scenario.base import GROUPS, REGIONS

DIFFERENTIABLE = (
    "credit.products.microcredit.ceiling",
    "credit.products.microcredit.rate",
    "credit.products.microcredit.interest_subsidy_share",
    "transfers.dibao_takeup",
    "monitoring.review_rate",
    "monitoring.responses.assistance_share",
    "monitoring.responses.job_placement_rate",
)


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mapping to dotted keys: {"a": {"b": 1}} -> {"a.b": 1}."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def check_overrides(overrides: Mapping[str, Any], allowed_names: tuple[str, ...], what: str) -> None:
    """Raise ValueError naming the first unknown category or parameter that may not differ."""
    for name, tree in overrides.items():
        if name not in allowed_names:
            raise ValueError(f"{what}: unknown {what[:-1]} {name!r}; allowed: {', '.join(allowed_names)}")
        if not isinstance(tree, Mapping):
            raise ValueError(f"{what}.{name}: expected a mapping of parameters")
        for key in flatten(tree):
            if key not in DIFFERENTIABLE:
                raise ValueError(
                    f"{what}.{name}.{key}: this parameter cannot differ by {what[:-1]}; "
                    f"those that can: {', '.join(DIFFERENTIABLE)}"
                )


def lookup(tree: Any, dotted: str) -> Any:
    """The value at a dotted path of a pydantic model or mapping."""
    node = tree
    for part in dotted.split("."):
        node = node[part] if isinstance(node, Mapping) else getattr(node, part)
    return node


class Differentiation:
    """Per-household values of the differentiable parameters."""

    def __init__(self, scenario: Any, region: np.ndarray, group: np.ndarray) -> None:
        self.scenario = scenario
        self.region = region
        self.group = group
        self.by_region = {REGIONS.index(r): flatten(t) for r, t in scenario.regions.items()}
        self.by_group = {GROUPS.index(g): flatten(t) for g, t in scenario.groups.items()}
        self._cache: dict[str, np.ndarray] = {}

    def values(self, dotted: str) -> np.ndarray:
        """One value per household: default, overridden by region, then by group."""
        if dotted not in DIFFERENTIABLE:
            raise KeyError(f"{dotted} is not differentiable")
        cached = self._cache.get(dotted)
        if cached is None:
            by_region = np.full(len(REGIONS), float(lookup(self.scenario, dotted)))
            for index, overrides in self.by_region.items():
                by_region[index] = overrides.get(dotted, by_region[index])
            cached = by_region[self.region]
            for index, overrides in self.by_group.items():
                if dotted in overrides:
                    cached = np.where(self.group == index, float(overrides[dotted]), cached)
            self._cache[dotted] = cached
        return cached

    def differs(self, dotted: str) -> bool:
        """Whether any region or group overrides the parameter."""
        return any(dotted in o for o in (*self.by_region.values(), *self.by_group.values()))
