"""``hf``: a Hugging Face ``datasets.DatasetDict`` per schema, saved with ``save_to_disk``.

``datasets`` is an optional extra (``pip install 'annotate[hf]'``): it pulls in pyarrow and a
large stack that the rest of the tool does not need. Without it the format stops before any work
with one line saying how to install it.

Rows are first streamed to per-split JSONL files and then loaded by the ``json`` builder, which
converts them to Arrow in batches — memory stays flat however many documents there are, unlike
``Dataset.from_list``. Columns: doc_id, gold_id, schema, split, text, record (the gold record as
a JSON string: schemas differ and keep evolving, and a string column never fails to cast) and
spans (list of {start, end, label, path}).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from annotate.export.base import ExportError, ExportJob, FormatResult, SplitFiles
from annotate.export.spans_jsonl import SpanStats, spans_of
from annotate.store.datasets import iter_gold

MISSING = "the hf format needs the optional package 'datasets': pip install 'annotate[hf]' (or pip install datasets)"

_dumps = json.JSONEncoder(ensure_ascii=False).encode


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
    stats = SpanStats()
    scratch = Path(tempfile.mkdtemp(prefix="annotate-hf-", dir=job.out))
    try:
        with SplitFiles(scratch / "jsonl", ".jsonl") as files:
            for row in iter_gold(job.con, job.selection):
                split = job.split.assign(row.doc_id)
                line = {
                    "doc_id": row.doc_id,
                    "gold_id": row.gold_id,
                    "schema": row.schema_name,
                    "split": split,
                    "text": row.text,
                    "record": row.record_json,
                    "spans": spans_of(row.text, json.loads(row.groundings_json), stats, row.gold_id),
                }
                files.get(row.schema_name, split).write(_dumps(line) + "\n")
                files.count(row.schema_name, split)
        out_files: dict[str, int] = {}
        for schema_name in sorted({key.split("/", 1)[0] for key in files.rows}):
            data_files = {
                split: str(scratch / "jsonl" / schema_name / f"{split}.jsonl")
                for split in job.split.names
                if f"{schema_name}/{split}.jsonl" in files.rows
            }
            dataset = ds.load_dataset(
                "json", data_files=data_files, features=features(ds), cache_dir=str(scratch / "cache")
            )
            dataset.save_to_disk(str(job.out / schema_name))
            for split in data_files:
                out_files[f"{schema_name}/{split}"] = files.rows[f"{schema_name}/{split}.jsonl"]
            job.on_rows(sum(out_files[f"{schema_name}/{s}"] for s in data_files))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return FormatResult(files=out_files, info={"spans": stats.spans, "datasets_version": ds.__version__})
