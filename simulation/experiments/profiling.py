"""Per-phase timing of model runs: which phase of the month costs what (``agrifin run --profile``).

The phases are ``simulation.engine.month.PHASES``, the tuple :meth:`ValueChainModel.step` runs,
so a phase added there is timed without touching this module. :meth:`PhaseProfile.attach`
replaces each phase method *on one model instance* by a wrapper that adds its wall time
(``time.perf_counter``) to the profile; the model's code is unchanged and other instances
are not affected. ``measure`` (the monthly metrics, called inside ``account``) is shown
as a sub-row of ``account``; ``other`` is what the step costs beyond its phases (Mesa's
event scheduling, the step body, the timers).

:func:`profiled` times every model that the run executor builds while it is active (the
runs must then execute in this process: one local worker). Only the recorded months are
split by phase; construction is timed as a whole (population synthesis and set-up, then
the unrecorded spin-up months).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from simulation.engine.model import ValueChainModel
from simulation.engine.month import PHASES

# sub-steps shown under their phase: (phase, method of the model called inside it)
DETAILS = (("account", "measure"),)
OTHER = "other"


def phase_names() -> tuple[str, ...]:
    """What :meth:`ValueChainModel.step` calls, in order: ``households.reset_month``, then the month's ``PHASES``."""
    return ("households.reset_month", *PHASES)


def timed(fn: Callable[..., Any], name: str, totals: dict[str, float]) -> Callable[..., Any]:
    """``fn`` with its wall time added to ``totals[name]`` at every call."""
    clock = time.perf_counter

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[name] += clock() - start

    return wrapper


@dataclass
class PhaseProfile:
    """Wall time by phase of the recorded months of one or more runs (seconds)."""

    phases: tuple[str, ...] = field(default_factory=phase_names)
    seconds: dict[str, float] = field(default_factory=dict)
    stepping: float = 0.0
    construction: float = 0.0
    spin_up: float = 0.0
    months: int = 0
    household_months: int = 0
    runs: int = 0
    households: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        for name in (*self.phases, *(f"{phase}.{sub}" for phase, sub in DETAILS)):
            self.seconds.setdefault(name, 0.0)

    def attach(self, model: ValueChainModel) -> None:
        """Time this model's phases (and its months) from now on, into this profile.

        Months are counted and timed through ``model.step()``, as ``run_to_end`` and the
        runner step the model (Mesa's ``run_for`` bypasses it: its phases are still timed).
        """
        for name in self.phases:
            *path, method = name.split(".")
            owner = model
            for part in path:
                owner = getattr(owner, part)
            setattr(owner, method, timed(getattr(owner, method), name, self.seconds))
        for phase, sub in DETAILS:
            setattr(model, sub, timed(getattr(model, sub), f"{phase}.{sub}", self.seconds))
        n = model.households.n
        self.runs += 1
        self.households.add(n)
        step = model.step  # Mesa's wrapped step: scheduling, then ValueChainModel.step
        clock = time.perf_counter

        def timed_step() -> None:
            start = clock()
            step()
            self.stepping += clock() - start
            self.months += 1
            self.household_months += n

        model.step = timed_step

    def other(self) -> float:
        """Stepping time outside the phases: scheduling, the step body, the timers."""
        return max(self.stepping - sum(self.seconds[name] for name in self.phases), 0.0)

    def rows(self) -> list[tuple[str, float]]:
        """(label, seconds) in the order of the month, sub-steps indented under their phase, then other."""
        rows = []
        for name in self.phases:
            rows.append((name, self.seconds[name]))
            rows += [(f"  of which {sub}", self.seconds[f"{phase}.{sub}"]) for phase, sub in DETAILS if phase == name]
        rows.append((f"{OTHER} (scheduling, step body)", self.other()))
        return rows

    def render(self, title: str = "") -> str:
        """The profile as a plain-text table."""
        sizes = ", ".join(f"{n:,}" for n in sorted(self.households)) or "0"
        rate = self.household_months / self.stepping if self.stepping > 0 else 0.0
        per_run = self.months / self.runs if self.runs else 0
        lines = [
            f"Profile{f' of {title}' if title else ''}: {self.runs} run{'s' * (self.runs != 1)} in this process, "
            f"{sizes} households, {per_run:.0f} recorded months per run",
            f"construction {self.construction:.2f} s (synthesis and set-up {self.construction - self.spin_up:.2f} s, "
            f"spin-up {self.spin_up:.2f} s); stepping {self.stepping:.2f} s, {rate:,.0f} household-months/s",
            "",
            f"{'phase':<34} {'seconds':>9} {'% of step':>10} {'ms/month':>9} {'ns/hh-month':>12}",
        ]
        for label, seconds in [*self.rows(), ("total (stepping)", self.stepping)]:
            share = 100.0 * seconds / self.stepping if self.stepping > 0 else 0.0
            per_month = 1e3 * seconds / self.months if self.months else 0.0
            per_household = 1e9 * seconds / self.household_months if self.household_months else 0.0
            lines.append(f"{label:<34} {seconds:>9.3f} {share:>9.1f}% {per_month:>9.2f} {per_household:>12.1f}")
        return "\n".join(lines)


def profiled_model_class(
    profiles: dict[str, PhaseProfile], base: type[ValueChainModel] = ValueChainModel
) -> type[ValueChainModel]:
    """``base`` timing its construction and then its phases, into ``profiles`` by scenario name."""

    class ProfiledModel(base):
        """The model unchanged; its construction is timed and its phases wrapped once it is built."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            start = time.perf_counter()
            self._spin_up_seconds = 0.0
            super().__init__(*args, **kwargs)
            profile = profiles.setdefault(self.params.name, PhaseProfile())
            profile.construction += time.perf_counter() - start
            profile.spin_up += self._spin_up_seconds
            profile.attach(self)

        def spin_up(self) -> None:
            start = time.perf_counter()
            super().spin_up()
            self._spin_up_seconds += time.perf_counter() - start

    return ProfiledModel


@contextmanager
def profiled() -> Iterator[dict[str, PhaseProfile]]:
    """Time every model the run executor builds in this process meanwhile; yields profiles by scenario.

    Example:
        >>> with profiled() as profiles:
        ...     simulate(spec)  # or LocalPool(1).run_all(specs)
        >>> print(profiles["baseline"].render())
    """
    from simulation.experiments import runner

    profiles: dict[str, PhaseProfile] = {}
    original = runner.ValueChainModel
    runner.ValueChainModel = profiled_model_class(profiles, original)
    try:
        yield profiles
    finally:
        runner.ValueChainModel = original


def render_profiles(profiles: dict[str, PhaseProfile]) -> str:
    """One table per scenario."""
    return "\n\n".join(profile.render(name) for name, profile in profiles.items())
