"""Credit: the loan book, the credit market, its demand and guarantee rules, the loan products.

Every module here is imported with the package, so a loan product in its own module
registers itself; the market comes last (it reads the registry when imported).
"""

from simulation.engine.registry import discover

discover(__name__, __path__, last=("market",))
