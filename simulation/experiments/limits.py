"""How large an experiment may be: runs per experiment, and one run's memory against the machine's.

The limits turn what would end in a ``MemoryError`` (or the system killing the process)
into one line before anything is written. The memory figures come from
``benchmarks/README.md``: one process with numpy, pandas, scipy and mesa imported takes
about 190 MB, and the model about 0.8 KB per household; the records grow with the months.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

MAX_RUNS = 100_000  # runs per experiment: the plan, the status log and the manifest list every run
PROCESS_BYTES = 200 * 2**20  # one worker process with the libraries imported
HOUSEHOLD_BYTES = 1_024  # the model's arrays per household (about 0.8 KB measured at 1,000,000)
MONTH_BYTES = 64 * 2**10  # monthly records and by-group rows per month of the horizon


def run_memory(households: int, months: int) -> int:
    """Bytes one run needs at most: its process, its households and its monthly records."""
    return PROCESS_BYTES + households * HOUSEHOLD_BYTES + months * MONTH_BYTES


def available_memory() -> int | None:
    """Memory the system can give without swapping (``MemAvailable``), or None when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def design_points(method: str, levels: list[int], samples: int | None) -> int:
    """Points a design will have, computed before the design is made.

    Args:
        method: ``grid``, ``lhs``, ``sobol`` or ``morris``.
        levels: the levels of each factor (used by the grid).
        samples: ``--samples`` (the other designs).
    """
    factors = len(levels)
    if method == "grid":
        return math.prod(levels)
    if method == "sobol":
        return (samples or 0) * (factors + 2)
    if method == "morris":
        return (samples or 0) * (factors + 1)
    return samples or 0
