"""Scenarios: the schema, loading and validation of what-if files and portfolios (the bottom layer)."""
