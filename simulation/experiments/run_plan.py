"""What an experiment plans: its runs, each a scenario under one replicate of the root seed.

Kept apart from the runner (which imports the model) so that the command line can plan
an experiment, and decide its workers, before the model is imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from simulation.engine.rng import replicate_seed
from simulation.scenario.loading import Scenario


def run_label(scenario: str, replicate: int, point: int | None = None) -> str:
    """How a run is named in messages and the status log."""
    at = "" if point is None else f"@{point}"
    return f"{scenario}{at}#{replicate}"


@dataclass(frozen=True)
class RunSpec:
    """One run to do: a scenario under one replicate of the root seed."""

    scenario: Scenario
    seed: int
    replicate: int
    point: int | None = None  # design point of a sweep

    @property
    def label(self) -> str:
        """``<scenario>#<replicate>`` (``<scenario>@<point>#<replicate>`` in a sweep), for messages."""
        return run_label(self.scenario.name, self.replicate, self.point)

    @property
    def spawn_key(self) -> tuple[int, ...]:
        """The replicate's spawn key under the root seed (recorded in the manifest)."""
        return tuple(replicate_seed(self.seed, self.replicate).spawn_key)


def plan_runs(scenarios: Iterable[Scenario], replications: int, seed: int) -> list[RunSpec]:
    """Every scenario under replicates 0..replications-1 of the same root seed."""
    return [RunSpec(sc, seed, r) for r in range(replications) for sc in scenarios]


def output_order(specs: Sequence[RunSpec]) -> list[RunSpec]:
    """The specs in the order of the results tables: scenario (as first given), point, replicate."""
    order = {name: i for i, name in enumerate(dict.fromkeys(s.scenario.name for s in specs))}
    return sorted(specs, key=lambda s: (order[s.scenario.name], s.point or 0, s.replicate))
