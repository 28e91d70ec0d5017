"""Gold export for training: chat-jsonl, spans-jsonl, parquet and Hugging Face datasets.

One entry point, :func:`run_export`, does what every format needs — resolve which gold rows
(``--version``), check the schemas, write into a staging directory next to ``--out`` and move it
into place only when complete (a killed export never leaves a half-written dataset that looks
finished), and write ``manifest.json``. Reads run in one transaction (the Parquet writer's
parallel cursors aside), and the CLI opens the store read-only so no writer can interleave: the
files, the counts and the gold ids in the manifest describe the same data.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from annotate.export.base import ExportError, ExportJob, FormatResult
from annotate.export.manifest import MANIFEST, ManifestError, now_iso, read_manifest, write_manifest
from annotate.export.splits import SplitSpec, parse_split
from annotate.schema_registry import SchemaError, SchemaSpec, get_schema
from annotate.store.datasets import (
    Selection,
    bounded_memory,
    gold_schemas,
    gold_summary,
    iter_gold_ids,
    missing_text_count,
    superseded_counts,
)
from annotate.store.lake import pinned_snapshot

__all__ = ["FORMATS", "ExportError", "ExportResult", "parse_version", "run_export"]

FORMATS: dict[str, str] = {
    "chat-jsonl": "annotate.export.chat_jsonl",
    "spans-jsonl": "annotate.export.spans_jsonl",
    "parquet": "annotate.export.parquet",
    "hf": "annotate.export.hf",
}
"""Format name -> module with ``write(job) -> FormatResult``."""

EXPORT_MEMORY = os.environ.get("ANNOTATE_EXPORT_MEMORY", "1GB")
"""DuckDB's memory cap during an export (it spills beyond it), so the footprint stays flat."""

_GOLD_ID = re.compile(r"^[^:,\s]+:[^:,\s]+:v\d+$")


@dataclass
class ExportResult:
    out: Path
    format: str
    documents: int
    counts: dict[str, dict[str, int]]
    files: dict[str, int]
    excluded: dict[str, int]
    manifest: dict[str, Any] = field(default_factory=dict)


def parse_version(value: str | None, *, schema: str | None = None) -> Selection:
    """``latest`` | ``N`` (each document's newest version <= N) | gold id(s) | a previous ``manifest.json``."""
    text = (value or "latest").strip()
    if text == "latest":
        return Selection(schema=schema)
    if text.isdigit():
        if int(text) < 1:
            raise ExportError(f"--version {text}: gold versions start at 1")
        return Selection(schema=schema, version=int(text))
    path = Path(text)
    if text.endswith(".json") or path.is_dir():
        if path.is_dir():
            path = path / MANIFEST
        try:
            return Selection(schema=schema, gold_ids=tuple(read_manifest(path)["gold_ids"]))
        except ManifestError as exc:
            raise ExportError(f"--version {exc}") from exc
    ids = [part.strip() for part in text.split(",") if part.strip()]
    bad = next((i for i in ids if not _GOLD_ID.match(i)), None)
    if not ids or bad is not None:
        raise ExportError(
            f"--version {bad or text!r}: expected 'latest', a version number, a gold id like DOC:SCHEMA:v2,"
            " or a previous export's manifest.json"
        )
    return Selection(schema=schema, gold_ids=tuple(ids))


def _check_pinned(con: duckdb.DuckDBPyConnection, sel: Selection) -> None:
    if sel.gold_ids is None:
        return
    found = {
        r[0] for r in con.execute("SELECT gold_id FROM gold WHERE list_contains(?, gold_id)", [list(sel.gold_ids)]).fetchall()
    }
    missing = [g for g in sel.gold_ids if g not in found]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ExportError(f"--version: gold id {missing[0]} is not in the database{more}")


def _schemas(con: duckdb.DuckDBPyConnection, sel: Selection) -> dict[str, SchemaSpec]:
    if sel.schema:
        try:
            get_schema(sel.schema)
        except SchemaError as exc:
            raise ExportError(f"--schema: {exc}") from exc
    names = gold_schemas(con, sel)
    if not names:
        where = f" for schema {sel.schema}" if sel.schema else ""
        raise ExportError(
            f"nothing to export: no accepted gold{where} ({sel.label}); run `annotate pull` after annotators submit"
        )
    out = {}
    for name in names:
        try:
            out[name] = get_schema(name)
        except SchemaError as exc:
            raise ExportError(f"gold uses schema {name!r}, which is not in the schema registry; use --schema") from exc
    return out


