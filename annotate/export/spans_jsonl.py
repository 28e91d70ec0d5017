"""``spans-jsonl``: ``{"text", "spans": [{"start", "end", "label", "path"}], "doc_id", "meta"}`` per document.

This is the layout spaCy (``Doc.char_span``) and Prodigy (``spans``) import. ``label`` is the
field pattern (``units[].shortcomings[]``), so one label per schema field; ``path`` keeps the exact
position (``units[1].shortcomings[0]``), which carries the nesting a flat NER label cannot.
Spans may nest (a unit's review contains its shortcomings), which span-categorisation models
accept and single-label NER does not. Values without a span (unaligned) and spans that no longer
slice to their quote are left out and counted in the manifest, never moved to a guessed place.
DuckDB computes the spans and writes the lines (``COPY … (FORMAT json)``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from annotate.export.base import ExportJob, FormatResult, LineRouter
from annotate.export.sql import pass_file, spans_sql
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


def copy_spans_jsonl(
    con: duckdb.DuckDBPyConnection,
    sel: Selection,
    spec: SplitSpec,
    out_dir: Path,
    key_range: KeyRange = (None, None),
    pass_no: int = 0,
) -> Path:
    """``{"text", "spans", "doc_id", "meta": {schema, gold_id, split}}`` per document, led by the
    routing keys ``s`` (schema) and ``p`` (split), to ``out_dir/pass-NNNNN.jsonl``; returns that file.

    DuckDB's own ``PARTITION_BY`` would do the routing, but its partitioned JSON writer is about
    twice as slow as a plain COPY here; reading two short keys off each line costs far less.
    """
    where, params = selected(sel, key_range)
    split = split_sql(spec, "g.doc_id")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = pass_file(out_dir, pass_no)
    con.execute(
        f"COPY (SELECT g.schema_name AS s, {split} AS p, d.text AS text, {spans_sql()} AS spans, g.doc_id AS doc_id,"
        f" struct_pack(schema := g.schema_name, gold_id := g.gold_id, split := {split}) AS meta"
        f" FROM {GOLD_WITH_TEXT} WHERE {where}) TO {literal(str(path))} (FORMAT json)",
        params,
    )
    return path


def write(job: ExportJob) -> FormatResult:
    parts = job.out / ".parts"
    with LineRouter(job.out) as router:
        for pass_no, key_range in enumerate(key_ranges(job.con, job.selection)):
            router.route_async(copy_spans_jsonl(job.con, job.selection, job.split, parts, key_range, pass_no))
        files = {
            str(path.relative_to(job.out)): job.rows_of(schema, split)
            for (schema, split), path in router.wait().items()
        }
    shutil.rmtree(parts, ignore_errors=True)
    job.on_rows(job.summary.total)
    spans, unaligned = span_counts(job.con, job.selection)
    return FormatResult(files=files, info={"spans": {"exported": spans, "unaligned_values_left_out": unaligned}})
