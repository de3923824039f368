"""An experiment's runs handed out to workers in tasks that shrink as the work runs out.

The local pool (:class:`simulation.experiments.executors.LocalPool`) has two kinds of worker: the
command's own process, which takes tasks from the back of the list, and the pool's
processes, which take them from the front. A task takes neighbouring runs (in the
results' order) so that its records are written, and later read, together; its size is
decided when it is taken (guided self-scheduling): at most about :data:`TASK_SECONDS`
of model work, and at most a :data:`GUIDED_SHARE` of the runs left per worker. Early
tasks are large (few files, few round trips); the last ones are single runs, so no worker
waits long for another to finish a large task at the end.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from simulation.experiments.pool import TASK_SECONDS, estimated_seconds
from simulation.experiments.run_plan import output_order

if TYPE_CHECKING:
    from simulation.experiments.run_plan import RunSpec

GUIDED_SHARE = 0.5  # a task takes at most this share of the runs left per worker


class WorkQueue:
    """The runs still to hand out, in the results' order; safe to take from several threads.

    Args:
        specs: the runs.
        workers: how many workers take tasks (the command's own process included).
    """

    def __init__(self, specs: Sequence[RunSpec], workers: int) -> None:
        self.runs: deque[RunSpec] = deque(output_order(specs))
        self.workers = max(1, workers)
        each = estimated_seconds(specs) / len(specs) if specs else 1.0
        self.largest = max(1, int(TASK_SECONDS // max(each, 1e-9)))
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.runs)

    def size(self) -> int:
        """Runs in the next task: about :data:`TASK_SECONDS` of work, and a shrinking share of what is left."""
        guided = math.ceil(GUIDED_SHARE * len(self.runs) / self.workers)
        return max(1, min(self.largest, guided))

    def take(self, front: bool = True) -> list[RunSpec] | None:
        """The next task from the front (pool processes) or the back (this process); None when no run is left."""
        with self.lock:
            if not self.runs:
                return None
            count = min(self.size(), len(self.runs))
            if front:
                return [self.runs.popleft() for _ in range(count)]
            return [self.runs.pop() for _ in range(count)][::-1]

    def clear(self) -> None:
        """Hand out nothing more (the experiment is being stopped)."""
        with self.lock:
            self.runs.clear()
