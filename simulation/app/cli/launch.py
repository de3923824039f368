"""The ``agrifin`` program: start a local pool's fork server first, then the command line.

Importing the command line (click, pydantic and the scenario schema) takes about 0.3 s.
When the command line asks for a local pool (``--workers N``, N > 1), the pool's fork
server is started before that import, so it imports the model on another core meanwhile
and the pool's processes are ready when this process starts its first run
(:func:`simulation.experiments.pool.start_early`). Otherwise this is
:func:`simulation.app.cli.main.main`.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the ``agrifin`` program and of ``python -m simulation``."""
    from simulation.experiments.pool import start_early

    start_early(sys.argv[1:])
    from simulation.app.cli.main import main as command_line

    command_line()


if __name__ == "__main__":
    main()
