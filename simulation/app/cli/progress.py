"""Progress without a terminal: one line on stderr per finished run.

On a terminal the commands draw a progress bar (click); when stderr is a file or a pipe
(a batch job, CI, ``nohup``) a bar would be invisible or garbled, so each finished run
prints one plain line instead, which a log keeps and ``tail -f`` shows.
"""

from __future__ import annotations

import time
from typing import TextIO


class RunLines:
    """Called once per finished run: prints ``agrifin: run 3 of 20 finished (14 s elapsed)``.

    Args:
        total: runs this session will do.
        stream: where the lines go (stderr).
    """

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.done = 0
        self.began = time.monotonic()

    def __call__(self) -> None:
        """Count one more finished run and say so."""
        self.done += 1
        elapsed = time.monotonic() - self.began
        self.stream.write(f"agrifin: run {self.done} of {self.total} finished ({elapsed:.0f} s elapsed)\n")
        self.stream.flush()
