"""What every export format shares: the request, the result, errors, and per-split JSONL files.

Formats are small modules with a ``write(job) -> FormatResult`` function; the orchestration
(selection, staging directory, manifest) lives once in ``annotate.export``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import duckdb

from annotate.export.splits import SplitSpec
from annotate.schema_registry import SchemaSpec
from annotate.store.datasets import GoldSummary, Selection


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
    summary: GoldSummary = field(default_factory=GoldSummary)
    on_rows: Callable[[int], None] = lambda n: None

    def rows_of(self, schema: str, split: str | None = None) -> int:
        counts = self.summary.counts.get(schema, {})
        return counts.get(split, 0) if split is not None else sum(counts.values())


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


def collect_partitions(parts: Path, out: Path, suffix: str) -> list[tuple[str, str, Path]]:
    """Move DuckDB's hive-partitioned output (``k=schema/k=split/data_*.json``) to ``out/schema/split<suffix>``.

    A partition written as several files is concatenated in name order. Returns
    ``(schema, split, path)`` per file written; ``parts`` is removed.
    """
    written = []
    for schema_dir in sorted(p for p in parts.iterdir() if p.is_dir()):
        schema = schema_dir.name.split("=", 1)[-1]
        for split_dir in sorted(p for p in schema_dir.iterdir() if p.is_dir()):
            split = split_dir.name.split("=", 1)[-1]
            target = out / schema / f"{split}{suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            pieces = sorted(split_dir.iterdir())
            if len(pieces) == 1:
                pieces[0].replace(target)
            else:
                with target.open("wb") as dst:
                    for piece in pieces:
                        with piece.open("rb") as src:
                            shutil.copyfileobj(src, dst)
            written.append((schema, split, target))
    shutil.rmtree(parts, ignore_errors=True)
    return written
