"""``hf``: a Hugging Face ``datasets.DatasetDict`` per schema, saved with ``save_to_disk``.

``datasets`` is an optional extra (``pip install 'annotate[hf]'``): it pulls in pyarrow and a
large stack that the rest of the tool does not need. Without it the format stops before any work
with one line saying how to install it.

DuckDB first writes per-split JSONL files (the same rows and spans as ``spans-jsonl``), which the
``json`` builder converts to Arrow in batches — memory stays flat however many documents there
are, unlike ``Dataset.from_list``. Columns: doc_id, gold_id, schema, split, text, record (the gold record as
a JSON string: schemas differ and keep evolving, and a string column never fails to cast) and
spans (list of {start, end, label, path}).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from annotate.export.base import ExportError, ExportJob, FormatResult, route_lines
from annotate.store.datasets import copy_hf_jsonl, key_ranges, span_counts

MISSING = "the hf format needs the optional package 'datasets': pip install 'annotate[hf]' (or pip install datasets)"


def require_datasets() -> Any:
    """The ``datasets`` module, or an :class:`ExportError` with the install hint."""
    if importlib.util.find_spec("datasets") is None:
        raise ExportError(MISSING)
    # A local JSON build needs no hub access; make sure it never tries.
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return importlib.import_module("datasets")


def features(ds: Any) -> Any:
    span = {name: ds.Value("int64") for name in ("start", "end")} | {
        name: ds.Value("string") for name in ("label", "path")
    }
    return ds.Features(
        {
            "doc_id": ds.Value("string"),
            "gold_id": ds.Value("string"),
            "schema": ds.Value("string"),
            "split": ds.Value("string"),
            "text": ds.Value("string"),
            "record": ds.Value("string"),
            "spans": [span],
        }
    )


def write(job: ExportJob) -> FormatResult:
    ds = require_datasets()
    scratch = Path(tempfile.mkdtemp(prefix="hf-", dir=job.out))
    try:
        for pass_no, key_range in enumerate(key_ranges(job.con, job.selection)):
            copy_hf_jsonl(job.con, job.selection, job.split, scratch / "parts", key_range, pass_no)
        by_schema: dict[str, dict[str, str]] = {}
        for (schema, split), path in route_lines(scratch / "parts", scratch / "jsonl").items():
            by_schema.setdefault(schema, {})[split] = str(path)
        out_files: dict[str, int] = {}
        for schema_name, data_files in sorted(by_schema.items()):
            ordered = {split: data_files[split] for split in job.split.names if split in data_files}
            dataset = ds.load_dataset("json", data_files=ordered, features=features(ds), cache_dir=str(scratch / "cache"))
            dataset.save_to_disk(str(job.out / schema_name))
            for split in ordered:
                out_files[f"{schema_name}/{split}"] = job.rows_of(schema_name, split)
            job.on_rows(job.rows_of(schema_name))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    spans, unaligned = span_counts(job.con, job.selection)
    return FormatResult(
        files=out_files,
        info={"datasets_version": ds.__version__, "spans": {"exported": spans, "unaligned_values_left_out": unaligned}},
    )