def _prepare_out(out: Path) -> Path:
    """Refuse to overwrite anything but a previous export; return an empty staging directory."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise ExportError(f"--out {out}: directory is not empty and holds no previous export (no {MANIFEST})")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def _publish(staging: Path, out: Path) -> None:
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)


def _prompt_info(schemas: list[str]) -> dict[str, Any]:
    """The pipeline's prompt id@hash per schema (what a prediction's version key names), if loadable."""
    try:
        from annotate.extraction.prompts import PromptError, get_prompt
    except ImportError:  # pragma: no cover - the extraction package is part of the project
        return {}
    out: dict[str, Any] = {}
    for name in schemas:
        try:
            p = get_prompt(name)
            out[name] = {"id": p.id, "hash": p.hash, "file": p.path.name}
        except PromptError:
            out[name] = None
    return out


def run_export(
    con: duckdb.DuckDBPyConnection,
    *,
    fmt: str,
    out: Path,
    selection: Selection,
    split: SplitSpec | str | None = None,
    command: str = "",
    on_rows: Callable[[int], None] = lambda n: None,
    on_total: Callable[[int], None] = lambda n: None,
) -> ExportResult:
    """Export the selected accepted gold as ``fmt`` into the directory ``out`` (see module doc)."""
    if fmt not in FORMATS:
        raise ExportError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    spec = split if isinstance(split, SplitSpec) else parse_split(split)
    module = importlib.import_module(FORMATS[fmt])
    if fmt == "hf":
        module.require_datasets()  # fail before touching anything
    con.execute("BEGIN TRANSACTION")
    try:
        _check_pinned(con, selection)
        schemas = _schemas(con, selection)
        summary = gold_summary(con, selection, spec)
        on_total(summary.total)
        staging = _prepare_out(out)
        try:
            job = ExportJob(
                con=con, selection=selection, split=spec, schemas=schemas, out=staging, summary=summary, on_rows=on_rows
            )
            with bounded_memory(con, EXPORT_MEMORY):
                result: FormatResult = module.write(job)
            excluded = {
                f"superseded_by_{k}": v for k, v in superseded_counts(con, selection).items()
            } | {"missing_document_text": missing_text_count(con, selection)}
            head = {
                "format": fmt,
                "created": now_iso(),
                "command": command,
                "selection": {
                    "version": selection.label,
                    "schema": selection.schema,
                    "rule": "accepted gold only; latest version per document unless a newer rejection or"
                    " quarantined annotation supersedes it",
                },
                "split": {
                    "spec": spec.label(),
                    "names": list(spec.names),
                    "method": "int(md5(doc_id).hexdigest()[:8], 16) % 10000 against cumulative shares",
                },
                "documents": summary.total,
                "counts": summary.counts,
                "totals": {
                    name: sum(c.get(name, 0) for c in summary.counts.values()) for name in spec.names
                },
                "schemas": {
                    name: {"hash": s.hash, "evidence_fields": s.evidence_fields} for name, s in schemas.items()
                },
                "prompts": result.info.pop("prompts", None) or _prompt_info(sorted(schemas)),
                "prediction_version_keys": summary.prediction_version_keys,
                **({"spans": result.info.pop("spans")} if "spans" in result.info else {}),
                "excluded": excluded,
                **({"store_snapshot": snapshot} if (snapshot := pinned_snapshot(con)) is not None else {}),
                "files": result.files,
                **({"format_info": result.info} if result.info else {}),
            }
            n_ids = write_manifest(staging / MANIFEST, head, iter_gold_ids(con, selection))
            if n_ids != summary.total:  # cannot happen inside one snapshot; guard against a silent lie
                raise ExportError(f"internal: manifest lists {n_ids} gold ids for {summary.total} documents")
            _publish(staging, out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        con.execute("ROLLBACK")  # read-only work: nothing to keep
    return ExportResult(
        out=out,
        format=fmt,
        documents=summary.total,
        counts=summary.counts,
        files=result.files,
        excluded=excluded,
        manifest=head,
    )
