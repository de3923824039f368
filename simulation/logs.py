"""Logging: agrifin's modules log through the standard library, quiet unless asked.

``agrifin -v ...`` shows what agrifin does (the folder, the runs to do, the executor,
consolidation), ``-vv`` details (each scenario file read, each batch written), on stderr.
Library users configure the ``simulation`` logger as they wish; Mesa's own logger is left alone.
"""

from __future__ import annotations

import logging

FORMAT = "agrifin %(levelname)s %(name)s: %(message)s"
LEVELS = (logging.WARNING, logging.INFO, logging.DEBUG)


def configure_logging(verbosity: int) -> None:
    """Send agrifin's log records at the level ``verbosity`` asks for (0 warnings, 1 info, 2+ debug) to stderr."""
    level = LEVELS[min(max(verbosity, 0), len(LEVELS) - 1)]
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    for name in ("simulation", "agents"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False
