"""Which gold rows an export or an evaluation reads, and the counts around them, in constant memory.

Which gold is exported
    Only the ``gold`` table is read, and it holds accepted annotations only: rejected documents and
    quarantined annotations live in their own tables and never become training data. With
    ``latest`` (the default) each document contributes its newest gold version per schema —
    *unless* a rejection or a quarantined annotation of that document is newer than that version.
    Such a document is left out (and counted in the manifest): the annotator's latest word was
    "this document is bad" or an edit we could not read, so the older gold is no longer known to be
    what they want. It comes back once a newer annotation is accepted. Pinned selections (gold ids
    or a previous manifest) reproduce exactly what they name, since an old export must stay
    reproducible.

Memory
    This DuckDB's Python client materialises a whole result before the first ``fetchmany``
    (streaming needs pyarrow), and its hash joins do not spill, so a 100k-document export can
    neither be one SELECT fetched into Python nor one join of texts to records. Instead DuckDB
    writes the rows itself with ``COPY`` (streaming, multi-threaded) into the export files or
    scratch files, under a memory cap (:func:`bounded_memory`), in passes over doc_id ranges
    sized so each join fits (:func:`key_ranges`). Window functions and sorts only ever run over
    narrow key columns.

Each export format owns its ``COPY`` (``annotate.export.<format>``) over
``FROM`` :data:`GOLD_WITH_TEXT` ``WHERE`` :func:`selected`; the evaluation's reads live in
``annotate.evaluation.reads``.
"""

from __future__ import annotations

import itertools
import json
import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb

BATCH_ROWS = 1000
"""Rows per ``fetchmany``: large enough to amortise the call, small enough to keep memory flat."""


class SplitSpec(Protocol):
    """Split names with each one's exclusive upper md5 bucket (``annotate.export.splits.SplitSpec``)."""

    @property
    def names(self) -> tuple[str, ...]: ...

    @property
    def bounds(self) -> tuple[int, ...]: ...


@dataclass(frozen=True)
class Selection:
    """Which gold rows an export or an evaluation reads.

    ``version=None`` is the latest version per document and schema; ``version=N`` is, per
    document, its newest version not above N (``1`` = the first accepted annotation of each);
    ``gold_ids`` pins exact rows (a previous export's manifest).
    """

    schema: str | None = None
    version: int | None = None
    gold_ids: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        if self.gold_ids is not None:
            return f"pinned ({len(self.gold_ids)} gold ids)"
        return "latest" if self.version is None else f"as of version {self.version}"


@dataclass(frozen=True)
class GoldRow:
    """One exported gold version, JSON columns left as the text the store holds (parsed on demand)."""

    gold_id: str
    doc_id: str
    schema_name: str
    version: int
    record_json: str
    groundings_json: str
    annotator: str | None
    prediction_version_key: str | None
    text: str


# --- the selection --------------------------------------------------------------------------


def chosen_ids(sel: Selection) -> tuple[str, list[Any]]:
    """A subquery of the selected ``gold_id``s (narrow: keys only, so its window sort is cheap), and its
    parameters: ``... WHERE g.gold_id IN ({sql})``."""
    params: list[Any] = []
    if sel.gold_ids is not None:
        sql = "SELECT gold_id FROM gold WHERE list_contains(?, gold_id)"
        params.append(list(sel.gold_ids))
        if sel.schema:
            sql += " AND schema_name = ?"
            params.append(sel.schema)
        return sql, params
    where = ["true"]
    if sel.schema:
        where.append("schema_name = ?")
        params.append(sel.schema)
    if sel.version is not None:
        where.append("version <= ?")
        params.append(sel.version)
    newest = (
        "SELECT gold_id, doc_id, schema_name, created FROM gold WHERE " + " AND ".join(where)
        + " QUALIFY row_number() OVER (PARTITION BY doc_id, schema_name ORDER BY version DESC) = 1"
    )
    if sel.version is not None:
        return f"SELECT gold_id FROM ({newest})", params
    return f"SELECT gold_id FROM ({newest}) n WHERE {_NOT_SUPERSEDED}", params


