"""``hf``: a Hugging Face ``datasets.DatasetDict`` per schema, saved with ``save_to_disk``.

``datasets`` is an optional extra (``pip install 'annotate[hf]'``): it pulls in pyarrow and a
large stack that the rest of the tool does not need. Without it the format stops before any work
with one line saying how to install it.

Columns: doc_id, gold_id, schema, split, text, record and spans (list of {start, end, label,
path}, as in ``spans-jsonl``). ``record`` is nested like the schema, with the same types as the
Parquet export (:func:`annotate.export.parquet.record_structure`): ``record["units"][0]
["shortcomings"]`` is a list of strings, not JSON to parse. A field that may hold values of
several types is a string column. Each schema is its own dataset, so each has its own record type.

DuckDB first writes the rows, typed, as Parquet parts per schema and split (one per doc_id-range
pass), which the ``parquet`` builder converts to Arrow in batches — memory stays flat however many
documents there are, unlike ``Dataset.from_list``. Not JSON lines: the JSON builder lets pyarrow
guess each column's type, and it takes a date string for a timestamp (``"2022-02-28"`` would come
back as ``"2022-02-28 00:00:00"``).

``datasets`` reports progress and cache messages on stderr; the export silences them while it
runs (the CLI shows its own progress).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from annotate.export.base import ExportError, ExportJob, FormatResult, run_parallel
from annotate.export.parquet import record_structure
from annotate.export.sql import PARQUET_ROW_GROUP, spans_sql
from annotate.store.datasets import (
    GOLD_WITH_TEXT,
    KeyRange,
    Selection,
    SplitSpec,
    key_ranges,
    literal,
    selected,
    span_counts,
    split_sql,
)

MISSING = "the hf format needs the optional package 'datasets': pip install 'annotate[hf]' (or pip install datasets)"

_VALUE = {"BIGINT": "int64", "DOUBLE": "float64", "BOOLEAN": "bool", "VARCHAR": "string"}


def require_datasets() -> Any:
    """The ``datasets`` module, or an :class:`ExportError` with the install hint."""
    if importlib.util.find_spec("datasets") is None:
        raise ExportError(MISSING)
    # A local JSON build needs no hub access; make sure it never tries.
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return importlib.import_module("datasets")


def json_as_text(structure: Any) -> Any:
    """``record_structure`` with every ``JSON`` leaf read as ``VARCHAR`` (a string column)."""
    if isinstance(structure, dict):
        return {key: json_as_text(value) for key, value in structure.items()}
    if isinstance(structure, list):
        return [json_as_text(structure[0])]
    return "VARCHAR" if structure == "JSON" else structure


def feature(ds: Any, structure: Any) -> Any:
    """The ``datasets`` feature for a (``json_as_text``) DuckDB structure."""
    if isinstance(structure, dict):
        return {key: feature(ds, value) for key, value in structure.items()}
    if isinstance(structure, list):
        return [feature(ds, structure[0])]
    return ds.Value(_VALUE.get(structure, "string"))


def features(ds: Any, record: dict[str, Any]) -> Any:
    """Columns of one schema's dataset; ``record`` is its ``json_as_text`` structure."""
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
            "record": feature(ds, record),
            "spans": [span],
        }
    )


def copy_hf_parquet(
    con: duckdb.DuckDBPyConnection,
    sel: Selection,
    spec: SplitSpec,
    *,
    schema_name: str,
    split: str,
    record: dict[str, Any],
    path: Path,
    key_range: KeyRange = (None, None),
) -> None:
    """One schema's rows of one split (and key range): doc_id, gold_id, schema, split, text, record
    (typed by ``record``, a :func:`json_as_text` structure), spans."""
    where, params = selected(replace(sel, schema=schema_name), key_range)
    split_expr = split_sql(spec, "g.doc_id")
    record_type = literal(json.dumps(record, ensure_ascii=False))
    con.execute(
        f"COPY (SELECT g.doc_id, g.gold_id, g.schema_name AS schema, {split_expr} AS split, d.text,"
        f" json_transform(g.record, {record_type}) AS record, {spans_sql()} AS spans"
        f" FROM {GOLD_WITH_TEXT} WHERE {where} AND {split_expr} = ?)"
        f" TO {literal(str(path))} (FORMAT parquet, ROW_GROUP_SIZE {PARQUET_ROW_GROUP})",
        [*params, split],
    )


@contextmanager
def quiet(ds: Any) -> Iterator[None]:
    """No progress bars and only errors from ``datasets`` inside the block; the settings come back after."""
    bars = ds.is_progress_bar_enabled()
    verbosity = ds.logging.get_verbosity()
    ds.disable_progress_bars()
    ds.logging.set_verbosity_error()
    try:
        yield
    finally:
        ds.logging.set_verbosity(verbosity)
        if bars:
            ds.enable_progress_bars()


def write(job: ExportJob) -> FormatResult:
    ds = require_datasets()
    records = {name: json_as_text(record_structure(spec.model)) for name, spec in sorted(job.schemas.items())}
    scratch = Path(tempfile.mkdtemp(prefix="hf-", dir=job.out))
    try:
        parts: dict[str, dict[str, list[Path]]] = {}  # schema -> split -> parts, in pass order
        tasks: list[Callable[[duckdb.DuckDBPyConnection], None]] = []
        for pass_no, key_range in enumerate(key_ranges(job.con, job.selection)):
            for name, record in records.items():
                for split in job.split.names:
                    if job.rows_of(name, split):
                        path = scratch / name / split / f"part-{pass_no:05d}.parquet"
                        path.parent.mkdir(parents=True, exist_ok=True)
                        parts.setdefault(name, {}).setdefault(split, []).append(path)
                        tasks.append(partial(_copy, job, name, split, record, path, key_range))
        run_parallel(job.con, tasks)  # a pass that holds none of a split's rows leaves an empty part: harmless
        out_files: dict[str, int] = {}
        with quiet(ds):
            for schema_name, by_split in sorted(parts.items()):
                data_files = {split: [str(p) for p in paths] for split, paths in by_split.items()}
                dataset = ds.load_dataset(
                    "parquet", data_files=data_files, features=features(ds, records[schema_name]),
                    cache_dir=str(scratch / "cache"),
                )  # fmt: skip
                dataset.save_to_disk(str(job.out / schema_name))
                for split in data_files:
                    out_files[f"{schema_name}/{split}"] = job.rows_of(schema_name, split)
                job.on_rows(job.rows_of(schema_name))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    spans, unaligned = span_counts(job.con, job.selection)
    return FormatResult(
        files=out_files,
        info={"datasets_version": ds.__version__, "spans": {"exported": spans, "unaligned_values_left_out": unaligned}},
    )


def _copy(
    job: ExportJob, name: str, split: str, record: dict[str, Any], path: Path, key_range: KeyRange,
    cur: duckdb.DuckDBPyConnection,
) -> None:
    copy_hf_parquet(
        cur, job.selection, job.split, schema_name=name, split=split, record=record, path=path, key_range=key_range
    )
