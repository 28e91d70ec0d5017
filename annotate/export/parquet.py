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

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from annotate.export.base import ExportJob, FormatResult, run_parallel
from annotate.store.datasets import (
    KeyRange,
    copy_records_parquet,
    copy_spans_parquet,
    key_ranges,
    parquet_rows,
    parquet_span_counts,
    record_structure,
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
