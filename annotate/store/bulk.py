"""Multi-row inserts: the one way the store writes many rows quickly.

DuckDB's ``executemany`` runs the statement once per row (about 0.7 ms each here); one
``INSERT … VALUES (…), (…), …`` per slice of rows is several times faster, which is what lets
the writer thread keep up with a batch at full concurrency.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

ROWS_PER_STATEMENT = 100


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    suffix: str = "",
    rows_per_statement: int = ROWS_PER_STATEMENT,
) -> int:
    """Insert ``rows`` (each a sequence of ``len(columns)`` values) with multi-row statements.

    ``suffix`` is appended verbatim (e.g. an ``ON CONFLICT`` clause); callers must make keys
    unique within ``rows`` first, since a conflict clause cannot hit the same key twice in one
    statement. ``table``/``columns``/``suffix`` are the caller's constants, never user input.
    """
    if not rows:
        return 0
    placeholder = "(" + ", ".join("?" * len(columns)) + ")"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    for start in range(0, len(rows), rows_per_statement):
        part = rows[start : start + rows_per_statement]
        sql = head + ", ".join([placeholder] * len(part)) + (" " + suffix if suffix else "")
        con.execute(sql, [value for row in part for value in row])
    return len(rows)
