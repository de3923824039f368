"""The engine: the model and its month, registries, ledger, random streams, shocks, outcomes, metrics."""
