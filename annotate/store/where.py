"""``WHERE`` clauses from optional equality filters: the one way the store's listings filter rows."""

from __future__ import annotations

from typing import Any


def where_equal(**columns: Any) -> tuple[str, list[Any]]:
    """``(" WHERE a = ? AND b = ?", [a, b])`` for the columns whose value is not ``None``.

    Column names are the caller's keyword names (constants in code, never user input); values
    are always bound as parameters. No filter given: ``("", [])``.
    """
    given = {name: value for name, value in columns.items() if value is not None}
    if not given:
        return "", []
    return " WHERE " + " AND ".join(f"{name} = ?" for name in given), list(given.values())
