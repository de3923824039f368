"""The county's agents: households and cooperatives as arrays, institutions as mesa.Agent."""

from simulation.engine.lazy_mesa import defer_unused_mesa

defer_unused_mesa()  # before any agent module imports Mesa (see simulation/engine/lazy_mesa.py)
