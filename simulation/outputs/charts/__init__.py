"""Charts: the catalogue, their data and labels, one module per family of figures."""
