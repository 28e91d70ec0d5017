"""Multi-row inserts and upserts: the one way the store writes many rows quickly, on both engines.

DuckDB's ``executemany`` runs the statement once per row (about 0.7 ms each here); one
``INSERT … VALUES (…), (…), …`` per slice of rows is several times faster, which is what lets
the writer thread keep up with a batch at full concurrency.

A DuckLake catalog has no keys, so ``ON CONFLICT`` cannot be said there: the same rows become one
``MERGE`` (exact, because lake writers hold one lock: ``annotate.store.lake``), and the ids a
sequence makes in a DuckDB file are made by the statement itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb

from annotate.store import lake

ROWS_PER_STATEMENT = 100


@dataclass(frozen=True)
class Conflict:
    """What to do with a row whose ``keys`` are already stored: ``update`` (assignments that may
    read the new row as ``excluded.<column>``), or nothing when ``update`` is ``None``."""

    keys: tuple[str, ...]
    update: str | None = None

    def clause(self) -> str:
        action = f"DO UPDATE SET {self.update}" if self.update else "DO NOTHING"
        return f"ON CONFLICT ({', '.join(self.keys)}) {action}"


@cache
def _serials() -> dict[str, str]:
    from annotate.store.db import migrations  # db imports this module's callers; read once

    return lake.serial_columns([sql for _, _, sql in migrations()])


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Conflict | None = None,
    known_new: bool = False,
    rows_per_statement: int = ROWS_PER_STATEMENT,
) -> int:
    """Insert ``rows`` (each a sequence of ``len(columns)`` values) with multi-row statements.

    Callers make keys unique within ``rows`` first, since a conflict clause cannot hit the same
    key twice in one statement. ``known_new`` is a caller's promise that no key is stored yet (a
    batch knows what its store held when it started): the conflict is then skipped, which is
    cheaper, except on a lake, where another process may have stored the key since.
    ``table``/``columns``/``conflict`` are the caller's constants, never user input.
    """
    if not rows:
        return 0
    on_lake = lake.is_lake(con)
    if known_new and not on_lake:
        conflict = None
    placeholder = "(" + ", ".join("?" * len(columns)) + ")"
    with lake.write_lock(con):
        for start in range(0, len(rows), rows_per_statement):
            part = rows[start : start + rows_per_statement]
            values = "VALUES " + ", ".join([placeholder] * len(part))
            if on_lake:
                sql = _lake_statement(table, columns, values, conflict)
            else:
                sql = f"INSERT INTO {table} ({', '.join(columns)}) {values}"
                sql += f" {conflict.clause()}" if conflict else ""
            con.execute(sql, [value for row in part for value in row])
    return len(rows)


def _lake_statement(table: str, columns: Sequence[str], values: str, conflict: Conflict | None) -> str:
    """The same write for a keyless table: ``MERGE`` on the keys, and the serial id (the next
    after the largest stored) when the table has one and the row does not carry it."""
    names = list(columns)
    source = f"(SELECT * FROM ({values}) AS v({', '.join(names)}))"
    serial = _serials().get(table)
    if serial and serial not in names:
        source = (
            f"(SELECT (SELECT coalesce(max({serial}), 0) FROM {table}) + row_number() OVER () AS {serial}, *"
            f" FROM ({values}) AS v({', '.join(names)}))"
        )
        names = [serial, *names]
    insert = f"INSERT ({', '.join(names)}) VALUES ({', '.join('excluded.' + c for c in names)})"
    if conflict is None:
        return f"INSERT INTO {table} ({', '.join(names)}) SELECT * FROM {source}"
    on = " AND ".join(f"{table}.{k} = excluded.{k}" for k in conflict.keys)
    matched = f" WHEN MATCHED THEN UPDATE SET {conflict.update}" if conflict.update else ""
    return f"MERGE INTO {table} USING {source} AS excluded ON {on}{matched} WHEN NOT MATCHED THEN {insert}"
