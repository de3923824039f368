"""Insurance: the market and one module per insurance product."""
