"""Pure types and algorithms: no I/O, no providers (openai, duckdb, Label Studio).

An import-linter contract in ``pyproject.toml`` keeps it that way.
"""
