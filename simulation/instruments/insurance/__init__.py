"""Insurance: the market and one module per insurance product.

Every module here is imported with the package, so an insurance product in its own module
registers itself (in name order); the market comes last.
"""

from simulation.engine.registry import discover

discover(__name__, __path__, last=("market",))
