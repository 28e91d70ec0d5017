"""Read-side SQL for exports and evaluation: which gold rows count, streamed in constant memory.

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
    narrow key columns. Parquet converts the JSON record to the schema's STRUCT/LIST types on the
    way; JSONL lines are routed to their schema/split file by the exporter.
"""

from __future__ import annotations

import enum
import itertools
import json
import math
import tempfile
import types
import typing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, Union, get_args, get_origin

import duckdb
from pydantic import BaseModel

from annotate.core.evidence import unwrap

PARQUET_ROW_GROUP = 16_384
"""Rows per Parquet row group. DuckDB buffers a whole row group before writing it; with document
texts in the rows its default (122,880) would hold about a gigabyte, this about 150 MB."""

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


def _chosen(sel: Selection) -> tuple[str, list[Any]]:
    """A subquery of the selected ``gold_id``s (narrow: keys only, so its window sort is cheap)."""
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

_SOURCE = "FROM gold g JOIN documents d ON d.doc_id = g.doc_id WHERE g.gold_id IN ({chosen})"

_SPANS = (
    "list_sort(list_transform(list_filter({parsed},"
    ' lambda s: s.start IS NOT NULL AND s."end" IS NOT NULL),'
    ' lambda s: struct_pack(start := s.start, "end" := s."end",'
    " label := regexp_replace(s.path, '\\[\\d+\\]', '[]', 'g'), path := s.path)))"
)
"""Aligned groundings as sorted {start, end, label, path} structs; ``label`` is the field pattern.

Offsets are exported as stored: ``pull`` only accepts gold whose every span slices the text to
its value (anything else is quarantined) and a document's text never changes (its id is its
hash), so re-checking each span here would only cost time (substring on CJK text is the most
expensive step of the whole export). Unaligned values have no span and are counted, not shifted.
"""


SPAN_STRUCTURE = '[{"path": "VARCHAR", "start": "BIGINT", "end": "BIGINT"}]'
"""Only what a span needs: parsing fewer keys of the groundings JSON is most of the spans' cost."""


def spans_sql(source: str | None = None) -> str:
    """The spans expression over ``source`` (a parsed groundings list; by default parsed here)."""
    parsed = source or f"json_transform(g.groundings, {_literal(SPAN_STRUCTURE)})"
    return _SPANS.replace("{parsed}", parsed)


