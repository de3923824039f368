"""Small samples said out loud: intervals kept inside their metric's range, and warnings that say what to raise.

A Student t interval over 2 replicates of a relapse rate can run from -22% to 35%: the
interval is honest about the noise, but a share below zero is not a result. Intervals of
a metric with a natural range (shares in [0, 1], counts from 0) are clipped to it, which
keeps their coverage (the true value lies inside the range anyway) and the table marks
them. Below :data:`MIN_REPLICATES` replicates, or :data:`MIN_SOBOL_SAMPLES` Sobol base
samples, or when a Sobol first-order index exceeds its total index (impossible in
theory, a sign of sampling noise), the commands print a warning naming the option to
raise. Library warnings raised while computing (SALib on a constant outcome, numpy on one
replicate) are turned into one such line instead of leaking as Python warnings.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from simulation.experiments.stats import Interval

MIN_REPLICATES = 5  # fewer replicates per point or per policy: intervals too wide to read
MIN_SOBOL_SAMPLES = 64  # SALib's base sample N; S1 and ST are noisy below it
MIN_MORRIS_TRAJECTORIES = 10
SHARE_UNITS = {
    "share",
    "share of households",
    "share of persons",
    "share per year",
    "share of line",
    "share of line squared",
    "0/1",
    "0-1",
    "index 0-1",
}
UNBOUNDED_SHARES = {"insurance_loss_ratio"}  # claims over premiums: a ratio that may exceed 1
COUNT_UNITS = {"households", "loans", "person-years", "enterprises", "regions", "applications", "flags", "months"}


def metric_range(metric: str) -> tuple[float, float]:
    """The values ``metric`` can take: [0, 1] for shares, [0, inf) for counts, else unbounded."""
    from simulation.engine.metrics import METRIC_BY_NAME

    known = METRIC_BY_NAME.get(metric)
    if known is None:
        return -np.inf, np.inf
    if known.unit in SHARE_UNITS and metric not in UNBOUNDED_SHARES:
        return 0.0, 1.0
    if known.unit in COUNT_UNITS:
        return 0.0, np.inf
    return -np.inf, np.inf


def within_range(metric: str, interval: Interval) -> tuple[Interval, bool]:
    """The interval clipped to the metric's range, and whether it had to be."""
    low, high = metric_range(metric)
    if not (np.isfinite(interval.low) and np.isfinite(interval.high)):
        return interval, False
    clipped = replace(interval, low=max(interval.low, low), high=min(interval.high, high))
    return clipped, clipped != interval


def replicate_warning(replicates: int, what: str) -> str | None:
    """A warning when ``replicates`` (per point, per policy) are too few for the intervals to be read."""
    if replicates >= MIN_REPLICATES:
        return None
    if replicates < 2:
        return f"{replicates} replicate {what}: no confidence intervals; raise -r to at least {MIN_REPLICATES}"
    return (
        f"{replicates} replicates {what}: 95% intervals from so few are very wide; "
        f"raise -r to at least {MIN_REPLICATES} (10 or more to compare policies)"
    )


def sobol_warnings(samples: int, s1: dict[str, float], st: dict[str, float], outcome: str) -> list[str]:
    """Warnings for a Sobol analysis of ``outcome``: too few base samples, or S1 above ST for a factor."""
    found = []
    if samples < MIN_SOBOL_SAMPLES:
        found.append(
            f"Sobol indices of {outcome} from {samples} base samples are noisy; "
            f"raise --samples to at least {MIN_SOBOL_SAMPLES}"
        )
    above = [key for key in s1 if np.isfinite(s1[key]) and np.isfinite(st[key]) and s1[key] > st[key]]
    if above:
        found.append(
            f"{outcome}: first-order index above the total index for {', '.join(above)} (impossible but for "
            f"sampling noise); raise --samples (now {samples}, try {4 * samples})"
        )
    return found


def morris_warning(trajectories: int, outcome: str) -> str | None:
    """A warning for a Morris analysis from too few trajectories."""
    if trajectories >= MIN_MORRIS_TRAJECTORIES:
        return None
    return (
        f"Morris effects of {outcome} from {trajectories} trajectories are rough; "
        f"raise --samples to at least {MIN_MORRIS_TRAJECTORIES}"
    )


@contextmanager
def library_warnings(what: str, found: list[str]) -> Iterator[None]:
    """Catch the warnings numpy, scipy or SALib raise inside, and add one line about them to ``found``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    messages = list(dict.fromkeys(str(w.message) for w in caught))
    if messages:
        found.append(f"{what}: the computation warned ({'; '.join(messages)}); its figures may be NaN or unreliable")


def quietly[T](what: str, found: list[str], compute: Callable[[], T]) -> T:
    """``compute()`` with its library warnings collected into ``found`` (see :func:`library_warnings`)."""
    with library_warnings(what, found):
        return compute()
