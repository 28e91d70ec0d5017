"""What every ``annotate`` command does the same way: exit codes, one-line errors, ``--db``.

Scripts rely on these: 0 all good, 1 some item failed (the rest was done), 2 the command could not
run (bad option, busy or broken store, server down), 130 interrupted with finished work kept.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

EXIT_FAILED = 1
EXIT_FATAL = 2
EXIT_INTERRUPTED = 130

DbOption = Annotated[
    Path | None, typer.Option("--db", help="Database file (beats ANNOTATE_DB, default ./review.duckdb).")
]


def fail(message: str, code: int = EXIT_FATAL) -> typer.Exit:
    """Print one line on stderr (never a traceback) and return the Exit to raise."""
    print(f"annotate: error: {' '.join(str(message).split())}", file=sys.stderr)
    return typer.Exit(code)


def open_store(db: Path | None, *, read_only: bool = False, as_of: str | None = None) -> Any:
    """The review store, or one line and exit 2 (busy: names the process holding it)."""
    from annotate.store.db import StoreError, connect

    try:
        return connect(db, read_only=read_only, as_of=as_of)
    except StoreError as exc:
        raise fail(str(exc)) from None


@contextmanager
def store_session(
    db: Path | None,
    *,
    read_only: bool = False,
    as_of: str | None = None,
    errors: tuple[type[BaseException], ...] = (),
    name_errors: bool = False,
) -> Iterator[Any]:
    """The store for the duration of a ``with``; ``errors`` raised inside become one line and exit 2.

    ``name_errors`` prefixes the exception's type (for catch-alls, where the type is the news).
    The store is closed either way, before any output is printed after the block.
    """
    con = open_store(db, read_only=read_only, as_of=as_of)
    try:
        yield con
    except typer.Exit:
        raise
    except errors as exc:
        raise fail(f"{type(exc).__name__}: {exc}" if name_errors else str(exc)) from None
    finally:
        con.close()