@contextmanager
def bounded_memory(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """Cap DuckDB's memory for the block, then restore the previous cap.

    DuckDB otherwise takes up to 80 % of RAM for caches and buffers, so an export's footprint
    would grow with the data (its own uncapped COPY of 100k documents peaks near 7 GB here).
    """
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    con.execute(f"SET memory_limit = {_literal(limit)}")
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        if row:
            try:
                con.execute(f"SET memory_limit = {_literal(str(row[0]))}")
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
    chosen, params = _chosen(sel)
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


def _in_range(key_range: KeyRange, *aliases: str) -> tuple[str, list[Any]]:
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


def pass_file(out_dir: Path, pass_no: int) -> Path:
    return out_dir / f"pass-{pass_no:05d}.jsonl"


def _routed(out_dir: Path, pass_no: int) -> str:
    """COPY target for one pass: ``out_dir/pass-NNNNN.jsonl``, lines led by their ``"s"`` (schema) and
    ``"p"`` (split) keys, which the exporter strips while routing each line to its file.

    DuckDB's own ``PARTITION_BY`` would do the routing, but its partitioned JSON writer is about
    twice as slow as a plain COPY here; reading two short keys off each line costs far less.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    return f" TO {_literal(str(pass_file(out_dir, pass_no)))} (FORMAT json)"


def copy_chat_jsonl(
    con: duckdb.DuckDBPyConnection,
    sel: Selection,
    spec: SplitSpec,
    prompts: dict[str, tuple[str, str, str]],
    out_dir: Path,
    key_range: KeyRange = (None, None),
    pass_no: int = 0,
) -> Path:
    """One ``{"messages": [system, user, assistant]}`` line per document (lead keys ``s``/``p`` for routing).

    ``prompts[schema] = (system, before, after)``: the user message is ``before + text + after``
    (the pipeline's user template rendered around the document), the assistant message the gold
    record as stored. Each line is assembled as text: the fixed JSON around the two per-document
    strings — the system message included — is encoded once here, DuckDB JSON-escapes only the
    text and the record (``to_json``), and its CSV writer, with quoting off, writes each line as
    is (a JSON-escaped line holds no newline, quote-free delimiter or control character). That is
    markedly faster than building the nested value for the JSON writer. Returns the pass file.
    """
    chosen, params = _chosen(sel)
    in_range, range_params = _in_range(key_range, "g", "d")
    names = sorted(prompts)
    heads = [
        '"messages":[{"role":"system","content":' + json.dumps(prompts[n][0], ensure_ascii=False)
        + '},{"role":"user","content":'
        for n in names
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = pass_file(out_dir, pass_no)
    con.execute(
        """COPY (SELECT '{"s":"' || g.schema_name || '","p":"' || """ + split_sql(spec, "g.doc_id") + """ || '",'"""
        " || p.head || to_json(p.before || d.text || p.after) || ? || to_json(g.record::VARCHAR) || '}]}'"
        " FROM gold g JOIN documents d ON d.doc_id = g.doc_id"
        " JOIN (SELECT unnest(?::VARCHAR[]) AS schema_name, unnest(?::VARCHAR[]) AS head,"
        " unnest(?::VARCHAR[]) AS before, unnest(?::VARCHAR[]) AS after) p ON p.schema_name = g.schema_name"
        f" WHERE g.gold_id IN ({chosen}){in_range})"
        f" TO {_literal(str(path))} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')",
        ['},{"role":"assistant","content":', names, heads, [prompts[n][1] for n in names],
         [prompts[n][2] for n in names], *params, *range_params],
    )  # fmt: skip
    return path


def _copy_routed(
    con: duckdb.DuckDBPyConnection,
    sel: Selection,
    spec: SplitSpec,
    columns: str,
    out_dir: Path,
    key_range: KeyRange,
    pass_no: int,
) -> None:
    """COPY the chosen gold rows as JSON lines led by the routing keys ``s`` (schema) and ``p`` (split).

    ``columns`` is the select list after those keys; ``{split}`` in it stands for the split expression.
    """
    chosen, params = _chosen(sel)
    in_range, range_params = _in_range(key_range, "g", "d")
    split = split_sql(spec, "g.doc_id")
    select = columns.replace("{split}", split)
    con.execute(
        f"COPY (SELECT g.schema_name AS s, {split} AS p, {select}"
        f" {_SOURCE.format(chosen=chosen)}{in_range})" + _routed(out_dir, pass_no),
        [*params, *range_params],
    )


def copy_spans_jsonl(
    con: duckdb.DuckDBPyConnection,
    sel: Selection,
    spec: SplitSpec,
    out_dir: Path,
    key_range: KeyRange = (None, None),
    pass_no: int = 0,
) -> None:
    """``{"text", "spans", "doc_id", "meta": {schema, gold_id, split}}`` per document, partitioned like chat."""
    columns = (
        f"d.text AS text, {spans_sql()} AS spans, g.doc_id AS doc_id,"
        " struct_pack(schema := g.schema_name, gold_id := g.gold_id, split := {split}) AS meta"
    )
    _copy_routed(con, sel, spec, columns, out_dir, key_range, pass_no)


def copy_hf_jsonl(
    con: duckdb.DuckDBPyConnection,
    sel: Selection,
    spec: SplitSpec,
    out_dir: Path,
    key_range: KeyRange = (None, None),
    pass_no: int = 0,
) -> None:
    """Flat rows for ``datasets``' json builder: doc_id, gold_id, schema, split, text, record (JSON text), spans."""
    columns = (
        "g.doc_id, g.gold_id, g.schema_name AS schema, {split} AS split, d.text,"
        f" g.record::VARCHAR AS record, {spans_sql()} AS spans"
    )
    _copy_routed(con, sel, spec, columns, out_dir, key_range, pass_no)


def iter_gold(con: duckdb.DuckDBPyConnection, sel: Selection, *, scratch: Path | None = None) -> Iterator[GoldRow]:
    """Selected gold rows with their document text, in constant memory.

    DuckDB writes the rows to scratch JSONL files (under ``scratch`` or the system temp folder),
    one pass of :func:`key_ranges` at a time, each read back one line at a time and deleted.
    Gold whose document row is missing has no text to export and is skipped; see
    :func:`missing_text_count`.
    """
    chosen, params = _chosen(sel)
    for key_range in key_ranges(con, sel):
        in_range, range_params = _in_range(key_range, "g", "d")
        with tempfile.TemporaryDirectory(prefix="annotate-gold-", dir=scratch) as tmp:
            path = Path(tmp) / "gold.jsonl"
            con.execute(
                "COPY (SELECT g.gold_id, g.doc_id, g.schema_name, g.version, g.record::VARCHAR AS record_json,"
                " g.groundings::VARCHAR AS groundings_json, g.annotator, g.prediction_version_key, d.text"
                f" {_SOURCE.format(chosen=chosen)}{in_range}) TO {_literal(str(path))} (FORMAT json)",
                [*params, *range_params],
            )
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        yield GoldRow(**json.loads(line))


def missing_text_count(con: duckdb.DuckDBPyConnection, sel: Selection) -> int:
    chosen, params = _chosen(sel)
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
    chosen, params = _chosen(sel)
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
    chosen, params = _chosen(sel)
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
    chosen, params = _chosen(sel)
    base = _SOURCE.format(chosen=chosen)
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


# --- Parquet: typed records straight from DuckDB ------------------------------------------


def _unwrap(annotation: Any) -> Any:
    """The field's real type (``core.evidence.unwrap``); a union of several types stays JSON."""
    annotation, _ = unwrap(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return "JSON" if len(args) > 1 else "VARCHAR"
    return annotation


def _duck_type(annotation: Any) -> Any:
    """A ``json_transform`` structure for one Pydantic field type (unions of several types stay JSON)."""
    ann = _unwrap(annotation)
    if isinstance(ann, str):
        return ann
    origin = get_origin(ann)
    if origin in (list, typing.List, tuple, set, frozenset):  # noqa: UP006 - runtime check
        args = [a for a in get_args(ann) if a is not Ellipsis]
        return [_duck_type(args[0] if args else Any)]
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return record_structure(ann)
    if origin is Literal:
        values = get_args(ann)
        if all(isinstance(v, bool) for v in values):
            return "BOOLEAN"
        if all(isinstance(v, int) for v in values):
            return "BIGINT"
        return "VARCHAR"
    if isinstance(ann, type):
        if issubclass(ann, bool):
            return "BOOLEAN"
        if issubclass(ann, enum.Enum):
            return "VARCHAR"
        if issubclass(ann, int):
            return "BIGINT"
        if issubclass(ann, float):
            return "DOUBLE"
        if issubclass(ann, str):
            return "VARCHAR"
    return "JSON"


def record_structure(model: type[BaseModel]) -> dict[str, Any]:
    """The ``json_transform`` structure of a schema: its records become typed STRUCT/LIST values.

    Keys are the names the record is stored under (aliases when a field has one), in schema
    order, so the Parquet columns read like the schema itself.
    """
    return {(info.alias or name): _duck_type(info.annotation) for name, info in model.model_fields.items()}


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def copy_records_parquet(
    con: duckdb.DuckDBPyConnection,
    sel: Selection,
    spec: SplitSpec,
    *,
    schema_name: str,
    structure: dict[str, Any],
    path: Path,
    key_range: KeyRange = (None, None),
) -> None:
    """One schema's records (of one key range) as typed STRUCTs: gold_id, doc_id, schema_name,
    version, split, text, record, annotator, prediction_version_key."""
    chosen, params = _chosen(Selection(schema=schema_name, version=sel.version, gold_ids=sel.gold_ids))
    in_range, range_params = _in_range(key_range, "g", "d")
    record_type = _literal(json.dumps(structure, ensure_ascii=False))
    con.execute(
        "COPY (SELECT g.gold_id, g.doc_id, g.schema_name, g.version, "
        f"{split_sql(spec, 'g.doc_id')} AS split, d.text, json_transform(g.record, {record_type}) AS record,"
        f" g.annotator, g.prediction_version_key {_SOURCE.format(chosen=chosen)}{in_range})"
        f" TO {_literal(str(path))} (FORMAT parquet, ROW_GROUP_SIZE {PARQUET_ROW_GROUP})",
        [*params, *range_params],
    )


def copy_spans_parquet(
    con: duckdb.DuckDBPyConnection, sel: Selection, spec: SplitSpec, *, schema_name: str, path: Path
) -> None:
    """One schema's spans: gold_id, doc_id, split, spans (sorted {start, end, label, path}), unaligned
    (how many of the record's values have no span). No text is joined, so one pass suffices.

    Unlike the records, gold whose document row is missing is not filtered out here (the filter
    costs half as much again as the spans): the store never loses a document, and
    :func:`missing_text_count` puts any such row in the manifest."""
    chosen, params = _chosen(Selection(schema=schema_name, version=sel.version, gold_ids=sel.gold_ids))
    con.execute(
        f"COPY (SELECT gold_id, doc_id, split, {spans_sql('gs')} AS spans, len(gs) - len(spans) AS unaligned FROM ("
        f" SELECT g.gold_id, g.doc_id, {split_sql(spec, 'g.doc_id')} AS split,"
        f" json_transform(g.groundings, {_literal(SPAN_STRUCTURE)}) AS gs"
        f" FROM gold g WHERE g.gold_id IN ({chosen})))"
        f" TO {_literal(str(path))} (FORMAT parquet, ROW_GROUP_SIZE {PARQUET_ROW_GROUP})",
        params,
    )


def parquet_rows(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Rows in a Parquet file (from its footer: nothing is scanned)."""
    row = con.execute(f"SELECT count(*) FROM read_parquet({_literal(str(path))})").fetchone()
    return int(row[0]) if row else 0


def parquet_span_counts(con: duckdb.DuckDBPyConnection, paths: dict[str, Path]) -> tuple[dict[str, int], dict[str, int]]:
    """Spans and unaligned values per schema, read back from written spans files (columns only: fast)."""
    spans, unaligned = {}, {}
    for schema_name, path in paths.items():
        row = con.execute(
            f"SELECT coalesce(sum(len(spans)), 0), coalesce(sum(unaligned), 0) FROM read_parquet({_literal(str(path))})"
        ).fetchone()
        spans[schema_name], unaligned[schema_name] = (int(row[0]), int(row[1])) if row else (0, 0)
    return spans, unaligned


def copy_raw_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """DuckDB's plain COPY of the latest gold rows with their text: the benchmark's baseline."""
    chosen, params = _chosen(Selection())
    con.execute(
        "COPY (SELECT g.gold_id, g.doc_id, g.schema_name, g.version, d.text, g.record, g.groundings,"
        " g.annotator, g.prediction_version_key"
        f" FROM gold g JOIN documents d ON d.doc_id = g.doc_id WHERE g.gold_id IN ({chosen}))"
        f" TO {_literal(str(path))} (FORMAT parquet)",
        params,
    )


# --- evaluation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PredictionPair:
    """A prediction and the gold of the same document, for one version key."""

    version_key: str
    backend: str
    schema_name: str
    doc_id: str
    prediction: dict[str, Any]
    prediction_groundings: list[dict[str, Any]]
    confidence: float | None
    gold_id: str
    gold: dict[str, Any]
    gold_groundings: list[dict[str, Any]]


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def prediction_pairs(
    con: duckdb.DuckDBPyConnection, *, schema: str | None = None, version_keys: Sequence[str] | None = None
) -> list[PredictionPair]:
    """Every prediction whose document has current gold (same selection as ``export --version latest``).

    Evaluation sets are as large as the gold set, i.e. what people annotated, so a list is fine.
    """
    chosen, params = _chosen(Selection(schema=schema))
    sql = (
        "SELECT p.version_key, p.backend, p.schema_name, p.doc_id, p.record::VARCHAR, p.groundings::VARCHAR,"
        " p.confidence, g.gold_id, g.record::VARCHAR, g.groundings::VARCHAR"
        f" FROM predictions p JOIN gold g ON g.doc_id = p.doc_id AND g.schema_name = p.schema_name"
        f" WHERE g.gold_id IN ({chosen})"
    )
    if version_keys:
        sql += " AND list_contains(?, p.version_key)"
        params.append(list(version_keys))
    rows = con.execute(sql + " ORDER BY p.version_key, p.doc_id", params).fetchall()
    return [
        PredictionPair(vk, backend, s, d, _loads(pr), _loads(pg), conf, gid, _loads(gr), _loads(gg))
        for vk, backend, s, d, pr, pg, conf, gid, gr, gg in rows
    ]


def version_key_order(con: duckdb.DuckDBPyConnection, *, schema: str | None = None) -> list[str]:
    """Version keys in the order they first predicted anything (oldest first): a report's x axis."""
    sql = "SELECT version_key FROM predictions"
    params: list[Any] = []
    if schema:
        sql += " WHERE schema_name = ?"
        params.append(schema)
    rows = con.execute(sql + " GROUP BY version_key ORDER BY min(created), version_key", params).fetchall()
    return [r[0] for r in rows]


@dataclass(frozen=True)
class CorrectionRow:
    """One annotator's last accepted version of a document, with the regions it kept/edited/added/deleted."""

    prediction_version_key: str | None
    schema_name: str
    doc_id: str
    region_stats: dict[str, int]
    lead_time: float | None


def correction_rows(con: duckdb.DuckDBPyConnection, *, schema: str | None = None) -> list[CorrectionRow]:
    """The effort each annotation cost: newest gold version per (document, annotation).

    Older versions of the same annotation are the same work redone, so they would double count.
    """
    where, params = "true", []
    if schema:
        where = "schema_name = ?"
        params.append(schema)
    rows = con.execute(
        "SELECT prediction_version_key, schema_name, doc_id, region_stats::VARCHAR, lead_time FROM gold"
        f" WHERE {where} QUALIFY row_number() OVER (PARTITION BY doc_id, schema_name,"
        " coalesce(annotation_id::VARCHAR, gold_id) ORDER BY version DESC) = 1 ORDER BY doc_id",
        params,
    ).fetchall()
    return [CorrectionRow(k, s, d, _loads(rs) or {}, lt) for k, s, d, rs, lt in rows]


@dataclass(frozen=True)
class AnnotatorVersion:
    annotator: str
    annotation_id: int | None
    record: dict[str, Any]
    groundings: list[dict[str, Any]]


def annotations_per_doc(
    con: duckdb.DuckDBPyConnection, *, schema: str | None = None
) -> dict[tuple[str, str], list[AnnotatorVersion]]:
    """Documents accepted by two or more annotations: each annotation's newest record, for agreement.

    Keyed by ``(schema_name, doc_id)``. Annotations are told apart by ``annotation_id``; gold rows
    without one (seeded or imported) count as one annotation each.
    """
    where, params = "true", []
    if schema:
        where = "schema_name = ?"
        params.append(schema)
    rows = con.execute(
        "WITH per_annotation AS (SELECT schema_name, doc_id, annotator, annotation_id, record::VARCHAR AS record,"
        f" groundings::VARCHAR AS groundings FROM gold WHERE {where}"
        " QUALIFY row_number() OVER (PARTITION BY doc_id, schema_name, coalesce(annotation_id::VARCHAR, gold_id)"
        " ORDER BY version DESC) = 1)"
        " SELECT * FROM per_annotation QUALIFY count(*) OVER (PARTITION BY doc_id, schema_name) > 1"
        " ORDER BY schema_name, doc_id, annotation_id",
        params,
    ).fetchall()
    out: dict[tuple[str, str], list[AnnotatorVersion]] = {}
    for schema_name, doc_id, annotator, annotation_id, record, groundings in rows:
        out.setdefault((schema_name, doc_id), []).append(
            AnnotatorVersion(annotator or "(unknown)", annotation_id, _loads(record), _loads(groundings))
        )
    return out


def gold_schemas(con: duckdb.DuckDBPyConnection, sel: Selection) -> list[str]:
    """Schemas that have selected gold (what an export will write)."""
    chosen, params = _chosen(sel)
    rows = con.execute(
        f"SELECT DISTINCT schema_name FROM gold WHERE gold_id IN ({chosen}) ORDER BY 1", params
    ).fetchall()
    return [r[0] for r in rows]
