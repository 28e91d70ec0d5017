"""``parquet``: records and spans per schema, written by DuckDB's own ``COPY`` with nested types.

Rows never pass through Python: the JSON record is converted inside DuckDB to the schema's
STRUCT/LIST type (derived from the Pydantic model), so ``units[].shortcomings[]`` is a real list
column that Arrow, pandas, Polars or Spark read without parsing JSON — and the export runs at
the speed of DuckDB's Parquet writer.

Layout (a folder of parts per table, read as one by every Parquet reader, e.g.
``read_parquet('meeting_review/records/*.parquet')``; large exports are written in several
passes over doc_id ranges to keep memory flat, one part per pass):

- ``<schema>/records/part-NNNNN.parquet``: gold_id, doc_id, schema_name, version, split, text,
  record (typed), annotator, prediction_version_key;
- ``<schema>/spans/part-00000.parquet``: gold_id, doc_id, split, spans (sorted list of
  {start, end, label, path}, as in spans-jsonl), unaligned (values of the record without a span).

The ``split`` column is computed by the same md5 bucket as the other formats.
"""

from __future__ import annotations

import enum
import json
import types
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, Union, get_origin

import duckdb
from pydantic import BaseModel

from annotate.core.field_tree import FieldNode, field_tree
from annotate.export.base import ExportJob, FormatResult, run_parallel
from annotate.export.sql import PARQUET_ROW_GROUP, SPAN_STRUCTURE, spans_sql
from annotate.store.datasets import (
    GOLD_WITH_TEXT,
    KeyRange,
    Selection,
    SplitSpec,
    chosen_ids,
    key_ranges,
    literal,
    selected,
    split_sql,
)


def write(job: ExportJob) -> FormatResult:
    structures = {name: record_structure(spec.model) for name, spec in sorted(job.schemas.items())}
    record_parts: list[tuple[str, int, Path]] = []
    tasks: list[Callable[[duckdb.DuckDBPyConnection], None]] = []
    for pass_no, key_range in enumerate(key_ranges(job.con, job.selection, groundings=False)):
        for name, structure in structures.items():
            path = job.out / name / "records" / f"part-{pass_no:05d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            record_parts.append((name, pass_no, path))
            tasks.append(partial(_records, job, name, structure, path, key_range))
    span_parts = {}
    for name in structures:
        path = job.out / name / "spans" / "part-00000.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        span_parts[name] = path
        tasks.append(partial(_spans, job, name, path))
    run_parallel(job.con, tasks)

    files: dict[str, int] = {}
    for _name, pass_no, path in record_parts:
        rows = parquet_rows(job.con, path)
        if rows == 0 and pass_no > 0:  # keep one (possibly empty) part so every table has a schema
            path.unlink()
            continue
        files[str(path.relative_to(job.out))] = rows
    for path in span_parts.values():
        files[str(path.relative_to(job.out))] = parquet_rows(job.con, path)
    job.on_rows(job.summary.total)
    spans, unaligned = parquet_span_counts(job.con, span_parts)
    return FormatResult(
        files=files,
        info={"record_types": structures, "spans": {"exported": spans, "unaligned_values_left_out": unaligned}},
    )


def _records(
    job: ExportJob, name: str, structure: dict[str, Any], path: Path, key_range: KeyRange, cur: duckdb.DuckDBPyConnection
) -> None:
    copy_records_parquet(
        cur, job.selection, job.split, schema_name=name, structure=structure, path=path, key_range=key_range
    )


def _spans(job: ExportJob, name: str, path: Path, cur: duckdb.DuckDBPyConnection) -> None:
    copy_spans_parquet(cur, job.selection, job.split, schema_name=name, path=path)