_SUPERSEDED_BY = {
    "rejected": (
        "EXISTS (SELECT 1 FROM rejected r WHERE r.doc_id = n.doc_id AND r.schema_name = n.schema_name"
        " AND r.created > n.created)"
    ),
    "quarantined": (
        "EXISTS (SELECT 1 FROM quarantine q WHERE q.doc_id = n.doc_id AND q.schema_name = n.schema_name"
        " AND q.created > n.created)"
    ),
}
_NOT_SUPERSEDED = " AND ".join(f"NOT {cond}" for cond in _SUPERSEDED_BY.values())


def superseded_counts(con: duckdb.DuckDBPyConnection, sel: Selection) -> dict[str, int]:
    """Documents left out of a ``latest`` selection because a newer rejection/quarantine exists."""
    if sel.gold_ids is not None or sel.version is not None:
        return {"rejected": 0, "quarantined": 0}
    params: list[Any] = []
    where = "true"
    if sel.schema:
        where = "schema_name = ?"
        params.append(sel.schema)
    newest = (
        f"SELECT doc_id, schema_name, created FROM gold WHERE {where}"
        " QUALIFY row_number() OVER (PARTITION BY doc_id, schema_name ORDER BY version DESC) = 1"
    )
    rej, qua = _SUPERSEDED_BY["rejected"], _SUPERSEDED_BY["quarantined"]
    row = con.execute(
        f"SELECT count(*) FILTER (WHERE {rej}), count(*) FILTER (WHERE {qua} AND NOT {rej}) FROM ({newest}) n",
        params,
    ).fetchone()
    return {"rejected": int(row[0]), "quarantined": int(row[1])} if row else {"rejected": 0, "quarantined": 0}


def split_sql(spec: SplitSpec, column: str = "doc_id") -> str:
    """The SQL twin of :meth:`SplitSpec.assign` (same md5 bucket; a test keeps them equal)."""
    b = f"(CAST(('0x' || substr(md5({column}), 1, 8)) AS UBIGINT) % 10000)"
    cases = " ".join(
        f"WHEN {b} < {int(bound)} THEN '{name}'" for name, bound in zip(spec.names[:-1], spec.bounds[:-1], strict=True)
    )
    last = f"'{spec.names[-1]}'"
    return f"(CASE {cases} ELSE {last} END)" if cases else last


# --- streaming rows (see "Memory" in the module docstring) -----------------------------------

GOLD_WITH_TEXT = "gold g JOIN documents d ON d.doc_id = g.doc_id"
"""Gold rows (``g``) with their document (``d``): what :func:`selected` filters."""


def selected(sel: Selection, key_range: KeyRange = (None, None)) -> tuple[str, list[Any]]:
    """The condition keeping the selected gold rows of one doc_id range (on ``g`` and ``d``), and its
    parameters: ``... FROM {GOLD_WITH_TEXT} WHERE {condition}``."""
    chosen, params = chosen_ids(sel)
    in_range, range_params = _range_sql(key_range, "g", "d")
    return f"g.gold_id IN ({chosen}){in_range}", [*params, *range_params]


def literal(value: str) -> str:
    """``value`` as a SQL string literal (for what DuckDB takes no parameter for: paths, settings)."""
    return "'" + value.replace("'", "''") + "'"


