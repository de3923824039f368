"""Named random streams: one per decision, spawned from the run's SeedSequence.

Common random numbers: a replicate's streams depend only on (root seed, replicate index),
never on the scenario, and each stream is keyed by its name, so adding a stream or
changing a policy does not shift anyone's weather, health or investment luck. Draws
that concern households are always full length (one number per household per month),
whoever ends up using them.
"""

from __future__ import annotations

import zlib

import numpy as np

# Every decision that uses chance, with what it decides. A new mechanism adds its name here.
STREAM_NAMES: dict[str, str] = {
    "mesa": "Mesa's own generator (agent activation order)",
    "population": "population synthesis (sizes, land, crops, productivity, groups)",
    "weather": "region disasters and their severity",
    "village_yield": "village-level yield luck in a season",
    "price": "produce price index innovations",
    "yield": "household-level yield luck at harvest",
    "health": "serious illness events and their cost",
    "jobs": "loss and recovery of migrant work",
    "transfers": "dibao enrolment at the annual assessment",
    "credit_setup": "which bank serves a village, liaison villages, who knows the loan products",
    "application": "who sees a productive opportunity and applies for credit",
    "screening": "noise in the bank's credit score",
    "investment": "return of each household's potential project",
    "value_chain_setup": "cooperative membership, contracts with the leading enterprise, its employees",
    "side_selling": "whether a contracted farmer keeps the contract when side-selling pays",
    "insurance": "insurance uptake decisions",
    "monitoring": "detection by the monitoring system",
    "report_error": "error of the income a monitoring review observes",
    "project": "failure of financed projects",
    "diversion": "diversion of loans to consumption",
    "bootstrap": "resamples of the BCa bootstrap of a comparison (statistics, not the model)",
    "family_farm_setup": "which able households run a family farm",
    "family_farm_screening": "noise in the bank's estimate of a family farm's margin (one draw per farm a year)",
}


def replicate_seed(root_seed: int, replicate: int) -> np.random.SeedSequence:
    """The SeedSequence of one replicate: a function of (root seed, replicate) only."""
    return np.random.SeedSequence(entropy=root_seed, spawn_key=(replicate,))


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode())


class RandomStreams:
    """A named ``numpy.random.Generator`` per decision, e.g. ``streams.health``."""

    def __init__(self, root_seed: int, replicate: int = 0) -> None:
        self.root_seed = int(root_seed)
        self.replicate = int(replicate)
        self.seed_sequence = replicate_seed(self.root_seed, self.replicate)
        self._generators: dict[str, np.random.Generator] = {}

    @property
    def spawn_key(self) -> tuple[int, ...]:
        """The replicate's spawn key (recorded in the manifest)."""
        return tuple(self.seed_sequence.spawn_key)

    def stream(self, name: str) -> np.random.Generator:
        """The generator for decision ``name`` (created on first use, then reused)."""
        if name not in STREAM_NAMES:
            raise KeyError(f"unknown random stream {name!r}; declare it in STREAM_NAMES")
        generator = self._generators.get(name)
        if generator is None:
            child = np.random.SeedSequence(entropy=self.root_seed, spawn_key=(self.replicate, _name_key(name)))
            generator = self._generators[name] = np.random.Generator(np.random.PCG64(child))
        return generator

    def __getattr__(self, name: str) -> np.random.Generator:
        if name.startswith("_") or name not in STREAM_NAMES:
            raise AttributeError(name)
        return self.stream(name)
