"""The engine: the model and its month, registries, ledger, random streams, shocks, outcomes, metrics."""

from simulation.engine.lazy_mesa import defer_unused_mesa

defer_unused_mesa()  # Mesa's grids and networks load only if used: 0.17 s less start-up (lazy_mesa.py)
