"""What every export format shares: the request, the result, errors, and per-split JSONL files.

Formats are small modules with a ``write(job) -> FormatResult`` function; the orchestration
(selection, staging directory, manifest) lives once in ``annotate.export``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import duckdb

from annotate.export.splits import SplitSpec
from annotate.schema_registry import SchemaSpec
from annotate.store.datasets import Selection


class ExportError(Exception):
    """An export that cannot run; ``str()`` is one line a user can act on."""


@dataclass
class ExportJob:
    """Everything a format writer needs; ``out`` is the (staging) directory to write into."""

    con: duckdb.DuckDBPyConnection
    selection: Selection
    split: SplitSpec
    schemas: dict[str, SchemaSpec]
    out: Path
    on_rows: Callable[[int], None] = lambda n: None


@dataclass
class FormatResult:
    """Files a writer produced (relative path -> rows) plus format-specific manifest facts."""

    files: dict[str, int] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


class SplitFiles:
    """One open text file per (schema, split), ``<schema>/<split><suffix>``, opened on first use.

    Keeping the schemas apart means each file has one record shape (one system prompt, one label
    set); concatenating them for a multi-genre model is a ``cat`` away.
    """

    def __init__(self, root: Path, suffix: str) -> None:
        self.root = root
        self.suffix = suffix
        self._open: dict[tuple[str, str], IO[str]] = {}
        self.rows: dict[str, int] = {}

    def get(self, schema: str, split: str) -> IO[str]:
        fh = self._open.get((schema, split))
        if fh is None:
            folder = self.root / schema
            folder.mkdir(parents=True, exist_ok=True)
            fh = (folder / f"{split}{self.suffix}").open("w", encoding="utf-8", newline="\n")
            self._open[(schema, split)] = fh
        return fh

    def count(self, schema: str, split: str) -> None:
        key = f"{schema}/{split}{self.suffix}"
        self.rows[key] = self.rows.get(key, 0) + 1

    def close(self) -> None:
        for fh in self._open.values():
            fh.close()
        self._open.clear()

    def __enter__(self) -> SplitFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
