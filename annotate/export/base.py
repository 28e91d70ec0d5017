"""What every export format shares: the request, the result, errors, and per-split JSONL files.

Formats are small modules with a ``write(job) -> FormatResult`` function; the orchestration
(selection, staging directory, manifest) lives once in ``annotate.export``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import duckdb

from annotate.export.splits import SplitSpec
from annotate.schema_registry import SchemaSpec
from annotate.store.datasets import GoldSummary, Selection
from annotate.store.lake import pinned_snapshot

T = TypeVar("T")


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


_LEAD = re.compile(rb'^\{"s":"([A-Za-z0-9_.-]+)","p":"([A-Za-z0-9_.-]+)",')


class LineRouter:
    """Route the lines of DuckDB's pass files to ``out/<schema>/<split><suffix>``, dropping the lead keys.

    Every line starts ``{"s":SCHEMA,"p":SPLIT,`` (see ``annotate.export.sql``); the rest of
    the object is copied byte for byte — nothing is decoded, parsed or re-encoded — one line at a
    time, and each pass file is deleted once routed. :meth:`route_async` runs on one background
    thread, so routing pass N overlaps DuckDB writing pass N+1 (DuckDB releases the GIL), while
    passes still land in order.
    """

    def __init__(self, out: Path, suffix: str = ".jsonl") -> None:
        self.out = out
        self.suffix = suffix
        self._handles: dict[tuple[bytes, bytes], IO[bytes]] = {}
        self.written: dict[tuple[str, str], Path] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-route")
        self._pending: list[Future[None]] = []

    def route(self, part: Path) -> None:
        with part.open("rb") as fh:
            for line in fh:
                m = _LEAD.match(line)
                if m is None:
                    if line.strip():
                        raise ExportError(f"{part.name}: unexpected line from the store ({line[:60]!r})")
                    continue
                key = (m.group(1), m.group(2))
                dst = self._handles.get(key)
                if dst is None:
                    schema, split = key[0].decode(), key[1].decode()
                    target = self.out / schema / f"{split}{self.suffix}"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    dst = self._handles[key] = target.open("wb")
                    self.written[(schema, split)] = target
                dst.write(b"{")
                dst.write(line[m.end() :])
        part.unlink()

    def route_async(self, part: Path) -> None:
        self._pending.append(self._pool.submit(self.route, part))

    def wait(self) -> dict[tuple[str, str], Path]:
        """Finish every pending pass (re-raising its error); the files written, sorted."""
        try:
            for future in self._pending:
                future.result()
        finally:
            self._pending.clear()
        return dict(sorted(self.written.items()))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for dst in self._handles.values():
            dst.close()
        self._handles.clear()

    def __enter__(self) -> LineRouter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def route_lines(parts: Path, out: Path, suffix: str = ".jsonl") -> dict[tuple[str, str], Path]:
    """Route every pass file in ``parts`` now (see :class:`LineRouter`); ``parts`` is removed."""
    with LineRouter(out, suffix) as router:
        for part in sorted(parts.glob("pass-*.jsonl")):
            router.route(part)
        written = router.wait()
    shutil.rmtree(parts, ignore_errors=True)
    return written


EXPORT_WORKERS = max(1, min(4, os.cpu_count() or 1))
"""Concurrent COPY statements. Each one scans its table a row group (122,880 rows) per thread,
so a 100k-document table is read by one thread however many cores there are; running the
per-schema and per-pass statements side by side is what uses the other cores."""


def run_parallel(
    con: duckdb.DuckDBPyConnection,
    tasks: list[Callable[[duckdb.DuckDBPyConnection], T]],
    on_done: Callable[[int, T], None] | None = None,
) -> list[T]:
    """Run each task with its own cursor (a connection to the same database), a few at a time.

    Results come back in task order, and ``on_done(i, result)`` is called in task order as soon
    as task ``i`` and all before it are done; the first error is re-raised.
    Cursors do not share the caller's transaction: exports open the store read-only, so no
    write can land between the statements.
    """
    if len(tasks) <= 1 or EXPORT_WORKERS == 1 or pinned_snapshot(con) is not None:  # a cursor would not see it
        results = []
        for i, task in enumerate(tasks):
            results.append(task(con))
            if on_done is not None:
                on_done(i, results[-1])
        return results

    def run(task: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        cur = con.cursor()
        try:
            return task(cur)
        finally:
            cur.close()

    with ThreadPoolExecutor(max_workers=EXPORT_WORKERS, thread_name_prefix="export-copy") as pool:
        futures = [pool.submit(run, task) for task in tasks]
        if on_done is not None:
            for i, f in enumerate(futures):
                on_done(i, f.result())
        return [f.result() for f in futures]