# --- the COPY statements -------------------------------------------------------------------


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
    where, params = selected(replace(sel, schema=schema_name), key_range)
    record_type = literal(json.dumps(structure, ensure_ascii=False))
    con.execute(
        "COPY (SELECT g.gold_id, g.doc_id, g.schema_name, g.version, "
        f"{split_sql(spec, 'g.doc_id')} AS split, d.text, json_transform(g.record, {record_type}) AS record,"
        f" g.annotator, g.prediction_version_key FROM {GOLD_WITH_TEXT} WHERE {where})"
        f" TO {literal(str(path))} (FORMAT parquet, ROW_GROUP_SIZE {PARQUET_ROW_GROUP})",
        params,
    )


def copy_spans_parquet(
    con: duckdb.DuckDBPyConnection, sel: Selection, spec: SplitSpec, *, schema_name: str, path: Path
) -> None:
    """One schema's spans: gold_id, doc_id, split, spans (sorted {start, end, label, path}), unaligned
    (how many of the record's values have no span). No text is joined, so one pass suffices.

    Unlike the records, gold whose document row is missing is not filtered out here (the filter
    costs half as much again as the spans): the store never loses a document, and
    :func:`missing_text_count` puts any such row in the manifest."""
    chosen, params = chosen_ids(replace(sel, schema=schema_name))
    con.execute(
        f"COPY (SELECT gold_id, doc_id, split, {spans_sql('gs')} AS spans, len(gs) - len(spans) AS unaligned FROM ("
        f" SELECT g.gold_id, g.doc_id, {split_sql(spec, 'g.doc_id')} AS split,"
        f" json_transform(g.groundings, {literal(SPAN_STRUCTURE)}) AS gs"
        f" FROM gold g WHERE g.gold_id IN ({chosen})))"
        f" TO {literal(str(path))} (FORMAT parquet, ROW_GROUP_SIZE {PARQUET_ROW_GROUP})",
        params,
    )


def parquet_rows(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Rows in a Parquet file (from its footer: nothing is scanned)."""
    row = con.execute(f"SELECT count(*) FROM read_parquet({literal(str(path))})").fetchone()
    return int(row[0]) if row else 0


def parquet_span_counts(con: duckdb.DuckDBPyConnection, paths: dict[str, Path]) -> tuple[dict[str, int], dict[str, int]]:
    """Spans and unaligned values per schema, read back from written spans files (columns only: fast)."""
    spans, unaligned = {}, {}
    for schema_name, path in paths.items():
        row = con.execute(
            f"SELECT coalesce(sum(len(spans)), 0), coalesce(sum(unaligned), 0) FROM read_parquet({literal(str(path))})"
        ).fetchone()
        spans[schema_name], unaligned[schema_name] = (int(row[0]), int(row[1])) if row else (0, 0)
    return spans, unaligned


# --- record types: a schema's Pydantic model as DuckDB STRUCT/LIST types ------------------


def _duck_type(node: FieldNode) -> Any:
    """A ``json_transform`` structure for one field of the schema's field tree (unions of several
    types, and anything untyped, stay JSON)."""
    if node.item is not None:
        return [_duck_type(node.item)]
    if node.kind == "model":
        return {c.name: _duck_type(c) for c in node.children}
    ann = node.annotation
    if get_origin(ann) in (Union, types.UnionType):
        return "JSON"
    if node.choices is not None and not node.is_enum:
        if all(isinstance(v, bool) for v in node.choices):
            return "BOOLEAN"
        return "BIGINT" if all(isinstance(v, int) for v in node.choices) else "VARCHAR"
    for py, duck in ((bool, "BOOLEAN"), (enum.Enum, "VARCHAR"), (int, "BIGINT"), (float, "DOUBLE"), (str, "VARCHAR")):
        if isinstance(ann, type) and issubclass(ann, py):
            return duck
    return "JSON"


def record_structure(model: type[BaseModel]) -> dict[str, Any]:
    """The ``json_transform`` structure of a schema: its records become typed STRUCT/LIST values.

    Keys are the field names records are stored under (the pipeline dumps by name), in schema
    order, so the Parquet columns read like the schema itself.
    """
    return _duck_type(field_tree(model))