@contextmanager
def bounded_memory(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """Cap DuckDB's memory for the block, then restore the previous cap.

    DuckDB otherwise takes up to 80 % of RAM for caches and buffers, so an export's footprint
    would grow with the data (its own uncapped COPY of 100k documents peaks near 7 GB here).
    """
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    con.execute(f"SET memory_limit = {literal(limit)}")
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        if row:
            try:
                con.execute(f"SET memory_limit = {literal(str(row[0]))}")
            except duckdb.Error:
                if not failed:  # an aborted transaction refuses SET; the first error is the one to report
                    raise


KeyRange = tuple[str | None, str | None]
"""A half-open range of doc_ids ``[lo, hi)``; None is open-ended."""

PASS_BYTES = 256 * 1024 * 1024
"""Bytes of text and gold per pass over the data. Joining a document's text to its gold needs a
hash table of one side, and this DuckDB does not spill that table to disk, so a large export is
split into passes over doc_id ranges, each small enough for the memory cap."""


SIZE_SAMPLE = 4096
"""Rows read to estimate the bytes per document (see :func:`key_ranges`)."""


def key_ranges(
    con: duckdb.DuckDBPyConnection, sel: Selection, pass_bytes: int | None = None, *, groundings: bool = True
) -> list[KeyRange]:
    """doc_id ranges that split the selection into passes of about ``pass_bytes`` each.

    ``groundings=False`` when the passes do not read the groundings (records, chat): fewer passes.

    Sizes are estimated from the first rows of each table (a sample that costs milliseconds, where
    a sampled scan of the text column costs a third of a second at 100k documents); the boundaries
    are exact quantiles of the selected doc_ids, so passes hold equal numbers of documents.
    """
    chosen, params = chosen_ids(sel)
    row = con.execute(f"SELECT count(*) FROM gold g WHERE g.gold_id IN ({chosen})", params).fetchone()
    n = int(row[0]) if row else 0
    if n == 0:
        return [(None, None)]

    def avg(expr: str, table: str) -> float:
        got = con.execute(f"SELECT avg({expr}) FROM (SELECT * FROM {table} LIMIT {SIZE_SAMPLE})").fetchone()
        return float(got[0] or 0.0) if got else 0.0

    gold_bytes = "strlen(record::VARCHAR) + strlen(groundings::VARCHAR)" if groundings else "strlen(record::VARCHAR)"
    per_doc = avg("strlen(text)", "documents") + avg(gold_bytes, "gold")
    passes = max(1, math.ceil(n * per_doc / (pass_bytes or PASS_BYTES)))
    if passes == 1:
        return [(None, None)]
    cuts = con.execute(
        f"SELECT quantile_disc(g.doc_id, ?::DOUBLE[]) FROM gold g WHERE g.gold_id IN ({chosen})",
        [[i / passes for i in range(1, passes)], *params],
    ).fetchone()
    bounds = sorted(set(cuts[0])) if cuts and cuts[0] else []
    edges: list[str | None] = [None, *bounds, None]
    return list(itertools.pairwise(edges))


def _range_sql(key_range: KeyRange, *aliases: str) -> tuple[str, list[Any]]:
    """``AND a.doc_id >= ? AND a.doc_id < ?`` for each alias (each table's scan gets the filter)."""
    lo, hi = key_range
    sql, params = "", []
    for alias in aliases:
        if lo is not None:
            sql += f" AND {alias}.doc_id >= ?"
            params.append(lo)
        if hi is not None:
            sql += f" AND {alias}.doc_id < ?"
            params.append(hi)
    return sql, params


def iter_gold(con: duckdb.DuckDBPyConnection, sel: Selection, *, scratch: Path | None = None) -> Iterator[GoldRow]:
    """Selected gold rows with their document text, in constant memory.

    DuckDB writes the rows to scratch JSONL files (under ``scratch`` or the system temp folder),
    one pass of :func:`key_ranges` at a time, each read back one line at a time and deleted.
    Gold whose document row is missing has no text to export and is skipped; see
    :func:`missing_text_count`.
    """
    for key_range in key_ranges(con, sel):
        where, params = selected(sel, key_range)
        with tempfile.TemporaryDirectory(prefix="annotate-gold-", dir=scratch) as tmp:
            path = Path(tmp) / "gold.jsonl"
            con.execute(
                "COPY (SELECT g.gold_id, g.doc_id, g.schema_name, g.version, g.record::VARCHAR AS record_json,"
                " g.groundings::VARCHAR AS groundings_json, g.annotator, g.prediction_version_key, d.text"
                f" FROM {GOLD_WITH_TEXT} WHERE {where}) TO {literal(str(path))} (FORMAT json)",
                params,
            )
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        yield GoldRow(**json.loads(line))


def missing_text_count(con: duckdb.DuckDBPyConnection, sel: Selection) -> int:
    chosen, params = chosen_ids(sel)
    row = con.execute(
        f"SELECT count(*) FROM gold g WHERE g.gold_id IN ({chosen})"
        " AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.doc_id = g.doc_id)",
        params,
    ).fetchone()
    return int(row[0]) if row else 0


def iter_gold_ids(
    con: duckdb.DuckDBPyConnection, sel: Selection, *, batch_rows: int = 10 * BATCH_ROWS
) -> Iterator[str]:
    """Selected gold ids in sorted order, for the manifest (keys only: ~50 bytes a document)."""
    chosen, params = chosen_ids(sel)
    cur = con.execute(
        f"SELECT g.gold_id FROM gold g JOIN documents d ON d.doc_id = g.doc_id WHERE g.gold_id IN ({chosen})"
        " ORDER BY g.gold_id",
        params,
    )
    while True:
        rows = cur.fetchmany(batch_rows)
        if not rows:
            return
        for (gold_id,) in rows:
            yield gold_id


@dataclass
class GoldSummary:
    """What an export holds, computed in SQL so no row has to pass through Python to be counted."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # schema -> split -> documents
    prediction_version_keys: dict[str, int] = field(default_factory=dict)  # key -> documents

    @property
    def total(self) -> int:
        return sum(sum(by_split.values()) for by_split in self.counts.values())


def span_counts(con: duckdb.DuckDBPyConnection, sel: Selection) -> tuple[dict[str, int], dict[str, int]]:
    """Values with a span and values without one, per schema (parses every groundings list: not free)."""
    chosen, params = chosen_ids(sel)
    spans: dict[str, int] = {}
    unaligned: dict[str, int] = {}
    for schema_name, values, aligned in con.execute(
        'SELECT g.schema_name, sum(len(s)), sum(len(list_filter(s, lambda x: x.start IS NOT NULL AND x."end" IS NOT NULL)))'
        """ FROM (SELECT g.schema_name, json_transform(g.groundings, '[{"start": "BIGINT", "end": "BIGINT"}]')"""
        f" AS s FROM gold g WHERE g.gold_id IN ({chosen})) g GROUP BY ALL ORDER BY ALL",
        params,
    ).fetchall():
        spans[schema_name] = int(aligned or 0)
        unaligned[schema_name] = int((values or 0) - (aligned or 0))
    return spans, unaligned


def gold_summary(con: duckdb.DuckDBPyConnection, sel: Selection, spec: SplitSpec) -> GoldSummary:
    where, params = selected(sel)
    base = f"FROM {GOLD_WITH_TEXT} WHERE {where}"
    out = GoldSummary()
    for schema_name, split, n in con.execute(
        f"SELECT g.schema_name, {split_sql(spec, 'g.doc_id')} AS split, count(*) {base} GROUP BY ALL ORDER BY ALL",
        params,
    ).fetchall():
        out.counts.setdefault(schema_name, {})[split] = int(n)
    for key, n in con.execute(
        f"SELECT coalesce(g.prediction_version_key, '(none)'), count(*) {base} GROUP BY ALL ORDER BY ALL", params
    ).fetchall():
        out.prediction_version_keys[key] = int(n)
    return out


def gold_schemas(con: duckdb.DuckDBPyConnection, sel: Selection) -> list[str]:
    """Schemas that have selected gold (what an export will write)."""
    chosen, params = chosen_ids(sel)
    rows = con.execute(
        f"SELECT DISTINCT schema_name FROM gold WHERE gold_id IN ({chosen}) ORDER BY 1", params
    ).fetchall()
    return [r[0] for r in rows]
