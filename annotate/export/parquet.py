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

from annotate.export.base import ExportJob, FormatResult
from annotate.store.datasets import (
    copy_records_parquet,
    copy_spans_parquet,
    key_ranges,
    parquet_rows,
    parquet_span_counts,
    record_structure,
)


def write(job: ExportJob) -> FormatResult:
    files: dict[str, int] = {}
    structures = {name: record_structure(spec.model) for name, spec in sorted(job.schemas.items())}
    for pass_no, key_range in enumerate(key_ranges(job.con, job.selection, groundings=False)):
        for name, structure in structures.items():
            folder = job.out / name / "records"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"part-{pass_no:05d}.parquet"
            copy_records_parquet(
                job.con, job.selection, job.split, schema_name=name, structure=structure, path=path, key_range=key_range
            )
            rows = parquet_rows(job.con, path)
            if rows == 0 and pass_no > 0:  # keep one (possibly empty) part so every table has a schema
                path.unlink()
                continue
            files[str(path.relative_to(job.out))] = rows
            job.on_rows(rows)
    written = {}
    for name in structures:
        folder = job.out / name / "spans"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "part-00000.parquet"
        copy_spans_parquet(job.con, job.selection, job.split, schema_name=name, path=path)
        files[str(path.relative_to(job.out))] = parquet_rows(job.con, path)
        written[name] = path
    spans, unaligned = parquet_span_counts(job.con, written)
    return FormatResult(
        files=files,
        info={"record_types": structures, "spans": {"exported": spans, "unaligned_values_left_out": unaligned}},
    )
