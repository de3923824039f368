"""The scenario: the pydantic schema (one module per section), loading, differentiation, shipped files."""
