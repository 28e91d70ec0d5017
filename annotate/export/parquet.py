"""``parquet``: records and spans per schema, written by DuckDB's own ``COPY`` with nested types.

Rows never pass through Python: the JSON record is converted inside DuckDB to the schema's
STRUCT/LIST type (derived from the Pydantic model), so ``units[].shortcomings[]`` is a real list
column that Arrow, pandas, Polars or Spark read without parsing JSON — and the export runs at
the speed of DuckDB's Parquet writer.

Layout: ``<schema>/records.parquet`` (gold_id, doc_id, schema_name, version, split, text, record,
annotator, prediction_version_key) and ``<schema>/spans.parquet`` (gold_id, doc_id, split, spans).
The ``split`` column is computed by the same md5 bucket as the other formats.
"""

from __future__ import annotations

from annotate.export.base import ExportJob, FormatResult
from annotate.store.datasets import copy_gold_parquet, record_structure


def write(job: ExportJob) -> FormatResult:
    files: dict[str, int] = {}
    structures = {}
    for name, spec in sorted(job.schemas.items()):
        folder = job.out / name
        folder.mkdir(parents=True, exist_ok=True)
        structure = record_structure(spec.model)
        structures[name] = structure
        copy_gold_parquet(
            job.con,
            job.selection,
            job.split,
            schema_name=name,
            structure=structure,
            records_path=folder / "records.parquet",
            spans_path=folder / "spans.parquet",
        )
        rows = job.rows_of(name)
        files[f"{name}/records.parquet"] = rows
        files[f"{name}/spans.parquet"] = rows
        job.on_rows(rows)
    return FormatResult(files=files, info={"record_types": structures})
