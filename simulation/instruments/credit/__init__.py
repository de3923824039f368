"""Credit: the loan book, the credit market, its demand and guarantee rules, the loan products.

Every module here is imported with the package, so a loan product in its own module
registers itself; the market and its outcomes come last (they read the registry when imported).
"""

from simulation.engine.registry import discover

discover(__name__, __path__, last=("market", "outcomes"))
